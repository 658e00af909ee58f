package store

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"safeguard"
)

// subjectForAssessment is what the assessor knows of one subject.
type subjectForAssessment struct {
	ID           int64
	Ref          string
	ForceCode    string
	Band         safeguard.Band
	DueAt        *time.Time
	Score        float64
	FactsVersion int64
	// AssessedVersion is the facts version last assessed, as read: the
	// write is conditional on it.
	AssessedVersion int64
	Facts           *safeguard.Facts
	Override        *safeguard.BandOverride
}

// loadForAssessment gathers the facts of the subjects ids in a few queries
// for the whole batch: their referrals and files (with bank categories by
// exact hash), scan reports, analyst entries not retracted, attribution and
// active override. Subjects that do not exist are left out.
func loadForAssessment(tx *Tx, ids []int64) (map[int64]*subjectForAssessment, error) {
	out := make(map[int64]*subjectForAssessment, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := tx.query(`SELECT id, ref, force_code, band, due_at, score, facts_version, assessed_version,
		attribution_status FROM subjects WHERE id` + idSet(ids))
	if err != nil {
		return nil, err
	}
	wanted := make(map[int64]bool, len(ids))
	for _, id := range ids {
		wanted[id] = true
	}
	for rows.Next() {
		s := &subjectForAssessment{}
		var force *string
		var band, attr string
		if err := rows.Scan(&s.ID, &s.Ref, &force, &band, nullTimeCol{&s.DueAt}, &s.Score, &s.FactsVersion, &s.AssessedVersion, &attr); err != nil {
			rows.Close()
			return nil, translate(err)
		}
		if !wanted[s.ID] {
			continue // in the range of ids, not one of them
		}
		if force != nil {
			s.ForceCode = *force
		}
		s.Band = safeguard.Band(band)
		fs := newFactSet()
		fs.setText("other.attribution", attr, safeguard.FactSource{Kind: safeguard.FactFromAttribution, Ref: s.Ref, At: tx.now})
		s.Facts = fs.f
		s.Facts.Subject = s.Ref
		out[s.ID] = s
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	in := idSet(ids)
	if err := loadReferralFacts(tx, in, out); err != nil {
		return nil, err
	}
	if err := loadScanFacts(tx, in, out); err != nil {
		return nil, err
	}
	if err := loadEntryFacts(tx, in, out); err != nil {
		return nil, err
	}
	return out, loadOverrides(tx, in, out)
}

// referralFile is what an assessment reads of a referral's file beyond
// safeguard.File: whether it has a hash, and the banks' categories.
type referralFile struct {
	hashed     bool
	categories map[safeguard.Scheme]string // the most severe per scheme
}

// idSet is an SQL condition on an id column for ids, ascending: " IN
// (…)", or " BETWEEN lo AND hi" when the ids fill most of that range
// (the assessor's chunks of a backlog do), so each table is read by one
// range scan instead of a seek an id. Rows of other ids in the range are
// read too, so callers keep only those of ids.
func idSet(ids []int64) string {
	lo, hi := ids[0], ids[len(ids)-1]
	if len(ids) > 16 && hi-lo < 2*int64(len(ids)) {
		return fmt.Sprintf(" BETWEEN %d AND %d", lo, hi)
	}
	return " IN (" + inList(ids) + ")"
}

func loadReferralFacts(tx *Tx, in string, out map[int64]*subjectForAssessment) error {
	type referral struct {
		subject int64
		ref     string
		r       safeguard.Referral
		files   []*referralFile
	}
	refs := map[int64]*referral{}
	rows, err := tx.query(`SELECT id, subject_id, source, source_ref, incident_type, annotations, received_at
		FROM referrals WHERE subject_id` + in + ` ORDER BY id`)
	if err != nil {
		return err
	}
	var order []int64
	for rows.Next() {
		r := &referral{}
		var id int64
		var ann string
		if err := rows.Scan(&id, &r.subject, &r.r.Source, &r.r.SourceRef, &r.r.IncidentType, &ann, timeCol{&r.r.ReceivedAt}); err != nil {
			rows.Close()
			return translate(err)
		}
		json.Unmarshal([]byte(ann), &r.r.Annotations)
		r.ref = r.r.Source + ":" + r.r.SourceRef
		refs[id] = r
		order = append(order, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return translate(err)
	}
	if len(refs) == 0 {
		return nil
	}
	sub := `SELECT id FROM referrals WHERE subject_id` + in
	rows, err = tx.query(`SELECT id, referral_id, annotations, classification, md5 <> '' OR sha1 <> '' OR sha256 <> ''
		FROM referral_files WHERE referral_id IN (` + sub + `)`)
	if err != nil {
		return err
	}
	files := map[int64]*referralFile{}
	var banked bool
	if err := tx.queryRow(`SELECT EXISTS (SELECT 1 FROM bank_entries)`, nil, &banked); err != nil {
		return err
	}
	for rows.Next() {
		f := &referralFile{categories: map[safeguard.Scheme]string{}}
		var file safeguard.File
		var id, ref int64
		var ann string
		if err := rows.Scan(&id, &ref, &ann, &file.Classification, &f.hashed); err != nil {
			rows.Close()
			return translate(err)
		}
		json.Unmarshal([]byte(ann), &file.Annotations)
		if r := refs[ref]; r != nil {
			r.r.Files = append(r.r.Files, file)
			r.files, files[id] = append(r.files, f), f
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return translate(err)
	}
	if len(files) > 0 {
		// Exact matches against the banks, one indexed join per hash.
		var q []string
		for _, h := range []string{"md5", "sha1", "sha256"} {
			q = append(q, fmt.Sprintf(`SELECT f.id, b.scheme, e.category FROM referral_files f
				JOIN bank_entries e ON e.%[1]s = f.%[1]s JOIN hash_banks b ON b.id = e.bank_id
				WHERE f.%[1]s <> '' AND f.referral_id IN (%[2]s)`, h, sub))
		}
		rows, err = tx.query(strings.Join(q, " UNION "))
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			var scheme, cat string
			if err := rows.Scan(&id, &scheme, &cat); err != nil {
				rows.Close()
				return translate(err)
			}
			if f := files[id]; f != nil {
				s := safeguard.Scheme(scheme)
				if old, ok := f.categories[s]; !ok || severity(cat) < severity(old) {
					f.categories[s] = cat
				}
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return translate(err)
		}
	}
	for _, id := range order {
		r := refs[id]
		if s := out[r.subject]; s != nil {
			deriveReferral(factSet{f: s.Facts}, &r.r, r.ref, r.files, banked)
		}
	}
	return nil
}

// severity orders categories within a scheme, most severe first: UK A, B,
// C; Project VIC 1, 2, 3; anything else after.
func severity(cat string) int {
	switch cat {
	case "A", "1":
		return 0
	case "B", "2":
		return 1
	case "C", "3":
		return 2
	}
	return 3
}

func loadScanFacts(tx *Tx, in string, out map[int64]*subjectForAssessment) error {
	rows, err := tx.query(`SELECT id, subject_id, files, by_category, created_at FROM scan_reports
		WHERE subject_id` + in + ` ORDER BY id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, subject, files int64
		var byCat string
		var at time.Time
		if err := rows.Scan(&id, &subject, &files, &byCat, timeCol{&at}); err != nil {
			return translate(err)
		}
		var counts map[safeguard.Scheme]map[string]int
		if err := json.Unmarshal([]byte(byCat), &counts); err != nil {
			return safeguard.WrapError(safeguard.EINTERNAL, err, "corrupt scan report %d categories", id)
		}
		if s := out[subject]; s != nil {
			deriveScan(factSet{f: s.Facts}, safeguard.FactSource{Kind: safeguard.FactFromScanReport, Ref: strconv.FormatInt(id, 10), At: at}, files, counts)
		}
	}
	return translate(rows.Err())
}

func loadEntryFacts(tx *Tx, in string, out map[int64]*subjectForAssessment) error {
	rows, err := tx.query(`SELECT subject_id, path, value, recorded_by, recorded_at FROM subject_facts
		WHERE retracted_at IS NULL AND subject_id` + in + ` ORDER BY id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var subject int64
		var path, value string
		src := safeguard.FactSource{Kind: safeguard.FactFromAnalyst}
		if err := rows.Scan(&subject, &path, &value, &src.By, timeCol{&src.At}); err != nil {
			return translate(err)
		}
		if s := out[subject]; s != nil && checkFactValue(path, value) == nil {
			factSet{f: s.Facts}.setEntry(path, value, src)
		}
	}
	return translate(rows.Err())
}

func loadOverrides(tx *Tx, in string, out map[int64]*subjectForAssessment) error {
	rows, err := tx.query(`SELECT id, subject_id, band, reason, set_by, set_at FROM band_overrides
		WHERE ended_at IS NULL AND subject_id` + in + ` ORDER BY id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		o := &safeguard.BandOverride{}
		var band string
		if err := rows.Scan(&o.ID, &o.SubjectID, &band, &o.Reason, &o.SetBy, timeCol{&o.SetAt}); err != nil {
			return translate(err)
		}
		o.Band = safeguard.Band(band)
		if s := out[o.SubjectID]; s != nil {
			s.Override = o // the newest wins
		}
	}
	return translate(rows.Err())
}
