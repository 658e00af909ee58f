package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"safeguard"
)

// webISP is a synthetic ISP response (documentation and CGNAT ranges,
// fictional people): SUB-1001 is installed in Kent's area (CT) and billed
// in Essex's (CM).
const webISP = `ip,port_start,port_end,start,end,subscriber_id,name,install_address,billing_address,shared
198.51.100.7,,,2026-02-01T00:00:00Z,2026-02-10T00:00:00Z,SUB-1001,Fictional Resident,"1 Example Street, CT1 1AA","PO Box 9, CM1 1AA",
100.64.1.1,1024,2047,2026-02-01T00:00:00Z,2026-02-10T00:00:00Z,SUB-4004,Shared Fictional,"4 Example Close, CT4 4DD",,true
`

const webBadISP = "ip,port_start,port_end,start,end,subscriber_id,name,install_address,billing_address\n" +
	"198.51.100.7,,,2026-02-01T00:00:00Z,2026-02-10T00:00:00Z,SUB-1,A,,\n" +
	"198.51.100.8,,,2026-02-01 09:00:00,2026-02-10T00:00:00Z,SUB-2,B,,\n"

func sysCtx() context.Context {
	return safeguard.NewContextWithActor(context.Background(), safeguard.SystemActor("test"))
}

// mustEventSubject creates a subject (force "" for the national centre)
// with one referral carrying the events, each "ip|port|time" with the time
// as a source gave it.
func (e *Env) mustEventSubject(tb testing.TB, ref, force string, events ...string) *safeguard.Subject {
	tb.Helper()
	s := &safeguard.Subject{Name: "Fictional " + ref, ForceCode: force}
	if err := e.Svc.Subjects.CreateSubject(sysCtx(), s); err != nil {
		tb.Fatal(err)
	}
	r := &safeguard.Referral{Source: safeguard.SourceP2P, SourceRef: ref, Format: "json", Document: []byte(`{"synthetic":true}`)}
	for _, ev := range events {
		f := strings.Split(ev, "|")
		ie := safeguard.IPEvent{IP: netip.MustParseAddr(f[0]), TimeText: f[2]}
		if f[1] != "" {
			p := 0
			for _, c := range f[1] {
				p = p*10 + int(c-'0')
			}
			ie.Port = &p
		}
		if t, err := time.Parse(time.RFC3339, f[2]); err == nil {
			t = t.UTC()
			ie.At, ie.HasOffset = &t, true
		}
		r.IPEvents = append(r.IPEvents, ie)
	}
	if _, err := e.Svc.Referrals.CreateReferral(sysCtx(), r); err != nil {
		tb.Fatal(err)
	}
	if err := e.Svc.Subjects.LinkReferral(sysCtx(), safeguard.SubjectLink{SubjectID: s.ID, ReferralID: r.ID, Evidence: "synthetic"}); err != nil {
		tb.Fatal(err)
	}
	return s
}

func TestAttributionImportPage(t *testing.T) {
	e := MustOpenEnv(t)
	b := e.NewBrowser(t)
	b.MustLogin(safeguard.RoleAnalyst)
	page := b.Get("/attribution")
	if page.StatusCode != http.StatusOK || !strings.Contains(page.Body, "No imports yet") || !strings.Contains(page.Body, `href="/attribution"`) {
		t.Fatalf("GET /attribution: %d\n%s", page.StatusCode, page.Body)
	}
	csrf := CSRF(t, page.Body)

	bad := b.PostUpload("/attribution/imports", map[string]string{"csrf_token": csrf, "kind": safeguard.ImportISPCSV}, "file", "bad.csv", []byte(webBadISP))
	if bad.StatusCode != http.StatusBadRequest || !strings.Contains(bad.Body, "Nothing was imported") || !strings.Contains(bad.Body, "bad.csv:3") {
		t.Fatalf("bad file: %d\n%s", bad.StatusCode, bad.Body)
	}
	if !strings.Contains(bad.Body, "No imports yet") {
		t.Fatal("a refused file is listed as imported")
	}

	good := b.PostUpload("/attribution/imports", map[string]string{"csrf_token": csrf, "kind": safeguard.ImportISPCSV}, "file", "isp.csv", []byte(webISP))
	if good.StatusCode != http.StatusOK || !strings.Contains(good.Body, "Imported: isp.csv") || !strings.Contains(good.Body, "<dd>2</dd>") ||
		!strings.Contains(good.Body, sha256Hex([]byte(webISP))) {
		t.Fatalf("good file: %d\n%s", good.StatusCode, good.Body)
	}
	proxies := b.PostUpload("/attribution/imports", map[string]string{"csrf_token": csrf, "kind": safeguard.ImportProxyList}, "file", "exits.txt", []byte("192.0.2.64/29\n"))
	if proxies.StatusCode != http.StatusOK || strings.Count(proxies.Body, "<td>isp.csv</td>") != 1 || strings.Count(proxies.Body, "<td>exits.txt</td>") != 1 {
		t.Fatalf("proxy list: %d\n%s", proxies.StatusCode, proxies.Body)
	}

	// Force users neither see nor use the page.
	inv := e.NewBrowser(t)
	inv.MustLogin(safeguard.RoleInvestigator)
	if resp := inv.Get("/attribution"); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("investigator GET /attribution: %d", resp.StatusCode)
	}
}

func TestSubjectAttributionTable(t *testing.T) {
	e := MustOpenEnv(t)
	subj := e.mustEventSubject(t, "P2P-WEB-1", "",
		"198.51.100.7||2026-02-03T10:00:00Z",
		"198.51.100.7|51234|2026-02-05T18:30:00+01:00",
		"198.51.100.7||2026-02-04 10:00",
		"100.64.1.1||2026-02-04T10:00:00Z")
	analyst := e.MustToken(t, safeguard.RoleAnalyst)
	resp := e.API(t, "POST", "/api/v1/attribution/imports?kind=isp_csv&file_name=isp.csv", analyst, strings.NewReader(webISP))
	var imp safeguard.AttributionImport
	if resp.StatusCode != http.StatusCreated || json.Unmarshal([]byte(resp.Body), &imp) != nil || imp.Rows != 2 || imp.SubjectsResolved != 1 {
		t.Fatalf("import: %d %s", resp.StatusCode, resp.Body)
	}

	b := e.NewBrowser(t)
	b.MustLogin(safeguard.RoleAnalyst)
	page := b.Get("/subjects/" + subj.Ref)
	if page.StatusCode != http.StatusOK {
		t.Fatalf("subject page: %d\n%s", page.StatusCode, page.Body)
	}
	for _, want := range []string{
		`<h2 id="attribution-h">Attribution</h2>`,
		"Status: <strong>corroborated</strong>",
		"Installation address (used for force assignment)</dt><dd>1 Example Street, CT1 1AA</dd>",
		"Billing address (never used for force assignment)</dt><dd>PO Box 9, CM1 1AA</dd>",
		"The subject's address is the subscriber's <strong>installation address</strong>.",
		"<code>2026-02-05T18:30:00&#43;01:00</code>", // as received
		"<code>2026-02-04 10:00</code>",
		"no offset given",
		"<code>time_without_offset</code>: the time &#34;2026-02-04 10:00&#34; has no time-zone offset; it is never assumed to be UTC",
		"<code>shared_address_without_port</code>: 100.64.1.1 is in the carrier-grade NAT range 100.64.0.0/10",
		"<code>lease_covers_with_margin</code>: one subscriber, SUB-1001",
		"<code>independent_events_same_subscriber</code>",
		"<td>51234</td>",
		"Resolve IP events against ISP records",
	} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("subject page lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(page.Body)
	}
	// The installation address placed the subject in Kent's area.
	s, err := e.Svc.Subjects.FindSubjectByID(sysCtx(), subj.ID)
	if err != nil || s.ForceCode != "KNT" || s.Address != "1 Example Street, CT1 1AA" || s.AttributionStatus != safeguard.AttrCorroborated {
		t.Fatalf("subject after import = %+v, %v", s, err)
	}

	// On demand, from the page.
	again := b.PostForm("/subjects/"+subj.Ref+"/attribute", url.Values{"csrf_token": {CSRF(t, page.Body)}})
	if again.StatusCode != http.StatusSeeOther || again.Header.Get("Location") != "/subjects/"+subj.Ref+"?done=resolve#attribution-h" {
		t.Fatalf("resolve: %d %s", again.StatusCode, again.Header.Get("Location"))
	}
	// A force user sees the table but has no button.
	inv := e.NewBrowser(t)
	inv.MustLogin(safeguard.RoleInvestigator)
	page = inv.Get("/subjects/" + subj.Ref)
	if page.StatusCode != http.StatusOK || !strings.Contains(page.Body, "Status: <strong>corroborated</strong>") || strings.Contains(page.Body, "Resolve IP events") {
		t.Fatalf("investigator's subject page: %d\n%s", page.StatusCode, page.Body)
	}
}

func TestAttributionAPI_Scoped(t *testing.T) {
	e := MustOpenEnv(t)
	essex := e.mustEventSubject(t, "P2P-WEB-ESX", "ESX", "198.51.100.7||2026-02-03T10:00:00Z")
	kent := e.mustEventSubject(t, "P2P-WEB-KNT", "KNT", "198.51.100.7||2026-02-03T10:00:00Z")
	analyst, inv := e.MustToken(t, safeguard.RoleAnalyst), e.MustToken(t, safeguard.RoleInvestigator)

	resp := e.API(t, "POST", "/api/v1/attribution/imports?kind=isp_csv&file_name=bad.csv", analyst, strings.NewReader(webBadISP))
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(resp.Body, "bad.csv:3") || !strings.Contains(resp.Body, `"code": "invalid"`) {
		t.Fatalf("bad import: %d %s", resp.StatusCode, resp.Body)
	}
	if resp := e.API(t, "POST", "/api/v1/attribution/imports?kind=isp_csv", inv, strings.NewReader(webISP)); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("investigator import: %d %s", resp.StatusCode, resp.Body)
	}
	if resp := e.API(t, "POST", "/api/v1/attribution/imports?kind=isp_csv&file_name=isp.csv", analyst, strings.NewReader(webISP)); resp.StatusCode != http.StatusCreated {
		t.Fatalf("import: %d %s", resp.StatusCode, resp.Body)
	}
	resp = e.API(t, "GET", "/api/v1/attribution/imports", analyst, nil)
	if resp.StatusCode != http.StatusOK || strings.Count(resp.Body, `"file_name": "isp.csv"`) != 1 || strings.Contains(resp.Body, "bad.csv") {
		t.Fatalf("imports: %d %s", resp.StatusCode, resp.Body)
	}

	// A Kent token reads Kent's subject's attribution, not Essex's.
	resp = e.API(t, "GET", "/api/v1/subjects/"+kent.Ref+"/attributions", inv, nil)
	var sa safeguard.SubjectAttribution
	if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(resp.Body), &sa) != nil || sa.Status != safeguard.AttrConfirmed ||
		len(sa.Events) != 1 || sa.Events[0].Status != safeguard.AttrConfirmed || sa.Events[0].SubscriberID != "SUB-1001" ||
		sa.Events[0].InstallAddress != "1 Example Street, CT1 1AA" || sa.Events[0].TimeText != "2026-02-03T10:00:00Z" {
		t.Fatalf("kent attribution: %d %s", resp.StatusCode, resp.Body)
	}
	if resp := e.API(t, "GET", "/api/v1/subjects/"+essex.Ref+"/attributions", inv, nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("investigator reading Essex: %d %s", resp.StatusCode, resp.Body)
	}
	// Resolving is for analysts and coordinators.
	if resp := e.API(t, "POST", "/api/v1/subjects/"+kent.Ref+"/attribute", inv, nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("investigator resolving: %d %s", resp.StatusCode, resp.Body)
	}
	resp = e.API(t, "POST", "/api/v1/subjects/"+essex.Ref+"/attribute", analyst, nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Body, `"status": "confirmed"`) || !strings.Contains(resp.Body, "only_one_confirmed_event") {
		t.Fatalf("analyst resolving: %d %s", resp.StatusCode, resp.Body)
	}
}

func TestSubjectPageShowsWarrantOverride(t *testing.T) {
	e := MustOpenEnv(t)
	subj := e.mustEventSubject(t, "P2P-WEB-OVR", "KNT", "198.51.100.7||2026-02-03T10:00:00Z")
	coord := safeguard.NewContextWithActor(context.Background(), e.Users[safeguard.RoleCoordinator].Actor())
	op := &safeguard.Operation{Code: "OP-WEB", Name: "Operation Web (synthetic)"}
	if err := e.Svc.Operations.CreateOperation(coord, op); err != nil {
		t.Fatal(err)
	}
	pkg := &safeguard.Package{OperationID: op.ID, SubjectID: subj.ID}
	if err := e.Svc.Operations.SendPackage(coord, pkg); err != nil {
		t.Fatal(err)
	}
	reason := "the provider's account data names the same subscriber (synthetic)"
	w := &safeguard.Action{PackageID: pkg.ID, Kind: safeguard.ActWarrantApplied, At: time.Now(), OverrideReason: reason}
	inv := safeguard.NewContextWithActor(context.Background(), e.Users[safeguard.RoleInvestigator].Actor())
	if _, err := e.Svc.Operations.RecordAction(inv, w); safeguard.ErrorCode(err) != safeguard.EFORBIDDEN {
		t.Fatalf("investigator's override: %v", err)
	}
	sup := safeguard.NewContextWithActor(context.Background(), e.Users[safeguard.RoleSupervisor].Actor())
	if _, err := e.Svc.Operations.RecordAction(sup, w); err != nil {
		t.Fatal(err)
	}
	b := e.NewBrowser(t)
	b.MustLogin(safeguard.RoleInvestigator)
	page := b.Get("/subjects/" + subj.Ref)
	for _, want := range []string{"Warrant actions recorded under an override", "warrant applied", strings.ReplaceAll(reason, "'", "&#39;"),
		e.Users[safeguard.RoleSupervisor].Actor().Label(), "<td>unresolved</td>"} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("subject page lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(page.Body)
	}
}
