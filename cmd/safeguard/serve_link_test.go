package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"safeguard"
	"safeguard/keyring"
	"safeguard/password"
	"safeguard/store"
)

// TestServeLinksWhatWasLeft: referrals committed but never linked (as a
// crashed ingest leaves them) are linked by the server's linking loop.
func TestServeLinksWhatWasLeft(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SAFEGUARD_DB": "sqlite:" + filepath.Join(dir, "l.db"), "SAFEGUARD_KEY_FILE": filepath.Join(dir, "key")}
	if _, _, err := runCLI(t, env, "migrate"); err != nil {
		t.Fatal(err)
	}
	keys, err := keyring.LoadFile(env["SAFEGUARD_KEY_FILE"])
	if err != nil {
		t.Fatal(err)
	}
	ctx := safeguard.NewContextWithActor(context.Background(), safeguard.SystemActor("test"))
	db, err := store.Open(ctx, env["SAFEGUARD_DB"], store.Options{Sealer: keys})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	refs := store.NewReferralService(db)
	var ids []int64
	for _, ref := range []string{"LEFT-1", "LEFT-2"} {
		r := &safeguard.Referral{Source: safeguard.SourceHotline, SourceRef: ref, Document: []byte("{}"),
			Identifiers: []safeguard.Identifier{{Kind: safeguard.IdentPhone, Value: "+44 7700 900456"}}}
		if _, err := refs.CreateReferral(ctx, r); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}

	m := NewMain()
	m.Config.DB, m.Config.KeyFile, m.Config.Addr = env["SAFEGUARD_DB"], env["SAFEGUARD_KEY_FILE"], "127.0.0.1:0"
	m.PasswordParams = &password.Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var subjects []int64
		for _, id := range ids {
			r, err := refs.FindReferralByID(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if r.SubjectID != nil {
				subjects = append(subjects, *r.SubjectID)
			}
		}
		if len(subjects) == 2 {
			if subjects[0] != subjects[1] {
				t.Fatalf("two referrals sharing a phone number are subjects %d and %d", subjects[0], subjects[1])
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server linked %d of 2 referrals left unlinked", len(subjects))
		}
		time.Sleep(100 * time.Millisecond)
	}
}
