package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeLeases writes an ISP lease CSV leasing 198.51.100.1 to .10 (where
// writeReferrals' first events are) for 1 November 2026, and returns it.
func writeLeases(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("ip,port_start,port_end,start,end,subscriber_id,name,install_address,billing_address\n")
	for i := 1; i <= 10; i++ {
		fmt.Fprintf(&b, "198.51.100.%d,,,2026-11-01T00:00:00Z,2026-11-02T00:00:00Z,SUB-%d,Fictional %d,\"%d Example Road, EX1 1AA\",\n", i, i, i, i)
	}
	path := filepath.Join(dir, "leases.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestAttributionImportThenIngest imports an ISP lease file with the CLI
// (all or nothing: a bad file names its line and stores nothing), then
// ingests referrals whose events the leases cover in part: every event
// ends resolved, the covered ones confirmed, no subject left marked.
func TestAttributionImportThenIngest(t *testing.T) {
	forEachCLIDB(t, func(t *testing.T, db cliDB) {
		env := map[string]string{"SAFEGUARD_DB": db.url, "SAFEGUARD_KEY_FILE": db.keyFile}
		runCLI(t, env, "migrate")
		dir := t.TempDir()
		leases := writeLeases(t, dir)
		out, _, err := runCLI(t, env, "attribution", "import", "--kind", "isp", leases)
		if err != nil {
			t.Fatal(err)
		}
		var imp struct {
			ID       int64  `json:"id"`
			Kind     string `json:"kind"`
			FileName string `json:"file_name"`
			Rows     int    `json:"rows"`
			SHA256   string `json:"sha256"`
		}
		if err := json.Unmarshal([]byte(out), &imp); err != nil {
			t.Fatalf("%s: %v", out, err)
		}
		if imp.ID != 1 || imp.Kind != "isp_csv" || imp.FileName != "leases.csv" || imp.Rows != 10 || len(imp.SHA256) != 64 {
			t.Fatalf("import printed %s", out)
		}

		bad := filepath.Join(dir, "bad.csv")
		good, _ := os.ReadFile(leases)
		os.WriteFile(bad, []byte(string(good)+"198.51.100.99,,,2026-11-01T00:00:00,2026-11-02T00:00:00Z,SUB-99,F,A,B\n"), 0o600)
		if _, _, err := runCLI(t, env, "attribution", "import", bad); err == nil || !strings.Contains(err.Error(), "bad.csv:12") {
			t.Fatalf("bad file: %v, want an error naming bad.csv:12", err)
		}
		if _, _, err := runCLI(t, env, "attribution", "import", "--kind", "dhcp", leases); err == nil || !strings.Contains(err.Error(), "isp, radius or proxy") {
			t.Fatalf("unknown kind: %v", err)
		}
		count := func(q string) int {
			var n int
			if err := db.raw(t).QueryRow(q).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n, l := count(`SELECT COUNT(*) FROM attribution_imports`), count(`SELECT COUNT(*) FROM leases`); n != 1 || l != 10 {
			t.Fatalf("%d imports and %d leases after a refused file, want 1 and 10", n, l)
		}
		if n := count(`SELECT COUNT(*) FROM audit_events WHERE action = 'attribution.import'`); n != 1 {
			t.Fatalf("%d attribution.import audit events", n)
		}

		file := writeReferrals(t, dir, 30)
		if out, _, err := runCLI(t, env, "ingest", file); err != nil || !strings.Contains(out, `"accepted":30`) {
			t.Fatalf("ingest: %s, %v", out, err)
		}
		if n := count(`SELECT COUNT(*) FROM ip_event_attributions`); n != 30 {
			t.Fatalf("%d events resolved, want 30", n)
		}
		if n := count(`SELECT COUNT(*) FROM ip_event_attributions WHERE status = 'confirmed'`); n != 10 {
			t.Fatalf("%d events confirmed, want 10", n)
		}
		if n := count(`SELECT COUNT(*) FROM subjects WHERE attribution_status = 'confirmed'`); n != 10 {
			t.Fatalf("%d subjects confirmed, want 10", n)
		}
		if n := count(`SELECT COUNT(*) FROM attribution_pending`); n != 0 {
			t.Fatalf("%d subjects left marked", n)
		}
	})
}
