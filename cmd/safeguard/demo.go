package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"safeguard/keyring"
	"safeguard/store"
	"safeguard/synth"
)

func init() {
	register(command{name: "demo", summary: "serve an embedded SQLite database seeded with synthetic data", run: runDemo})
}

func runDemo(ctx context.Context, env *Env, args []string) error {
	m := NewMain()
	m.Config.DB = "sqlite:safeguard-demo.db"
	m.Config.KeyFile = "safeguard-demo.key"
	fs := newFlagSet(env.Stderr, "demo", "[--addr :8080]",
		"Creates (or reuses) safeguard-demo.db and its key file safeguard-demo.key in the\ncurrent folder, seeds deterministic synthetic data (43 forces, fictional subjects,\nreferrals and an operation), and serves it. Prints the URL and one login per role;\nthe demo passwords change at every start.")
	m.Config.serverFlags(fs)
	fs.StringVar(&m.Config.DB, "db", m.Config.DB, "database URL")
	seed := fs.Uint64("seed", 2026, "seed for the synthetic data")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	m.Logger = newLogger(env.Stderr, m.Config.LogFormat)
	if _, err := keyring.LoadOrCreateFile(m.Config.KeyFile); err != nil {
		return err
	}
	start := time.Now()
	if err := m.Run(ctx); err != nil {
		m.Close()
		return err
	}
	defer m.Close()
	svc := services(m.DB)
	logins, err := synth.Seed(ctx, synth.Services{
		Forces: svc.Forces, Users: svc.Users, Auth: svc.Auth, Subjects: svc.Subjects,
		Referrals: svc.Referrals, Assessments: svc.Assessments, Operations: svc.Operations,
		Risk: store.NewRiskService(m.DB),
	}, synth.Options{Seed: *seed})
	if err != nil {
		return fmt.Errorf("seeding the demo: %w", err)
	}
	// The server's assessor would get there within a second; the queue is
	// whole before the URL is printed.
	if _, err := store.NewAssessor(m.DB, 0).Drain(ctx); err != nil {
		return fmt.Errorf("assessing the demo's subjects: %w", err)
	}
	fmt.Fprintf(env.Stdout, "Safeguard demo (synthetic data only) ready in %.1fs\n\n  %s\n\n", time.Since(start).Seconds(), m.Server.URL())
	tw := tabwriter.NewWriter(env.Stdout, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "  login\trole\tforce\tpassword")
	for _, l := range logins {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", l.Name, l.Role, l.Force, l.Password)
	}
	tw.Flush()
	fmt.Fprintln(env.Stdout, "\nPress Ctrl-C to stop.")
	<-ctx.Done()
	return nil
}
