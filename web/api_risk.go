package web

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"

	"safeguard"
	"safeguard/risk"
)

// subjectJSON is a subject as GET /api/v1/subjects/{ref} answers it: every
// field of the subject and its current assessment in the shape policy eval
// prints (null before the first).
type subjectJSON struct {
	*safeguard.Subject
	Assessment *risk.Summary `json:"assessment"`
}

// subjectWithAssessment adds the subject's latest assessment, when the
// server has the service.
func (s *Server) subjectWithAssessment(ctx context.Context, sub *safeguard.Subject) (*subjectJSON, error) {
	out := &subjectJSON{Subject: sub}
	if s.svc.Assessments == nil {
		return out, nil
	}
	as, err := s.svc.Assessments.FindAssessments(ctx, sub.ID)
	if err != nil || len(as) == 0 {
		return out, err
	}
	sum := risk.RecordSummary(as[0])
	out.Assessment = &sum
	return out, nil
}

// apiSubject finds the subject named in the path, answering the error
// itself when there is none to see.
func (s *Server) apiSubject(w http.ResponseWriter, r *http.Request) (*safeguard.Subject, bool) {
	sub, err := s.svc.Subjects.FindSubjectByRef(r.Context(), r.PathValue("ref"))
	if err != nil {
		s.Error(w, r, err)
		return nil, false
	}
	return sub, true
}

// items answers a list as {"items": [...]}, never null.
func items[T any](list []T) map[string][]T {
	if list == nil {
		list = []T{}
	}
	return map[string][]T{"items": list}
}

// apiSubjectFacts handles GET /api/v1/subjects/{ref}/facts: the analysts'
// facts, oldest first, retracted ones included.
func (s *Server) apiSubjectFacts(w http.ResponseWriter, r *http.Request) {
	sub, ok := s.apiSubject(w, r)
	if !ok {
		return
	}
	facts, err := s.svc.Risk.FindFacts(r.Context(), sub.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, items(facts))
}

// factInput is the body of POST /api/v1/subjects/{ref}/facts.
type factInput struct {
	Path  string          `json:"path"`
	Value json.RawMessage `json:"value"`
	Note  string          `json:"note"`
}

// apiRecordFact handles POST /api/v1/subjects/{ref}/facts.
func (s *Server) apiRecordFact(w http.ResponseWriter, r *http.Request) {
	sub, ok := s.apiSubject(w, r)
	if !ok {
		return
	}
	var in factInput
	if err := decodeJSON(r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	if len(in.Value) == 0 {
		s.Error(w, r, safeguard.Errorf(safeguard.EINVALID, "value is required: true or false, a count, or a word"))
		return
	}
	e := &safeguard.FactEntry{SubjectID: sub.ID, Path: in.Path, Value: string(in.Value), Note: in.Note}
	if err := s.svc.Risk.RecordFact(r.Context(), e); err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, e)
}

// apiRetractFact handles POST /api/v1/facts/{id}/retract: {"reason"}.
func (s *Server) apiRetractFact(w http.ResponseWriter, r *http.Request) {
	id, err := parseID(r, "id", "fact")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var in struct {
		Reason string `json:"reason"`
	}
	if err := decodeJSON(r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.svc.Risk.RetractFact(r.Context(), id, in.Reason); err != nil {
		s.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// apiSetOverride handles POST /api/v1/subjects/{ref}/override: {"band",
// "reason"}.
func (s *Server) apiSetOverride(w http.ResponseWriter, r *http.Request) {
	sub, ok := s.apiSubject(w, r)
	if !ok {
		return
	}
	var in struct {
		Band   safeguard.Band `json:"band"`
		Reason string         `json:"reason"`
	}
	if err := decodeJSON(r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	o, err := s.svc.Risk.SetOverride(r.Context(), sub.ID, in.Band, in.Reason)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, o)
}

// apiEndOverride handles POST /api/v1/subjects/{ref}/override/end.
func (s *Server) apiEndOverride(w http.ResponseWriter, r *http.Request) {
	sub, ok := s.apiSubject(w, r)
	if !ok {
		return
	}
	if err := s.svc.Risk.EndOverride(r.Context(), sub.ID); err != nil {
		s.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// cportJSON is a CPORT score with the published caveat.
type cportJSON struct {
	*safeguard.CPORTRecord
	Caveat string `json:"caveat"`
}

// apiSubjectCPORT handles GET /api/v1/subjects/{ref}/cport: the scores,
// newest first, each with the caveat.
func (s *Server) apiSubjectCPORT(w http.ResponseWriter, r *http.Request) {
	sub, ok := s.apiSubject(w, r)
	if !ok {
		return
	}
	list, err := s.svc.Risk.FindCPORT(r.Context(), sub.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	out := make([]cportJSON, len(list))
	for i, c := range list {
		out[i] = cportJSON{CPORTRecord: c, Caveat: risk.CPORTCaveat}
	}
	writeJSON(w, http.StatusOK, items(out))
}

// apiRecordCPORT handles POST /api/v1/subjects/{ref}/cport: an answer
// sheet keyed by item (true, false, or null for missing), read strictly.
func (s *Server) apiRecordCPORT(w http.ResponseWriter, r *http.Request) {
	sub, ok := s.apiSubject(w, r)
	if !ok {
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	answers, err := risk.ParseCPORT(body)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	rec, err := s.svc.Risk.RecordCPORT(r.Context(), sub.ID, answers)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, cportJSON{CPORTRecord: rec, Caveat: risk.CPORTCaveat})
}

// apiListPolicies handles GET /api/v1/policies: the active version (the
// built-in one's when none was applied) and the loaded policies.
func (s *Server) apiListPolicies(w http.ResponseWriter, r *http.Request) {
	list, err := s.svc.Risk.FindPolicies(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if list == nil {
		list = []*safeguard.RiskPolicy{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"active": activeVersion(list), "builtin": risk.Builtin().Version, "items": list})
}

// apiLoadPolicy handles POST /api/v1/policies: the body is the policy
// document, stored as a candidate.
func (s *Server) apiLoadPolicy(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	p, err := s.svc.Risk.LoadPolicy(r.Context(), body)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, p)
}

// apiPolicyWhatIf handles GET /api/v1/policies/{version}/whatif?limit=:
// what the candidate would do to the open backlog, listing up to limit
// (default 200, at most 10,000) of the subjects that move.
func (s *Server) apiPolicyWhatIf(w http.ResponseWriter, r *http.Request) {
	limit := whatIfLimit
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 10000 {
			s.Error(w, r, safeguard.Errorf(safeguard.EINVALID, "limit must be a whole number from 0 to 10000, not %q", v))
			return
		}
		limit = n
	}
	wi, err := s.svc.Risk.WhatIf(r.Context(), r.PathValue("version"), limit)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if wi.Which == nil {
		wi.Which = []safeguard.BandMove{}
	}
	writeJSON(w, http.StatusOK, wi)
}

// apiApplyPolicy handles POST /api/v1/policies/{version}/apply.
func (s *Server) apiApplyPolicy(w http.ResponseWriter, r *http.Request) {
	s.apiDecidePolicy(w, r, s.svc.Risk.ApplyPolicy)
}

// apiDiscardPolicy handles POST /api/v1/policies/{version}/discard.
func (s *Server) apiDiscardPolicy(w http.ResponseWriter, r *http.Request) {
	s.apiDecidePolicy(w, r, s.svc.Risk.DiscardPolicy)
}

func (s *Server) apiDecidePolicy(w http.ResponseWriter, r *http.Request, decide func(context.Context, string) error) {
	if err := decide(r.Context(), r.PathValue("version")); err != nil {
		s.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
