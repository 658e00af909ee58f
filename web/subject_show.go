package web

import (
	"context"
	"net/http"

	"safeguard"
)

// subjectPage is the data of one subject's page.
type subjectPage struct {
	Subject     *safeguard.Subject
	Assessments []*safeguard.Assessment
	Referrals   []*safeguard.Referral
	Scans       []scanSummary
	// CanUpload shows the form attaching a scan report.
	CanUpload bool
	// Attribution is the attribution section; nil without the service.
	Attribution *subjectAttribution
	// Risk is the risk assessment section; nil without the service.
	Risk *subjectRisk
	// Linking is the subject's link history, possible links and forms.
	Linking *subjectLinking
}

// scanSummary is an attached scan report as the subject page shows it:
// counts and its hash, never any file's content.
type scanSummary struct {
	*safeguard.ScanReport
	Schemes []schemeCounts
}

// schemeCounts are a report's matches by category in one scheme, every
// category of the scheme in its own order (zeros included), so counts in
// different schemes are never read as one.
type schemeCounts struct {
	Scheme     safeguard.Scheme
	Name       string
	Categories []categoryCount
}

// schemeNames are the headings of the category schemes.
var schemeNames = map[safeguard.Scheme]string{
	safeguard.SchemeUK:  "UK scheme (Sentencing Council)",
	safeguard.SchemeVIC: "Project VIC scheme",
}

// countsByScheme lays out counts by category per scheme, UK first.
func countsByScheme(byCat map[safeguard.Scheme]map[string]int) []schemeCounts {
	var out []schemeCounts
	for _, sc := range []safeguard.Scheme{safeguard.SchemeUK, safeguard.SchemeVIC} {
		counts, ok := byCat[sc]
		if !ok {
			continue
		}
		row := schemeCounts{Scheme: sc, Name: schemeNames[sc]}
		for _, c := range sc.Categories() {
			row.Categories = append(row.Categories, categoryCount{Code: c, Label: sc.CategoryLabel(c), Count: counts[c]})
		}
		out = append(out, row)
	}
	return out
}

// showSubject handles GET /subjects/{ref}. The service audits the read and
// answers ENOTFOUND for a subject of another force, which is a 404 here.
func (s *Server) showSubject(w http.ResponseWriter, r *http.Request) {
	sub, err := s.svc.Subjects.FindSubjectByRef(r.Context(), r.PathValue("ref"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.renderSubject(w, r, http.StatusOK, sub, "")
}

// renderSubject renders a subject's page, with an error message above it
// when a form on it was refused.
func (s *Server) renderSubject(w http.ResponseWriter, r *http.Request, status int, sub *safeguard.Subject, msg string) {
	p, err := s.subjectPage(r.Context(), sub)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, status, "subject_show", &view{Page: p, Error: msg})
}

func (s *Server) subjectPage(ctx context.Context, sub *safeguard.Subject) (*subjectPage, error) {
	p := &subjectPage{Subject: sub}
	var err error
	if s.svc.Assessments != nil {
		if p.Assessments, err = s.svc.Assessments.FindAssessments(ctx, sub.ID); err != nil {
			return nil, err
		}
	}
	if err := s.loadSubjectAttribution(ctx, p); err != nil {
		return nil, err
	}
	if err := s.loadSubjectRisk(ctx, p); err != nil {
		return nil, err
	}
	if p.Linking, err = s.subjectLinking(ctx, sub); err != nil {
		return nil, err
	}
	if p.Referrals, _, err = s.svc.Referrals.FindReferrals(ctx, safeguard.ReferralFilter{SubjectID: &sub.ID, Limit: maxLimit}); err != nil {
		return nil, err
	}
	if s.svc.Scans != nil {
		reports, err := s.svc.Scans.FindScanReports(ctx, sub.ID)
		if err != nil {
			return nil, err
		}
		for _, rep := range reports {
			p.Scans = append(p.Scans, scanSummary{ScanReport: rep, Schemes: countsByScheme(rep.ByCategory)})
		}
		if a, ok := safeguard.ActorFromContext(ctx); ok {
			p.CanUpload = canAny(a, safeguard.PermAssess, safeguard.PermRecordActions)
		}
	}
	return p, nil
}

// canAny reports whether the actor has at least one of the permissions.
func canAny(a safeguard.Actor, perms ...safeguard.Permission) bool {
	for _, p := range perms {
		if a.Can(p) {
			return true
		}
	}
	return false
}
