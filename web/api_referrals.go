package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"

	"safeguard"
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
	var ref safeguard.Referral
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err := decodeJSON(r, &ref); err != nil {
		s.Error(w, r, err)
		return
	}
	clearServerFields(&ref)
	if err := ref.Validate(); err != nil {
		s.Error(w, r, err)
		return
	}
	sum := sha256.Sum256(body)
	ref.Document, ref.DocumentSHA256, ref.Format = body, hex.EncodeToString(sum[:]), "json"
	if ref.ReceivedAt.IsZero() {
		ref.ReceivedAt = safeguard.NowFromContext(r.Context())
	}
	dup, err := s.svc.Referrals.CreateReferral(r.Context(), &ref)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	status := http.StatusCreated
	if dup {
		status = http.StatusOK
	} else {
		w.Header().Set("Location", "/api/v1/referrals/"+itoa(ref.ID))
	}
	writeJSON(w, status, createdResponse{ID: ref.ID, Duplicate: dup})
}

// clearServerFields drops what only Safeguard may set on a referral: ids,
// the link to a subject (linking is analysis, with evidence), and the
// document's format and hash, which the server computes.
func clearServerFields(r *safeguard.Referral) {
	r.ID, r.SubjectID, r.Format, r.DocumentSHA256 = 0, nil, "", ""
	for i := range r.Identifiers {
		r.Identifiers[i].ID = 0
	}
	for i := range r.IPEvents {
		r.IPEvents[i].ID, r.IPEvents[i].ReferralID = 0, 0
	}
	for i := range r.Files {
		r.Files[i].ID, r.Files[i].ReferralID = 0, 0
	}
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
