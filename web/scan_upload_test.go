package web_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"safeguard"
	"safeguard/scan"
	"safeguard/web"
)

// mustScanReport runs a real scan over a small generated directory with a
// UK CSV bank and a Project VIC bank built here, and returns the JSON
// report as `safeguard scan` writes it: 5 files, 3 matched exactly (UK A,
// UK C, VIC 1), 2 unmatched.
func mustScanReport(tb testing.TB) []byte {
	tb.Helper()
	dir := tb.TempDir()
	seized := filepath.Join(dir, "seized")
	files := map[string]string{
		"a.txt": "made-up content alpha", "b.txt": "made-up content bravo", "sub/c.bin": "made-up content charlie",
		"d.txt": "made-up content delta", "sub/e.txt": "made-up content echo",
	}
	for name, content := range files {
		p := filepath.Join(seized, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	sum := func(name string) string { s := md5.Sum([]byte(files[name])); return hex.EncodeToString(s[:]) }
	uk := filepath.Join(dir, "uk.csv")
	vic := filepath.Join(dir, "vic.json")
	mustWriteFile(tb, uk, fmt.Sprintf("Entry_ID,MD5,Category\nuk-1,%s,A\nuk-2,%s,C\nuk-3,%s,B\n", sum("a.txt"), sum("b.txt"), strings.Repeat("0", 32)))
	mustWriteFile(tb, vic, fmt.Sprintf(`{"@odata.context": "http://github.com/ICMEC/ProjectVic/DataModels/2.0.xml/UK/$metadata#Media",
  "value": [{"MediaID": 701, "Category": 1, "MD5": %q}, {"MediaID": 702, "Category": 2, "MD5": %q}]}`, sum("sub/c.bin"), strings.Repeat("1", 32)))
	var banks []*scan.Bank
	for _, p := range []string{uk, vic} {
		b, err := scan.LoadBank(p, scan.BankOptions{MinQuality: scan.DefaultMinQuality})
		if err != nil {
			tb.Fatal(err)
		}
		banks = append(banks, b)
	}
	rep, err := scan.Scan(context.Background(), seized, banks, scan.Options{Radius: 31, MinQuality: 50, Jobs: 2, Tool: "safeguard test"})
	if err != nil {
		tb.Fatal(err)
	}
	var buf bytes.Buffer
	if err := rep.WriteJSON(&buf); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func mustWriteFile(tb testing.TB, path, content string) {
	tb.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		tb.Fatal(err)
	}
}

func sha256Hex(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// editReport decodes a report, lets edit change it and encodes it again.
func editReport(tb testing.TB, doc []byte, edit func(m map[string]any)) []byte {
	tb.Helper()
	var m map[string]any
	if err := json.Unmarshal(doc, &m); err != nil {
		tb.Fatal(err)
	}
	edit(m)
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// PostUpload posts a multipart form with one file, as a same-origin
// browser would.
func (b *Browser) PostUpload(path string, fields map[string]string, fileField, fileName string, content []byte) *Response {
	b.tb.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	if fileField != "" {
		fw, err := mw.CreateFormFile(fileField, fileName)
		if err != nil {
			b.tb.Fatal(err)
		}
		fw.Write(content)
	}
	mw.Close()
	req, err := http.NewRequest("POST", b.env.URL+path, &body)
	if err != nil {
		b.tb.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Origin", b.env.URL)
	return b.Do(req)
}

// scanReportsOf lists a subject's reports as the system sees them.
func (e *Env) scanReportsOf(tb testing.TB, subjectID int64) []*safeguard.ScanReport {
	tb.Helper()
	ctx := safeguard.NewContextWithActor(context.Background(), safeguard.SystemActor("test"))
	rs, err := e.Svc.Scans.FindScanReports(ctx, subjectID)
	if err != nil {
		tb.Fatal(err)
	}
	return rs
}

func TestScanReportUploadShowsCounts(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	doc := mustScanReport(t)
	b := e.NewBrowser(t)
	b.MustLogin(safeguard.RoleInvestigator) // KNT, may record actions
	page := b.Get("/subjects/" + e.Kent.Ref)
	if !strings.Contains(page.Body, `enctype="multipart/form-data"`) || !strings.Contains(page.Body, "No scan reports attached.") {
		t.Fatalf("subject page has no upload form:\n%s", page.Body)
	}
	resp := b.PostUpload("/subjects/"+e.Kent.Ref+"/scans", map[string]string{"csrf_token": CSRF(t, page.Body), "sha256": sha256Hex(doc) + "  report.json"}, "report", "report.json", doc)
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/subjects/"+e.Kent.Ref+"?done=scan") {
		t.Fatalf("upload: %d %s\n%s", resp.StatusCode, resp.Header.Get("Location"), resp.Body)
	}

	stored := e.scanReportsOf(t, e.Kent.ID)
	if len(stored) != 1 {
		t.Fatalf("stored %d reports, want 1", len(stored))
	}
	r := stored[0]
	if r.SHA256 != sha256Hex(doc) || r.Tool != "safeguard test" || r.Files != 5 || r.Matched != 3 ||
		r.ByCategory["uk"]["A"] != 1 || r.ByCategory["uk"]["C"] != 1 || r.ByCategory["vic"]["1"] != 1 || r.UploadedBy != e.Users[safeguard.RoleInvestigator].Actor().Label() {
		t.Errorf("stored %+v", r)
	}
	ctx := safeguard.NewContextWithActor(context.Background(), safeguard.SystemActor("test"))
	if full, err := e.Svc.Scans.FindScanReportByID(ctx, r.ID); err != nil || !bytes.Equal(full.Document, doc) {
		t.Errorf("the document is not kept as received: %v", err)
	}

	page = b.Get(resp.Header.Get("Location"))
	for _, want := range []string{
		"The scan report has been attached.",
		`href="/scans/` + itoa(r.ID) + `"`,
		sha256Hex(doc),
		"Matches by category: UK scheme (Sentencing Council)", "Matches by category: Project VIC scheme",
		`<th scope="col" class="num">Category A</th><th scope="col" class="num">Category B</th><th scope="col" class="num">Category C</th><th scope="col" class="num">Not indecent</th><th scope="col" class="num">Uncategorised</th>`,
		// UK: A 1, B 0, C 1, not indecent 0, uncategorised 0.
		`<tr><td class="num">1</td><td class="num">0</td><td class="num">1</td><td class="num">0</td><td class="num">0</td></tr>`,
		// VIC: 0 none, 1 one, 2-4 and uncategorised none.
		`<th scope="col" class="num">1 Child abuse material</th>`,
		`<tr><td class="num">0</td><td class="num">1</td><td class="num">0</td><td class="num">0</td><td class="num">0</td><td class="num">0</td></tr>`,
		"<dt>Files scanned</dt><dd>5</dd>", "<dt>Matched</dt><dd>3</dd>",
	} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("subject page lacks %q", want)
		}
	}
	if strings.Contains(page.Body, "<img") || strings.Contains(page.Body, "a.txt") {
		t.Errorf("subject page shows file names or images")
	}
}

func TestScanReportUploadRefusals(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	doc := mustScanReport(t)
	b := e.NewBrowser(t)
	b.MustLogin(safeguard.RoleAnalyst) // may assess, every force
	csrf := CSRF(t, b.Get("/subjects/"+e.Kent.Ref).Body)
	upload := func(content []byte, fields map[string]string) *Response {
		t.Helper()
		f := map[string]string{"csrf_token": csrf}
		for k, v := range fields {
			f[k] = v
		}
		return b.PostUpload("/subjects/"+e.Kent.Ref+"/scans", f, "report", "report.json", content)
	}
	for _, tc := range []struct {
		name    string
		content []byte
		fields  map[string]string
		want    string
	}{
		{"csv", []byte("path,size,sha256\n"), nil, "not a safeguard scan report: not JSON"},
		{"array", []byte(`[1, 2]`), nil, "not a safeguard scan report: the document is a JSON array"},
		{"empty", nil, nil, "the uploaded file is empty"},
		{"no summary", editReport(t, doc, func(m map[string]any) { delete(m, "summary") }), nil, "not a safeguard scan report: missing summary"},
		{"unknown field", editReport(t, doc, func(m map[string]any) { m["thumbnails"] = []any{} }), nil, `unknown top-level field &#34;thumbnails&#34;`},
		{"unknown nested field", editReport(t, doc, func(m map[string]any) { m["summary"].(map[string]any)["extra"] = 1 }), nil, `unknown field &#34;extra&#34;`},
		{"wrong type", editReport(t, doc, func(m map[string]any) { m["summary"].(map[string]any)["files"] = "five" }), nil, "summary.files"},
		{"counts disagree", editReport(t, doc, func(m map[string]any) {
			m["summary"].(map[string]any)["by_category"].(map[string]any)["uk"].(map[string]any)["A"] = 7
		}), nil, "summary.by_category.uk.A is 7 but matches has 1"},
		{"crosswalked category", editReport(t, doc, func(m map[string]any) {
			m["summary"].(map[string]any)["by_category"].(map[string]any)["vic"].(map[string]any)["A"] = 1
		}), nil, "is not a category of the vic scheme"},
		{"no tool", editReport(t, doc, func(m map[string]any) { m["provenance"].(map[string]any)["tool"] = "" }), nil, "missing provenance.tool"},
		{"wrong hash", doc, map[string]string{"sha256": strings.Repeat("ab", 32)}, "SHA-256 is " + sha256Hex(doc)},
	} {
		resp := upload(tc.content, tc.fields)
		if resp.StatusCode != 400 || !strings.Contains(resp.Body, tc.want) {
			t.Errorf("%s: %d, want 400 with %q\n%s", tc.name, resp.StatusCode, tc.want, resp.Body)
		}
	}
	// No file at all.
	if resp := b.PostUpload("/subjects/"+e.Kent.Ref+"/scans", map[string]string{"csrf_token": csrf}, "", "", nil); resp.StatusCode != 400 || !strings.Contains(resp.Body, "no file uploaded") {
		t.Errorf("no file: %d", resp.StatusCode)
	}
	if n := len(e.scanReportsOf(t, e.Kent.ID)); n != 0 {
		t.Errorf("%d reports stored after refused uploads", n)
	}
	// Without the form's CSRF token.
	if resp := b.PostUpload("/subjects/"+e.Kent.Ref+"/scans", nil, "report", "report.json", doc); resp.StatusCode != 403 {
		t.Errorf("no CSRF token: %d, want 403", resp.StatusCode)
	}

	// A KNT investigator cannot attach a report to an ESX subject, and
	// cannot tell it exists.
	inv := e.NewBrowser(t)
	inv.MustLogin(safeguard.RoleInvestigator)
	tok := CSRF(t, inv.Get("/subjects/"+e.Kent.Ref).Body)
	resp := inv.PostUpload("/subjects/"+e.Essex.Ref+"/scans", map[string]string{"csrf_token": tok}, "report", "report.json", doc)
	if resp.StatusCode != 404 || strings.Contains(resp.Body, e.Essex.Name) {
		t.Errorf("another force's subject: %d, want 404", resp.StatusCode)
	}
	if n := len(e.scanReportsOf(t, e.Essex.ID)); n != 0 {
		t.Errorf("%d reports stored on another force's subject", n)
	}

	// An auditor may not (and sees no subject at all).
	aud := e.NewBrowser(t)
	aud.MustLogin(safeguard.RoleAuditor)
	tok = CSRF(t, aud.Get("/password").Body)
	if resp := aud.PostUpload("/subjects/"+e.Kent.Ref+"/scans", map[string]string{"csrf_token": tok}, "report", "report.json", doc); resp.StatusCode != 403 {
		t.Errorf("auditor: %d, want 403", resp.StatusCode)
	}
}

// TestScanReportUploadLimit checks the upload route's own body limit:
// above the server's general limit, and still a limit.
func TestScanReportUploadLimit(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t, EnvOptions{Config: web.Config{MaxBodyBytes: 16 << 10, MaxScanReportBytes: 64 << 10}})
	doc := mustScanReport(t)
	pad := func(n int) []byte {
		return editReport(t, doc, func(m map[string]any) {
			var errs []any
			for i := range n {
				errs = append(errs, map[string]any{"path": fmt.Sprintf("unreadable/%04d.bin", i), "error": "permission denied"})
			}
			m["errors"] = errs
			m["summary"].(map[string]any)["errors"] = n
		})
	}
	big, huge := pad(400), pad(1500)
	if len(big) < 20<<10 || len(big) > 60<<10 || len(huge) < 70<<10 {
		t.Fatalf("padded reports are %d and %d bytes", len(big), len(huge))
	}
	b := e.NewBrowser(t)
	b.MustLogin(safeguard.RoleCoordinator)
	csrf := CSRF(t, b.Get("/subjects/"+e.Kent.Ref).Body)
	if resp := b.PostUpload("/subjects/"+e.Kent.Ref+"/scans", map[string]string{"csrf_token": csrf}, "report", "r.json", big); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("a report over the general limit: %d\n%s", resp.StatusCode, resp.Body)
	}
	if resp := b.PostUpload("/subjects/"+e.Kent.Ref+"/scans", map[string]string{"csrf_token": csrf}, "report", "r.json", huge); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("a report over the upload limit: %d, want 413", resp.StatusCode)
	}
	tok := e.MustToken(t, safeguard.RoleAnalyst)
	if resp := e.API(t, "POST", "/api/v1/subjects/"+e.Kent.Ref+"/scans", tok, bytes.NewReader(big)); resp.StatusCode != 201 {
		t.Errorf("API: a report over the general limit: %d %s", resp.StatusCode, resp.Body)
	}
	if resp := e.API(t, "POST", "/api/v1/subjects/"+e.Kent.Ref+"/scans", tok, &chunked{bytes.NewReader(huge)}); resp.StatusCode != 413 {
		t.Errorf("API: a chunked report over the upload limit: %d, want 413", resp.StatusCode)
	}
	if n := len(e.scanReportsOf(t, e.Kent.ID)); n != 2 {
		t.Errorf("%d reports stored, want 2", n)
	}
}

func TestAPIScanReports(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	doc := mustScanReport(t)
	tok := e.MustToken(t, safeguard.RoleInvestigator) // KNT
	path := "/api/v1/subjects/" + e.Kent.Ref + "/scans"

	resp := e.API(t, "POST", path+"?sha256="+sha256Hex(doc), tok, bytes.NewReader(doc))
	var got safeguard.ScanReport
	if resp.StatusCode != 201 || json.Unmarshal([]byte(resp.Body), &got) != nil {
		t.Fatalf("POST: %d %s", resp.StatusCode, resp.Body)
	}
	if got.ID == 0 || got.SubjectID == nil || *got.SubjectID != e.Kent.ID || got.SHA256 != sha256Hex(doc) || got.Files != 5 || got.Matched != 3 ||
		got.ByCategory["uk"]["C"] != 1 || got.Tool != "safeguard test" || resp.Header.Get("Location") != "/api/v1/scans/"+itoa(got.ID) {
		t.Errorf("POST answered %+v (Location %q)", got, resp.Header.Get("Location"))
	}
	if strings.Contains(resp.Body, "a.txt") || strings.Contains(resp.Body, "document") {
		t.Errorf("POST answer carries the document: %s", resp.Body)
	}

	resp = e.API(t, "GET", path, tok, nil)
	var list struct{ Items []safeguard.ScanReport }
	if resp.StatusCode != 200 || json.Unmarshal([]byte(resp.Body), &list) != nil || len(list.Items) != 1 || list.Items[0].ID != got.ID {
		t.Errorf("GET: %d %s", resp.StatusCode, resp.Body)
	}
	if resp := e.API(t, "GET", "/api/v1/subjects/"+e.Essex.Ref+"/scans", tok, nil); resp.StatusCode != 404 {
		t.Errorf("GET another force's subject's reports: %d", resp.StatusCode)
	}

	for _, tc := range []struct {
		name, path, token string
		body              []byte
		status            int
		want              string
	}{
		{"no summary", path, tok, editReport(t, doc, func(m map[string]any) { delete(m, "summary") }), 400, "not a safeguard scan report: missing summary"},
		{"not JSON", path, tok, []byte("<html>"), 400, "not a safeguard scan report: not JSON"},
		{"empty", path, tok, nil, 400, "request body is empty"},
		{"wrong hash", path + "?sha256=" + strings.Repeat("0", 64), tok, doc, 400, "SHA-256 is"},
		{"other force", "/api/v1/subjects/" + e.Essex.Ref + "/scans", tok, doc, 404, "not_found"},
		{"unknown subject", "/api/v1/subjects/SG-1999-000001/scans", tok, doc, 404, "not_found"},
		{"no token", path, "", doc, 401, "unauthorized"},
		{"auditor", path, e.MustToken(t, safeguard.RoleAuditor), doc, 403, "forbidden"},
		{"admin", path, e.MustToken(t, safeguard.RoleAdmin), doc, 403, "forbidden"},
	} {
		var body *bytes.Reader
		if tc.body != nil {
			body = bytes.NewReader(tc.body)
		} else {
			body = bytes.NewReader(nil)
		}
		resp := e.API(t, "POST", tc.path, tc.token, body)
		if resp.StatusCode != tc.status || !strings.Contains(resp.Body, tc.want) {
			t.Errorf("%s: %d %s, want %d with %q", tc.name, resp.StatusCode, resp.Body, tc.status, tc.want)
		}
	}
	if n := len(e.scanReportsOf(t, e.Kent.ID)); n != 1 {
		t.Errorf("%d reports on the subject, want only the first", n)
	}
	if n := len(e.scanReportsOf(t, e.Essex.ID)); n != 0 {
		t.Errorf("%d reports on another force's subject", n)
	}
}
