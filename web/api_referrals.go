package web

import (
	"io"
	"net/http"

	"safeguard"
	"safeguard/intake"
)

// apiGetReferral handles GET /api/v1/referrals/{id}.
func (s *Server) apiGetReferral(w http.ResponseWriter, r *http.Request) {
	id, err := parseID(r, "id", "referral")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	ref, err := s.svc.Referrals.FindReferralByID(r.Context(), id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ref)
}

// createdResponse answers a referral intake.
type createdResponse struct {
	ID        int64 `json:"id"`
	Duplicate bool  `json:"duplicate"`
}

// apiCreateReferral handles POST /api/v1/referrals. The body, exactly as
// received, is kept as the referral's document; the answer is 201 for a new
// referral and 200 for one already held (same source and source_ref).
func (s *Server) apiCreateReferral(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		s.Error(w, r, jsonError(err))
		return
	}
	ref, err := intake.DecodeJSON(body, safeguard.NowFromContext(r.Context()))
	if err != nil {
		s.rejectPosted(w, r, err)
		return
	}
	dup, err := s.svc.Referrals.CreateReferral(r.Context(), ref)
	if err != nil {
		s.rejectPosted(w, r, err)
		return
	}
	if !dup {
		s.linkPosted(r.Context(), ref.ID)
	}
	s.recordPosted(r.Context(), dup, nil)
	status := http.StatusCreated
	if dup {
		status = http.StatusOK
	} else {
		w.Header().Set("Location", "/api/v1/referrals/"+itoa(ref.ID))
	}
	writeJSON(w, status, createdResponse{ID: ref.ID, Duplicate: dup})
}

// apiListReferrals handles GET /api/v1/referrals?source=&offset=&limit=.
func (s *Server) apiListReferrals(w http.ResponseWriter, r *http.Request) {
	offset, limit, err := parsePaging(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	source := r.URL.Query().Get("source")
	switch source {
	case "", safeguard.SourceCyberTip, safeguard.SourceP2P, safeguard.SourceHotline:
	default:
		s.Error(w, r, safeguard.Errorf(safeguard.EINVALID, "unknown source %q (want cybertip, p2p or hotline)", source))
		return
	}
	rows, total, err := s.svc.Referrals.FindReferrals(r.Context(), safeguard.ReferralFilter{
		Source: source, ForceCode: r.URL.Query().Get("force"), Offset: offset, Limit: limit,
	})
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if rows == nil {
		rows = []*safeguard.Referral{}
	}
	writeJSON(w, http.StatusOK, listResponse[*safeguard.Referral]{Items: rows, Total: total, Offset: offset, Limit: limit})
}

// rejectPosted answers a refused referral, recording a bad one (EINVALID)
// on the intake page.
func (s *Server) rejectPosted(w http.ResponseWriter, r *http.Request, err error) {
	if safeguard.ErrorCode(err) == safeguard.EINVALID {
		s.recordPosted(r.Context(), false, &safeguard.IngestRejection{File: "POST /api/v1/referrals", Error: safeguard.ErrorMessage(err)})
	}
	s.Error(w, r, err)
}
