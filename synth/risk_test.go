package synth_test

import (
	"context"
	"path/filepath"
	"testing"

	"safeguard"
	"safeguard/keyring"
	"safeguard/password"
	"safeguard/store"
	"safeguard/synth"
)

// TestSeed_WithRiskEngine: with the risk service, the seed records
// analysts' facts and the real engine assesses every subject; those with
// access to children are immediate, and the queue has every band.
func TestSeed_WithRiskEngine(t *testing.T) {
	ctx := context.Background()
	kr, _ := keyring.New(keyring.NewKey())
	cheap := password.Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}
	db, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "demo.db"), store.Options{Sealer: kr, PasswordParams: &cheap})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	risk := store.NewRiskService(db)
	svc := synth.Services{
		Forces: store.NewForceService(db), Users: store.NewUserService(db), Auth: store.NewAuthService(db),
		Subjects: store.NewSubjectService(db), Referrals: store.NewReferralService(db),
		Assessments: store.NewAssessmentService(db), Operations: store.NewOperationService(db), Risk: risk,
	}
	if _, err := synth.Seed(ctx, svc, synth.Options{Seed: 2026, Subjects: 200}); err != nil {
		t.Fatal(err)
	}
	if n, err := store.NewAssessor(db, 0).Drain(ctx); err != nil || n != 200 {
		t.Fatalf("assessed %d, %v", n, err)
	}
	actx := safeguard.NewContextWithActor(ctx, safeguard.SystemActor("test"))
	subs, _, err := svc.Subjects.FindSubjects(actx, safeguard.SubjectFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	bands := map[safeguard.Band]int{}
	withAccess := 0
	for _, s := range subs {
		bands[s.Band]++
		facts, err := risk.FindFacts(actx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range facts {
			if f.Path == "access_to_children.children_in_household" || f.Path == "access_to_children.occupation" {
				withAccess++
				if s.Band != safeguard.BandImmediate {
					t.Errorf("%s has %s = %s but is %s", s.Ref, f.Path, f.Value, s.Band)
				}
			}
		}
	}
	for _, b := range safeguard.Bands {
		if bands[b] == 0 {
			t.Errorf("no %s subjects: %v", b, bands)
		}
	}
	if withAccess == 0 {
		t.Error("no subject with access to children")
	}
	t.Logf("bands %v; %d with access to children", bands, withAccess)
}
