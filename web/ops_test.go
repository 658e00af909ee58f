package web_test

import (
	"context"
	"iter"
	"strings"
	"testing"

	"safeguard"
)

func TestOperationPages(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	ctx := safeguard.NewContextWithActor(context.Background(), safeguard.SystemActor("test"))
	now := safeguard.NowFromContext(ctx)
	op := &safeguard.Operation{Code: "OP-LANTERN", Name: "Lantern (synthetic)", StartsAt: now}
	if err := e.Svc.Operations.CreateOperation(ctx, op); err != nil {
		t.Fatal(err)
	}
	kent := &safeguard.Package{OperationID: op.ID, SubjectID: e.Kent.ID, ForceCode: "KNT", Note: "kent-package-note"}
	essex := &safeguard.Package{OperationID: op.ID, SubjectID: e.Essex.ID, ForceCode: "ESX", Note: "essex-package-note"}
	for _, p := range []*safeguard.Package{kent, essex} {
		if err := e.Svc.Operations.SendPackage(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.Svc.Operations.RecordAction(ctx, &safeguard.Action{PackageID: kent.ID, Kind: safeguard.ActChildrenSafeguarded, Count: 2, At: now}); err != nil {
		t.Fatal(err)
	}

	b := e.NewBrowser(t)
	b.MustLogin(safeguard.RoleCoordinator)
	if list := b.Get("/operations"); list.StatusCode != 200 || !strings.Contains(list.Body, `href="/operations/OP-LANTERN"`) {
		t.Fatalf("operations: %d", list.StatusCode)
	}
	page := b.Get("/operations/OP-LANTERN")
	if page.StatusCode != 200 || !strings.Contains(page.Body, "kent-package-note") || !strings.Contains(page.Body, "essex-package-note") || !strings.Contains(page.Body, "children safeguarded ×2") {
		t.Errorf("coordinator's operation page: %d\n%s", page.StatusCode, page.Body)
	}
	// A KNT supervisor sees only the KNT package.
	s := e.NewBrowser(t)
	s.MustLogin(safeguard.RoleSupervisor)
	page = s.Get("/operations/OP-LANTERN")
	if page.StatusCode != 200 || !strings.Contains(page.Body, "kent-package-note") || strings.Contains(page.Body, "essex-package-note") {
		t.Errorf("supervisor's operation page: %d", page.StatusCode)
	}
	if got := b.Get("/operations/OP-NONE").StatusCode; got != 404 {
		t.Errorf("unknown operation: %d", got)
	}
}

func TestBankPages(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	ctx := safeguard.NewContextWithActor(context.Background(), safeguard.SystemActor("test"))
	entries := []*safeguard.BankEntry{
		{EntryID: "1", MD5: "0123456789abcdef0123456789abcdef", Category: "A"},
		{EntryID: "2", MD5: "1123456789abcdef0123456789abcdef", Category: "A"},
		{EntryID: "3", MD5: "2123456789abcdef0123456789abcdef", Category: "C"},
	}
	seq := iter.Seq2[*safeguard.BankEntry, error](func(yield func(*safeguard.BankEntry, error) bool) {
		for _, en := range entries {
			if !yield(en, nil) {
				return
			}
		}
	})
	if err := e.Svc.Banks.ImportBank(ctx, &safeguard.HashBank{Name: "test-bank", Scheme: safeguard.SchemeUK, Source: "synthetic", Licence: "test only"}, seq); err != nil {
		t.Fatal(err)
	}
	b := e.NewBrowser(t)
	b.MustLogin(safeguard.RoleCoordinator)
	if list := b.Get("/banks"); list.StatusCode != 200 || !strings.Contains(list.Body, `href="/banks/test-bank"`) {
		t.Fatalf("banks: %d\n%s", list.StatusCode, list.Body)
	}
	page := b.Get("/banks/test-bank")
	if page.StatusCode != 200 || !strings.Contains(page.Body, "<td>Category A</td><td class=\"num\">2</td>") || strings.Contains(page.Body, "0123456789abcdef") {
		t.Errorf("bank page: %d\n%s", page.StatusCode, page.Body)
	}
	a := e.NewBrowser(t)
	a.MustLogin(safeguard.RoleAuditor)
	if got := a.Get("/banks/test-bank").StatusCode; got != 403 {
		t.Errorf("auditor on a bank: %d", got)
	}
}

func TestScanReportPages(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	ctx := safeguard.NewContextWithActor(context.Background(), safeguard.SystemActor("test"))
	mk := func(subject int64) *safeguard.ScanReport {
		r := &safeguard.ScanReport{SubjectID: &subject, Document: []byte(`{"tool":"safeguard scan"}`), Tool: "safeguard scan test",
			Files: 120, Matched: 4, ByCategory: map[safeguard.Scheme]map[string]int{safeguard.SchemeUK: {"A": 3, "C": 1}}}
		if err := e.Svc.Scans.CreateScanReport(ctx, r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	kent, essex := mk(e.Kent.ID), mk(e.Essex.ID)

	b := e.NewBrowser(t)
	b.MustLogin(safeguard.RoleInvestigator) // KNT
	if page := b.Get("/subjects/" + e.Kent.Ref); !strings.Contains(page.Body, `href="/scans/`+itoa(kent.ID)+`"`) {
		t.Errorf("subject page does not link its scan report")
	}
	page := b.Get("/scans/" + itoa(kent.ID))
	if page.StatusCode != 200 || !strings.Contains(page.Body, "<td>Category A</td><td class=\"num\">3</td>") || !strings.Contains(page.Body, "safeguard scan test") {
		t.Errorf("scan page: %d\n%s", page.StatusCode, page.Body)
	}
	if got := b.Get("/scans/" + itoa(essex.ID)).StatusCode; got != 404 {
		t.Errorf("another force's scan report: %d, want 404", got)
	}
	tok := e.MustToken(t, safeguard.RoleInvestigator)
	if resp := e.API(t, "GET", "/api/v1/scans/"+itoa(kent.ID), tok, nil); resp.StatusCode != 200 || !strings.Contains(resp.Body, `"matched": 4`) {
		t.Errorf("API scan report: %d %s", resp.StatusCode, resp.Body)
	}
	if got := e.API(t, "GET", "/api/v1/scans/"+itoa(essex.ID), tok, nil).StatusCode; got != 404 {
		t.Errorf("API: another force's scan report: %d", got)
	}
}
