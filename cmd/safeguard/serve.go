package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"safeguard"
	"safeguard/keyring"
	"safeguard/matcher"
	"safeguard/password"
	"safeguard/store"
	"safeguard/web"
)

// Main is the running program: configuration, database and server. Tests
// run it on port :0 with a temporary database.
type Main struct {
	Config Config
	Logger *slog.Logger
	// PasswordParams, when set, replace the argon2id costs (tests only).
	PasswordParams *password.Params

	DB      *store.DB
	Server  *web.Server
	Matcher *matcher.Set

	stopWatch context.CancelFunc
	assessing sync.WaitGroup
}

// matchMinQuality is PDQ's own advice: hashes of lower quality are not
// matched.
const matchMinQuality = 50

// matchRefresh is how often each server checks the database for changed
// banks, so an import through one server reaches the others.
const matchRefresh = 5 * time.Second

// assessEvery is how often the server looks for subjects to re-assess: a
// changed fact shows in the band within this and the work itself.
const assessEvery = 250 * time.Millisecond

// purgeEvery is how often expired sessions are deleted.
const purgeEvery = 10 * time.Minute

// NewMain returns a Main with the default configuration.
func NewMain() *Main {
	return &Main{Config: DefaultConfig(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

// Run opens the database, applies migrations and starts serving. It returns
// once the server is listening; Close stops it.
func (m *Main) Run(ctx context.Context) error {
	if err := m.Config.Validate(); err != nil {
		return err
	}
	keys, err := keyring.LoadFile(m.Config.KeyFile)
	if err != nil {
		return fmt.Errorf("%w (create one with 'safeguard migrate', or set SAFEGUARD_KEY_FILE)", err)
	}
	if m.DB, err = store.Open(ctx, m.Config.DB, store.Options{Sealer: keys, Logger: m.Logger, PasswordParams: m.PasswordParams}); err != nil {
		return err
	}
	if err := m.DB.Migrate(ctx); err != nil {
		return err
	}
	cfg := web.Config{
		Addr:         m.Config.Addr,
		TLSCertFile:  m.Config.TLSCertFile,
		TLSKeyFile:   m.Config.TLSKeyFile,
		CookieSecure: m.Config.TLSCertFile != "" || m.Config.CookieSecure,
		Version:      buildVersion(),
	}
	if m.Config.OIDCIssuer != "" {
		secret, err := m.Config.oidcSecret()
		if err != nil {
			return err
		}
		cfg.OIDC = &web.OIDCConfig{
			Issuer: m.Config.OIDCIssuer, ClientID: m.Config.OIDCClientID, ClientSecret: secret,
			RedirectURL: m.Config.OIDCRedirectURL, RoleClaim: m.Config.OIDCRoleClaim, ForceClaim: m.Config.OIDCForceClaim,
		}
	}
	svc := services(m.DB)
	m.Matcher = matcher.NewSet(store.NewBankService(m.DB), matchMinQuality)
	if err := m.Matcher.Refresh(ctx); err != nil {
		return fmt.Errorf("loading hash banks: %w", err)
	}
	var watchCtx context.Context
	watchCtx, m.stopWatch = context.WithCancel(context.WithoutCancel(ctx))
	go m.Matcher.Watch(watchCtx, matchRefresh, m.Logger)
	// Facts change in many places; the assessor follows them all through
	// the database, so a subject is re-assessed within a second.
	m.assessing.Add(3)
	go func() {
		defer m.assessing.Done()
		store.NewAssessor(m.DB, 0).Run(watchCtx, assessEvery)
	}()
	go func() {
		defer m.assessing.Done()
		m.purgeSessions(watchCtx)
	}()
	go func() {
		defer m.assessing.Done()
		m.linkLoop(watchCtx, linkInterval)
	}()
	svc.Matcher = m.Matcher
	if m.Server, err = web.NewServer(cfg, svc, m.Logger); err != nil {
		return err
	}
	return m.Server.Open()
}

// purgeSessions removes sessions nobody came back to, every
// purgeEvery, until ctx ends.
func (m *Main) purgeSessions(ctx context.Context) {
	auth := store.NewAuthService(m.DB)
	t := time.NewTicker(purgeEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if n, err := auth.PurgeSessions(ctx); err != nil && ctx.Err() == nil {
			m.Logger.Error("purging expired sessions failed", "error", err)
		} else if n > 0 {
			m.Logger.Info("purged expired sessions", "sessions", n)
		}
	}
}

// linkInterval is how often the server links referrals that were
// committed but not linked (a crashed ingest, a failed link after an API
// post, another server's work cut short).
const linkInterval = 5 * time.Second

// linkLoop links every referral without a subject now and then every
// interval until ctx ends. Passes hold the linking lock, so several
// servers on one PostgreSQL take turns.
func (m *Main) linkLoop(ctx context.Context, interval time.Duration) {
	links := store.NewLinkService(m.DB)
	ctx = safeguard.NewContextWithActor(ctx, safeguard.Actor{Kind: safeguard.ActorSystem, Name: "linker", Role: safeguard.RoleAnalyst})
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		sum, err := links.LinkPending(ctx, 0)
		switch {
		case err != nil && ctx.Err() == nil:
			m.Logger.Warn("linking pass failed", "code", safeguard.ErrorCode(err), "error", err)
		case sum.Linked > 0:
			m.Logger.Info("linked referrals", "linked", sum.Linked, "subjects_created", sum.Created, "merged", sum.Merged, "possible_links", sum.Possible)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Close stops the server, waiting briefly for requests in flight, and closes
// the database.
func (m *Main) Close() error {
	var errs []error
	if m.stopWatch != nil {
		m.stopWatch()
	}
	m.assessing.Wait()
	if m.Server != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		errs = append(errs, m.Server.Close(ctx))
		cancel()
	}
	if m.DB != nil {
		errs = append(errs, m.DB.Close())
	}
	return errors.Join(errs...)
}

// services builds every service over one database.
func services(db *store.DB) web.Services {
	return web.Services{
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
}

// newLogger returns the structured logger for the configured format.
func newLogger(w io.Writer, format string) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

func init() {
	register(command{name: "serve", summary: "run the server", run: runServe})
}

func runServe(ctx context.Context, env *Env, args []string) error {
	m := NewMain()
	m.Config.applyEnv(env.Getenv)
	fs := newFlagSet(env.Stderr, "serve", "[--db URL] [--addr :8080]",
		"Serves Safeguard's pages and JSON API. Applies database migrations at start.\nStops gracefully on SIGINT or SIGTERM.")
	m.Config.dbFlags(fs)
	m.Config.serverFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	} else if fs.NArg() > 0 {
		return fmt.Errorf("serve takes no arguments, got %q", fs.Arg(0))
	}
	m.Logger = newLogger(env.Stderr, m.Config.LogFormat)
	if err := m.Run(ctx); err != nil {
		m.Close()
		return err
	}
	m.Logger.Info("serving", "url", m.Server.URL(), "db", redactURL(m.Config.DB), "version", buildVersion())
	<-ctx.Done()
	m.Logger.Info("shutting down")
	return m.Close()
}
