package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"safeguard"
)

// FindSubjectByID returns the subject with its links and audits the read.
// Requires PermReadPersonal. Returns ENOTFOUND if there is none or the
// actor's force may not see it; the latter is audited as
// subject.read.denied.
func (s *SubjectService) FindSubjectByID(ctx context.Context, subjectID int64) (*safeguard.Subject, error) {
	return s.findSubject(ctx, "s.id = $1", subjectID)
}

// FindSubjectByRef is FindSubjectByID by pseudonymous reference.
func (s *SubjectService) FindSubjectByRef(ctx context.Context, ref string) (*safeguard.Subject, error) {
	return s.findSubject(ctx, "s.ref = $1", ref)
}

func (s *SubjectService) findSubject(ctx context.Context, where string, arg any) (*safeguard.Subject, error) {
	var subj *safeguard.Subject
	err := s.db.view(ctx, func(tx *Tx) error {
		if _, err := tx.require("subject.read", safeguard.PermReadPersonal); err != nil {
			return err
		}
		var err error
		if subj, err = visibleSubject(tx, where, arg); err != nil {
			return err
		}
		if subj.Links, err = findLinks(tx, subj.ID); err != nil {
			return err
		}
		return tx.audit("subject.read", "subject", id(subj.ID), "")
	})
	if err != nil {
		return nil, err
	}
	return subj, nil
}

// findLinks returns a subject's referral links, oldest first.
func findLinks(tx *Tx, subjectID int64) ([]safeguard.SubjectLink, error) {
	rows, err := tx.query(`SELECT subject_id, referral_id, evidence, created_at FROM subject_links
		WHERE subject_id = $1 AND ended_at IS NULL ORDER BY created_at, referral_id`, subjectID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var links []safeguard.SubjectLink
	for rows.Next() {
		var l safeguard.SubjectLink
		if err := rows.Scan(&l.SubjectID, &l.ReferralID, &l.Evidence, timeCol{&l.CreatedAt}); err != nil {
			return nil, translate(err)
		}
		links = append(links, l)
	}
	return links, translate(rows.Err())
}

// subjectOrders maps SubjectFilter.Sort to ORDER BY clauses, each ending
// in a unique column so pages never overlap. Subjects without a due date
// or band come last either way.
var subjectOrders = map[string][2]string{
	// Only unassessed subjects (band_rank 4) lack a due date, so NULLs
	// never compete with dates here and the queue indexes serve the order.
	"queue":   {"s.band_rank, s.due_at, s.score DESC, s.id", "s.band_rank DESC, s.due_at DESC, s.score, s.id DESC"},
	"due":     {"s.due_at IS NULL, s.due_at, s.id", "s.due_at IS NULL, s.due_at DESC, s.id DESC"},
	"band":    {"s.band_rank, s.due_at IS NULL, s.due_at, s.id", "s.band_rank = 4, s.band_rank DESC, s.due_at IS NULL, s.due_at DESC, s.id DESC"},
	"ref":     {"s.ref", "s.ref DESC"},
	"created": {"s.created_at, s.id", "s.created_at DESC, s.id DESC"},
}

// FindSubjects returns the subjects the actor may see that match the
// filter, sorted and paged in the database, and the total count. A force
// user sees only their force's subjects; subjects merged into another are
// left out (their page still says where they went). The listing is audited with the
// ids returned. Requires PermReadPersonal; returns EINVALID for an unknown
// sort or band.
func (s *SubjectService) FindSubjects(ctx context.Context, f safeguard.SubjectFilter) ([]*safeguard.Subject, int, error) {
	sortKey, desc := strings.TrimPrefix(f.Sort, "-"), strings.HasPrefix(f.Sort, "-")
	if sortKey == "" {
		sortKey = "due"
	}
	order, ok := subjectOrders[sortKey]
	if !ok {
		return nil, 0, safeguard.Errorf(safeguard.EINVALID, "unknown sort %q (want queue, due, band, ref or created)", f.Sort)
	} else if f.Band != "" && !f.Band.Valid() {
		return nil, 0, safeguard.Errorf(safeguard.EINVALID, "unknown band %q", f.Band)
	} else if f.Status != "" && f.Status != safeguard.SubjectOpen && f.Status != safeguard.SubjectClosed {
		return nil, 0, safeguard.Errorf(safeguard.EINVALID, "unknown subject status %q (want open or closed)", f.Status)
	} else if f.AttributionStatus != "" && !validAttribution(f.AttributionStatus) {
		return nil, 0, safeguard.Errorf(safeguard.EINVALID, "unknown attribution status %q", f.AttributionStatus)
	}
	orderBy := order[0]
	if desc {
		orderBy = order[1]
	}
	var subjects []*safeguard.Subject
	var total int
	err := s.db.view(ctx, func(tx *Tx) error {
		a, err := tx.require("subject.list", safeguard.PermReadPersonal)
		if err != nil {
			return err
		}
		var where []string
		var args []any
		add := func(cond string, v any) {
			args = append(args, v)
			where = append(where, fmt.Sprintf(cond, len(args)))
		}
		if a.Role.ForceScoped() && a.Kind != safeguard.ActorSystem {
			add("s.force_code = $%d", a.ForceCode)
		}
		if f.ForceCode != "" {
			add("s.force_code = $%d", f.ForceCode)
		}
		where = append(where, "s.merged_into IS NULL") // a merged subject lives on in the one it joined
		if f.Band != "" {
			// By rank, not name, so the queue indexes apply.
			add("s.band_rank = $%d", f.Band.Rank())
		}
		if f.Status != "" {
			add("s.status = $%d", f.Status)
		}
		if f.AttributionStatus != "" {
			add("s.attribution_status = $%d", f.AttributionStatus)
		}
		if f.Overdue {
			add("s.status = 'open' AND s.due_at < $%d", tx.now)
		}
		cond := ""
		if len(where) > 0 {
			cond = " WHERE " + strings.Join(where, " AND ")
		}
		count := `SELECT COUNT(*) FROM subjects s` + cond
		if f.CountUpTo > 0 {
			count = fmt.Sprintf(`SELECT COUNT(*) FROM (SELECT 1 FROM subjects s%s LIMIT %d) c`, cond, f.CountUpTo)
		}
		if err := tx.queryRow(count, args, &total); err != nil {
			return err
		}
		q := fmt.Sprintf(`SELECT %s FROM subjects s%s ORDER BY %s LIMIT %d OFFSET %d`,
			subjectColumns, cond, orderBy, pageLimit(f.Limit), max(f.Offset, 0))
		if subjects, err = querySubjects(tx, q, args...); err != nil {
			return err
		}
		return tx.audit("subject.list", "subject", "", "ids="+subjectIDs(subjects))
	})
	if err != nil {
		return nil, 0, err
	}
	return subjects, total, nil
}

// querySubjects runs a query returning subjectColumns and opens each row.
// Callers have already restricted it to what the actor may see.
func querySubjects(tx *Tx, q string, args ...any) ([]*safeguard.Subject, error) {
	rows, err := tx.query(q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var sealed []sealedSubject
	for rows.Next() {
		row, err := scanSubject(rows)
		if err != nil {
			return nil, err
		}
		sealed = append(sealed, row)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	subjects := make([]*safeguard.Subject, 0, len(sealed))
	for _, row := range sealed {
		subj, err := row.open(tx)
		if err != nil {
			return nil, err
		}
		subjects = append(subjects, subj)
	}
	return subjects, nil
}

// subjectIDs lists ids for an audit detail, e.g. "3,7,12".
func subjectIDs(subjects []*safeguard.Subject) string {
	ids := make([]string, len(subjects))
	for i, s := range subjects {
		ids[i] = strconv.FormatInt(s.ID, 10)
	}
	return strings.Join(ids, ",")
}

// FindSubjectsByIdentifier returns the subjects the actor may see that
// are linked to referrals carrying an identifier equal, by blind index, to
// ident. Requires PermReadPersonal; returns EINVALID for a malformed
// identifier.
func (s *SubjectService) FindSubjectsByIdentifier(ctx context.Context, ident safeguard.Identifier) ([]*safeguard.Subject, error) {
	if err := ident.Validate(); err != nil {
		return nil, err
	}
	var subjects []*safeguard.Subject
	err := s.db.view(ctx, func(tx *Tx) error {
		a, err := tx.require("subject.search", safeguard.PermReadPersonal)
		if err != nil {
			return err
		}
		bi, err := tx.blindIndex(&ident, "")
		if err != nil {
			return err
		}
		args := []any{bi}
		cond := ""
		if a.Role.ForceScoped() && a.Kind != safeguard.ActorSystem {
			args, cond = append(args, a.ForceCode), " AND s.force_code = $2"
		}
		q := `SELECT ` + subjectColumns + ` FROM subjects s WHERE s.id IN (
			SELECT r.subject_id FROM identifiers i JOIN referrals r ON r.id = i.referral_id
			WHERE i.blind_index = $1 AND r.subject_id IS NOT NULL
			UNION
			SELECT l.subject_id FROM identifiers i JOIN subject_links l ON l.referral_id = i.referral_id
			WHERE i.blind_index = $1 AND l.ended_at IS NULL)` + cond + ` ORDER BY s.id`
		if subjects, err = querySubjects(tx, q, args...); err != nil {
			return err
		}
		return tx.audit("subject.search", "subject", "", "kind="+ident.Kind+" ids="+subjectIDs(subjects))
	})
	if err != nil {
		return nil, err
	}
	return subjects, nil
}
