package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMain lets a test run this binary's main in a subprocess, so a test
// can kill a real `safeguard` process part way through.
func TestMain(m *testing.M) {
	if os.Getenv("SAFEGUARD_TEST_RUN_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// writeReferrals writes n JSON lines referrals, each with identifiers and IP
// events, and returns the file.
func writeReferrals(t *testing.T, dir string, n int) string {
	t.Helper()
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `{"source":"p2p","source_ref":"P2P-%06d","identifiers":[{"kind":"email","value":"user%d@example.com"},{"kind":"username","value":"peer%d@p2p.example"}],`+
			`"ip_events":[{"ip":"198.51.100.%d","port":%d,"time_text":"2026-11-01T10:%02d:00Z","at":"2026-11-01T10:%02d:00Z","has_offset":true}]}`+"\n",
			i, i%500, i%700, i%250, 1024+i, i%60, i%60)
	}
	path := filepath.Join(dir, "referrals.jsonl")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestIngestTwiceChangesNothing(t *testing.T) {
	forEachCLIDB(t, func(t *testing.T, db cliDB) {
		env := map[string]string{"SAFEGUARD_DB": db.url, "SAFEGUARD_KEY_FILE": db.keyFile}
		runCLI(t, env, "migrate")
		dir := t.TempDir()
		file := writeReferrals(t, dir, 50)
		report := filepath.Join(dir, "240001001.xml")
		copyFile(t, "../../cybertip/testdata/report_p2p.xml", report)
		files := []string{"../../cybertip/testdata/filedetails_md5_sha1.xml", file, report, "../../cybertip/testdata/filedetails_sha256_pdq.xml"}

		out, _, err := runCLI(t, env, append([]string{"ingest"}, files...)...)
		if err != nil {
			t.Fatal(err)
		}
		if want := `{"accepted":51,"duplicates":0,"rejected":[]}`; strings.TrimSpace(out) != want {
			t.Fatalf("first ingest: %s, want %s", out, want)
		}
		var files0 int
		db.raw(t).QueryRow(`SELECT COUNT(*) FROM referral_files`).Scan(&files0)
		if files0 != 2 {
			t.Fatalf("the report's two fileDetails documents gave %d stored files", files0)
		}
		linked := func() string {
			var out string
			for _, table := range []string{"subjects", "subject_links", "possible_links"} {
				var n int
				db.raw(t).QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n)
				out += fmt.Sprintf("%s=%d ", table, n)
			}
			return out
		}
		before := linked()
		assertLinkedOnce(t, db.raw(t), 51)
		out, _, err = runCLI(t, env, append([]string{"ingest"}, files...)...)
		if err != nil || strings.TrimSpace(out) != `{"accepted":0,"duplicates":51,"rejected":[]}` {
			t.Fatalf("second ingest: %s, %v", out, err)
		}
		if after := linked(); after != before {
			t.Fatalf("second ingest changed the subjects: %s, then %s", before, after)
		}
		var n int
		db.raw(t).QueryRow(`SELECT COUNT(*) FROM referrals`).Scan(&n)
		if n != 51 {
			t.Fatalf("%d referrals stored after two runs, want 51", n)
		}
	})
}

func TestIngestRejectsWithWhere(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SAFEGUARD_DB": "sqlite:" + filepath.Join(dir, "i.db"), "SAFEGUARD_KEY_FILE": filepath.Join(dir, "key")}
	runCLI(t, env, "migrate")
	bad := filepath.Join(dir, "bad.jsonl")
	os.WriteFile(bad, []byte(`{"source":"hotline","source_ref":"H-1"}`+"\n"+`{"source":"hotline","source_ref":"H-2","ip_events":[{"ip":"203.0.113.300","time_text":"x"}]}`+"\n"+`{"source":"hotline",`+"\n"), 0o644)
	sum, out := ingestFiles(t, env, bad, "../../cybertip/testdata/invalid/bad_ip.xml", filepath.Join(dir, "missing.xml"))
	if sum.Accepted != 1 || len(sum.Rejected) != 4 {
		t.Fatalf("summary %s: want 1 accepted and 4 rejected", out)
	}
	wants := [][2]string{{"line 2", "203.0.113.300"}, {"line 3", "JSON"}, {"ipAddress", "IP"}, {"", "no such file"}}
	for i, w := range wants {
		r := sum.Rejected[i]
		if !strings.Contains(r.Where, w[0]) || !strings.Contains(r.Error, w[1]) {
			t.Errorf("rejection %d = %+v, want where ~%q and error ~%q", i, r, w[0], w[1])
		}
	}
}

// TestIngestKilledAndRerun kills a real ingest process part way through a
// file and runs it again: every referral must end up stored exactly once,
// linked once, and (leases having been imported) every event attributed,
// no subject left waiting for it.
func TestIngestKilledAndRerun(t *testing.T) {
	forEachCLIDB(t, func(t *testing.T, db cliDB) {
		env := map[string]string{"SAFEGUARD_DB": db.url, "SAFEGUARD_KEY_FILE": db.keyFile}
		runCLI(t, env, "migrate")
		const n = 3000
		dir := t.TempDir()
		if _, _, err := runCLI(t, env, "attribution", "import", writeLeases(t, dir)); err != nil {
			t.Fatal(err)
		}
		file := writeReferrals(t, dir, n)
		raw := db.raw(t)
		count := func() int {
			var c int
			raw.QueryRow(`SELECT COUNT(*) FROM referrals`).Scan(&c)
			return c
		}

		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, os.Args[0], "ingest", file)
		cmd.Env = append(os.Environ(), "SAFEGUARD_TEST_RUN_MAIN=1", "SAFEGUARD_DB="+db.url, "SAFEGUARD_KEY_FILE="+db.keyFile)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		for count() < 200 {
			if ctx.Err() != nil {
				t.Fatal("the ingest stored too few referrals before the deadline")
			}
			time.Sleep(20 * time.Millisecond)
		}
		cmd.Process.Kill()
		cmd.Wait()
		before := count()
		if before >= n {
			t.Fatalf("the ingest finished (%d referrals) before it could be killed: make the file larger", before)
		}

		out, _, err := runCLI(t, env, "ingest", file)
		if err != nil {
			t.Fatal(err)
		}
		var sum struct{ Accepted, Duplicates int }
		json.Unmarshal([]byte(out), &sum)
		if got := count(); got != n {
			t.Fatalf("%d referrals after the rerun, want %d", got, n)
		}
		if sum.Accepted != n-before || sum.Duplicates != before {
			t.Fatalf("rerun summary %s after %d were stored, want %d accepted and %d duplicates", out, before, n-before, before)
		}
		assertLinkedOnce(t, raw, n)
		var attributed, pending int
		raw.QueryRow(`SELECT COUNT(*) FROM ip_event_attributions a JOIN ip_events e ON e.id = a.ip_event_id
			JOIN referrals r ON r.id = e.referral_id WHERE a.subject_id = r.subject_id`).Scan(&attributed)
		raw.QueryRow(`SELECT COUNT(*) FROM attribution_pending`).Scan(&pending)
		if attributed != n || pending != 0 {
			t.Fatalf("%d of %d events attributed to their referral's subject, %d subjects still marked", attributed, n, pending)
		}
	})
}

// assertLinkedOnce checks that each of the n referrals has a subject and
// exactly one current link, to that subject, and that referrals sharing
// an e-mail address (writeReferrals repeats them) share a subject.
func assertLinkedOnce(t *testing.T, raw *sql.DB, n int) {
	t.Helper()
	var unlinked, bad, links, split int
	raw.QueryRow(`SELECT COUNT(*) FROM referrals WHERE subject_id IS NULL`).Scan(&unlinked)
	raw.QueryRow(`SELECT COUNT(*) FROM referrals r WHERE 1 <> (SELECT COUNT(*) FROM subject_links l
		WHERE l.referral_id = r.id AND l.ended_at IS NULL AND l.subject_id = r.subject_id)`).Scan(&bad)
	raw.QueryRow(`SELECT COUNT(*) FROM subject_links WHERE ended_at IS NULL`).Scan(&links)
	raw.QueryRow(`SELECT COUNT(*) FROM (SELECT i.blind_index FROM identifiers i JOIN referrals r ON r.id = i.referral_id
		WHERE i.kind = 'email' GROUP BY i.blind_index HAVING COUNT(DISTINCT r.subject_id) > 1) x`).Scan(&split)
	if unlinked != 0 || bad != 0 || links != n || split != 0 {
		t.Fatalf("%d referrals unlinked, %d without exactly one current link, %d current links for %d referrals, %d e-mails in more than one subject",
			unlinked, bad, links, n, split)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestIngestCSVTwiceChangesNothing ingests a CSV bulk file (peer-to-peer
// and hotline referrals, several rows each) twice: the second run stores
// nothing, and the referrals keep their own rows as their documents.
func TestIngestCSVTwiceChangesNothing(t *testing.T) {
	forEachCLIDB(t, func(t *testing.T, db cliDB) {
		env := map[string]string{"SAFEGUARD_DB": db.url, "SAFEGUARD_KEY_FILE": db.keyFile}
		runCLI(t, env, "migrate")
		var b strings.Builder
		b.WriteString("source,source_ref,ip,port,time,email,md5\n")
		for i := range 40 {
			src := "p2p"
			if i%2 == 1 {
				src = "hotline"
			}
			fmt.Fprintf(&b, "%s,CSV-%03d,100.64.0.%d,%d,2026-11-01T10:%02d:00Z,user%d@example.com,\n", src, i, i, 1024+i, i, i)
			fmt.Fprintf(&b, "%s,CSV-%03d,198.51.100.%d,,2026-11-01 11:%02d:00,,%032x\n", src, i, i, i, i)
		}
		b.WriteString("p2p,CSV-BAD,192.0.2.1,,not a time,,\n")
		path := filepath.Join(t.TempDir(), "bulk.csv")
		os.WriteFile(path, []byte(b.String()), 0o644)

		counts := func() string {
			var out string
			for _, table := range []string{"referrals", "identifiers", "ip_events", "referral_files"} {
				var n int
				db.raw(t).QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n)
				out += fmt.Sprintf("%s=%d ", table, n)
			}
			return out
		}
		want := `{"accepted":40,"duplicates":0,"rejected":[{"file":"` + path + `","where":"line 82, column time","error":"\"not a time\" is not an ISO 8601 date and time (want e.g. 2026-11-01T10:00:00+01:00)"}]}`
		out, _, err := runCLI(t, env, "ingest", path)
		if err != nil || strings.TrimSpace(out) != want {
			t.Fatalf("first ingest: %s, %v\nwant %s", out, err, want)
		}
		before := counts()
		if before != "referrals=40 identifiers=40 ip_events=80 referral_files=40 " {
			t.Fatalf("stored %s", before)
		}
		out, _, err = runCLI(t, env, "ingest", path)
		if err != nil || !strings.HasPrefix(strings.TrimSpace(out), `{"accepted":0,"duplicates":40,`) {
			t.Fatalf("second ingest: %s, %v", out, err)
		}
		if after := counts(); after != before {
			t.Fatalf("second ingest changed the database: %s, then %s", before, after)
		}
		var format string
		var hasOffset int
		db.raw(t).QueryRow(`SELECT format FROM referrals WHERE source_ref = 'CSV-007'`).Scan(&format)
		db.raw(t).QueryRow(`SELECT COUNT(*) FROM ip_events WHERE has_offset AND at IS NOT NULL`).Scan(&hasOffset)
		if format != "csv" || hasOffset != 40 {
			t.Fatalf("format %q, %d events with an offset and instant, want csv and 40", format, hasOffset)
		}
	})
}
