package web

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"time"

	"safeguard"
	"safeguard/matcher"
)

// Login throttling per client address when Config leaves it zero: ten
// attempts at once, then one every six seconds.
const (
	DefaultLoginBurst  = 10
	DefaultLoginRefill = 6 * time.Second
)

// DefaultMaxBodyBytes is the request body limit for forms and JSON when
// Config.MaxBodyBytes is zero.
const DefaultMaxBodyBytes = 1 << 20

// DefaultMaxScanReportBytes is the body limit for a scan report upload when
// Config.MaxScanReportBytes is zero: a report lists only matched files, so
// this holds some hundred thousand matches.
const DefaultMaxScanReportBytes = 32 << 20

// MaxMatchBodyBytes is the body limit of a hash lookup: room for
// maxMatchHashes hashes of any type, indented.
const MaxMatchBodyBytes = 2 << 20

// Config configures a Server.
type Config struct {
	Addr         string // listen address; ":0" picks a free port
	TLSCertFile  string // with TLSKeyFile, serve HTTPS
	TLSKeyFile   string
	CookieSecure bool  // mark cookies Secure and send HSTS: true when TLS or behind a TLS proxy
	MaxBodyBytes int64 // request body limit; 0 means DefaultMaxBodyBytes
	// MaxScanReportBytes limits a scan report upload (page and API); 0
	// means DefaultMaxScanReportBytes. Never below MaxBodyBytes.
	MaxScanReportBytes int64
	// LoginBurst login attempts a client address may make at once, then
	// one per LoginRefill; 0 means DefaultLoginBurst and DefaultLoginRefill.
	LoginBurst  int
	LoginRefill time.Duration
	OIDC        *OIDCConfig
	Version     string
}

// Services are what the server serves. Forces, Users, Auth, Subjects,
// Referrals, Assessments and Audit are needed for the core pages; any other
// may be nil, and its routes then answer 503.
type Services struct {
	Forces      safeguard.ForceService
	Users       safeguard.UserService
	Auth        safeguard.AuthService
	Subjects    safeguard.SubjectService
	Referrals   safeguard.ReferralService
	Assessments safeguard.AssessmentService
	Audit       safeguard.AuditService
	Banks       safeguard.BankService
	Scans       safeguard.ScanReportService
	Operations  safeguard.OperationService
	Backlog     safeguard.BacklogService
	Attribution safeguard.AttributionService
	Risk        safeguard.RiskService
	// Links and IngestRuns serve linking decisions and the intake page;
	// when Links is set, a referral posted to the API is linked at once.
	Links      safeguard.LinkService
	IngestRuns safeguard.IngestRunService
	// Matcher answers hash lookups from banks held in memory. The server
	// loads it on the first lookup if nobody has; keeping it current
	// (Set.Watch) is the caller's job.
	Matcher *matcher.Set
	// Ping checks the database for /healthz; nil means always healthy.
	Ping func(ctx context.Context) error
}

// Server is Safeguard's HTTP server.
type Server struct {
	cfg     Config
	svc     Services
	logger  *slog.Logger
	tmpl    *templates
	static  *staticAssets
	metrics *metrics
	cop     *http.CrossOriginProtection
	oidc    *oidcLogin

	logins *loginThrottle
	live   liveHub // the operations' live picture

	mux     *http.ServeMux
	routes  []string // registered patterns, for tests and the OpenAPI check
	handler http.Handler

	mu  sync.Mutex
	ln  net.Listener
	srv *http.Server
	tls bool
}

// NewServer returns a server for cfg and svc. It parses and checks every
// template and asset, so a broken one fails at start rather than on a page.
func NewServer(cfg Config, svc Services, logger *slog.Logger) (*Server, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.LoginBurst <= 0 {
		cfg.LoginBurst = DefaultLoginBurst
	}
	if cfg.LoginRefill <= 0 {
		cfg.LoginRefill = DefaultLoginRefill
	}
	if cfg.MaxScanReportBytes <= 0 {
		cfg.MaxScanReportBytes = DefaultMaxScanReportBytes
	}
	cfg.MaxScanReportBytes = max(cfg.MaxScanReportBytes, cfg.MaxBodyBytes)
	if (cfg.TLSCertFile == "") != (cfg.TLSKeyFile == "") {
		return nil, fmt.Errorf("web: TLS needs both a certificate and a key file")
	}
	if cfg.TLSCertFile != "" {
		cfg.CookieSecure = true
	}
	if svc.Auth == nil {
		return nil, fmt.Errorf("web: an AuthService is required")
	}
	s := &Server{
		cfg:     cfg,
		svc:     svc,
		logger:  logger,
		metrics: newMetrics(),
		cop:     http.NewCrossOriginProtection(),
		mux:     http.NewServeMux(),
		logins:  newLoginThrottle(cfg.LoginBurst, cfg.LoginRefill, runtime.NumCPU()),
	}
	var err error
	if s.static, err = loadStatic(); err != nil {
		return nil, err
	}
	if s.tmpl, err = parseTemplates(s.static); err != nil {
		return nil, err
	}
	if cfg.OIDC != nil {
		if s.oidc, err = newOIDCLogin(*cfg.OIDC); err != nil {
			return nil, err
		}
	}
	s.registerRoutes()
	s.handler = s.observe(s.recoverPanics(s.securityHeaders(s.mux)))
	return s, nil
}

// Handler returns the server's root handler, with every middleware applied.
func (s *Server) Handler() http.Handler { return s.handler }

// Open starts listening on cfg.Addr and serving in the background.
func (s *Server) Open() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		return fmt.Errorf("web: server already open")
	}
	addr := s.cfg.Addr
	if addr == "" {
		addr = ":8080"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("web: listen on %s: %w", addr, err)
	}
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.logger.Handler(), slog.LevelWarn),
	}
	if s.cfg.TLSCertFile != "" {
		cert, err := tls.LoadX509KeyPair(s.cfg.TLSCertFile, s.cfg.TLSKeyFile)
		if err != nil {
			ln.Close()
			return fmt.Errorf("web: load TLS certificate: %w", err)
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		s.tls = true
	}
	srv.RegisterOnShutdown(s.live.shutdown)
	s.ln, s.srv = ln, srv
	go func() {
		var err error
		if s.tls {
			err = srv.ServeTLS(ln, "", "") // the certificate is in TLSConfig; this also enables HTTP/2
		} else {
			err = srv.Serve(ln)
		}
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.logger.Error("http server stopped", "error", err)
		}
	}()
	return nil
}

// URL returns the base URL the server listens on, e.g.
// http://127.0.0.1:43121, or "" before Open.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return ""
	}
	scheme := "http"
	if s.tls {
		scheme = "https"
	}
	host, port, err := net.SplitHostPort(s.ln.Addr().String())
	if err != nil {
		return scheme + "://" + s.ln.Addr().String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

// Close stops accepting connections and waits, until ctx ends, for requests
// in flight to finish.
func (s *Server) Close(ctx context.Context) error {
	s.mu.Lock()
	srv := s.srv
	s.mu.Unlock()
	if srv == nil {
		return nil
	}
	return srv.Shutdown(ctx)
}

// Routes returns the registered ServeMux patterns, e.g. "GET /queue".
func (s *Server) Routes() []string { return append([]string(nil), s.routes...) }

// isAPI reports whether the request is for the JSON API, which answers in
// JSON and never uses cookies.
func isAPI(r *http.Request) bool {
	return r.URL.Path == "/api" || strings.HasPrefix(r.URL.Path, "/api/")
}
