package cybertip_test

import (
	"runtime"
	"strings"
	"testing"

	"safeguard/cybertip"
)

// A deep document of long element names must cost memory in proportion to
// its size, not to depth times size (as it would if every element kept its
// full path).
func TestDeepLongNamesStayLinear(t *testing.T) {
	const depth, nameLen = 60, 50_000
	var b strings.Builder
	b.WriteString("<report><incidentSummary/>")
	names := make([]string, depth)
	for i := range names {
		names[i] = strings.Repeat(string(rune('a'+i%26)), nameLen)
		b.WriteString("<" + names[i] + ">")
	}
	b.WriteString("<x>2001:db8::zz</x>")
	for i := depth - 1; i >= 0; i-- {
		b.WriteString("</" + names[i] + ">")
	}
	b.WriteString("</report>")
	doc := []byte(b.String())

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	r, err := cybertip.ParseReport(doc, cybertip.Options{})
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if r.Referral.Validate() == nil && len(r.Referral.IPEvents) != 0 {
		t.Error("unknown elements produced IP events")
	}
	allocated := after.TotalAlloc - before.TotalAlloc
	if limit := uint64(12 * len(doc)); allocated > limit {
		t.Errorf("parsing a %d-byte document allocated %d bytes, over %d", len(doc), allocated, limit)
	}
	t.Logf("%d-byte document, %d bytes allocated", len(doc), allocated)
}

func BenchmarkParseReport(b *testing.B) {
	doc := MustRead(b, "testdata/report_multi.xml")
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := cybertip.ParseReport(doc, cybertip.Options{ReportID: "1"}); err != nil {
			b.Fatal(err)
		}
	}
}

// Indentation between child elements is not text of the parent: however
// many children, it does not count against MaxTextBytes.
func TestIndentationIsNotText(t *testing.T) {
	var b strings.Builder
	for range 2000 {
		b.WriteString(strings.Repeat(" ", 1000) + "<displayName>x</displayName>\n")
	}
	doc := report("<personOrUserReported>" + b.String() + "</personOrUserReported>")
	r, err := cybertip.ParseReport(doc, cybertip.Options{Limits: cybertip.Limits{MaxTextBytes: 4096}})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(r.Reported[0].DisplayNames); n != 2000 {
		t.Errorf("%d display names, want 2000", n)
	}
}

// The line of an error is where the element starts, even when its start
// tag spans lines.
func TestLineIsWhereElementStarts(t *testing.T) {
	doc := report("<personOrUserReported>\n<compromisedAccount\n\n>maybe</compromisedAccount></personOrUserReported>")
	_, err := cybertip.ParseReport(doc, cybertip.Options{})
	wantParseError(t, err, "line 5, /report/personOrUserReported/compromisedAccount: not an xs:boolean")
}
