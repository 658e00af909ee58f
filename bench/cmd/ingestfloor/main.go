// Command ingestfloor measures the floor under `safeguard ingest` on
// SQLite: how long the database itself takes to store the rows an ingest
// of the same JSON lines file stores, with every decision and every cost
// outside SQLite taken away.
//
//	safeguard migrate --db sqlite:floor.db
//	ingestfloor -db floor.db [-batch 20000] [-cache 64] referrals.jsonl
//
// It reads each referral with the ingest's own decoder, then writes, in
// transactions of 20,000 referrals with prepared one-row INSERTs in id
// order, what the real ingest writes for it: the referral row (already
// linked, so no UPDATE), its identifiers (a 32-byte blind index as the
// HMAC gives), its IP events, a subject link, an attribution for each IP
// event, and for each new subject its subject row and subject
// attribution. A referral joins, in memory, the oldest subject one of
// its identifiers was seen with, or a new subject (about as many subjects
// as linking forms). Nothing is looked up: no linking queries, no merges,
// no possible links, no audit events, no encryption (sealed values are
// stand-ins of the same length); decoding is counted. The schema, its indexes and triggers are the real ones.
//
// So the figure it prints is a lower bound for the real ingest on this
// machine and this driver: whatever the ingest does, it cannot store
// these rows faster than this.
package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"database/sql"
	"flag"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"safeguard"
	"safeguard/intake"

	_ "modernc.org/sqlite"
)

// batch and cacheMiB are as the ingest has them unless flags say.
var batch, cacheMiB int

// sealed stands for a sealed value: as long as AES-GCM output (a 12-byte
// nonce, the text and a 16-byte tag).
func sealed(n int) []byte { return make([]byte, n+28) }

func main() {
	path := flag.String("db", "", "SQLite file already migrated with `safeguard migrate`")
	flag.IntVar(&batch, "batch", 20000, "referrals a transaction (the ingest's batch)")
	flag.IntVar(&cacheMiB, "cache", 64, "SQLite page cache in MiB (the ingest's batch cache)")
	flag.Parse()
	if *path == "" || flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: ingestfloor -db FILE [-batch N] [-cache MiB] referrals.jsonl")
		os.Exit(2)
	}
	if err := run(*path, flag.Arg(0)); err != nil {
		fmt.Fprintln(os.Stderr, "ingestfloor:", err)
		os.Exit(1)
	}
}

// The statements, one row each.
const (
	insSubject = `INSERT INTO subjects (ref, attribution_status, band, band_rank, status, created_at, updated_at) VALUES (?, 'unresolved', '', 4, 'open', ?, ?)`
	insSubjAtt = `INSERT INTO subject_attributions (subject_id, status, reason_codes, reasons_enc, resolved_at) VALUES (?, 'unresolved', '[]', ?, ?)`
	insRef     = `INSERT INTO referrals (id, source, source_ref, format, document_enc, document_sha256, received_at, incident_type, platform, annotations, subject_id, created_at) VALUES (?, ?, ?, 'json', ?, ?, ?, ?, ?, '[]', ?, ?)`
	insIdent   = `INSERT INTO identifiers (referral_id, kind, value_enc, blind_index, bi_version) VALUES (?, ?, ?, ?, 2)`
	insEvent   = `INSERT INTO ip_events (id, referral_id, ip, port, time_text, at, has_offset, event_type, possible_proxy) VALUES (?, ?, ?, ?, ?, ?, ?, '', FALSE)`
	insLink    = `INSERT INTO subject_links (subject_id, referral_id, evidence, created_at) VALUES (?, ?, ?, ?)`
	insEvAtt   = `INSERT INTO ip_event_attributions (ip_event_id, subject_id, status, reason_codes, reasons_enc, import_ids, resolved_at) VALUES (?, ?, 'unresolved', '[]', ?, '[]', ?)`
)

func run(path, file string) error {
	q := url.Values{}
	for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "foreign_keys(1)", "synchronous(NORMAL)", "cache_size(-" + strconv.Itoa(cacheMiB<<10) + ")", "temp_store(memory)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", path+"?"+q.Encode())
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()

	var refID, eventID int64
	if err := db.QueryRow(`SELECT COALESCE(MAX(id), 0) FROM referrals`).Scan(&refID); err != nil {
		return err
	}
	if err := db.QueryRow(`SELECT COALESCE(MAX(id), 0) FROM ip_events`).Scan(&eventID); err != nil {
		return err
	}
	subjects := map[string]int64{} // identifier → subject
	now := time.Now().UTC().Format("2006-01-02T15:04:05.000000Z")
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	var queue []*safeguard.Referral
	var docs [][]byte
	start := time.Now()
	n, seq := 0, 0
	flush := func() error {
		tx, err := db.Begin()
		if err != nil {
			return err
		}
		defer tx.Rollback()
		st := map[string]*sql.Stmt{}
		exec := func(q string, args ...any) (sql.Result, error) {
			s, ok := st[q]
			if !ok {
				if s, err = tx.Prepare(q); err != nil {
					return nil, err
				}
				st[q] = s
			}
			return s.Exec(args...)
		}
		for i, r := range queue {
			var subj int64
			for _, id := range r.Identifiers {
				if s, ok := subjects[id.Kind+"\x00"+id.Value]; ok && (subj == 0 || s < subj) {
					subj = s
				}
			}
			if subj == 0 {
				seq++
				res, err := exec(insSubject, fmt.Sprintf("SG-2026-%07d", seq), now, now)
				if err != nil {
					return err
				}
				if subj, err = res.LastInsertId(); err != nil {
					return err
				}
				if _, err := exec(insSubjAtt, subj, sealed(40), now); err != nil {
					return err
				}
			}
			for _, id := range r.Identifiers {
				subjects[id.Kind+"\x00"+id.Value] = subj
			}
			refID++
			sum := sha256.Sum256(docs[i])
			if _, err := exec(insRef, refID, r.Source, r.SourceRef, sealed(len(docs[i])), fmt.Sprintf("%x", sum), now,
				r.IncidentType, r.Platform, subj, now); err != nil {
				return err
			}
			for _, id := range r.Identifiers {
				bi := sha256.Sum256([]byte(id.Kind + "\x00" + strings.ToLower(id.Value)))
				if _, err := exec(insIdent, refID, id.Kind, sealed(len(id.Value)), bi[:]); err != nil {
					return err
				}
			}
			for _, e := range r.IPEvents {
				eventID++
				var port, at any
				if e.Port != nil {
					port = *e.Port
				}
				if e.At != nil {
					at = e.At.UTC().Format("2006-01-02T15:04:05.000000Z")
				}
				if _, err := exec(insEvent, eventID, refID, e.IP.String(), port, e.TimeText, at, e.HasOffset); err != nil {
					return err
				}
				if _, err := exec(insEvAtt, eventID, subj, sealed(120), now); err != nil {
					return err
				}
			}
			if _, err := exec(insLink, subj, refID, "linked to SG-2026-0000000 by e-mail p…@example.com in referrals 1 and 2", now); err != nil {
				return err
			}
		}
		for _, s := range st {
			s.Close()
		}
		queue, docs = queue[:0], docs[:0]
		return tx.Commit()
	}
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		r, err := intake.DecodeJSON(line, time.Now())
		if err != nil {
			return fmt.Errorf("line %d: %w", n+1, err)
		}
		queue, docs = append(queue, r), append(docs, bytes.Clone(line))
		n++
		if len(queue) == batch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if len(queue) > 0 {
		if err := flush(); err != nil {
			return err
		}
	}
	el := time.Since(start).Seconds()
	fmt.Printf("%d referrals, %d subjects stored bare in %.1f s: %.0f referrals/s\n", n, seq, el, float64(n)/el)
	return nil
}
