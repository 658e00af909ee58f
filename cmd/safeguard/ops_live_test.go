package main

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"safeguard"
	"safeguard/keyring"
	"safeguard/store"
)

// TestLiveAcrossServers runs two servers over one database, as several
// `safeguard serve` instances share one PostgreSQL: an action recorded
// through one reaches a live stream held open on the other within two
// seconds. On SQLite, and on PostgreSQL when SAFEGUARD_TEST_POSTGRES is set.
func TestLiveAcrossServers(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		testLiveAcrossServers(t, "sqlite:"+filepath.Join(t.TempDir(), "shared.db"))
	})
	t.Run("postgres", func(t *testing.T) {
		base := os.Getenv("SAFEGUARD_TEST_POSTGRES")
		if base == "" {
			t.Skip("SAFEGUARD_TEST_POSTGRES not set")
		}
		testLiveAcrossServers(t, mustCreatePostgres(t, base))
	})
}

func testLiveAcrossServers(t *testing.T, dbURL string) {
	keyFile := filepath.Join(t.TempDir(), "safeguard.key")
	if err := keyring.WriteFile(keyFile); err != nil {
		t.Fatal(err)
	}
	var mains [2]*Main
	for i := range mains {
		m := NewMain()
		m.Config.DB, m.Config.Addr, m.Config.KeyFile = dbURL, "127.0.0.1:0", keyFile
		if err := m.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { m.Close() })
		mains[i] = m
	}
	db := mains[0].DB
	sys := safeguard.NewContextWithActor(context.Background(), safeguard.SystemActor("live-test"))
	if err := store.NewForceService(db).CreateForce(sys, &safeguard.Force{Code: "KNT", Name: "Kent Police (synthetic)", Areas: []string{"CT"}, Synthetic: true}); err != nil {
		t.Fatal(err)
	}
	subj := &safeguard.Subject{Name: "Fictional Person", ForceCode: "KNT", AttributionStatus: safeguard.AttrCorroborated}
	if err := store.NewSubjectService(db).CreateSubject(sys, subj); err != nil {
		t.Fatal(err)
	}
	ops := store.NewOperationService(db)
	op := &safeguard.Operation{Code: "OP-SHARED", Name: "Shared (synthetic)"}
	if err := ops.CreateOperation(sys, op); err != nil {
		t.Fatal(err)
	}
	pkg := &safeguard.Package{OperationID: op.ID, SubjectID: subj.ID}
	if err := ops.SendPackage(sys, pkg); err != nil {
		t.Fatal(err)
	}
	auth := store.NewAuthService(db)
	coord, err := auth.CreateToken(sys, &safeguard.APIToken{Name: "coord", Role: safeguard.RoleCoordinator})
	if err != nil {
		t.Fatal(err)
	}
	inv, err := auth.CreateToken(sys, &safeguard.APIToken{Name: "kent", Role: safeguard.RoleInvestigator, ForceCode: "KNT"})
	if err != nil {
		t.Fatal(err)
	}

	// The live stream on the second server.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", mains[1].Server.URL()+"/api/v1/operations/OP-SHARED/events?after=0", nil)
	req.Header.Set("Authorization", "Bearer "+coord)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	events := make(chan safeguard.ActionEvent, 10)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var ev safeguard.ActionEvent
				if json.Unmarshal([]byte(data), &ev) == nil {
					events <- ev
				}
			}
		}
	}()

	// The action, through the first server's API.
	body := `{"package_id":` + itoa(pkg.ID) + `,"kind":"arrest","at":"2026-03-14T10:00:00Z"}`
	post, _ := http.NewRequest("POST", mains[0].Server.URL()+"/api/v1/operations/OP-SHARED/actions", strings.NewReader(body))
	post.Header.Set("Authorization", "Bearer "+inv)
	post.Header.Set("Content-Type", "application/json")
	post.Header.Set("Idempotency-Key", "shared-1")
	start := time.Now()
	pr, err := http.DefaultClient.Do(post)
	if err != nil {
		t.Fatal(err)
	}
	var a safeguard.Action
	json.NewDecoder(pr.Body).Decode(&a)
	pr.Body.Close()
	if pr.StatusCode != 201 {
		t.Fatalf("record: %d", pr.StatusCode)
	}
	select {
	case ev := <-events:
		if ev.ID != a.ID || ev.Kind != safeguard.ActArrest || ev.ForceCode != "KNT" || ev.OperationCode != "OP-SHARED" {
			t.Fatalf("event %+v for action %+v", ev, a)
		}
		t.Logf("the other server's stream had the action after %v", time.Since(start).Round(time.Millisecond))
	case <-time.After(2 * time.Second):
		t.Fatal("the other server's stream did not get the action within 2 s")
	}
}
