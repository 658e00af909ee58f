package web

import (
	"net/http"

	"safeguard"
)

// How much the intake page shows of each list.
const (
	intakeReferrals  = 25
	intakeRuns       = 20
	intakeRejections = 50
)

// intakePage is the intake page's data.
type intakePage struct {
	Referrals  []*safeguard.Referral
	Runs       []*safeguard.IngestRun
	Rejections []*safeguard.IngestRejection
}

// showIntake handles GET /intake: the latest referrals, the latest ingest
// runs (from `safeguard ingest` and the API) with their accepted,
// duplicate and rejected counts, and the latest rejections with the file,
// where in it and why. Every list is read through the services, which
// audit the reads.
func (s *Server) showIntake(w http.ResponseWriter, r *http.Request) {
	p := &intakePage{}
	var err error
	if p.Referrals, _, err = s.svc.Referrals.FindReferrals(r.Context(), safeguard.ReferralFilter{Limit: intakeReferrals}); err != nil {
		s.Error(w, r, err)
		return
	}
	if p.Runs, err = s.svc.IngestRuns.FindIngestRuns(r.Context(), intakeRuns); err != nil {
		s.Error(w, r, err)
		return
	}
	if p.Rejections, err = s.svc.IngestRuns.FindIngestRejections(r.Context(), intakeRejections); err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "intake", &view{Page: p})
}
