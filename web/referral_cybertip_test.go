package web_test

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"

	"safeguard"
	"safeguard/cybertip"
)

// TestCyberTipXMLReferralPage: a CyberTipline report and its fileDetails,
// parsed from XML as a provider sends them, show on the referral page with
// the upper-case MD5 the provider sent matched against the banks, the
// warrant warning on the file the provider did not view (and not on the
// one whose viewing is not said), the time without an offset flagged, and
// the document and both fileDetails as received, the report still hashing
// to its SHA-256.
func TestCyberTipXMLReferralPage(t *testing.T) {
	t.Parallel()
	e, set := mustMatchEnv(t)
	if err := set.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	read := func(name string) []byte {
		b, err := os.ReadFile("../cybertip/testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	viewedFalse := strings.NewReplacer(
		"0CC175B9C0F1B6A831C399E269772661", strings.ToUpper(testMD5),
		"0cc175b9c0f1b6a831c399e269772661", testMD5,
		// A PDQ far from the bank's, so the file matches by MD5 alone.
		"58f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22", flipBits(testPDQ, 64),
	).Replace(string(read("filedetails_all_elements.xml")))
	a := cybertip.NewAssembler(cybertip.Options{})
	for _, d := range []struct {
		doc []byte
		id  string
	}{{[]byte(viewedFalse), ""}, {read("report_persons.xml"), "240001011"}, {read("filedetails_viewed_absent.xml"), ""}} {
		if err := a.Add(d.doc, d.id); err != nil {
			t.Fatal(err)
		}
	}
	reports, err := a.Flush()
	if err != nil || len(reports) != 1 {
		t.Fatalf("%d reports, %v", len(reports), err)
	}
	ref := reports[0].Referral
	ref.ReceivedAt = safeguard.NowFromContext(sysCtx())
	if _, err := e.Svc.Referrals.CreateReferral(sysCtx(), ref); err != nil {
		t.Fatal(err)
	}
	b := e.NewBrowser(t)
	b.MustLogin(safeguard.RoleAnalyst)
	page := b.Get("/referrals/" + itoa(ref.ID))
	if page.StatusCode != 200 {
		t.Fatalf("referral page: %d", page.StatusCode)
	}
	if n := strings.Count(page.Body, "not viewed by the provider: a warrant may be needed before viewing (US v. Wilson, 9th Cir. 2021)"); n != 1 {
		t.Errorf("warrant warning shown %d times, want once (one file not viewed, one not said)", n)
	}
	if !strings.Contains(page.Body, "1 of 2 files match the hash banks") || !regexp.MustCompile(`(?s)<td class="num">1</td><td class="num">0</td>`).MatchString(page.Body) {
		t.Errorf("no category counts for the report's files:\n%s", page.Body)
	}
	for _, want := range []string{
		"<code>2026-07-04T01:00:00</code> <span class=\"flag\">no time-zone offset: cannot confirm</span>",
		"<code>2026-07-04T13:29:00.000001Z</code></td>",
		"It still hashes to the SHA-256 recorded at intake",
		testMD5,
		// Both fileDetails, as received, beside the report.
		"<h3>Sent apart from it</h3>",
		"fileDetails <code>f-all-1</code>",
		"fileDetails <code>f-absent-2</code>",
		"&lt;fileId&gt;f-absent-2&lt;/fileId&gt;",
	} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("referral page lacks %q", want)
		}
	}
}
