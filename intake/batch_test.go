package intake_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"safeguard"
	"safeguard/intake"
	"safeguard/keyring"
	"safeguard/store"
)

// TestIngestBatchesFitMaxTxTime: against a real SQLite store, batches
// double while their transactions are quick, and a run whose
// transactions take longer than MaxTxTime keeps them small, so other
// writers never wait long for the write lock. The batches are counted by
// the audit events that record them, one a transaction.
func TestIngestBatchesFitMaxTxTime(t *testing.T) {
	dir := t.TempDir()
	var lines strings.Builder
	const n = 600
	for i := range n {
		fmt.Fprintf(&lines, `{"source":"hotline","source_ref":"HL-%d","identifiers":[{"kind":"email","value":"person%d@example.com"}]}`+"\n", i, i)
	}
	path := filepath.Join(dir, "referrals.jsonl")
	if err := os.WriteFile(path, []byte(lines.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	batches := func(maxTx time.Duration) int {
		t.Helper()
		kr, err := keyring.New(keyring.NewKey())
		if err != nil {
			t.Fatal(err)
		}
		ctx := safeguard.NewContextWithActor(context.Background(), safeguard.SystemActor("test"))
		db, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "sg.db"), store.Options{Sealer: kr})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		in := &intake.Ingester{Referrals: store.NewReferralService(db), Linker: store.NewLinkService(db), MaxTxTime: maxTx}
		sum, err := in.Files(ctx, []string{path})
		if err != nil || sum.Accepted != n {
			t.Fatalf("summary %+v, %v", sum, err)
		}
		_, total, err := store.NewAuditService(db).FindAuditEvents(ctx, safeguard.AuditFilter{Action: "referral.create"})
		if err != nil {
			t.Fatal(err)
		}
		return total
	}
	// 16, 32, 64, 128, 256 and the 104 left: six transactions.
	if got := batches(time.Hour); got != 6 {
		t.Errorf("quick transactions: %d batches, want 6 (doubling from 16)", got)
	}
	// Every transaction takes longer than a nanosecond: the batches stay
	// at the smallest size.
	if got := batches(time.Nanosecond); got != (n+15)/16 {
		t.Errorf("slow transactions: %d batches, want %d of 16", got, (n+15)/16)
	}
}
