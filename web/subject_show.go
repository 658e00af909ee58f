package web

import (
	"net/http"

	"safeguard"
)

// subjectPage is the data of one subject's page.
type subjectPage struct {
	Subject     *safeguard.Subject
	Assessments []*safeguard.Assessment
	Referrals   []*safeguard.Referral
	Scans       []*safeguard.ScanReport
}

// showSubject handles GET /subjects/{ref}. The service audits the read and
// answers ENOTFOUND for a subject of another force, which is a 404 here.
func (s *Server) showSubject(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	sub, err := s.svc.Subjects.FindSubjectByRef(ctx, r.PathValue("ref"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	p := subjectPage{Subject: sub}
	if s.svc.Assessments != nil {
		if p.Assessments, err = s.svc.Assessments.FindAssessments(ctx, sub.ID); err != nil {
			s.Error(w, r, err)
			return
		}
	}
	if p.Referrals, _, err = s.svc.Referrals.FindReferrals(ctx, safeguard.ReferralFilter{SubjectID: &sub.ID, Limit: maxLimit}); err != nil {
		s.Error(w, r, err)
		return
	}
	if s.svc.Scans != nil {
		if p.Scans, err = s.svc.Scans.FindScanReports(ctx, sub.ID); err != nil {
			s.Error(w, r, err)
			return
		}
	}
	s.render(w, r, http.StatusOK, "subject_show", &view{Page: p})
}
