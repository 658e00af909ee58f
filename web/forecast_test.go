package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"safeguard"
)

func TestForecast_PageAndWhatIf(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	now := time.Now()
	// KNT (10 a week in the test env) holds one overdue immediate subject;
	// ESX (8 a week) holds one low subject due in 90 days.
	mustAssess(t, e, e.Kent, safeguard.BandImmediate, now.Add(-time.Hour), 3)
	mustAssess(t, e, e.Essex, safeguard.BandLow, now.Add(90*24*time.Hour), 1)
	b := e.NewBrowser(t)
	b.MustLogin(safeguard.RoleCoordinator)
	resp := b.Get("/forecast")
	if resp.StatusCode != 200 {
		t.Fatalf("forecast: %d\n%s", resp.StatusCode, resp.Body)
	}
	for _, want := range []string{"<svg", "Kent Police (synthetic) (KNT)", "10 a week", "8 a week", `href="/forecast"`} {
		if !strings.Contains(resp.Body, want) {
			t.Errorf("forecast page lacks %q", want)
		}
	}
	if strings.Contains(resp.Body, "Fictional") || strings.Contains(resp.Body, e.Kent.Ref) {
		t.Error("the forecast names a subject")
	}
	// Nationally: two waiting, one overdue and so one breach.
	if !strings.Contains(resp.Body, `At current capacity</th>
  <td class="num">2</td>
  <td class="num">1</td>
  <td class="num">1</td>`) {
		t.Errorf("national row wrong:\n%s", resp.Body)
	}

	what := b.Get("/forecast?force=ESX&extra=6")
	if what.StatusCode != 200 || !strings.Contains(what.Body, "… with &#43;6 a week") || !strings.Contains(what.Body, "14 a week") {
		t.Errorf("what-if: %d\n%s", what.StatusCode, what.Body)
	}
	for _, bad := range []string{"?force=NOPE&extra=1", "?force=KNT&extra=lots", "?force=KNT&extra=1&band=urgent"} {
		if got := b.Get("/forecast" + bad).StatusCode; got != 400 {
			t.Errorf("%s: %d, want 400", bad, got)
		}
	}

	// A force user sees their own force only.
	sup := e.NewBrowser(t)
	sup.MustLogin(safeguard.RoleSupervisor)
	body := sup.Get("/forecast").Body
	if !strings.Contains(body, "(KNT)") || strings.Contains(body, "(ESX)") {
		t.Errorf("a KNT supervisor's forecast shows other forces")
	}
	// The auditor may read reports; an investigator has no forecast link but
	// reads their force's (read_operational).
	aud := e.NewBrowser(t)
	aud.MustLogin(safeguard.RoleAuditor)
	if got := aud.Get("/forecast").StatusCode; got != 200 {
		t.Errorf("auditor: %d", got)
	}
}

// TestForecast_SetCapacity: a coordinator sets a force's capacity per band
// on the forecast page and through the API; a supervisor may not; the
// forecast uses the new figures.
func TestForecast_SetCapacity(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	mustAssess(t, e, e.Kent, safeguard.BandImmediate, time.Now().Add(48*time.Hour), 3)
	b := e.NewBrowser(t)
	b.MustLogin(safeguard.RoleCoordinator)
	page := b.Get("/forecast")
	resp := b.PostForm("/forecast/capacity", url.Values{"csrf_token": {CSRF(t, page.Body)}, "force": {"KNT"},
		"weekly_capacity": {"4"}, "capacity_immediate": {"1"}, "capacity_high": {"3"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("set capacity: %d\n%s", resp.StatusCode, resp.Body)
	}
	if body := b.Get(resp.Header.Get("Location")).Body; !strings.Contains(body, "immediate 1, high 3 a week") || !strings.Contains(body, "capacity has been changed") {
		t.Errorf("forecast after the change lacks the per-band capacity")
	}
	bad := b.PostForm("/forecast/capacity", url.Values{"csrf_token": {CSRF(t, page.Body)}, "force": {"KNT"}, "weekly_capacity": {"lots"}})
	if bad.StatusCode != 400 {
		t.Errorf("a bad figure: %d", bad.StatusCode)
	}

	coord := e.MustToken(t, safeguard.RoleCoordinator)
	api := e.API(t, "PUT", "/api/v1/forces/ESX/capacity", coord, strings.NewReader(`{"weekly_capacity": 12}`))
	if api.StatusCode != 200 || !strings.Contains(api.Body, `"weekly_capacity": 12`) {
		t.Fatalf("API: %d %s", api.StatusCode, api.Body)
	}
	for _, c := range []struct {
		token, body string
		want        int
	}{
		{coord, `{"weekly_capacity": -1}`, 400},
		{coord, `{"weekly_capacity": 1, "band_capacity": {"urgent": 1}}`, 400},
		{coord, `{"weekly": 1}`, 400},
		{e.MustToken(t, safeguard.RoleSupervisor), `{"weekly_capacity": 100}`, 403},
	} {
		if got := e.API(t, "PUT", "/api/v1/forces/ESX/capacity", c.token, strings.NewReader(c.body)).StatusCode; got != c.want {
			t.Errorf("%s: %d, want %d", c.body, got, c.want)
		}
	}
	if got := e.API(t, "PUT", "/api/v1/forces/NOPE/capacity", coord, strings.NewReader(`{"weekly_capacity": 1}`)).StatusCode; got != 404 {
		t.Errorf("unknown force: %d", got)
	}
}
