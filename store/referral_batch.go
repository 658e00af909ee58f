package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"safeguard"
)

// MaxReferralBatch bounds one CreateReferrals call, so a batch's
// transaction (and the memory its referrals hold) stays small.
const MaxReferralBatch = 5000

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
		sum := sha256.Sum256(r.Document)
		digests[i] = hex.EncodeToString(sum[:])
		if r.DocumentSHA256 != "" && !strings.EqualFold(r.DocumentSHA256, digests[i]) {
			return nil, safeguard.Errorf(safeguard.EINVALID, "referral %s/%s: document SHA-256 %s does not match its content",
				r.Source, r.SourceRef, r.DocumentSHA256)
		}
	}
	dups := make([]bool, len(refs))
	if len(refs) == 0 {
		return dups, nil
	}
	err := s.db.run(ctx, func(tx *Tx) error {
		if _, err := tx.require("referral.create", safeguard.PermIntake); err != nil {
			return err
		}
		ins, err := newReferralInserter(tx)
		if err != nil {
			return err
		}
		defer ins.close()
		var created []int64
		var idents, events, files int
		for i, r := range refs {
			dup, err := ins.create(r, digests[i])
			if err != nil {
				return err
			}
			dups[i] = dup
			if !dup {
				created = append(created, r.ID)
				idents, events, files = idents+len(r.Identifiers), events+len(r.IPEvents), files+len(r.Files)
			}
		}
		if len(created) == 0 {
			return nil // nothing changed: as CreateReferral, a duplicate is not audited
		}
		return tx.audit("referral.create", "referral", "", fmt.Sprintf("batch referrals=%d duplicates=%d identifiers=%d ip_events=%d files=%d ids=%s",
			len(created), len(refs)-len(created), idents, events, files, idRanges(created)))
	})
	if err != nil {
		return nil, err
	}
	return dups, nil
}

// referralInserter holds the statements of a batch, prepared once in its
// transaction, and what it has checked already.
type referralInserter struct {
	tx                           *Tx
	ref, dup, ident, event, file *sql.Stmt
	forces                       map[string]bool
	subjects                     map[int64]bool
}

func newReferralInserter(tx *Tx) (*referralInserter, error) {
	ins := &referralInserter{tx: tx, forces: map[string]bool{}, subjects: map[int64]bool{}}
	for _, p := range []struct {
		st **sql.Stmt
		q  string
	}{
		{&ins.ref, `INSERT INTO referrals (source, source_ref, format, document_enc, document_sha256,
			received_at, incident_at, incident_type, platform, escalated, annotations, force_code, subject_id, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
			ON CONFLICT (source, source_ref) DO NOTHING RETURNING id`},
		{&ins.dup, `SELECT id FROM referrals WHERE source = $1 AND source_ref = $2`},
		{&ins.ident, `INSERT INTO identifiers (referral_id, kind, value_enc, blind_index) VALUES ($1, $2, $3, $4) RETURNING id`},
		{&ins.event, `INSERT INTO ip_events (referral_id, ip, port, time_text, at, has_offset, event_type, possible_proxy)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`},
		{&ins.file, `INSERT INTO referral_files (referral_id, name_enc, size, md5, sha1, sha256, pdq,
			viewed_by_esp, publicly_available, annotations, classification)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`},
	} {
		st, err := tx.prepare(p.q)
		if err != nil {
			ins.close()
			return nil, err
		}
		*p.st = st
	}
	return ins, nil
}

func (ins *referralInserter) close() {
	for _, st := range []*sql.Stmt{ins.ref, ins.dup, ins.ident, ins.event, ins.file} {
		if st != nil {
			st.Close()
		}
	}
}

// id runs a prepared INSERT … RETURNING id (or a SELECT of one id).
func (ins *referralInserter) id(st *sql.Stmt, args ...any) (int64, error) {
	var n int64
	err := st.QueryRowContext(ins.tx.ctx, ins.tx.db.args(args)...).Scan(&n)
	return n, translate(err)
}

// create is createReferral with the batch's statements.
func (ins *referralInserter) create(r *safeguard.Referral, digest string) (bool, error) {
	tx := ins.tx
	if r.ForceCode != "" && !ins.forces[r.ForceCode] {
		if _, err := findForce(tx, r.ForceCode); err != nil {
			return false, err
		}
		ins.forces[r.ForceCode] = true
	}
	if r.SubjectID != nil && !ins.subjects[*r.SubjectID] {
		var n int
		if err := tx.queryRow(`SELECT COUNT(*) FROM subjects WHERE id = $1`, []any{*r.SubjectID}, &n); err != nil {
			return false, err
		} else if n == 0 {
			return false, errNoSubject()
		}
		ins.subjects[*r.SubjectID] = true
	}
	if r.ReceivedAt.IsZero() {
		r.ReceivedAt = tx.now
	}
	r.ReceivedAt, r.IncidentAt = micro(r.ReceivedAt), microPtr(r.IncidentAt)
	doc, err := tx.seal(r.Document, ctxReferralDocument)
	if err != nil {
		return false, err
	}
	ann, err := json.Marshal(nonNil(r.Annotations))
	if err != nil {
		return false, err
	}
	r.DocumentSHA256 = digest
	newID, err := ins.id(ins.ref, r.Source, r.SourceRef, r.Format, doc, digest, r.ReceivedAt, r.IncidentAt, r.IncidentType,
		r.Platform, r.Escalated, string(ann), nullString(r.ForceCode), r.SubjectID, tx.now)
	if safeguard.ErrorCode(err) == safeguard.ENOTFOUND {
		r.ID, err = ins.id(ins.dup, r.Source, r.SourceRef)
		return true, err
	} else if err != nil {
		return false, err
	}
	r.ID = newID
	for i := range r.Identifiers {
		ident := &r.Identifiers[i]
		val, err := tx.sealString(ident.Value, identifierContext(ident.Kind))
		if err != nil {
			return false, err
		}
		bi, err := tx.blindIndex(ident)
		if err != nil {
			return false, err
		}
		if ident.ID, err = ins.id(ins.ident, r.ID, ident.Kind, val, bi); err != nil {
			return false, err
		}
	}
	for i := range r.IPEvents {
		e := &r.IPEvents[i]
		var port any
		if e.Port != nil {
			port = *e.Port
		}
		e.ReferralID, e.At = r.ID, microPtr(e.At)
		if e.ID, err = ins.id(ins.event, r.ID, e.IP.String(), port, e.TimeText, e.At, e.HasOffset, e.EventType, e.PossibleProxy); err != nil {
			return false, err
		}
	}
	for i := range r.Files {
		f := &r.Files[i]
		name, err := tx.sealString(f.Name, ctxFileName)
		if err != nil {
			return false, err
		}
		fann, err := json.Marshal(nonNil(f.Annotations))
		if err != nil {
			return false, err
		}
		f.ReferralID = r.ID
		if f.ID, err = ins.id(ins.file, r.ID, name, f.Size, strings.ToLower(f.MD5), strings.ToLower(f.SHA1), strings.ToLower(f.SHA256),
			strings.ToLower(f.PDQ), boolPtr(f.ViewedByESP), boolPtr(f.PubliclyAvail), string(fann), f.Classification); err != nil {
			return false, err
		}
	}
	return false, nil
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
