package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"safeguard"
)

// MaxReferralBatch bounds one CreateReferrals call, so a batch's
// transaction (and the memory its referrals hold) stays small.
const MaxReferralBatch = 20000

// batchCacheKiB is SQLite's page cache during a batch (the default is
// 2000 KiB).
const batchCacheKiB = 64 << 10

// CreateReferrals stores refs in one transaction, each as CreateReferral
// would: identifiers, IP events and files with it, its IDs set, and a
// referral whose (source, source_ref) exists already (in the database or
// earlier in refs) reported as a duplicate with r.ID set to the stored one,
// storing nothing of it. dups[i] tells refs[i] was a duplicate. Nothing is
// stored unless every referral is: a malformed one fails the whole batch,
// so a caller wanting the others stored tries them one by one.
//
// One audit event records the batch: "referral.create" on object type
// "referral" with the new referral ids (as ranges) and the counts, so every
// stored referral can be traced to the event that stored it.
//
// Requires PermIntake. Returns EINVALID for a malformed referral or more
// than MaxReferralBatch of them, ENOTFOUND for an unknown force or subject.
func (s *ReferralService) CreateReferrals(ctx context.Context, refs []*safeguard.Referral) ([]bool, error) {
	digests, err := checkBatch(refs)
	if err != nil {
		return nil, err
	}
	dups := make([]bool, len(refs))
	if len(refs) == 0 {
		return dups, nil
	}
	err = s.db.run(ctx, func(tx *Tx) error {
		_, err := storeBatch(tx, refs, digests, dups)
		return err
	})
	if err != nil {
		return nil, err
	}
	return dups, nil
}

// checkBatch validates a batch before its transaction and returns each
// referral's document digest.
func checkBatch(refs []*safeguard.Referral) ([]string, error) {
	if len(refs) > MaxReferralBatch {
		return nil, safeguard.Errorf(safeguard.EINVALID, "%d referrals in one batch; at most %d", len(refs), MaxReferralBatch)
	}
	digests := make([]string, len(refs))
	for i, r := range refs {
		if r == nil {
			return nil, safeguard.Errorf(safeguard.EINVALID, "referral %d of the batch is empty", i+1)
		}
		if err := r.Validate(); err != nil {
			return nil, err
		}
		if err := checkAttachments(r); err != nil {
			return nil, err
		}
		sum := sha256.Sum256(r.Document)
		digests[i] = hex.EncodeToString(sum[:])
		if r.DocumentSHA256 != "" && !strings.EqualFold(r.DocumentSHA256, digests[i]) {
			return nil, safeguard.Errorf(safeguard.EINVALID, "referral %s/%s: document SHA-256 %s does not match its content",
				r.Source, r.SourceRef, r.DocumentSHA256)
		}
	}
	return digests, nil
}

// storeBatch is CreateReferrals in tx: it checks the actor, stores the
// batch, audits it and returns the referrals it stored (not the
// duplicates).
func storeBatch(tx *Tx, refs []*safeguard.Referral, digests []string, dups []bool) ([]*safeguard.Referral, error) {
	if _, err := tx.require("referral.create", safeguard.PermIntake); err != nil {
		return nil, err
	}
	if tx.db.dialect == SQLite {
		// A batch touches pages all over the identifier and IP indexes;
		// with SQLite's default 2 MB cache it would write them out and
		// read them back many times over. The cache goes back to the
		// default before the connection returns to the pool, so memory
		// stays bounded; pages the batch changed stay until commit.
		if _, err := tx.exec(`PRAGMA cache_size = ` + strconv.Itoa(-batchCacheKiB)); err != nil {
			return nil, err
		}
		defer tx.exec(`PRAGMA cache_size = -2000`)
	}
	created, err := createReferrals(tx, refs, digests, dups)
	if err != nil || len(created) == 0 {
		return nil, err // nothing new: as CreateReferral, a duplicate is not audited
	}
	var idents, events, files int
	for _, r := range created {
		idents, events, files = idents+len(r.Identifiers), events+len(r.IPEvents), files+len(r.Files)
	}
	ids := make([]int64, len(created))
	for i, r := range created {
		ids[i] = r.ID
	}
	slices.Sort(ids)
	return created, tx.audit("referral.create", "referral", "", fmt.Sprintf("batch referrals=%d duplicates=%d identifiers=%d ip_events=%d files=%d ids=%s",
		len(created), len(refs)-len(created), idents, events, files, idRanges(ids)))
}

// createReferrals inserts refs with multi-row INSERTs, marks the
// duplicates and returns the referrals it stored.
func createReferrals(tx *Tx, refs []*safeguard.Referral, digests []string, dups []bool) ([]*safeguard.Referral, error) {
	ps := stmts{}
	defer ps.close()
	forces, subjects := map[string]bool{}, map[int64]bool{}
	type key struct{ source, ref string }
	first := make(map[key]int, len(refs)) // key → index of its first referral in refs
	var vals []any
	for i, r := range refs {
		k := key{r.Source, r.SourceRef}
		if _, ok := first[k]; ok {
			continue // a duplicate within the batch: stored at most once
		}
		first[k] = i
		if r.ForceCode != "" && !forces[r.ForceCode] {
			if _, err := findForce(tx, r.ForceCode); err != nil {
				return nil, err
			}
			forces[r.ForceCode] = true
		}
		if r.SubjectID != nil && !subjects[*r.SubjectID] {
			var n int
			if err := tx.queryRow(`SELECT COUNT(*) FROM subjects WHERE id = $1`, []any{*r.SubjectID}, &n); err != nil {
				return nil, err
			} else if n == 0 {
				return nil, errNoSubject()
			}
			subjects[*r.SubjectID] = true
		}
		if r.ReceivedAt.IsZero() {
			r.ReceivedAt = tx.now
		}
		r.ReceivedAt, r.IncidentAt = micro(r.ReceivedAt), microPtr(r.IncidentAt)
		doc, err := tx.seal(r.Document, ctxReferralDocument)
		if err != nil {
			return nil, err
		}
		ann, err := json.Marshal(nonNil(r.Annotations))
		if err != nil {
			return nil, err
		}
		r.ID, r.DocumentSHA256 = 0, digests[i]
		vals = append(vals, r.Source, r.SourceRef, r.Format, doc, digests[i], r.ReceivedAt, r.IncidentAt, r.IncidentType,
			r.Platform, r.Escalated, string(ann), nullString(r.ForceCode), r.SubjectID, tx.now)
	}
	// ON CONFLICT DO NOTHING returns no row for a duplicate; rows are
	// matched to referrals by key, whatever order they come back in.
	err := insertMany(tx, ps, `INSERT INTO referrals (source, source_ref, format, document_enc, document_sha256,
		received_at, incident_at, incident_type, platform, escalated, annotations, force_code, subject_id, created_at) VALUES `,
		14, ` ON CONFLICT (source, source_ref) DO NOTHING RETURNING id, source, source_ref`, vals, func(rows *sql.Rows) error {
			var id int64
			var k key
			if err := rows.Scan(&id, &k.source, &k.ref); err != nil {
				return err
			}
			i, ok := first[k]
			if !ok {
				return safeguard.Errorf(safeguard.EINTERNAL, "stored a referral that was not in the batch")
			}
			refs[i].ID = id
			return nil
		})
	if err != nil {
		return nil, err
	}
	var created []*safeguard.Referral
	for i, r := range refs {
		k := key{r.Source, r.SourceRef}
		switch j := first[k]; {
		case j != i:
			dups[i], r.ID = true, refs[j].ID
		case r.ID == 0:
			dups[i] = true
			if err := tx.queryRow(`SELECT id FROM referrals WHERE source = $1 AND source_ref = $2`, []any{r.Source, r.SourceRef}, &r.ID); err != nil {
				return nil, err
			}
		default:
			dups[i] = false // run may retry: nothing is kept from a failed try
			created = append(created, r)
		}
	}
	// A later duplicate took its ID from a first that may itself have been
	// found only now.
	for i, r := range refs {
		if j := first[key{r.Source, r.SourceRef}]; j != i {
			r.ID = refs[j].ID
		}
	}
	if err := insertChildren(tx, ps, created); err != nil {
		return nil, err
	}
	for _, r := range created {
		if err := insertAttachments(tx, r.ID, r.Attachments); err != nil {
			return nil, err
		}
	}
	return created, nil
}

// insertChildren stores the identifiers, IP events and files of new
// referrals, setting their IDs.
func insertChildren(tx *Tx, ps stmts, created []*safeguard.Referral) error {
	var vals []any
	var idents []*safeguard.Identifier
	var owners []int64
	for _, r := range created {
		for i := range r.Identifiers {
			ident := &r.Identifiers[i]
			val, err := tx.sealString(ident.Value, identifierContext(ident.Kind))
			if err != nil {
				return err
			}
			bi, err := tx.blindIndex(ident, r.Platform)
			if err != nil {
				return err
			}
			vals = append(vals, r.ID, ident.Kind, val, bi, blindIndexVersion)
			idents, owners = append(idents, ident), append(owners, r.ID)
		}
	}
	n := 0
	err := insertMany(tx, ps, `INSERT INTO identifiers (referral_id, kind, value_enc, blind_index, bi_version) VALUES `, 5, ` RETURNING id, referral_id`, vals,
		func(rows *sql.Rows) error {
			return scanChild(rows, &n, owners, func(i int, id int64) { idents[i].ID = id })
		})
	if err != nil {
		return err
	}

	vals, owners, n = vals[:0], owners[:0], 0
	var events []*safeguard.IPEvent
	for _, r := range created {
		for i := range r.IPEvents {
			e := &r.IPEvents[i]
			var port any
			if e.Port != nil {
				port = *e.Port
			}
			e.ReferralID, e.At = r.ID, microPtr(e.At)
			vals = append(vals, r.ID, e.IP.String(), port, e.TimeText, e.At, e.HasOffset, e.EventType, e.PossibleProxy)
			events, owners = append(events, e), append(owners, r.ID)
		}
	}
	err = insertMany(tx, ps, `INSERT INTO ip_events (referral_id, ip, port, time_text, at, has_offset, event_type, possible_proxy) VALUES `,
		8, ` RETURNING id, referral_id`, vals,
		func(rows *sql.Rows) error {
			return scanChild(rows, &n, owners, func(i int, id int64) { events[i].ID = id })
		})
	if err != nil {
		return err
	}

	vals, owners, n = vals[:0], owners[:0], 0
	var files []*safeguard.File
	for _, r := range created {
		for i := range r.Files {
			f := &r.Files[i]
			name, err := tx.sealString(f.Name, ctxFileName)
			if err != nil {
				return err
			}
			ann, err := json.Marshal(nonNil(f.Annotations))
			if err != nil {
				return err
			}
			f.ReferralID = r.ID
			vals = append(vals, r.ID, name, f.Size, strings.ToLower(f.MD5), strings.ToLower(f.SHA1), strings.ToLower(f.SHA256),
				strings.ToLower(f.PDQ), boolPtr(f.ViewedByESP), boolPtr(f.PubliclyAvail), string(ann), f.Classification)
			files, owners = append(files, f), append(owners, r.ID)
		}
	}
	return insertMany(tx, ps, `INSERT INTO referral_files (referral_id, name_enc, size, md5, sha1, sha256, pdq,
		viewed_by_esp, publicly_available, annotations, classification) VALUES `, 11, ` RETURNING id, referral_id`, vals,
		func(rows *sql.Rows) error {
			return scanChild(rows, &n, owners, func(i int, id int64) { files[i].ID = id })
		})
}

// scanChild reads the n-th RETURNING row of a multi-row INSERT of child
// rows. Both databases return them in VALUES order; that is checked
// against each row's referral, and a mismatch fails the batch rather than
// give a row another's ID.
func scanChild(rows *sql.Rows, n *int, owners []int64, set func(i int, id int64)) error {
	var id, owner int64
	if err := rows.Scan(&id, &owner); err != nil {
		return err
	}
	if *n >= len(owners) || owners[*n] != owner {
		return safeguard.Errorf(safeguard.EINTERNAL, "the database returned inserted rows out of order")
	}
	set(*n, id)
	*n++
	return nil
}

// Rows in one INSERT of a batch. On PostgreSQL a multi-row INSERT saves a
// round trip a row (250 rows of 14 values stay far below its 65535
// parameters). On SQLite it saves a statement's overhead a row (the
// placeholders are plain ?: see writeRows).
// 100k benchmark referrals: 23.7 s CPU in createReferrals with one row a
// statement, 12.1 s with 32.
const (
	insertRowsPostgres = 250
	insertRowsSQLite   = 32
)

// stmts are the statements of one batch, prepared once each.
type stmts map[string]*sql.Stmt

func (m stmts) close() {
	for _, st := range m {
		st.Close()
	}
}

// prepared returns q prepared in tx, preparing it the first time.
func (m stmts) prepared(tx *Tx, q string) (*sql.Stmt, error) {
	st, ok := m[q]
	if !ok {
		var err error
		if st, err = tx.prepare(q); err != nil {
			return nil, err
		}
		m[q] = st
	}
	return st, nil
}

// query runs q in tx, prepared the first time this batch runs it (SQLite
// compiles an unprepared statement on every call); nil stmts run it
// unprepared.
func (m stmts) query(tx *Tx, q string, args ...any) (*sql.Rows, error) {
	if m == nil {
		return tx.query(q, args...)
	}
	st, err := m.prepared(tx, q)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(tx.ctx, tx.db.args(args)...)
	return rows, translate(err)
}

// exec is query for statements whose rows are not wanted.
func (m stmts) exec(tx *Tx, q string, args ...any) error {
	rows, err := m.query(tx, q, args...)
	if err != nil {
		return err
	}
	return closeRows(rows)
}

// queryRow is query for one row scanned into dest; ENOTFOUND without one.
func (m stmts) queryRow(tx *Tx, q string, args []any, dest ...any) error {
	if m == nil {
		return tx.queryRow(q, args, dest...)
	}
	rows, err := m.query(tx, q, args...)
	if err != nil {
		return err
	}
	if !rows.Next() {
		if err := closeRows(rows); err != nil {
			return err
		}
		return translate(sql.ErrNoRows)
	}
	if err := rows.Scan(dest...); err != nil {
		rows.Close()
		return translate(err)
	}
	return closeRows(rows)
}

// insertMany runs head + VALUES (…), (…) + tail over vals, ncols values a
// row, in INSERTs of at most insertRowsPostgres or insertRowsSQLite rows,
// calling scan for each row the statement returns.
func insertMany(tx *Tx, ps stmts, head string, ncols int, tail string, vals []any, scan func(*sql.Rows) error) error {
	most := insertRowsPostgres
	if tx.db.dialect == SQLite {
		most = insertRowsSQLite
	}
	for len(vals) > 0 {
		nrows := min(len(vals)/ncols, most)
		chunk := vals[:nrows*ncols]
		vals = vals[nrows*ncols:]
		var b strings.Builder
		b.WriteString(head)
		tx.db.writeRows(&b, nrows, ncols, nil)
		b.WriteString(tail)
		st, err := ps.prepared(tx, b.String())
		if err != nil {
			return err
		}
		rows, err := st.QueryContext(tx.ctx, tx.db.args(chunk)...)
		if err != nil {
			return translate(err)
		}
		for rows.Next() {
			if err := scan(rows); err != nil {
				rows.Close()
				return translate(err)
			}
		}
		if err := rows.Close(); err != nil {
			return translate(err)
		}
		if err := rows.Err(); err != nil {
			return translate(err)
		}
	}
	return nil
}

// idRanges writes ids as ascending runs, "4-9,12,15-16", so a batch audit
// event names every referral it stored without growing with the batch
// when ids are consecutive.
func idRanges(ids []int64) string {
	var b strings.Builder
	for i := 0; i < len(ids); {
		j := i
		for j+1 < len(ids) && ids[j+1] == ids[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(ids[i], 10))
		if j > i {
			b.WriteByte('-')
			b.WriteString(strconv.FormatInt(ids[j], 10))
		}
		i = j + 1
	}
	return b.String()
}
