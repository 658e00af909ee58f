package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"safeguard"
	"safeguard/risk"
)

// subjectRisk is the risk assessment section of a subject's page: why the
// subject is in its band, the override beside the computed band, what
// changed between assessments, the analysts' facts and the CPORT.
type subjectRisk struct {
	Current *safeguard.Assessment // nil before the first assessment
	// Computed is the band the policy gave; it differs from Current.Band
	// while an override stands.
	Computed    safeguard.Band
	Explanation string // e.g. "Immediate because: works or volunteers as a scout leader (…)."
	// OverrideNote is how the override was weighed, e.g. raised by a later
	// fact; "" without an override.
	OverrideNote string
	Override     *safeguard.BandOverride // the one that has not been ended
	Overrides    []*safeguard.BandOverride
	History      []historyRow
	Facts        []factRow
	Recordable   []risk.RecordableFact
	CPORT        []cportRow
	CPORTItems   [7]risk.CPORTItem
	CPORTCaveat  string
	Bands        []safeguard.Band
	CanAssess    bool // record and retract facts
	CanCPORT     bool // complete a CPORT: analysts and investigators
	CanOverride  bool
}

// historyRow is one assessment with what changed since the one before.
type historyRow struct {
	*safeguard.Assessment
	Changes []string
}

// factRow is an analyst's fact with its value in words.
type factRow struct {
	*safeguard.FactEntry
	Shown string
}

// cportRow is a CPORT score with each answer beside its item.
type cportRow struct {
	*safeguard.CPORTRecord
	Answers []cportAnswer
}

type cportAnswer struct {
	Item, Answer string
}

// ruleOverride is the trace entry the assessor adds when an override is
// weighed.
const ruleOverride = "override"

// loadSubjectRisk adds the risk section to a subject's page from its
// assessments (already loaded) and the risk service; without the service
// the section is left out. Reading facts, overrides and CPORT scores is
// audited by the store.
func (s *Server) loadSubjectRisk(ctx context.Context, p *subjectPage) error {
	if s.svc.Risk == nil {
		return nil
	}
	id := p.Subject.ID
	facts, err := s.svc.Risk.FindFacts(ctx, id)
	if err != nil {
		return err
	}
	overrides, err := s.svc.Risk.FindOverrides(ctx, id)
	if err != nil {
		return err
	}
	cport, err := s.svc.Risk.FindCPORT(ctx, id)
	if err != nil {
		return err
	}
	sr := &subjectRisk{Overrides: overrides, Recordable: risk.RecordableFacts(), CPORTItems: risk.CPORTItems,
		CPORTCaveat: risk.CPORTCaveat, Bands: safeguard.Bands, History: assessmentHistory(p.Assessments)}
	if a, ok := safeguard.ActorFromContext(ctx); ok {
		sr.CanAssess, sr.CanOverride = a.Can(safeguard.PermAssess), a.Can(safeguard.PermOverrideBand)
		sr.CanCPORT = sr.CanAssess || a.Can(safeguard.PermRecordActions)
	}
	if len(p.Assessments) > 0 {
		cur := p.Assessments[0]
		sr.Current, sr.Computed = cur, computedBand(cur)
		sr.Explanation = risk.ExplainRecord(cur, sr.Computed)
		if t := traceEntry(cur, ruleOverride); t != nil {
			sr.OverrideNote = t.Reason
		}
	}
	for _, o := range overrides {
		if o.EndedAt == nil {
			sr.Override = o
			break
		}
	}
	// Newest first, like the assessments.
	for i := len(facts) - 1; i >= 0; i-- {
		sr.Facts = append(sr.Facts, factRow{FactEntry: facts[i], Shown: factWords(facts[i].Value)})
	}
	for _, c := range cport {
		row := cportRow{CPORTRecord: c}
		for i, a := range c.Answers {
			row.Answers = append(row.Answers, cportAnswer{Item: risk.CPORTItems[i].Text, Answer: yesnoUnknown(a)})
		}
		sr.CPORT = append(sr.CPORT, row)
	}
	p.Risk = sr
	return nil
}

// computedBand is the band the policy gave an assessment: kept beside an
// override that stands, else the band itself.
func computedBand(a *safeguard.Assessment) safeguard.Band {
	if a.ComputedBand != "" {
		return a.ComputedBand
	}
	return a.Band
}

func traceEntry(a *safeguard.Assessment, rule string) *safeguard.RuleFired {
	for i := range a.Trace {
		if a.Trace[i].Rule == rule {
			return &a.Trace[i]
		}
	}
	return nil
}

// assessmentHistory pairs each assessment (newest first) with what
// changed since the one before it.
func assessmentHistory(as []*safeguard.Assessment) []historyRow {
	rows := make([]historyRow, len(as))
	for i, a := range as {
		rows[i] = historyRow{Assessment: a}
		if i == len(as)-1 {
			rows[i].Changes = []string{"first assessment"}
			continue
		}
		rows[i].Changes = assessmentChanges(as[i+1], a)
	}
	return rows
}

// assessmentChanges says what differs between two assessments in order.
func assessmentChanges(prev, cur *safeguard.Assessment) []string {
	var out []string
	if prev.Band != cur.Band {
		out = append(out, fmt.Sprintf("band %s → %s", prev.Band, cur.Band))
	}
	if pc, cc := computedBand(prev), computedBand(cur); pc != cc && (pc != prev.Band || cc != cur.Band) {
		out = append(out, fmt.Sprintf("computed band %s → %s", pc, cc))
	}
	switch {
	case prev.OverrideReason == "" && cur.OverrideReason != "":
		out = append(out, "override stands: "+cur.OverrideReason)
	case prev.OverrideReason != "" && cur.OverrideReason == "":
		out = append(out, "override no longer stands")
	}
	if prev.Score != cur.Score {
		out = append(out, fmt.Sprintf("score %g → %g", prev.Score, cur.Score))
	}
	if prev.PolicyVersion != cur.PolicyVersion {
		out = append(out, fmt.Sprintf("policy %s → %s", prev.PolicyVersion, cur.PolicyVersion))
	}
	before, after := ruleSet(prev), ruleSet(cur)
	for _, r := range after {
		if !slices.Contains(before, r) {
			out = append(out, "now fires: "+r)
		}
	}
	for _, r := range before {
		if !slices.Contains(after, r) {
			out = append(out, "no longer fires: "+r)
		}
	}
	if !prev.DueAt.Equal(cur.DueAt) {
		out = append(out, "due "+fmtTime(cur.DueAt))
	}
	if len(out) == 0 {
		out = append(out, "the reasons' facts or sources")
	}
	return out
}

// ruleSet lists the rules that fired, leaving out the override entry:
// the override's changes are said on their own.
func ruleSet(a *safeguard.Assessment) []string {
	out := make([]string, 0, len(a.Trace))
	for _, t := range a.Trace {
		if t.Rule != ruleOverride {
			out = append(out, t.Rule)
		}
	}
	return out
}

// factWords shows a fact's JSON value: a word without its quotes.
func factWords(v string) string {
	var s string
	if json.Unmarshal([]byte(v), &s) == nil {
		return strings.ReplaceAll(s, "_", " ")
	}
	return v
}

func yesnoUnknown(b *bool) string {
	if b == nil {
		return "unknown"
	}
	return yesno(*b)
}

// factKind returns the kind of a recordable fact, "" for any other path.
func factKind(path string) string {
	for _, f := range risk.RecordableFacts() {
		if f.Path == path {
			return f.Kind
		}
	}
	return ""
}

// factValueJSON turns what a person typed into the JSON value the store
// takes: yes and no for a yes/no fact, a word quoted for a word fact;
// anything else is passed on for the store to check.
func factValueJSON(path, typed string) string {
	v := strings.TrimSpace(typed)
	switch kind := factKind(path); {
	case kind == "yes/no" && strings.EqualFold(v, "yes"):
		return "true"
	case kind == "yes/no" && strings.EqualFold(v, "no"):
		return "false"
	case (kind == "word" || kind == "list of words") && v != "" && !strings.HasPrefix(v, `"`):
		b, _ := json.Marshal(v)
		return string(b)
	}
	return v
}

// subjectChange runs change on the subject named in the path and redirects
// back to its risk section with done; an EINVALID error shows the page
// again with what was wrong, prefixed by failed.
func (s *Server) subjectChange(w http.ResponseWriter, r *http.Request, failed, done string, change func(*safeguard.Subject) error) {
	sub, err := s.svc.Subjects.FindSubjectByRef(r.Context(), r.PathValue("ref"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if err := change(sub); err != nil {
		if safeguard.ErrorCode(err) != safeguard.EINVALID {
			s.Error(w, r, err)
			return
		}
		s.renderSubject(w, r, http.StatusBadRequest, sub, failed+": "+safeguard.ErrorMessage(err))
		return
	}
	http.Redirect(w, r, "/subjects/"+url.PathEscape(sub.Ref)+"?done="+done+"#risk-h", http.StatusSeeOther)
}

// recordFact handles POST /subjects/{ref}/facts: path, value, note.
func (s *Server) recordFact(w http.ResponseWriter, r *http.Request) {
	s.subjectChange(w, r, "The fact was not recorded", "fact", func(sub *safeguard.Subject) error {
		path := strings.TrimSpace(r.PostForm.Get("path"))
		if path == "" {
			return safeguard.Errorf(safeguard.EINVALID, "choose a fact")
		} else if strings.TrimSpace(r.PostForm.Get("value")) == "" {
			return safeguard.Errorf(safeguard.EINVALID, "give the fact a value")
		}
		return s.svc.Risk.RecordFact(r.Context(), &safeguard.FactEntry{SubjectID: sub.ID, Path: path,
			Value: factValueJSON(path, r.PostForm.Get("value")), Note: strings.TrimSpace(r.PostForm.Get("note"))})
	})
}

// retractFact handles POST /subjects/{ref}/facts/{id}/retract with a
// reason. A fact of another subject is not found here.
func (s *Server) retractFact(w http.ResponseWriter, r *http.Request) {
	id, err := parseID(r, "id", "fact")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.subjectChange(w, r, "The fact was not retracted", "retracted", func(sub *safeguard.Subject) error {
		facts, err := s.svc.Risk.FindFacts(r.Context(), sub.ID)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(facts, func(f *safeguard.FactEntry) bool { return f.ID == id }) {
			return safeguard.Errorf(safeguard.ENOTFOUND, "Subject %s has no fact %d.", sub.Ref, id)
		}
		return s.svc.Risk.RetractFact(r.Context(), id, r.PostForm.Get("reason"))
	})
}

// setOverride handles POST /subjects/{ref}/override: band and reason.
func (s *Server) setOverride(w http.ResponseWriter, r *http.Request) {
	s.subjectChange(w, r, "The override was not set", "override", func(sub *safeguard.Subject) error {
		_, err := s.svc.Risk.SetOverride(r.Context(), sub.ID, safeguard.Band(r.PostForm.Get("band")), r.PostForm.Get("reason"))
		return err
	})
}

// endOverride handles POST /subjects/{ref}/override/end.
func (s *Server) endOverride(w http.ResponseWriter, r *http.Request) {
	s.subjectChange(w, r, "The override was not ended", "override-ended", func(sub *safeguard.Subject) error {
		return s.svc.Risk.EndOverride(r.Context(), sub.ID)
	})
}

// recordCPORT handles POST /subjects/{ref}/cport: each item's field
// cport_KEY is yes, no or unknown (or left out, also unknown).
func (s *Server) recordCPORT(w http.ResponseWriter, r *http.Request) {
	s.subjectChange(w, r, "The CPORT was not recorded", "cport", func(sub *safeguard.Subject) error {
		var answers [7]*bool
		for i, it := range risk.CPORTItems {
			switch v := r.PostForm.Get("cport_" + it.Key); v {
			case "yes", "no":
				b := v == "yes"
				answers[i] = &b
			case "", "unknown":
			default:
				return safeguard.Errorf(safeguard.EINVALID, "CPORT item %s: answer yes, no or unknown, not %q", it.Key, v)
			}
		}
		_, err := s.svc.Risk.RecordCPORT(r.Context(), sub.ID, answers)
		return err
	})
}
