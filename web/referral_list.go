package web

import (
	"net/http"

	"safeguard"
)

// referralListPage is the data of the referral list.
type referralListPage struct {
	Rows    []*safeguard.Referral
	Pager   pager
	Source  string
	Sources []string
}

// listReferrals handles GET /referrals, filtered by source and paged.
func (s *Server) listReferrals(w http.ResponseWriter, r *http.Request) {
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
	rows, total, err := s.svc.Referrals.FindReferrals(r.Context(), safeguard.ReferralFilter{Source: source, Offset: offset, Limit: limit})
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "referral_list", &view{Page: referralListPage{
		Rows: rows, Pager: newPager(r, offset, limit, total), Source: source,
		Sources: []string{safeguard.SourceCyberTip, safeguard.SourceP2P, safeguard.SourceHotline},
	}})
}
