package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"safeguard"
	"safeguard/attribution"
	"safeguard/linking"
)

// subjectState is a subject's stored attribution (subject_attributions).
type subjectState struct {
	status  string
	sub     attribution.Subscriber // set when confirmed or corroborated
	reasons []safeguard.AttributionReason
	// fromInstall: the subject's address is the installation address,
	// set (or agreed) by attribution.
	fromInstall bool
	// assignedForce is the force attribution assigned the subject to.
	assignedForce string
	note          string
	resolvedAt    time.Time
}

// loadSubjectAttribution returns the stored state, or nil if the subject
// was never resolved.
func loadSubjectAttribution(tx *Tx, ps stmts, subjectID int64) (*subjectState, error) {
	rows, err := ps.query(tx, `SELECT `+subjectStateCols+` FROM subject_attributions WHERE subject_id = $1`, subjectID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	if !rows.Next() {
		return nil, translate(rows.Err())
	}
	return scanSubjectState(tx, rows)
}

// subjectStateCols are the columns scanSubjectState reads, after any
// lead columns.
const subjectStateCols = `status, subscriber_enc, name_enc, install_address_enc, billing_address_enc, reasons_enc,
	address_from_installation, assigned_force, address_note_enc, resolved_at`

// scanSubjectState reads lead columns into lead, then subjectStateCols,
// and opens the sealed ones.
func scanSubjectState(tx *Tx, rows *sql.Rows, lead ...any) (*subjectState, error) {
	var st subjectState
	var sub, name, install, billing, reasons, note []byte
	if err := rows.Scan(append(lead, &st.status, &sub, &name, &install, &billing, &reasons, &st.fromInstall, &st.assignedForce, &note,
		timeCol{&st.resolvedAt})...); err != nil {
		return nil, translate(err)
	}
	if err := tx.openFields(
		sealedField{&st.sub.ID, sub, ctxAttrSubscriber}, sealedField{&st.sub.Name, name, ctxAttrName},
		sealedField{&st.sub.InstallAddress, install, ctxAttrInstall}, sealedField{&st.sub.BillingAddress, billing, ctxAttrBilling},
		sealedField{&st.note, note, ctxAttrAddressNote},
	); err != nil {
		return nil, err
	}
	var err error
	st.reasons, err = tx.openReasons(reasons)
	return &st, err
}

// sealedField is a sealed column and where its opened value goes.
type sealedField struct {
	dst *string
	ct  []byte
	ctx string
}

// openFields opens each field into its destination.
func (tx *Tx) openFields(fs ...sealedField) error {
	for _, f := range fs {
		var err error
		if *f.dst, err = tx.openString(f.ct, f.ctx); err != nil {
			return err
		}
	}
	return nil
}

// openReasons opens what sealReasons sealed.
func (tx *Tx) openReasons(ct []byte) ([]safeguard.AttributionReason, error) {
	b, err := tx.open(ct, ctxAttrReasons)
	if err != nil {
		return nil, err
	}
	out := []safeguard.AttributionReason{}
	if len(b) == 0 {
		return out, nil
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, safeguard.WrapError(safeguard.EINTERNAL, err, "corrupt attribution reasons")
	}
	return out, nil
}

// The upsert of a subject's attribution, its VALUES rows between.
const (
	subjectAttrInsert = `INSERT INTO subject_attributions (subject_id, status, subscriber_bi, subscriber_enc, name_enc,
		install_address_enc, billing_address_enc, reason_codes, reasons_enc, address_from_installation, assigned_force,
		address_note_enc, resolved_at) VALUES `
	subjectAttrCols   = 13
	subjectAttrUpsert = ` ON CONFLICT (subject_id) DO UPDATE SET status = excluded.status, subscriber_bi = excluded.subscriber_bi,
		subscriber_enc = excluded.subscriber_enc, name_enc = excluded.name_enc, install_address_enc = excluded.install_address_enc,
		billing_address_enc = excluded.billing_address_enc, reason_codes = excluded.reason_codes, reasons_enc = excluded.reasons_enc,
		address_from_installation = excluded.address_from_installation, assigned_force = excluded.assigned_force,
		address_note_enc = excluded.address_note_enc, resolved_at = excluded.resolved_at`
)

// subjectAttrValues seals a subject's attribution into its
// subjectAttrCols values.
func subjectAttrValues(tx *Tx, subjectID int64, st *subjectState) ([]any, error) {
	sv, err := tx.sealSubscriber(st.sub)
	if err != nil {
		return nil, err
	}
	codes, reasons, err := tx.sealReasons(st.reasons)
	if err != nil {
		return nil, err
	}
	note, err := tx.sealString(st.note, ctxAttrAddressNote)
	if err != nil {
		return nil, err
	}
	return []any{subjectID, st.status, sv[0], sv[1], sv[2], sv[3], sv[4], codes, reasons, st.fromInstall, st.assignedForce, note, tx.now}, nil
}

// placeSubject sets the subject's address and force from the installation
// address of a confirmed or corroborated subscriber (never the billing
// address), but only where attribution set them before or nobody did: an
// address or force set otherwise is kept, noted and audited. An address
// attribution set earlier is removed when the subject is no longer
// confirmed; the force is then kept, with a note to review it.
//
// forces are the forces, nil to read them here.
func (s *AttributionService) placeSubject(tx *Tx, subj *safeguard.Subject, prev *subjectState, st *subjectState, forces []*safeguard.Force) error {
	var notes []string
	ownAddr := prev != nil && prev.fromInstall && subj.Address != "" && subj.Address == prev.sub.InstallAddress
	ownForce := prev != nil && prev.assignedForce != "" && subj.ForceCode == prev.assignedForce
	if ownForce {
		st.assignedForce = prev.assignedForce
	}
	inst := st.sub.InstallAddress
	switch {
	case st.sub.ID == "":
		if ownAddr {
			subj.Address = ""
			notes = append(notes, fmt.Sprintf("The address set earlier from an installation address was removed: the attribution is now %s.", st.status))
			if err := tx.audit("attribution.address.removed", "subject", id(subj.ID), "status="+st.status); err != nil {
				return err
			}
		}
		if ownForce {
			notes = append(notes, fmt.Sprintf("The subject stays with %s, assigned earlier from an installation address, although the attribution is now %s: review the allocation.", subj.ForceCode, st.status))
		}
		st.note = strings.Join(notes, " ")
		return nil
	case inst == "":
		st.note = fmt.Sprintf("The ISP gave no single installation address for %s (billing addresses are never used), so the subject's address and force were not changed.", st.sub.ID)
		return nil
	}
	switch {
	case subj.Address == inst:
		st.fromInstall = true
	case subj.Address == "" || ownAddr:
		subj.Address, st.fromInstall = inst, true
		notes = append(notes, fmt.Sprintf("The subject's address was set from the installation address of %s.", st.sub.ID))
		if err := tx.audit("attribution.address.set", "subject", id(subj.ID), "from=installation_address status="+st.status); err != nil {
			return err
		}
	default:
		notes = append(notes, fmt.Sprintf("The subject's address was set otherwise and differs from the installation address of %s: it was kept; check which is right.", st.sub.ID))
		if err := tx.audit("attribution.address.kept", "subject", id(subj.ID), "status="+st.status); err != nil {
			return err
		}
	}
	if forces == nil {
		var err error
		if forces, err = allForces(tx); err != nil {
			return err
		}
	}
	asg := linking.NewAreas(forces).Assign(inst)
	switch {
	case asg.ForceCode == "":
		notes = append(notes, "Force not changed: "+asg.Reason+".")
	case subj.ForceCode == asg.ForceCode:
		st.assignedForce = asg.ForceCode
		notes = append(notes, "Force "+asg.ForceCode+" agrees: "+asg.Reason+".")
	case subj.ForceCode == "" || ownForce:
		was := subj.ForceCode
		subj.ForceCode, st.assignedForce = asg.ForceCode, asg.ForceCode
		notes = append(notes, "Assigned to "+asg.ForceCode+": "+asg.Reason+".")
		if err := tx.audit("attribution.force.set", "subject", id(subj.ID), "force="+asg.ForceCode+" was="+was); err != nil {
			return err
		}
	default:
		notes = append(notes, fmt.Sprintf("The subject is held by %s, allocated otherwise, but %s: the allocation was kept; re-allocate if right.", subj.ForceCode, asg.Reason))
		if err := tx.audit("attribution.force.kept", "subject", id(subj.ID), "force="+subj.ForceCode+" area_of="+asg.ForceCode); err != nil {
			return err
		}
	}
	st.note = strings.Join(notes, " ")
	return nil
}

func allForces(tx *Tx) ([]*safeguard.Force, error) {
	rows, err := tx.query(`SELECT ` + forceColumns + ` FROM forces ORDER BY code`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*safeguard.Force
	for rows.Next() {
		f, err := scanForce(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, translate(rows.Err())
}

// FindSubjectAttribution returns the subject's stored attribution: its
// status and reasons, each IP event with its attribution (Status "" for an
// event not resolved yet), and its warrant overrides. Requires
// PermReadPersonal; returns ENOTFOUND (audited) for a subject the actor may
// not see. The read is audited (attribution.read).
func (s *AttributionService) FindSubjectAttribution(ctx context.Context, subjectID int64) (*safeguard.SubjectAttribution, error) {
	var out *safeguard.SubjectAttribution
	err := s.db.view(ctx, func(tx *Tx) error {
		if _, err := tx.require("attribution.read", safeguard.PermReadPersonal); err != nil {
			return err
		}
		subj, err := visibleSubject(tx, "id = $1", subjectID)
		if err != nil {
			return err
		}
		if out, err = findSubjectAttribution(tx, subj); err != nil {
			return err
		}
		return tx.audit("attribution.read", "subject", id(subj.ID), "")
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func findSubjectAttribution(tx *Tx, subj *safeguard.Subject) (*safeguard.SubjectAttribution, error) {
	out := &safeguard.SubjectAttribution{SubjectID: subj.ID, Ref: subj.Ref, Status: subj.AttributionStatus,
		Reasons: []safeguard.AttributionReason{}}
	st, err := loadSubjectAttribution(tx, nil, subj.ID)
	if err != nil {
		return nil, err
	}
	if st != nil {
		out.SubscriberID, out.SubscriberName = st.sub.ID, st.sub.Name
		out.InstallAddress, out.BillingAddress = st.sub.InstallAddress, st.sub.BillingAddress
		out.AddressFromInstallation = st.fromInstall && subj.Address != "" && subj.Address == st.sub.InstallAddress
		out.AddressNote, out.Reasons = st.note, st.reasons
		at := st.resolvedAt
		out.ResolvedAt = &at
	}
	if out.Events, err = findEventAttributions(tx, subj.ID); err != nil {
		return nil, err
	}
	if out.Overrides, err = findWarrantOverrides(tx, subj.ID); err != nil {
		return nil, err
	}
	return out, nil
}

// findEventAttributions lists the subject's IP events, each with its
// stored attribution if any, by time as received then id.
func findEventAttributions(tx *Tx, subjectID int64) ([]*safeguard.Attribution, error) {
	rows, err := tx.query(`SELECT e.id, e.referral_id, e.ip, e.port, e.time_text, e.at, a.status, a.subscriber_enc,
		a.name_enc, a.install_address_enc, a.billing_address_enc, a.reasons_enc, a.import_ids, a.resolved_at
		FROM ip_events e JOIN referrals r ON r.id = e.referral_id
		LEFT JOIN ip_event_attributions a ON a.ip_event_id = e.id AND a.subject_id = $1
		WHERE r.subject_id = $1
		ORDER BY e.id`, subjectID)
	if err != nil {
		return nil, err
	}
	type row struct {
		a                                      *safeguard.Attribution
		sub, name, install, billing, reasonsCt []byte
	}
	var raw []row
	for rows.Next() {
		r := row{a: &safeguard.Attribution{}}
		var port sql.NullInt64
		var status, importIDs sql.NullString
		var resolved *time.Time
		if err := rows.Scan(&r.a.IPEventID, &r.a.ReferralID, &r.a.IP, &port, &r.a.TimeText, nullTimeCol{&r.a.At}, &status,
			&r.sub, &r.name, &r.install, &r.billing, &r.reasonsCt, &importIDs, nullTimeCol{&resolved}); err != nil {
			rows.Close()
			return nil, translate(err)
		}
		r.a.ID = r.a.IPEventID
		if port.Valid {
			p := int(port.Int64)
			r.a.Port = &p
		}
		r.a.Status = status.String
		if resolved != nil {
			r.a.ResolvedAt = *resolved
		}
		r.a.ImportIDs = []int64{}
		if importIDs.Valid {
			if err := json.Unmarshal([]byte(importIDs.String), &r.a.ImportIDs); err != nil {
				rows.Close()
				return nil, safeguard.WrapError(safeguard.EINTERNAL, err, "corrupt import ids")
			}
		}
		raw = append(raw, r)
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return nil, translate(err)
	}
	rows.Close()
	out := make([]*safeguard.Attribution, 0, len(raw))
	for _, r := range raw {
		if err := tx.openFields(
			sealedField{&r.a.SubscriberID, r.sub, ctxAttrSubscriber}, sealedField{&r.a.SubscriberName, r.name, ctxAttrName},
			sealedField{&r.a.InstallAddress, r.install, ctxAttrInstall}, sealedField{&r.a.BillingAddress, r.billing, ctxAttrBilling},
		); err != nil {
			return nil, err
		}
		if r.a.Reasons, err = tx.openReasons(r.reasonsCt); err != nil {
			return nil, err
		}
		out = append(out, r.a)
	}
	return out, nil
}

// affectedSubjects returns the subjects an import can change: for leases,
// those with an IP event whose instant (or, for a time without an offset,
// any instant its reading can be) falls in the imported span; for a proxy
// list, those with a resolved event at a listed address. Every subject id
// is returned once, in order.
func (s *AttributionService) affectedSubjects(ctx context.Context, imp *safeguard.AttributionImport, proxies *attribution.ProxyList) ([]int64, error) {
	skew := s.Options.Skew
	if skew <= 0 {
		skew = attribution.DefaultSkew
	}
	set := map[int64]bool{}
	err := s.db.view(ctx, func(tx *Tx) error {
		if _, err := tx.require("attribution.resolve", safeguard.PermAssess); err != nil {
			return err
		}
		const owners = `SELECT r.subject_id, e.ip, e.time_text, e.at, e.has_offset FROM ip_events e JOIN referrals r ON r.id = e.referral_id
			WHERE r.subject_id IS NOT NULL AND %s`
		type query struct {
			q    string
			args []any
		}
		var queries []query
		if imp.From != nil {
			queries = append(queries,
				query{fmt.Sprintf(owners, "e.has_offset AND e.at >= $1 AND e.at <= $2"), []any{imp.From.Add(-skew), imp.To.Add(skew)}},
				query{fmt.Sprintf(owners, "NOT e.has_offset"), nil})
		}
		if proxies.Len() > 0 {
			queries = append(queries, query{fmt.Sprintf(owners, "e.id IN (SELECT ip_event_id FROM ip_event_attributions)"), nil})
		}
		for _, q := range queries {
			rows, err := tx.query(q.q, q.args...)
			if err != nil {
				return err
			}
			for rows.Next() {
				var sid int64
				var ip string
				var e safeguard.IPEvent
				if err := rows.Scan(&sid, &ip, &e.TimeText, nullTimeCol{&e.At}, &e.HasOffset); err != nil {
					rows.Close()
					return translate(err)
				}
				if set[sid] {
					continue
				}
				if imp.From != nil {
					from, to, ok := eventWindow(e, skew)
					if ok && !to.Before(*imp.From) && !from.After(*imp.To) {
						set[sid] = true
					}
				}
				if proxies.Len() > 0 {
					if addr, err := netip.ParseAddr(ip); err == nil {
						if _, _, listed := proxies.Lookup(addr); listed {
							set[sid] = true
						}
					}
				}
			}
			err = rows.Err()
			rows.Close()
			if err != nil {
				return translate(err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	ids := make([]int64, 0, len(set))
	for sid := range set {
		ids = append(ids, sid)
	}
	slices.Sort(ids)
	return ids, nil
}
