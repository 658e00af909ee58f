package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"safeguard/password"
)

// TestMatchFollowsBankImports runs the real server and imports a bank with
// the CLI, as another process would: the server's in-memory index must pick
// it up without a restart.
func TestMatchFollowsBankImports(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SAFEGUARD_DB": "sqlite:" + filepath.Join(dir, "m.db"), "SAFEGUARD_KEY_FILE": filepath.Join(dir, "key")}
	if _, _, err := runCLI(t, env, "migrate"); err != nil {
		t.Fatal(err)
	}
	secret, _, err := runCLI(t, env, "token", "add", "--name", "matcher-client", "--role", "analyst")
	if err != nil {
		t.Fatal(err)
	}
	m := NewMain()
	m.Config.DB, m.Config.KeyFile, m.Config.Addr = env["SAFEGUARD_DB"], env["SAFEGUARD_KEY_FILE"], "127.0.0.1:0"
	m.PasswordParams = &password.Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()

	const md5 = "d35c785545392755e7e4164457657269"
	match := func() []map[string]any {
		req, _ := http.NewRequest("POST", m.Server.URL()+"/api/v1/match",
			strings.NewReader(`{"hashes":[{"type":"md5","value":"`+md5+`"}]}`))
		req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(secret))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("POST /api/v1/match: %s", resp.Status)
		}
		var body struct {
			Matches []map[string]any `json:"matches"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			t.Fatal(err)
		}
		return body.Matches
	}
	if got := match(); len(got) != 0 {
		t.Fatalf("matches before any bank: %v", got)
	}

	bank := filepath.Join(dir, "bank.csv")
	os.WriteFile(bank, []byte("md5,category,entry_id\n"+md5+",A,made-up-1\n"), 0o644)
	if _, _, err := runCLI(t, env, "bank", "import", "--name", "imported-elsewhere", "--scheme", "uk", bank); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(4 * matchRefresh)
	for {
		got := match()
		if len(got) == 1 && got[0]["entry_id"] == "made-up-1" && got[0]["category"] == "A" && got[0]["bank"] == "imported-elsewhere" {
			return
		} else if len(got) > 1 {
			t.Fatalf("matches: %v", got)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server did not pick up the imported bank within %s", 4*matchRefresh)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
