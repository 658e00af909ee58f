package web

import (
	"net/http"

	"safeguard"
)

// maxDocumentReferrals bounds how many referrals a package document
// lists in full, with their identifiers and IP events.
const maxDocumentReferrals = 50

// packageDocument is what a force receives with a package, on one
// printable page: the package, the subject with its identifiers, IP events
// and attribution, its risk band with the rules that fired, and the
// category counts of its scan reports. Never any file's content.
type packageDocument struct {
	Package   *safeguard.Package
	Subject   *subjectPage
	Referrals []*safeguard.Referral // in full
	More      int                   // referrals not listed in full
}

// showPackageDocument handles GET /packages/{id}/document. Every read
// under it is audited by its service: the package, the subject, each
// referral and scan report.
func (s *Server) showPackageDocument(w http.ResponseWriter, r *http.Request) {
	id, err := packageID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	ctx := r.Context()
	pkg, err := s.svc.Operations.FindPackage(ctx, id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	sub, err := s.svc.Subjects.FindSubjectByRef(ctx, pkg.SubjectRef)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	sp, err := s.subjectPage(ctx, sub)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	d := packageDocument{Package: pkg, Subject: sp}
	for i, ref := range sp.Referrals {
		if i == maxDocumentReferrals {
			d.More = len(sp.Referrals) - i
			break
		}
		full, err := s.svc.Referrals.FindReferralByID(ctx, ref.ID)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		d.Referrals = append(d.Referrals, full)
	}
	s.render(w, r, http.StatusOK, "package_document", &view{Page: d})
}
