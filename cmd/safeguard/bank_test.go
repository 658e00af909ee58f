package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBankCommands(t *testing.T) {
	forEachCLIDB(t, func(t *testing.T, db cliDB) {
		env := map[string]string{"SAFEGUARD_DB": db.url, "SAFEGUARD_KEY_FILE": db.keyFile}
		dir := t.TempDir()
		csv := filepath.Join(dir, "bank.csv")
		os.WriteFile(csv, []byte("md5,sha256,category,entry_id\n"+
			"d35c785545392755e7e4164457657269,b5b0799616df52d475a3968dc7e54f1d0724c912244ffa6175bc786375dd7298,B,e1\n"+
			"69b0834fac1477a4397a0be6b6e55c1a,,C,e2\n"), 0o644)
		out, _, err := runCLI(t, env, "bank", "import", "--name", "test-bank", "--scheme", "uk", "--source", "made up", csv)
		if err != nil || !strings.Contains(out, "imported 2 entries") || !strings.Contains(out, "version 1") {
			t.Fatalf("import: %q, %v", out, err)
		}

		// A bad line aborts the whole import and names the line.
		bad := filepath.Join(dir, "bad.csv")
		os.WriteFile(bad, []byte("md5,category\n"+"d35c785545392755e7e4164457657269,A\n"+"zz5c785545392755e7e4164457657269,A\n"), 0o644)
		if _, _, err := runCLI(t, env, "bank", "import", "--name", "test-bank", "--scheme", "uk", bad); err == nil || !strings.Contains(err.Error(), "line 3") {
			t.Fatalf("bad import: err = %v, want one naming line 3", err)
		}
		if _, _, err := runCLI(t, env, "bank", "import", "--name", "x", csv); err == nil || !strings.Contains(err.Error(), "--scheme") {
			t.Fatalf("list without a scheme: err = %v", err)
		}

		out, _, err = runCLI(t, env, "bank", "list")
		if err != nil || !strings.Contains(out, "test-bank") {
			t.Fatalf("list: %q, %v", out, err)
		}
		if !strings.Contains(out, "  2  ") {
			t.Fatalf("list after a failed import should still show 2 entries: %q", out)
		}

		// Round trip: export as VICS, import into another bank, export as CSV.
		vicsOut := filepath.Join(dir, "out.json")
		if _, _, err := runCLI(t, env, "bank", "export", "--name", "test-bank", "--format", "vics", "--out", vicsOut); err != nil {
			t.Fatalf("export: %v", err)
		}
		if _, _, err := runCLI(t, env, "bank", "import", "--name", "copy", "--scheme", "uk", vicsOut); err != nil {
			t.Fatalf("re-import of the export: %v", err)
		}
		a, _, _ := runCLI(t, env, "bank", "export", "--name", "test-bank", "--format", "csv")
		b, _, _ := runCLI(t, env, "bank", "export", "--name", "copy", "--format", "csv")
		if a == "" || a != b {
			t.Fatalf("round trip changed the entries:\n%s\nvs\n%s", a, b)
		}
		if !strings.Contains(a, "b5b0799616df52d475a3968dc7e54f1d0724c912244ffa6175bc786375dd7298") || !strings.Contains(a, ",e2") {
			t.Fatalf("export lacks entries: %s", a)
		}
	})
}
