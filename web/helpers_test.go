package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"safeguard"
	"safeguard/keyring"
	"safeguard/password"
	"safeguard/store"
	"safeguard/web"
)

// cheapParams keep argon2id fast in tests; production uses password.Default.
var cheapParams = password.Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}

// testPassword is every seeded account's password after its first change.
const testPassword = "correct horse battery staple"

// Env is a real server over a real, migrated SQLite store, seeded with two
// forces, one account per role and a subject in each force.
type Env struct {
	DB     *store.DB
	Server *web.Server
	URL    string
	Svc    web.Services
	Users  map[safeguard.Role]*safeguard.User // one account per role (force ones in KNT)
	Essex  *safeguard.Subject                 // held by ESX
	Kent   *safeguard.Subject                 // held by KNT
	Log    *strings.Builder
}

// EnvOptions adjust MustOpenEnv.
type EnvOptions struct {
	Store  store.Options
	Config web.Config
	Edit   func(*web.Services)
}

// dbTemplate is a migrated, seeded SQLite file that every Env copies:
// migrating and seeding per test costs more than the test under -race.
var dbTemplate struct {
	once  sync.Once
	err   error
	dir   string
	key   []byte
	users map[safeguard.Role]*safeguard.User
	kent  safeguard.Subject
	essex safeguard.Subject
}

func TestMain(m *testing.M) {
	code := m.Run()
	if dbTemplate.dir != "" {
		os.RemoveAll(dbTemplate.dir)
	}
	os.Exit(code)
}

func buildTemplate() (err error) {
	ctx := context.Background()
	if dbTemplate.dir, err = os.MkdirTemp("", "safeguard-web-test-"); err != nil {
		return err
	}
	dbTemplate.key = keyring.NewKey()
	keys, err := keyring.New(dbTemplate.key)
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, "sqlite:"+filepath.Join(dbTemplate.dir, "web.db"), store.Options{Sealer: keys, PasswordParams: &cheapParams})
	if err != nil {
		return err
	}
	defer func() {
		if cerr := db.Close(); err == nil {
			err = cerr
		}
	}()
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	return seed(db)
}

// seed adds two forces, one account per role (force roles in KNT) whose
// password is testPassword, and a subject in each force.
func seed(db *store.DB) error {
	ctx := safeguard.NewContextWithActor(context.Background(), safeguard.SystemActor("test"))
	for _, f := range []*safeguard.Force{
		{Code: "KNT", Name: "Kent Police (synthetic)", Areas: []string{"CT", "ME"}, WeeklyCapacity: 10, Synthetic: true},
		{Code: "ESX", Name: "Essex Police (synthetic)", Areas: []string{"CM", "SS"}, WeeklyCapacity: 8, Synthetic: true},
	} {
		if err := store.NewForceService(db).CreateForce(ctx, f); err != nil {
			return err
		}
	}
	dbTemplate.users = map[safeguard.Role]*safeguard.User{}
	for _, role := range safeguard.Roles {
		u := &safeguard.User{Name: string(role) + "1", DisplayName: "Test " + string(role), Role: role}
		if role.ForceScoped() {
			u.ForceCode = "KNT"
		}
		otp, err := store.NewUserService(db).CreateUser(ctx, u)
		if err != nil {
			return fmt.Errorf("create %s: %w", role, err)
		}
		if err := store.NewAuthService(db).ChangePassword(safeguard.NewContextWithActor(context.Background(), u.Actor()), u.ID, otp, testPassword); err != nil {
			return fmt.Errorf("change password of %s: %w", u.Name, err)
		}
		u.MustChangePassword = false
		dbTemplate.users[role] = u
	}
	dbTemplate.kent = safeguard.Subject{Name: "Fictional Person Kent", Address: "1 Example Street, CT1 1AA", ForceCode: "KNT", AttributionStatus: safeguard.AttrCorroborated}
	dbTemplate.essex = safeguard.Subject{Name: "Fictional Person Essex", Address: "2 Example Road, CM1 1AA", ForceCode: "ESX", AttributionStatus: safeguard.AttrUnresolved}
	for _, s := range []*safeguard.Subject{&dbTemplate.kent, &dbTemplate.essex} {
		if err := store.NewSubjectService(db).CreateSubject(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

// MustOpenEnv opens a copy of the seeded store and serves it on a free
// port.
func MustOpenEnv(tb testing.TB, opts ...EnvOptions) *Env {
	tb.Helper()
	var o EnvOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	dbTemplate.once.Do(func() { dbTemplate.err = buildTemplate() })
	if dbTemplate.err != nil {
		tb.Fatalf("template database: %v", dbTemplate.err)
	}
	dir := tb.TempDir()
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(filepath.Join(dbTemplate.dir, "web.db"+suffix))
		if os.IsNotExist(err) && suffix != "" {
			continue
		} else if err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "web.db"+suffix), b, 0o600); err != nil {
			tb.Fatal(err)
		}
	}
	ctx := context.Background()
	keys, err := keyring.New(dbTemplate.key)
	if err != nil {
		tb.Fatal(err)
	}
	o.Store.Sealer = keys
	o.Store.PasswordParams = &cheapParams
	db, err := store.Open(ctx, "sqlite:"+filepath.Join(dir, "web.db"), o.Store)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	e := &Env{DB: db, Users: map[safeguard.Role]*safeguard.User{}, Log: &strings.Builder{}}
	for r, u := range dbTemplate.users {
		c := *u
		e.Users[r] = &c
	}
	kent, essex := dbTemplate.kent, dbTemplate.essex
	e.Kent, e.Essex = &kent, &essex
	e.Svc = web.Services{
		Forces:      store.NewForceService(db),
		Users:       store.NewUserService(db),
		Auth:        store.NewAuthService(db),
		Subjects:    store.NewSubjectService(db),
		Referrals:   store.NewReferralService(db),
		Assessments: store.NewAssessmentService(db),
		Audit:       store.NewAuditService(db),
		Banks:       store.NewBankService(db),
		Scans:       store.NewScanReportService(db),
		Operations:  store.NewOperationService(db),
		Backlog:     store.NewSubjectService(db),
		Attribution: store.NewAttributionService(db),
		Risk:        store.NewRiskService(db),
		Links:       store.NewLinkService(db),
		IngestRuns:  store.NewIngestRunService(db),
		Ping:        db.Ping,
	}
	if o.Edit != nil {
		o.Edit(&e.Svc)
	}

	cfg := o.Config
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	logger := slog.New(slog.NewTextHandler(&lockedWriter{b: e.Log}, nil))
	if e.Server, err = web.NewServer(cfg, e.Svc, logger); err != nil {
		tb.Fatal(err)
	}
	if err := e.Server.Open(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		e.Server.Close(ctx)
	})
	e.URL = e.Server.URL()
	return e
}

var logMu sync.Mutex

// lockedWriter lets the server's goroutines share the log buffer.
type lockedWriter struct {
	b *strings.Builder
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	logMu.Lock()
	defer logMu.Unlock()
	return w.b.Write(p)
}

// LogText returns what the server has logged so far.
func (e *Env) LogText() string {
	logMu.Lock()
	defer logMu.Unlock()
	return e.Log.String()
}

// Browser is an HTTP client with a cookie jar that does not follow
// redirects, so tests see each answer.
type Browser struct {
	tb     testing.TB
	env    *Env
	Client *http.Client
}

// NewBrowser returns a browser with an empty cookie jar.
func (e *Env) NewBrowser(tb testing.TB) *Browser {
	jar, _ := cookiejar.New(nil)
	return &Browser{tb: tb, env: e, Client: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       20 * time.Second,
	}}
}

// Response is a read response.
type Response struct {
	*http.Response
	Body string
}

// Do sends req and reads the whole answer.
func (b *Browser) Do(req *http.Request) *Response {
	b.tb.Helper()
	resp, err := b.Client.Do(req)
	if err != nil {
		b.tb.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.tb.Fatal(err)
	}
	return &Response{Response: resp, Body: string(body)}
}

// Get fetches a path.
func (b *Browser) Get(path string) *Response {
	b.tb.Helper()
	req, err := http.NewRequest("GET", b.env.URL+path, nil)
	if err != nil {
		b.tb.Fatal(err)
	}
	return b.Do(req)
}

// PostForm posts a form as a same-origin browser would.
func (b *Browser) PostForm(path string, form url.Values) *Response {
	b.tb.Helper()
	req, err := http.NewRequest("POST", b.env.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Origin", b.env.URL)
	return b.Do(req)
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// CSRF returns the CSRF token in a page's forms.
func CSRF(tb testing.TB, body string) string {
	tb.Helper()
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		tb.Fatalf("no csrf_token in page:\n%s", body)
	}
	return m[1]
}

// Login logs in through the form and returns the answer to the POST.
func (b *Browser) Login(name, pw string) *Response {
	b.tb.Helper()
	page := b.Get("/login")
	return b.PostForm("/login", url.Values{"csrf_token": {CSRF(b.tb, page.Body)}, "name": {name}, "password": {pw}})
}

// MustLogin logs in as the seeded account of role and checks it worked.
func (b *Browser) MustLogin(role safeguard.Role) {
	b.tb.Helper()
	resp := b.Login(b.env.Users[role].Name, testPassword)
	if resp.StatusCode != http.StatusSeeOther {
		b.tb.Fatalf("login as %s: status %d\n%s", role, resp.StatusCode, resp.Body)
	}
}

// MustToken creates an API token for role (force KNT for force roles) and
// returns its secret.
func (e *Env) MustToken(tb testing.TB, role safeguard.Role) string {
	tb.Helper()
	ctx := safeguard.NewContextWithActor(context.Background(), safeguard.SystemActor("test"))
	t := &safeguard.APIToken{Name: "sys-" + string(role), Role: role}
	if role.ForceScoped() {
		t.ForceCode = "KNT"
	}
	secret, err := e.Svc.Auth.CreateToken(ctx, t)
	if err != nil {
		tb.Fatal(err)
	}
	return secret
}

// API calls the JSON API with a bearer token ("" for none).
func (e *Env) API(tb testing.TB, method, path, token string, body io.Reader) *Response {
	tb.Helper()
	req, err := http.NewRequest(method, e.URL+path, body)
	if err != nil {
		tb.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return e.NewBrowser(tb).Do(req)
}

// chunked hides a reader's length so the request is sent chunked.
type chunked struct{ r io.Reader }

func (c *chunked) Read(p []byte) (int, error) { return c.r.Read(p) }

func newFormRequest(tb testing.TB, u, body string) *http.Request {
	tb.Helper()
	req, err := http.NewRequest("POST", u, strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}
