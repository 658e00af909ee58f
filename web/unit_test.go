package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"safeguard"
)

func TestErrorStatus(t *testing.T) {
	t.Parallel()
	for code, want := range map[string]int{
		safeguard.EINVALID:      400,
		safeguard.EUNAUTHORIZED: 401,
		safeguard.EFORBIDDEN:    403,
		safeguard.ENOTFOUND:     404,
		safeguard.ECONFLICT:     409,
		safeguard.ETOOMANY:      429,
		safeguard.EUNAVAILABLE:  503,
		safeguard.EINTERNAL:     500,
		codeTooLarge:            413,
		"something-else":        500,
	} {
		if got := errorStatus(code); got != want {
			t.Errorf("errorStatus(%q) = %d, want %d", code, got, want)
		}
	}
}

func TestClassifyHidesInternalCause(t *testing.T) {
	t.Parallel()
	code, msg := classify(errors.New("pq: password authentication failed for user postgres"))
	if code != safeguard.EINTERNAL || strings.Contains(msg, "postgres") {
		t.Fatalf("classify = %q, %q; want internal with a generic message", code, msg)
	}
	code, msg = classify(safeguard.Errorf(safeguard.ENOTFOUND, "No subject %q.", "SG-1"))
	if code != safeguard.ENOTFOUND || msg != `No subject "SG-1".` {
		t.Fatalf("classify = %q, %q", code, msg)
	}
}

func TestJSONErrorSaysWhere(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		body, want string
	}{
		{`{"source": "p2p",, }`, "byte offset 18"},
		{`{"source": 5}`, "field source"},
		{`{"ip_events": [{"port": "x"}]}`, "field ip_events.port"},
		{`{"nope": 1}`, `unknown field "nope"`},
		{`{"source": "p2p"`, "ends in the middle"},
		{``, "empty"},
		{`{} {}`, "unexpected data after the object"},
	} {
		r := httptest.NewRequest("POST", "/api/v1/referrals", strings.NewReader(tt.body))
		var ref safeguard.Referral
		err := decodeJSON(r, &ref)
		if safeguard.ErrorCode(err) != safeguard.EINVALID || !strings.Contains(safeguard.ErrorMessage(err), tt.want) {
			t.Errorf("decodeJSON(%q) = %v; want EINVALID mentioning %q", tt.body, err, tt.want)
		}
	}
}

func TestSafeNext(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"/queue?sort=due":        "/queue?sort=due",
		"//evil.example.com/x":   "",
		"/\\evil.example.com":    "",
		"https://evil.example/x": "",
		"queue":                  "",
		"":                       "",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPager(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest("GET", "/audit?action=subject.read&offset=50&limit=50", nil)
	p := newPager(r, 50, 50, 120)
	if p.From() != 51 || p.To() != 100 || !p.HasPrev() || !p.HasNext() {
		t.Fatalf("pager = %d-%d prev %v next %v", p.From(), p.To(), p.HasPrev(), p.HasNext())
	}
	if got, want := p.NextURL(), "/audit?action=subject.read&limit=50&offset=100"; got != want {
		t.Errorf("NextURL = %q, want %q", got, want)
	}
	if got, want := p.PrevURL(), "/audit?action=subject.read&limit=50&offset=0"; got != want {
		t.Errorf("PrevURL = %q, want %q", got, want)
	}
	if _, _, err := parsePaging(httptest.NewRequest("GET", "/queue?offset=-1", nil)); safeguard.ErrorCode(err) != safeguard.EINVALID {
		t.Errorf("negative offset: err = %v, want EINVALID", err)
	}
	if _, limit, _ := parsePaging(httptest.NewRequest("GET", "/queue?limit=100000", nil)); limit != maxLimit {
		t.Errorf("limit = %d, want capped at %d", limit, maxLimit)
	}
}

func TestSortColumns(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest("GET", "/queue?sort=band&offset=50&band=high", nil)
	cols := sortColumns(r, "band", []string{"ref", "band"}, []string{"Reference", "Band"})
	if cols[1].Aria != "ascending" || !strings.Contains(cols[1].URL, "sort=-band") || strings.Contains(cols[1].URL, "offset") {
		t.Errorf("band column = %+v", cols[1])
	}
	if cols[0].Aria != "" || !strings.Contains(cols[0].URL, "sort=ref") || !strings.Contains(cols[0].URL, "band=high") {
		t.Errorf("ref column = %+v", cols[0])
	}
}

func TestTemplatesParse(t *testing.T) {
	t.Parallel()
	sa, err := loadStatic()
	if err != nil {
		t.Fatal(err)
	}
	tm, err := parseTemplates(sa)
	if err != nil {
		t.Fatal(err)
	}
	if len(tm.pages) < 10 {
		t.Errorf("parsed %d pages, want every page", len(tm.pages))
	}
	u, err := sa.URL("app.css")
	if err != nil || !strings.HasPrefix(u, "/static/app.") || !strings.HasSuffix(u, ".css") {
		t.Errorf("app.css URL = %q, %v", u, err)
	}
}

func TestOpenAPIDocumentIsValidJSON(t *testing.T) {
	t.Parallel()
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(openAPIDocument, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" || len(doc.Paths) == 0 {
		t.Fatalf("openapi %q with %d paths", doc.OpenAPI, len(doc.Paths))
	}
}

func TestWriteJSONErrorShape(t *testing.T) {
	t.Parallel()
	w := httptest.NewRecorder()
	writeJSON(w, http.StatusTeapot, map[string]errorView{"error": {Code: "x", Message: "y", RequestID: "z"}})
	if got := w.Body.String(); !strings.Contains(got, `"request_id": "z"`) {
		t.Errorf("body = %s", got)
	}
}

// TestOpenAPIDocumentIsConsistent checks what a validator would: every
// $ref resolves, every path parameter is declared, operation ids are
// unique, and every operation has responses.
func TestOpenAPIDocumentIsConsistent(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(openAPIDocument, &doc); err != nil {
		t.Fatal(err)
	}
	resolve := func(ref string) bool {
		var cur any = doc
		for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			m, ok := cur.(map[string]any)
			if !ok {
				return false
			}
			if cur, ok = m[part]; !ok {
				return false
			}
		}
		return true
	}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok && !resolve(ref) {
				t.Errorf("unresolved $ref %s", ref)
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
	ids := map[string]bool{}
	paramRE := regexp.MustCompile(`\{(\w+)\}`)
	for path, item := range doc["paths"].(map[string]any) {
		for method, opv := range item.(map[string]any) {
			op := opv.(map[string]any)
			id, _ := op["operationId"].(string)
			if id == "" || ids[id] {
				t.Errorf("%s %s: missing or repeated operationId %q", method, path, id)
			}
			ids[id] = true
			if resp, _ := op["responses"].(map[string]any); len(resp) == 0 {
				t.Errorf("%s %s: no responses", method, path)
			}
			declared := map[string]bool{}
			params, _ := op["parameters"].([]any)
			for _, p := range params {
				pm := p.(map[string]any)
				if pm["in"] == "path" {
					declared[pm["name"].(string)] = pm["required"] == true
				}
			}
			for _, m := range paramRE.FindAllStringSubmatch(path, -1) {
				if !declared[m[1]] {
					t.Errorf("%s %s: path parameter %s not declared as required", method, path, m[1])
				}
			}
		}
	}
}
