package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// heldOutFixture is one file of the ingest below: a cybertip fixture,
// changed by edit when set, under the name the run gives it.
type heldOutFixture struct {
	name, from string
	edit       func([]byte) []byte
}

// ingestSummary is what `safeguard ingest` prints.
type ingestSummary struct {
	Accepted, Duplicates int
	Rejected             []struct{ File, Where, Error string }
}

// ingestFiles runs `safeguard ingest` on files and returns its summary and
// what it printed.
func ingestFiles(t *testing.T, env map[string]string, files ...string) (ingestSummary, string) {
	t.Helper()
	out, _, err := runCLI(t, env, append([]string{"ingest"}, files...)...)
	if err != nil {
		t.Fatal(err)
	}
	var sum ingestSummary
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	return sum, out
}

// writeFixtures writes each fixture (its file, edited) into dir and
// returns the paths and what each holds.
func writeFixtures(t *testing.T, dir string, fixtures []heldOutFixture) (paths []string, contents [][]byte) {
	t.Helper()
	for _, f := range fixtures {
		var b []byte
		if f.from != "" {
			var err error
			if b, err = os.ReadFile(f.from); err != nil {
				t.Fatal(err)
			}
		}
		if f.edit != nil {
			b = f.edit(b)
		}
		path := filepath.Join(dir, f.name)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		paths, contents = append(paths, path), append(contents, b)
	}
	return paths, contents
}

// replaceOnce returns an edit that replaces old with new once, failing the
// test if old is not there (a fixture changed under the test).
func replaceOnce(t *testing.T, old, new string) func([]byte) []byte {
	return func(b []byte) []byte {
		if !bytes.Contains(b, []byte(old)) {
			t.Fatalf("fixture lacks %q", old)
		}
		return bytes.Replace(b, []byte(old), []byte(new), 1)
	}
}

// TestIngestHeldOutReports runs `safeguard ingest` on reports a provider
// might send (every incident kind, every element of a reported person,
// other encodings) with their fileDetails before, between and after them,
// and on malformed documents of every kind the issue names. Each
// malformed one is listed with the file, the line and element path, and
// the reason; nothing of it is stored; the good ones are stored field by
// field as parsed; and a second run changes nothing.
func TestIngestHeldOutReports(t *testing.T) {
	forEachCLIDB(t, func(t *testing.T, db cliDB) {
		env := map[string]string{"SAFEGUARD_DB": db.url, "SAFEGUARD_KEY_FILE": db.keyFile}
		runCLI(t, env, "migrate")
		dir := t.TempDir()
		const td = "../../cybertip/testdata/"
		deep := "<report>" + strings.Repeat("<additionalInfo>", 100) + strings.Repeat("</additionalInfo>", 100) + "</report>"
		fixtures := []heldOutFixture{
			{"fd-all.xml", td + "filedetails_all_elements.xml", nil}, // before its report
			{"240001010.xml", td + "report_all_kinds.xml", nil},
			{"fd-p2p.xml", td + "filedetails_viewed_true.xml", nil}, // after its report
			{"fd-absent.xml", td + "filedetails_viewed_absent.xml", nil},
			{"240001011.xml", td + "report_persons.xml", nil}, // after both its files
			{"240001012.xml", td + "report_bom_crlf.xml", nil},
			{"latin1.xml", td + "report_latin1.xml", nil}, // no report id: sha256 source_ref
			// Malformed: refused whole, with where and why.
			{"wrong-root.xml", td + "invalid/wrong_root.xml", nil},
			{"240001020.xml", td + "report_all_kinds.xml", replaceOnce(t, "198.51.100.200", "198.51.100.300")},
			{"240001021.xml", td + "report_persons.xml", replaceOnce(t, "1985-02-28Z", "1985-02-30")},
			{"240001022.xml", td + "report_persons.xml", replaceOnce(t, "2026-07-04T01:00:00", "2026-07-04 01:00 AM")},
			{"240001023.xml", td + "report_all_kinds.xml", replaceOnce(t, "+05:45", "+25:00")},
			{"deep.xml", "", func([]byte) []byte { return []byte(deep) }},
			{"laughs.xml", td + "invalid/billion_laughs.xml", nil},
			{"doctype.xml", "", func([]byte) []byte {
				return []byte("<?xml version=\"1.0\"?>\n<!DOCTYPE report SYSTEM \"http://example.com/x.dtd\">\n<report/>\n")
			}},
			{"240001024.xml", td + "report_persons.xml", replaceOnce(t, "<report ", `<report xmlns="urn:example:other" `)},
			{"fd-hash.xml", td + "filedetails_viewed_absent.xml", func(b []byte) []byte { // a file of 240001012
				return replaceOnce(t, `hashType="SHA256"`, `hashType=""`)(replaceOnce(t, "240001011", "240001012")(b))
			}},
			{"fd-port.xml", td + "filedetails_viewed_true.xml", replaceOnce(t, "<port>65535</port>", "<port>https</port>")},
			{"oversize.xml", "", func([]byte) []byte {
				return append([]byte("<report><additionalInfo>"), bytes.Repeat([]byte("x"), 16<<20)...)
			}},
		}
		files, _ := writeFixtures(t, dir, fixtures)
		sum, out := ingestFiles(t, env, files...)
		if sum.Accepted != 4 || sum.Duplicates != 0 {
			t.Errorf("accepted %d, duplicates %d; want 4 and 0: %s", sum.Accepted, sum.Duplicates, out)
		}
		wants := map[string][2]string{ // file: where, error (substrings)
			"wrong-root.xml": {"line 2, /reportResponse", "root element <reportResponse>, want <report> or <fileDetails>"},
			"240001020.xml":  {"line 101, /report/internetDetails[8]/peer2peerIncident/ipCaptureEvent[4]/ipAddress", "not an IP address"},
			"240001021.xml":  {"/report/personOrUserReported/personOrUserReportedPerson/dateOfBirth", "not a valid date"},
			"240001022.xml":  {"/report/personOrUserReported/ipCaptureEvent[3]/dateTime", "not an xs:dateTime"},
			"240001023.xml":  {"/report/internetDetails[8]/peer2peerIncident/ipCaptureEvent[3]/dateTime", "offset +25:00 out of range"},
			"deep.xml":       {"line 1, /report" + strings.Repeat("/additionalInfo", 63), "nested deeper than 64"},
			"laughs.xml":     {"line 2", "DOCTYPE"},
			"doctype.xml":    {"line 2", "DOCTYPE"},
			"240001024.xml":  {"line 3, /report", `in namespace "urn:example:other"`},
			"fd-hash.xml":    {"line 6, /fileDetails/originalFileHash", "without a hashType"},
			"fd-port.xml":    {"/fileDetails/ipCaptureEvent/port", "not an xs:int"},
			"oversize.xml":   {"", "larger than 16777216 bytes"},
		}
		for _, r := range sum.Rejected {
			name := filepath.Base(r.File)
			w, ok := wants[name]
			if !ok {
				t.Errorf("rejected %s (%s: %s), want it accepted", name, r.Where, r.Error)
				continue
			}
			delete(wants, name)
			if !strings.Contains(r.Where, w[0]) || !strings.Contains(r.Error, w[1]) {
				t.Errorf("%s rejected at %q: %q; want where ~%q, error ~%q", name, r.Where, r.Error, w[0], w[1])
			}
		}
		for name := range wants {
			t.Errorf("%s was not rejected", name)
		}

		raw := db.raw(t)
		// query returns one line a row of q's single text column.
		query := func(q string, args ...any) []string {
			t.Helper()
			rows, err := raw.Query(q, args...)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var out []string
			for rows.Next() {
				var s string
				if err := rows.Scan(&s); err != nil {
					t.Fatal(err)
				}
				out = append(out, s)
			}
			return out
		}
		refs := query(`SELECT source_ref FROM referrals ORDER BY source_ref`)
		if len(refs) != 4 || strings.Join(refs[:3], ",") != "240001010,240001011,240001012" || !strings.HasPrefix(refs[3], "sha256:") {
			t.Errorf("stored referrals %v", refs)
		}
		events := query(`SELECT e.ip || ' ' || COALESCE(CAST(e.port AS TEXT), '-') || ' ' || e.time_text || ' ' ||
			CASE WHEN e.has_offset THEN 'offset' ELSE 'local' END || ' ' || CASE WHEN e.possible_proxy THEN 'proxy' ELSE '-' END
			FROM ip_events e JOIN referrals r ON r.id = e.referral_id WHERE r.source_ref = $1 ORDER BY e.id`, "240001010")
		wantEvents := []string{
			"2001:db8::42 4662 2026-06-30T10:00:00.5Z offset -",
			"203.0.113.77 0 2026-06-30T12:30:00-09:30 offset -",
			"100.64.0.1 65535 2026-06-30T24:00:00+05:45 offset proxy",
			"198.51.100.200 8080 2026-06-30T08:15:00 local -",
			"100.64.0.1 65535 2026-06-30T10:00:00 local -", // the file's upload event
		}
		if strings.Join(events, "\n") != strings.Join(wantEvents, "\n") {
			t.Errorf("IP events of 240001010:\n%s\nwant\n%s", strings.Join(events, "\n"), strings.Join(wantEvents, "\n"))
		}
		fileRows := func(ref string) []string {
			got := query(`SELECT f.md5 || ' ' || f.sha1 || ' ' || f.sha256 || ' ' || f.pdq || ' ' ||
				CASE WHEN f.viewed_by_esp IS NULL THEN 'viewed?' WHEN f.viewed_by_esp THEN 'viewed' ELSE 'not-viewed' END || ' ' || f.classification
				FROM referral_files f JOIN referrals r ON r.id = f.referral_id WHERE r.source_ref = $1`, ref)
			sort.Strings(got)
			return got
		}
		wantFiles := map[string][]string{
			"240001011": {
				"  2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824  viewed? ",
				"0cc175b9c0f1b6a831c399e269772661 86f7e437faa5a7fce15d1ddcb9eaeaea377667b8 ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb 58f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22 not-viewed A2",
			},
			"240001010": {" e9d71f5ee7c92d6dc9e92ffdad17b8bd49418f98   viewed B1"},
			// Its fileDetails was refused: the report stands alone.
			"240001012": nil,
		}
		for ref, want := range wantFiles {
			if got := fileRows(ref); strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("files of %s:\n%s\nwant\n%s", ref, strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		}
		var n int
		raw.QueryRow(`SELECT COUNT(*) FROM ip_events`).Scan(&n)
		if n != 5+5+1+1 { // 240001010 (+file), 240001011 (+file), bom, latin1
			t.Errorf("%d IP events stored, want 12", n)
		}

		if sum, out = ingestFiles(t, env, files...); sum.Accepted != 0 || sum.Duplicates != 4 || len(sum.Rejected) != 12 {
			t.Errorf("second run: %s", out)
		}
		raw.QueryRow(`SELECT COUNT(*) FROM ip_events`).Scan(&n)
		if n != 12 {
			t.Errorf("%d IP events after the second run, want 12", n)
		}
		raw.QueryRow(`SELECT COUNT(*) FROM referral_files`).Scan(&n)
		if n != 3 {
			t.Errorf("%d files after the second run, want 3", n)
		}
	})
}

// TestIngestConflictingFileHoldsBackItsReportOnly: two different
// fileDetails documents for one file of a report leave that report out,
// named in the summary, while the run's other reports are stored.
func TestIngestConflictingFileHoldsBackItsReportOnly(t *testing.T) {
	forEachCLIDB(t, func(t *testing.T, db cliDB) {
		env := map[string]string{"SAFEGUARD_DB": db.url, "SAFEGUARD_KEY_FILE": db.keyFile}
		runCLI(t, env, "migrate")
		dir := t.TempDir()
		copyFile(t, "../../cybertip/testdata/report_persons.xml", filepath.Join(dir, "240001011.xml"))
		copyFile(t, "../../cybertip/testdata/report_all_kinds.xml", filepath.Join(dir, "240001010.xml"))
		copyFile(t, "../../cybertip/testdata/filedetails_viewed_true.xml", filepath.Join(dir, "fd-p2p.xml"))
		fd := "<fileDetails><reportId>240001011</reportId><fileId>dup</fileId><fileName>%s</fileName></fileDetails>"
		for _, name := range []string{"a", "b"} {
			os.WriteFile(filepath.Join(dir, "fd-"+name+".xml"), []byte(strings.Replace(fd, "%s", name, 1)), 0o644)
		}
		var paths []string
		for _, f := range []string{"fd-a.xml", "240001011.xml", "240001010.xml", "fd-b.xml", "fd-p2p.xml"} {
			paths = append(paths, filepath.Join(dir, f))
		}
		sum, out := ingestFiles(t, env, paths...)
		if sum.Accepted != 1 || len(sum.Rejected) != 1 || !strings.Contains(sum.Rejected[0].Error, "two different fileDetails for file dup of report 240001011") {
			t.Fatalf("summary %s: want 240001010 stored and 240001011 refused naming its file", out)
		}
		var refs, files int
		db.raw(t).QueryRow(`SELECT COUNT(*) FROM referrals WHERE source_ref = '240001010'`).Scan(&refs)
		db.raw(t).QueryRow(`SELECT COUNT(*) FROM referral_files`).Scan(&files)
		if refs != 1 || files != 1 {
			t.Errorf("%d referrals 240001010 and %d files stored, want 1 and 1", refs, files)
		}
	})
}

// TestIngestKeepsXMLAsReceived: a report in UTF-16 (told by its byte
// order mark) is read, and every report is stored as the file holds it,
// byte order mark and white space before the root included: the stored
// document's SHA-256 is the file's.
func TestIngestKeepsXMLAsReceived(t *testing.T) {
	forEachCLIDB(t, func(t *testing.T, db cliDB) {
		env := map[string]string{"SAFEGUARD_DB": db.url, "SAFEGUARD_KEY_FILE": db.keyFile}
		runCLI(t, env, "migrate")
		dir := t.TempDir()
		const td = "../../cybertip/testdata/"
		fixtures := []heldOutFixture{
			{"240001030.xml", td + "report_utf16.xml", nil},
			{"240001031.xml", td + "report_bom_crlf.xml", func(b []byte) []byte { return append([]byte("\ufeff\r\n  "), bytes.TrimPrefix(b, []byte("\ufeff"))...) }},
		}
		files, contents := writeFixtures(t, dir, fixtures)
		want := map[string]string{}
		for i, f := range fixtures {
			sum := sha256.Sum256(contents[i])
			want[strings.TrimSuffix(f.name, ".xml")] = hex.EncodeToString(sum[:])
		}
		if sum, out := ingestFiles(t, env, files...); sum.Accepted != 2 {
			t.Fatalf("summary %s, want both accepted", out)
		}
		rows, err := db.raw(t).Query(`SELECT source_ref, document_sha256 FROM referrals`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var ref, digest string
			if err := rows.Scan(&ref, &digest); err != nil {
				t.Fatal(err)
			}
			if digest != want[ref] {
				t.Errorf("referral %s stored with SHA-256 %s, want the file's %s", ref, digest, want[ref])
			}
			delete(want, ref)
		}
		if len(want) > 0 {
			t.Errorf("not stored: %v", want)
		}
	})
}

// TestIngestFileDetailsInALaterRun: the reporting API sends a report's
// fileDetails apart from it, so they may come in a run after the report's.
// They are attached to the stored referral (its files, the file's IP
// event, each document as received); run again, they are duplicates; a
// different document for a file already attached, or one whose report is
// stored nowhere, is listed with the reason.
func TestIngestFileDetailsInALaterRun(t *testing.T) {
	forEachCLIDB(t, func(t *testing.T, db cliDB) {
		env := map[string]string{"SAFEGUARD_DB": db.url, "SAFEGUARD_KEY_FILE": db.keyFile}
		runCLI(t, env, "migrate")
		const td = "../../cybertip/testdata/"
		first, _ := writeFixtures(t, t.TempDir(), []heldOutFixture{
			{"240001011.xml", td + "report_persons.xml", nil},
			{"240001010.xml", td + "report_all_kinds.xml", nil},
			{"fd-p2p.xml", td + "filedetails_viewed_true.xml", nil}, // with its report: attached in the run
		})
		later, contents := writeFixtures(t, t.TempDir(), []heldOutFixture{
			{"fd-all.xml", td + "filedetails_all_elements.xml", nil},
			{"fd-absent.xml", td + "filedetails_viewed_absent.xml", nil},
		})
		bad, _ := writeFixtures(t, t.TempDir(), []heldOutFixture{
			{"fd-changed.xml", td + "filedetails_viewed_absent.xml", replaceOnce(t, "2cf24dba", "3cf24dba")},
			{"fd-nowhere.xml", td + "filedetails_other_report.xml", nil},
		})
		summary := func(files []string) ingestSummary {
			t.Helper()
			sum, _ := ingestFiles(t, env, files...)
			return sum
		}
		raw := db.raw(t)
		count := func(q string, args ...any) (n int) {
			t.Helper()
			if err := raw.QueryRow(q, args...).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		const filesOf = `SELECT COUNT(*) FROM referral_files f JOIN referrals r ON r.id = f.referral_id WHERE r.source_ref = $1`
		if sum := summary(first); sum.Accepted != 2 || len(sum.Rejected) != 0 {
			t.Fatalf("first run: %+v", sum)
		}
		if n := count(filesOf, "240001011"); n != 0 {
			t.Fatalf("%d files on 240001011 before its fileDetails came", n)
		}
		events := count(`SELECT COUNT(*) FROM ip_events`)

		if sum := summary(later); sum.Accepted != 2 || sum.Duplicates != 0 || len(sum.Rejected) != 0 {
			t.Fatalf("fileDetails in a later run: %+v", sum)
		}
		if n := count(filesOf, "240001011"); n != 2 {
			t.Errorf("%d files on 240001011 after its fileDetails came, want 2", n)
		}
		if n := count(`SELECT COUNT(*) FROM ip_events`); n <= events {
			t.Errorf("the attached files' IP events were not stored (%d before, %d after)", events, n)
		}
		for i, b := range contents {
			sum := sha256.Sum256(b)
			if n := count(`SELECT COUNT(*) FROM referral_attachments a JOIN referrals r ON r.id = a.referral_id
				WHERE r.source_ref = $1 AND a.kind = 'fileDetails' AND a.document_sha256 = $2`, "240001011", hex.EncodeToString(sum[:])); n != 1 {
				t.Errorf("fileDetails %s kept %d times as received, want once", later[i], n)
			}
		}
		if n := count(`SELECT COUNT(*) FROM referral_attachments a JOIN referrals r ON r.id = a.referral_id WHERE r.source_ref = $1`, "240001010"); n != 1 {
			t.Errorf("the fileDetails that came with 240001010 kept %d times, want once", n)
		}
		if n := count(`SELECT COUNT(*) FROM audit_events WHERE action = 'referral.attach'`); n != 2 {
			t.Errorf("%d referral.attach audit events, want 2", n)
		}

		if sum := summary(later); sum.Accepted != 0 || sum.Duplicates != 2 || len(sum.Rejected) != 0 {
			t.Errorf("the same fileDetails again: %+v", sum)
		}
		if n := count(filesOf, "240001011"); n != 2 {
			t.Errorf("%d files on 240001011 after the same fileDetails again, want 2", n)
		}
		sum := summary(bad)
		if sum.Accepted != 0 || len(sum.Rejected) != 2 {
			t.Fatalf("bad fileDetails: %+v", sum)
		}
		for _, r := range sum.Rejected {
			want := "already has a different fileDetails"
			if filepath.Base(r.File) == "fd-nowhere.xml" {
				want = "report 240001002 is neither in this run nor stored"
			}
			if !strings.Contains(r.Error, want) || r.Where != "/fileDetails/reportId" {
				t.Errorf("%s rejected at %q: %q; want ~%q", filepath.Base(r.File), r.Where, r.Error, want)
			}
		}
		if n := count(filesOf, "240001011"); n != 2 {
			t.Errorf("%d files on 240001011 after a conflicting fileDetails, want 2", n)
		}
	})
}
