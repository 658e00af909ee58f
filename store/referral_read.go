package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"safeguard"
)

// referralColumns read a referral and, as its last column, the force that
// holds it: its subject's force, else its own.
const referralColumns = `r.id, r.source, r.source_ref, r.format, r.document_sha256, r.received_at,
	r.incident_at, r.incident_type, r.platform, r.escalated, r.annotations, r.force_code, r.subject_id,
	COALESCE(s.force_code, r.force_code, '')`

const referralFrom = ` FROM referrals r LEFT JOIN subjects s ON s.id = r.subject_id`

// scanReferral reads referralColumns and returns the holding force.
func scanReferral(sc interface{ Scan(...any) error }) (*safeguard.Referral, string, error) {
	r := &safeguard.Referral{}
	var ann, holder string
	var force sql.NullString
	var subjectID sql.NullInt64
	if err := sc.Scan(&r.ID, &r.Source, &r.SourceRef, &r.Format, &r.DocumentSHA256, timeCol{&r.ReceivedAt},
		nullTimeCol{&r.IncidentAt}, &r.IncidentType, &r.Platform, &r.Escalated, &ann, &force, &subjectID,
		&holder); err != nil {
		return nil, "", translate(err)
	}
	r.ForceCode = force.String
	if subjectID.Valid {
		r.SubjectID = &subjectID.Int64
	}
	if err := json.Unmarshal([]byte(ann), &r.Annotations); err != nil {
		return nil, "", safeguard.WrapError(safeguard.EINTERNAL, err, "corrupt referral annotations")
	}
	return r, holder, nil
}

// FindReferralByID returns the referral with its document, identifiers,
// IP events and files, and audits the read. Requires PermReadPersonal.
// Returns ENOTFOUND if there is none or the actor's force may not see it
// (audited as referral.read.denied).
func (s *ReferralService) FindReferralByID(ctx context.Context, referralID int64) (*safeguard.Referral, error) {
	var r *safeguard.Referral
	err := s.db.view(ctx, func(tx *Tx) error {
		if _, err := tx.require("referral.read", safeguard.PermReadPersonal); err != nil {
			return err
		}
		rows, err := tx.query(`SELECT `+referralColumns+referralFrom+` WHERE r.id = $1`, referralID)
		if err != nil {
			return err
		}
		defer rows.Close()
		if !rows.Next() {
			if err := rows.Err(); err != nil {
				return translate(err)
			}
			return errNoReferral()
		}
		var holder string
		if r, holder, err = scanReferral(rows); err != nil {
			return err
		}
		rows.Close()
		if !seesForce(tx.actor, holder) {
			if err := tx.audit("referral.read.denied", "referral", id(r.ID), "force="+holder); err != nil {
				return err
			}
			return commitThen(errNoReferral())
		}
		if err := loadReferralDetail(tx, r); err != nil {
			return err
		}
		return tx.audit("referral.read", "referral", id(r.ID), "")
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

func errNoReferral() error { return safeguard.Errorf(safeguard.ENOTFOUND, "no such referral") }

// loadReferralDetail opens the document and loads the referral's parts.
func loadReferralDetail(tx *Tx, r *safeguard.Referral) error {
	var doc []byte
	if err := tx.queryRow(`SELECT document_enc FROM referrals WHERE id = $1`, []any{r.ID}, &doc); err != nil {
		return err
	}
	var err error
	if r.Document, err = tx.open(doc, ctxReferralDocument); err != nil {
		return err
	}
	if r.Identifiers, err = findIdentifiers(tx, r.ID); err != nil {
		return err
	}
	if r.IPEvents, err = findIPEvents(tx, r.ID); err != nil {
		return err
	}
	if r.Files, err = findFiles(tx, r.ID); err != nil {
		return err
	}
	r.Attachments, err = findAttachments(tx, r.ID)
	return err
}

func findIdentifiers(tx *Tx, referralID int64) ([]safeguard.Identifier, error) {
	rows, err := tx.query(`SELECT id, kind, value_enc FROM identifiers WHERE referral_id = $1 ORDER BY id`, referralID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type sealed struct {
		ident safeguard.Identifier
		value []byte
	}
	var all []sealed
	for rows.Next() {
		var s sealed
		if err := rows.Scan(&s.ident.ID, &s.ident.Kind, &s.value); err != nil {
			return nil, translate(err)
		}
		all = append(all, s)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	idents := make([]safeguard.Identifier, len(all))
	for i, s := range all {
		idents[i] = s.ident
		if idents[i].Value, err = tx.openString(s.value, identifierContext(s.ident.Kind)); err != nil {
			return nil, err
		}
	}
	return idents, nil
}

func findIPEvents(tx *Tx, referralID int64) ([]safeguard.IPEvent, error) {
	rows, err := tx.query(`SELECT id, ip, port, time_text, at, has_offset, event_type, possible_proxy FROM ip_events
		WHERE referral_id = $1 ORDER BY id`, referralID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var events []safeguard.IPEvent
	for rows.Next() {
		e := safeguard.IPEvent{ReferralID: referralID}
		var ip string
		var port sql.NullInt64
		if err := rows.Scan(&e.ID, &ip, &port, &e.TimeText, nullTimeCol{&e.At}, &e.HasOffset, &e.EventType, &e.PossibleProxy); err != nil {
			return nil, translate(err)
		}
		if e.IP, err = netip.ParseAddr(ip); err != nil {
			return nil, safeguard.WrapError(safeguard.EINTERNAL, err, "corrupt IP address in IP event %d", e.ID)
		}
		if port.Valid {
			p := int(port.Int64)
			e.Port = &p
		}
		events = append(events, e)
	}
	return events, translate(rows.Err())
}

func findFiles(tx *Tx, referralID int64) ([]safeguard.File, error) {
	rows, err := tx.query(`SELECT id, name_enc, size, md5, sha1, sha256, pdq, viewed_by_esp, publicly_available,
		annotations, classification FROM referral_files WHERE referral_id = $1 ORDER BY id`, referralID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var files []safeguard.File
	var names [][]byte
	for rows.Next() {
		f := safeguard.File{ReferralID: referralID}
		var name []byte
		var viewed, public sql.NullBool
		var ann string
		if err := rows.Scan(&f.ID, &name, &f.Size, &f.MD5, &f.SHA1, &f.SHA256, &f.PDQ, &viewed, &public,
			&ann, &f.Classification); err != nil {
			return nil, translate(err)
		}
		if viewed.Valid {
			f.ViewedByESP = &viewed.Bool
		}
		if public.Valid {
			f.PubliclyAvail = &public.Bool
		}
		if err := json.Unmarshal([]byte(ann), &f.Annotations); err != nil {
			return nil, safeguard.WrapError(safeguard.EINTERNAL, err, "corrupt file annotations")
		}
		files, names = append(files, f), append(names, name)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	for i := range files {
		if files[i].Name, err = tx.openString(names[i], ctxFileName); err != nil {
			return nil, err
		}
	}
	return files, nil
}

// FindReferrals returns the referrals the actor may see that match the
// filter, newest first, without documents or parts, and the total count.
// The listing is audited with the ids returned. Requires PermReadPersonal.
func (s *ReferralService) FindReferrals(ctx context.Context, f safeguard.ReferralFilter) ([]*safeguard.Referral, int, error) {
	var refs []*safeguard.Referral
	var total int
	err := s.db.view(ctx, func(tx *Tx) error {
		a, err := tx.require("referral.list", safeguard.PermReadPersonal)
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
			add("COALESCE(s.force_code, r.force_code, '') = $%d", a.ForceCode)
		}
		if f.ForceCode != "" {
			add("COALESCE(s.force_code, r.force_code, '') = $%d", f.ForceCode)
		}
		if f.Source != "" {
			add("r.source = $%d", f.Source)
		}
		if f.SubjectID != nil {
			add("r.subject_id = $%d", *f.SubjectID)
		}
		cond := ""
		if len(where) > 0 {
			cond = " WHERE " + strings.Join(where, " AND ")
		}
		if err := tx.queryRow(`SELECT COUNT(*)`+referralFrom+cond, args, &total); err != nil {
			return err
		}
		rows, err := tx.query(fmt.Sprintf(`SELECT %s%s%s ORDER BY r.received_at DESC, r.id DESC LIMIT %d OFFSET %d`,
			referralColumns, referralFrom, cond, pageLimit(f.Limit), max(f.Offset, 0)), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		refs = refs[:0]
		ids := []string{}
		for rows.Next() {
			r, _, err := scanReferral(rows)
			if err != nil {
				return err
			}
			refs = append(refs, r)
			ids = append(ids, strconv.FormatInt(r.ID, 10))
		}
		if err := rows.Err(); err != nil {
			return translate(err)
		}
		return tx.audit("referral.list", "referral", "", "ids="+strings.Join(ids, ","))
	})
	if err != nil {
		return nil, 0, err
	}
	return refs, total, nil
}
