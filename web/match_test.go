package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/url"
	"strings"
	"testing"

	"safeguard"
	"safeguard/matcher"
	"safeguard/web"
)

// Made-up hashes: no real material.
const (
	testPDQ  = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22"
	testMD5  = "d35c785545392755e7e4164457657269"
	testSHA1 = "ea45d7166b30f98aac6af52f952193ce3083cb4c"
)

// flipBits returns a hex hash with its first n bits inverted (n a multiple
// of 4), so its distance from the original is exactly n.
func flipBits(h string, n int) string {
	b := []byte(h)
	for i := 0; i < n/4; i++ {
		v := strings.IndexByte("0123456789abcdef", b[i])
		b[i] = "0123456789abcdef"[v^0xf]
	}
	return string(b)
}

func bankEntries(es ...*safeguard.BankEntry) iter.Seq2[*safeguard.BankEntry, error] {
	return func(yield func(*safeguard.BankEntry, error) bool) {
		for _, e := range es {
			if !yield(e, nil) {
				return
			}
		}
	}
}

// mustMatchEnv opens an Env whose server answers lookups from a Set over
// its store, with one UK bank: an MD5 entry (A) and a PDQ entry (B).
func mustMatchEnv(t *testing.T) (*Env, *matcher.Set) {
	t.Helper()
	var set *matcher.Set
	e := MustOpenEnv(t, EnvOptions{Edit: func(s *web.Services) {
		set = matcher.NewSet(s.Banks, 50)
		s.Matcher = set
	}})
	e.mustImportBank(t, &safeguard.BankEntry{EntryID: "e1", MD5: testMD5, Category: "A"},
		&safeguard.BankEntry{EntryID: "e2", PDQ: testPDQ, Category: "B"})
	return e, set
}

func (e *Env) mustImportBank(tb testing.TB, es ...*safeguard.BankEntry) {
	tb.Helper()
	ctx := safeguard.NewContextWithActor(context.Background(), safeguard.SystemActor("test"))
	b := &safeguard.HashBank{Name: "made-up-uk", Scheme: safeguard.SchemeUK, Source: "synthetic test data"}
	if err := e.Svc.Banks.ImportBank(ctx, b, bankEntries(es...)); err != nil {
		tb.Fatal(err)
	}
}

type matchAnswer struct {
	Matches []matcher.Result `json:"matches"`
	Banks   []struct {
		Name    string `json:"name"`
		Version int    `json:"version"`
		Scheme  string `json:"scheme"`
		Entries int    `json:"entries"`
	} `json:"banks"`
	Radius int `json:"radius"`
}

func mustMatch(t *testing.T, e *Env, token, body string) matchAnswer {
	t.Helper()
	resp := e.API(t, "POST", "/api/v1/match", token, strings.NewReader(body))
	var a matchAnswer
	if resp.StatusCode != 200 || json.Unmarshal([]byte(resp.Body), &a) != nil {
		t.Fatalf("match %s: %d %s", body, resp.StatusCode, resp.Body)
	}
	return a
}

func TestAPIMatch(t *testing.T) {
	t.Parallel()
	e, set := mustMatchEnv(t)
	tok := e.MustToken(t, safeguard.RoleInvestigator)

	// Never loaded: the server loads the banks on the first lookup.
	a := mustMatch(t, e, tok, fmt.Sprintf(`{"hashes":[
		{"type":"md5","value":"%s"},
		{"type":"pdq","value":"%s"},
		{"type":"pdq","value":"%s"},
		{"type":"sha256","value":"%s"}]}`, strings.ToUpper(testMD5), flipBits(testPDQ, 28), flipBits(testPDQ, 40), testPDQ))
	if len(a.Matches) != 2 {
		t.Fatalf("matches = %+v, want 2", a.Matches)
	}
	if m := a.Matches[0]; m.Index != 0 || m.Type != "md5" || m.Value != testMD5 || m.Bank != "made-up-uk" || m.EntryID != "e1" || m.Category != "A" || m.Distance != 0 || m.Scheme != "uk" || m.Version != 1 {
		t.Errorf("exact match = %+v", m)
	}
	if m := a.Matches[1]; m.Index != 1 || m.Type != "pdq" || m.EntryID != "e2" || m.Category != "B" || m.Distance != 28 {
		t.Errorf("PDQ match = %+v, want e2 at distance 28", m)
	}
	if a.Radius != 31 || len(a.Banks) != 1 || a.Banks[0].Name != "made-up-uk" || a.Banks[0].Version != 1 || a.Banks[0].Scheme != "uk" || a.Banks[0].Entries != 2 {
		t.Errorf("banks = %+v, radius %d", a.Banks, a.Radius)
	}

	// Outside the default radius, inside a wider one.
	a = mustMatch(t, e, tok, fmt.Sprintf(`{"hashes":[{"type":"pdq","value":"%s"}],"radius":40}`, flipBits(testPDQ, 40)))
	if len(a.Matches) != 1 || a.Matches[0].Distance != 40 || a.Radius != 40 {
		t.Errorf("radius 40: %+v", a.Matches)
	}
	a = mustMatch(t, e, tok, fmt.Sprintf(`{"hashes":[{"type":"pdq","value":"%s"}],"radius":0}`, flipBits(testPDQ, 4)))
	if len(a.Matches) != 0 {
		t.Errorf("radius 0: %+v", a.Matches)
	}

	// A re-import is answered once the set has refreshed; the old version
	// is gone.
	e.mustImportBank(t, &safeguard.BankEntry{EntryID: "e3", SHA1: testSHA1, Category: "C"})
	if err := set.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	a = mustMatch(t, e, tok, fmt.Sprintf(`{"hashes":[{"type":"sha1","value":"%s"},{"type":"md5","value":"%s"}]}`, testSHA1, testMD5))
	if len(a.Matches) != 1 || a.Matches[0].EntryID != "e3" || a.Matches[0].Category != "C" || a.Matches[0].Version != 2 || a.Banks[0].Version != 2 {
		t.Errorf("after a re-import: %+v %+v", a.Matches, a.Banks)
	}
}

func TestAPIMatchRefusals(t *testing.T) {
	t.Parallel()
	e, _ := mustMatchEnv(t)
	tok := e.MustToken(t, safeguard.RoleAnalyst)
	many := func(n int) string {
		qs := make([]string, n)
		for i := range qs {
			qs[i] = fmt.Sprintf(`{"type":"md5","value":"%032x"}`, i)
		}
		return `{"hashes":[` + strings.Join(qs, ",") + `]}`
	}
	if a := mustMatch(t, e, tok, many(10000)); len(a.Matches) != 0 {
		t.Errorf("10,000 hashes: %d matches", len(a.Matches))
	}
	for _, tc := range []struct {
		name, token, body string
		status            int
		want              string
	}{
		{"too many", tok, many(10001), 400, "at most 10000 hashes"},
		{"short md5", tok, fmt.Sprintf(`{"hashes":[{"type":"md5","value":"%s"},{"type":"md5","value":"abc"}]}`, testMD5), 400, "hashes[1]"},
		{"not hex", tok, fmt.Sprintf(`{"hashes":[{"type":"pdq","value":"%s"}]}`, testPDQ[:63]+"g"), 400, "hashes[0]"},
		{"unknown type", tok, `{"hashes":[{"type":"crc32","value":"00000000"}]}`, 400, "hashes[0]: unknown hash type"},
		{"none", tok, `{"hashes":[]}`, 400, "at least one hash"},
		{"radius too big", tok, fmt.Sprintf(`{"hashes":[{"type":"md5","value":"%s"}],"radius":65}`, testMD5), 400, "radius 65"},
		{"negative radius", tok, fmt.Sprintf(`{"hashes":[{"type":"md5","value":"%s"}],"radius":-1}`, testMD5), 400, "radius -1"},
		{"unknown field", tok, `{"hashes":[],"limit":5}`, 400, "unknown field"},
		{"not JSON", tok, `hashes=abc`, 400, "malformed JSON"},
		{"no token", "", many(1), 401, "unauthorized"},
		{"auditor", e.MustToken(t, safeguard.RoleAuditor), many(1), 403, "forbidden"},
		{"admin", e.MustToken(t, safeguard.RoleAdmin), many(1), 403, "forbidden"},
	} {
		resp := e.API(t, "POST", "/api/v1/match", tc.token, strings.NewReader(tc.body))
		if resp.StatusCode != tc.status || !strings.Contains(resp.Body, tc.want) {
			t.Errorf("%s: %d %.300s, want %d with %q", tc.name, resp.StatusCode, resp.Body, tc.status, tc.want)
		}
	}
	// Over the route's own body limit.
	if resp := e.API(t, "POST", "/api/v1/match", tok, strings.NewReader(`{"hashes":[],"x":"`+strings.Repeat("a", 3<<20)+`"}`)); resp.StatusCode != 413 {
		t.Errorf("3 MiB body: %d, want 413", resp.StatusCode)
	}

	// Without a matcher the route answers 503.
	none := MustOpenEnv(t)
	if resp := none.API(t, "POST", "/api/v1/match", none.MustToken(t, safeguard.RoleAnalyst), strings.NewReader(many(1))); resp.StatusCode != 503 {
		t.Errorf("no matcher: %d, want 503", resp.StatusCode)
	}
	b := none.NewBrowser(t)
	b.MustLogin(safeguard.RoleAnalyst)
	if page := b.Get("/match"); page.StatusCode != 503 {
		t.Errorf("lookup page without a matcher: %d, want 503", page.StatusCode)
	} else if strings.Contains(b.Get("/queue").Body, `href="/match"`) {
		t.Errorf("nav offers the lookup page without a matcher")
	}
}

func TestHashLookupPage(t *testing.T) {
	t.Parallel()
	e, _ := mustMatchEnv(t)
	b := e.NewBrowser(t)
	b.MustLogin(safeguard.RoleInvestigator)
	page := b.Get("/match")
	if page.StatusCode != 200 || !strings.Contains(page.Body, `<textarea id="hashes"`) || !strings.Contains(page.Body, `href="/match" aria-current="page"`) {
		t.Fatalf("lookup page: %d\n%s", page.StatusCode, page.Body)
	}
	csrf := CSRF(t, page.Body)
	hashes := "# pasted\n" + testMD5 + "  some/file.jpg\n\n" + flipBits(testPDQ, 28) + "\n" + strings.Repeat("0", 40) + "\n"
	resp := b.PostForm("/match", url.Values{"csrf_token": {csrf}, "hashes": {hashes}, "kind64": {"pdq"}, "radius": {"31"}})
	if resp.StatusCode != 200 {
		t.Fatalf("lookup: %d\n%s", resp.StatusCode, resp.Body)
	}
	for _, want := range []string{
		"2 matches for 3 hashes",
		`<tr><td class="num">2</td><td>md5</td><td><code class="hash">` + testMD5 + `</code></td>`,
		"<td>e1</td><td>Category A</td><td class=\"num\">0</td>",
		`<tr><td class="num">4</td><td>pdq</td>`,
		"<td>e2</td><td>Category B</td><td class=\"num\">28</td>",
		"made-up-uk version 1 (uk, 2 entries)",
	} {
		if !strings.Contains(resp.Body, want) {
			t.Errorf("lookup answer lacks %q", want)
		}
	}
	// The same 64-digit hash read as SHA-256 matches nothing.
	resp = b.PostForm("/match", url.Values{"csrf_token": {csrf}, "hashes": {testPDQ}, "kind64": {"sha256"}})
	if resp.StatusCode != 200 || !strings.Contains(resp.Body, "No matches.") {
		t.Errorf("as SHA-256: %d", resp.StatusCode)
	}
	for _, tc := range []struct{ hashes, kind64, radius, want string }{
		{testMD5 + "\nnot-a-hash\n", "sha256", "", "Line 2: &#34;not-a-hash&#34; is not a hash"},
		{strings.Repeat("z", 32), "sha256", "", "Line 1: md5"},
		{"", "sha256", "", "at least one hash"},
		{testMD5, "", "", "SHA-256 or PDQ"},
		{testMD5, "pdq", "99", "radius 99"},
		{testMD5, "pdq", "wide", "whole number"},
	} {
		resp := b.PostForm("/match", url.Values{"csrf_token": {csrf}, "hashes": {tc.hashes}, "kind64": {tc.kind64}, "radius": {tc.radius}})
		if resp.StatusCode != 400 || !strings.Contains(resp.Body, tc.want) {
			t.Errorf("%q: %d, want 400 with %q", tc.hashes, resp.StatusCode, tc.want)
		}
	}
	if resp := b.PostForm("/match", url.Values{"hashes": {testMD5}, "kind64": {"pdq"}}); resp.StatusCode != 403 {
		t.Errorf("no CSRF token: %d, want 403", resp.StatusCode)
	}
	aud := e.NewBrowser(t)
	aud.MustLogin(safeguard.RoleAuditor)
	if got := aud.Get("/match").StatusCode; got != 403 {
		t.Errorf("auditor: %d, want 403", got)
	}
}
