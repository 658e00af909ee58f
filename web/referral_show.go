package web

import (
	"net/http"

	"safeguard"
	"safeguard/matcher"
)

// referralPage is the data of one referral's page: its facts and file
// hashes, never any file content.
type referralPage struct {
	Referral   *safeguard.Referral
	SubjectRef string
	// Banks is false when no matcher is configured; otherwise Matched files
	// of the referral's were found in the banks, counted in Schemes.
	Banks   bool
	Matched int
	Schemes []schemeCounts
	// Original is the document as received, beside the parsed facts;
	// Attachments the documents its sender sent apart from it.
	Original    *originalView
	Attachments []attachmentView
}

// showReferral handles GET /referrals/{id}.
func (s *Server) showReferral(w http.ResponseWriter, r *http.Request) {
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
	p := referralPage{Referral: ref, Original: originalOf(ref.Document, ref.DocumentSHA256), Attachments: attachmentViews(ref)}
	if s.svc.Matcher != nil && s.svc.Matcher.Loaded() {
		probes := make([]matcher.Probe, len(ref.Files))
		for i, f := range ref.Files {
			probes[i] = matcher.FileProbe(f)
		}
		var counts map[safeguard.Scheme]map[string]int
		counts, p.Matched = s.svc.Matcher.Categorise(probes, defaultMatchRadius)
		p.Banks, p.Schemes = true, countsByScheme(counts)
	}
	if ref.SubjectID != nil {
		// The subject may belong to a force the actor cannot see; then the
		// page simply shows no link.
		if sub, err := s.svc.Subjects.FindSubjectByID(r.Context(), *ref.SubjectID); err == nil {
			p.SubjectRef = sub.Ref
		} else if code := safeguard.ErrorCode(err); code != safeguard.ENOTFOUND {
			s.Error(w, r, err)
			return
		}
	}
	s.render(w, r, http.StatusOK, "referral_show", &view{Page: p})
}
