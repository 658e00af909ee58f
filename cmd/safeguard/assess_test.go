package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"safeguard"
	"safeguard/password"
	"safeguard/store"
)

// TestServeReassessesAfterAFact: the server's assessor picks up a fact
// recorded by anyone (here straight through the store, as another
// instance would) and re-assesses the subject without being asked. The
// design is within a second (a 250 ms poll); the test allows more, since
// the machine may be loaded, and logs what it saw.
func TestServeReassessesAfterAFact(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SAFEGUARD_DB": "sqlite:" + filepath.Join(dir, "a.db"), "SAFEGUARD_KEY_FILE": filepath.Join(dir, "key")}
	if _, _, err := runCLI(t, env, "migrate"); err != nil {
		t.Fatal(err)
	}
	m := NewMain()
	m.Config.DB, m.Config.KeyFile, m.Config.Addr = env["SAFEGUARD_DB"], env["SAFEGUARD_KEY_FILE"], "127.0.0.1:0"
	m.PasswordParams = &password.Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()

	ctx := safeguard.NewContextWithActor(context.Background(), safeguard.SystemActor("test"))
	subjects := store.NewSubjectService(m.DB)
	s := &safeguard.Subject{Name: "Fictional Person Quill", AttributionStatus: safeguard.AttrUnresolved}
	if err := subjects.CreateSubject(ctx, s); err != nil {
		t.Fatal(err)
	}
	r := &safeguard.Referral{Source: safeguard.SourceCyberTip, SourceRef: "REASSESS-1", Format: "json",
		IncidentType: "Child Pornography (possession, manufacture, and distribution)", Document: []byte(`{}`), SubjectID: &s.ID}
	if _, err := store.NewReferralService(m.DB).CreateReferral(ctx, r); err != nil {
		t.Fatal(err)
	}
	waitBand := func(what string, ok func(safeguard.Band) bool) {
		t.Helper()
		start := time.Now()
		for {
			got, err := subjects.FindSubjectByID(ctx, s.ID)
			if err != nil {
				t.Fatal(err)
			}
			if ok(got.Band) {
				t.Logf("%s: band %s after %v", what, got.Band, time.Since(start).Round(time.Millisecond))
				return
			}
			if time.Since(start) > 15*time.Second {
				t.Fatalf("%s: band still %q after %v", what, got.Band, time.Since(start))
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitBand("new subject", func(b safeguard.Band) bool { return b.Valid() && b != safeguard.BandImmediate })
	e := &safeguard.FactEntry{SubjectID: s.ID, Path: "access_to_children.occupation", Value: `"sports_coach"`}
	if err := store.NewRiskService(m.DB).RecordFact(ctx, e); err != nil {
		t.Fatal(err)
	}
	waitBand("after the fact", func(b safeguard.Band) bool { return b == safeguard.BandImmediate })
}
