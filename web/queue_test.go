package web_test

import (
	"context"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"safeguard"
)

// mustAssess gives a subject a band, due date and score as the system.
func mustAssess(tb testing.TB, e *Env, subj *safeguard.Subject, band safeguard.Band, due time.Time, score float64) {
	tb.Helper()
	ctx := safeguard.NewContextWithActor(context.Background(), safeguard.SystemActor("test"))
	a := &safeguard.Assessment{SubjectID: subj.ID, Band: band, DueAt: due, Score: score, PolicyVersion: "test-1"}
	if err := e.Svc.Assessments.CreateAssessment(ctx, a); err != nil {
		tb.Fatal(err)
	}
}

func TestQueue_FiltersAndCSV(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	mustAssess(t, e, e.Kent, safeguard.BandImmediate, time.Now().Add(-time.Hour), 7.5)
	mustAssess(t, e, e.Essex, safeguard.BandLow, time.Now().Add(90*24*time.Hour), 1)
	b := e.NewBrowser(t)
	b.MustLogin(safeguard.RoleAnalyst)

	has := func(path string, want, not *safeguard.Subject) {
		t.Helper()
		resp := b.Get(path)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d\n%s", path, resp.StatusCode, resp.Body)
		}
		if want != nil && !strings.Contains(resp.Body, want.Ref) {
			t.Errorf("%s lacks %s", path, want.Ref)
		}
		if not != nil && strings.Contains(resp.Body, not.Ref) {
			t.Errorf("%s lists %s", path, not.Ref)
		}
	}
	has("/queue?overdue=true", e.Kent, e.Essex)
	has("/queue?attribution=unresolved", e.Essex, e.Kent)
	has("/queue?force=KNT", e.Kent, e.Essex)
	has("/queue?band=low", e.Essex, e.Kent)
	has("/queue?status=closed", nil, e.Kent)
	for _, bad := range []string{"status=pending", "attribution=likely", "overdue=maybe"} {
		if got := b.Get("/queue?" + bad).StatusCode; got != 400 {
			t.Errorf("%s: %d, want 400", bad, got)
		}
	}
	page := b.Get("/queue").Body
	if !strings.Contains(page, `href="/queue.csv?`) || !strings.Contains(page, "overdue</span>") {
		t.Errorf("queue page lacks the CSV link or the overdue flag")
	}

	resp := b.Get("/queue.csv")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("csv: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	recs, err := csv.NewReader(strings.NewReader(resp.Body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 || strings.Join(recs[0], ",") != "ref,band,due_at,overdue,score,force_code,attribution_status,status" {
		t.Fatalf("csv = %q", recs)
	}
	if got := recs[1]; got[0] != e.Kent.Ref || got[1] != "immediate" || got[3] != "true" || got[4] != "7.5" || got[5] != "KNT" {
		t.Errorf("first row = %q, want Kent's, immediate and overdue", got)
	}
	if got := recs[2]; got[0] != e.Essex.Ref || got[3] != "false" {
		t.Errorf("second row = %q, want Essex's", got)
	}
	if strings.Contains(resp.Body, "Fictional") {
		t.Error("the CSV carries a name")
	}

	// The API counts exactly unless asked to stop early.
	tok := e.MustToken(t, safeguard.RoleAnalyst)
	for q, want := range map[string]int{"?sort=queue&count=upto": 200, "?count=exact": 200, "?count=roughly": 400} {
		resp := e.API(t, "GET", "/api/v1/subjects"+q, tok, nil)
		if resp.StatusCode != want || want == 200 && (!strings.Contains(resp.Body, `"total": 2`) || strings.Contains(resp.Body, "total_capped")) {
			t.Errorf("GET /api/v1/subjects%s: %d %s", q, resp.StatusCode, resp.Body)
		}
	}

	// A force user's export holds their force's subjects only.
	inv := e.NewBrowser(t)
	inv.MustLogin(safeguard.RoleInvestigator)
	body := inv.Get("/queue.csv").Body
	if !strings.Contains(body, e.Kent.Ref) || strings.Contains(body, e.Essex.Ref) {
		t.Errorf("a KNT investigator's export:\n%s", body)
	}
}
