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

func mustSeededDB(t *testing.T, seed uint64) (synth.Services, []synth.Login, context.Context) {
	t.Helper()
	ctx := context.Background()
	kr, _ := keyring.New(keyring.NewKey())
	cheap := password.Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}
	db, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "demo.db"), store.Options{Sealer: kr, PasswordParams: &cheap})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	svc := synth.Services{
		Forces: store.NewForceService(db), Users: store.NewUserService(db), Auth: store.NewAuthService(db),
		Subjects: store.NewSubjectService(db), Referrals: store.NewReferralService(db),
		Assessments: store.NewAssessmentService(db), Operations: store.NewOperationService(db),
	}
	logins, err := synth.Seed(ctx, svc, synth.Options{Seed: seed, Subjects: 30})
	if err != nil {
		t.Fatal(err)
	}
	return svc, logins, safeguard.NewContextWithActor(ctx, safeguard.SystemActor("test"))
}

func TestSeed(t *testing.T) {
	svc, logins, ctx := mustSeededDB(t, 42)
	forces, err := svc.Forces.FindForces(ctx)
	if err != nil || len(forces) != 43 {
		t.Fatalf("forces: %d, %v", len(forces), err)
	}
	subjects, total, err := svc.Subjects.FindSubjects(ctx, safeguard.SubjectFilter{Limit: 100})
	if err != nil || total != 30 {
		t.Fatalf("subjects: %d, %v", total, err)
	}
	for _, s := range subjects {
		if !s.Band.Valid() || s.DueAt == nil {
			t.Errorf("subject %s has no assessment (band %q)", s.Ref, s.Band)
		}
	}
	if len(logins) != len(safeguard.Roles) {
		t.Fatalf("%d logins, want one per role", len(logins))
	}
	for _, l := range logins {
		if _, _, u, err := svc.Auth.Login(context.Background(), l.Name, l.Password); err != nil {
			t.Errorf("login %s with the printed password: %v", l.Name, err)
		} else if u.MustChangePassword || u.Role != l.Role {
			t.Errorf("login %s: must change %v, role %s", l.Name, u.MustChangePassword, u.Role)
		}
	}
	ops, err := svc.Operations.FindOperations(ctx)
	if err != nil || len(ops) != 1 {
		t.Fatalf("operations: %d, %v", len(ops), err)
	}

	// Seeding again leaves the data alone and gives working new passwords.
	again, err := synth.Seed(context.Background(), svc, synth.Options{Seed: 42, Subjects: 30})
	if err != nil {
		t.Fatal(err)
	}
	if _, total2, _ := svc.Subjects.FindSubjects(ctx, safeguard.SubjectFilter{Limit: 1}); total2 != 30 {
		t.Fatalf("reseeding changed the subject count to %d", total2)
	}
	if _, _, _, err := svc.Auth.Login(context.Background(), again[1].Name, again[1].Password); err != nil {
		t.Fatalf("login with the new password: %v", err)
	}
	if _, _, _, err := svc.Auth.Login(context.Background(), logins[1].Name, logins[1].Password); err == nil {
		t.Fatal("the previous run's password still works")
	}
}

func TestSeedDeterministic(t *testing.T) {
	bands := func(seed uint64) []string {
		svc, _, ctx := mustSeededDB(t, seed)
		subjects, _, err := svc.Subjects.FindSubjects(ctx, safeguard.SubjectFilter{Sort: "ref", Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, s := range subjects {
			out = append(out, s.Ref+":"+string(s.Band)+":"+s.ForceCode+":"+s.Name)
		}
		return out
	}
	a, b, c := bands(7), bands(7), bands(8)
	if len(a) != 30 || len(a) != len(b) {
		t.Fatalf("lengths %d, %d", len(a), len(b))
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("same seed differs at %d: %s vs %s", i, a[i], b[i])
		}
	}
	same := 0
	for i := range a {
		if a[i] == c[i] {
			same++
		}
	}
	if same == len(a) {
		t.Fatal("different seeds gave the same data")
	}
}
