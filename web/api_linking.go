package web

import (
	"context"
	"net/http"

	"safeguard"
)

// mergeRequest is the body of POST /api/v1/subjects/{ref}/merge.
type mergeRequest struct {
	From   string `json:"from"`
	Reason string `json:"reason"`
}

// apiMergeSubjects handles POST /api/v1/subjects/{ref}/merge: the subject
// named by "from" is merged into {ref}; answers the merged subject.
func (s *Server) apiMergeSubjects(w http.ResponseWriter, r *http.Request) {
	var req mergeRequest
	if err := decodeJSON(r, &req); err != nil {
		s.Error(w, r, err)
		return
	}
	sub, err := s.svc.Links.MergeSubjects(r.Context(), r.PathValue("ref"), req.From, req.Reason)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sub)
}

// splitRequest is the body of POST /api/v1/subjects/{ref}/split.
type splitRequest struct {
	Referrals []int64 `json:"referrals"`
	Reason    string  `json:"reason"`
}

// apiSplitSubject handles POST /api/v1/subjects/{ref}/split: the referrals
// move to a new subject, which it answers with 201.
func (s *Server) apiSplitSubject(w http.ResponseWriter, r *http.Request) {
	var req splitRequest
	if err := decodeJSON(r, &req); err != nil {
		s.Error(w, r, err)
		return
	}
	sub, err := s.svc.Links.SplitSubject(r.Context(), r.PathValue("ref"), req.Referrals, req.Reason)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/subjects/"+sub.Ref)
	writeJSON(w, http.StatusCreated, sub)
}

// apiPossibleLinks handles GET /api/v1/subjects/{ref}/possible-links.
func (s *Server) apiPossibleLinks(w http.ResponseWriter, r *http.Request) {
	links, err := s.svc.Links.FindPossibleLinks(r.Context(), r.PathValue("ref"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, itemsResponse[*safeguard.PossibleLink]{Items: nonNilSlice(links)})
}

// apiLinkHistory handles GET /api/v1/subjects/{ref}/links: every link to
// the subject, ended ones (merges, splits) included.
func (s *Server) apiLinkHistory(w http.ResponseWriter, r *http.Request) {
	links, err := s.svc.Links.FindLinkHistory(r.Context(), r.PathValue("ref"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, itemsResponse[safeguard.SubjectLink]{Items: nonNilSlice(links)})
}

// decisionRequest is the body of POST /api/v1/possible-links/{id}.
type decisionRequest struct {
	Decision string `json:"decision"` // confirm or reject
	Reason   string `json:"reason"`
}

// apiDecidePossibleLink handles POST /api/v1/possible-links/{id}.
func (s *Server) apiDecidePossibleLink(w http.ResponseWriter, r *http.Request) {
	id, err := parseID(r, "id", "possible link")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var req decisionRequest
	if err := decodeJSON(r, &req); err != nil {
		s.Error(w, r, err)
		return
	}
	confirm, err := parseDecision(req.Decision)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	p, err := s.svc.Links.DecidePossibleLink(r.Context(), id, confirm, req.Reason)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

// apiIngestRuns handles GET /api/v1/intake/runs?limit=.
func (s *Server) apiIngestRuns(w http.ResponseWriter, r *http.Request) {
	_, limit, err := parsePaging(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	runs, err := s.svc.IngestRuns.FindIngestRuns(r.Context(), limit)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, itemsResponse[*safeguard.IngestRun]{Items: nonNilSlice(runs)})
}

// apiIngestRejections handles GET /api/v1/intake/rejections?limit=.
func (s *Server) apiIngestRejections(w http.ResponseWriter, r *http.Request) {
	_, limit, err := parsePaging(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	rejs, err := s.svc.IngestRuns.FindIngestRejections(r.Context(), limit)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, itemsResponse[*safeguard.IngestRejection]{Items: nonNilSlice(rejs)})
}

// itemsResponse is a list the API answers whole.
type itemsResponse[T any] struct {
	Items []T `json:"items"`
}

func nonNilSlice[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// linkerActor is who links a referral posted to the API: linking runs as
// a national actor, whoever posted it.
var linkerActor = safeguard.Actor{Kind: safeguard.ActorSystem, Name: "linker", Role: safeguard.RoleAnalyst}

// linkPosted links a referral just committed through the API. The
// referral is accepted whatever happens here: a failure is logged and the
// server's linking loop picks the referral up.
func (s *Server) linkPosted(ctx context.Context, referralID int64) {
	if s.svc.Links == nil {
		return
	}
	lctx := safeguard.NewContextWithActor(ctx, linkerActor)
	if _, err := s.svc.Links.LinkReferral(lctx, referralID); err != nil {
		s.logger.Warn("linking a posted referral failed; the linking loop will retry",
			"request_id", safeguard.RequestIDFromContext(ctx), "referral_id", referralID, "code", safeguard.ErrorCode(err))
	}
}

// recordPosted counts an API post in the intake runs; a failure is logged.
func (s *Server) recordPosted(ctx context.Context, duplicate bool, rej *safeguard.IngestRejection) {
	if s.svc.IngestRuns == nil {
		return
	}
	if err := s.svc.IngestRuns.RecordAPIIngest(ctx, duplicate, rej); err != nil {
		s.logger.Warn("recording an API intake failed", "request_id", safeguard.RequestIDFromContext(ctx), "code", safeguard.ErrorCode(err))
	}
}
