package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"safeguard"
	"safeguard/attribution"
)

// eventSlack is how far from a time without an offset its instant may be:
// every offset in use (UTC-12 to UTC+14), plus an hour for a summer-time
// change, so that the leases the resolver considers are all loaded.
const eventSlack = 15 * time.Hour

// ResolveSubject resolves the subject's IP events (those of its referrals
// and linked referrals) against the stored leases and proxy ranges, stores
// each event's attribution, corroborates them, and sets the subject's
// attribution status, all in one transaction, audited as
// attribution.resolve. When the subject is confirmed or corroborated, its
// address and force are set from the subscriber's installation address
// unless they were set otherwise (then they are kept, and that is audited
// and noted). Requires PermAssess; returns ENOTFOUND (audited) for a
// subject the actor may not see.
func (s *AttributionService) ResolveSubject(ctx context.Context, subjectID int64) (*safeguard.SubjectAttribution, error) {
	var out *safeguard.SubjectAttribution
	err := s.db.run(ctx, func(tx *Tx) error {
		if _, err := tx.require("attribution.resolve", safeguard.PermAssess); err != nil {
			return err
		}
		subj, err := visibleSubject(tx, "id = $1", subjectID)
		if err != nil {
			return err
		}
		proxies, err := loadProxies(tx)
		if err != nil {
			return err
		}
		if err := s.resolve(tx, subj, proxies); err != nil {
			return err
		}
		out, err = findSubjectAttribution(tx, subj)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// resolveMany re-resolves subjects in transactions of BatchSize subjects
// and returns how many were resolved.
func (s *AttributionService) resolveMany(ctx context.Context, ids []int64) (int, error) {
	size := s.BatchSize
	if size <= 0 {
		size = 100
	}
	n := 0
	for len(ids) > 0 {
		chunk := ids[:min(size, len(ids))]
		ids = ids[len(chunk):]
		err := s.db.run(ctx, func(tx *Tx) error {
			if _, err := tx.require("attribution.resolve", safeguard.PermAssess); err != nil {
				return err
			}
			proxies, err := loadProxies(tx)
			if err != nil {
				return err
			}
			for _, sid := range chunk {
				subj, err := visibleSubject(tx, "id = $1", sid)
				if safeguard.ErrorCode(err) == safeguard.ENOTFOUND {
					continue // gone since it was listed (a merge)
				} else if err != nil {
					return err
				}
				if err := s.resolve(tx, subj, proxies); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return n, err
		}
		n += len(chunk)
	}
	return n, nil
}

// storedEvent is an IP event of a subject as loaded for resolution.
type storedEvent struct {
	safeguard.IPEvent
	from, to time.Time // the window of leases that can matter to it
	readable bool
}

// subjectEvents loads the IP events of the subject's referrals, with the
// window of lease times each can need. A referral's subject_id is its
// current subject (linking keeps it so through merges and splits), so
// events of a referral split off are not the subject's any more.
func subjectEvents(tx *Tx, ps stmts, subjectID int64, skew time.Duration) ([]storedEvent, error) {
	rows, err := ps.query(tx, `SELECT `+storedEventCols+`
		FROM ip_events e JOIN referrals r ON r.id = e.referral_id WHERE r.subject_id = $1
		ORDER BY e.id`, subjectID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []storedEvent
	for rows.Next() {
		e, err := scanStoredEvent(rows, skew)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, translate(rows.Err())
}

// storedEventCols are the columns scanStoredEvent reads, after any lead
// columns.
const storedEventCols = `e.id, e.referral_id, e.ip, e.port, e.time_text, e.at, e.has_offset, e.possible_proxy`

// scanStoredEvent reads lead columns into lead, then storedEventCols.
func scanStoredEvent(rows *sql.Rows, skew time.Duration, lead ...any) (storedEvent, error) {
	var e storedEvent
	var ip string
	var port sql.NullInt64
	if err := rows.Scan(append(lead, &e.ID, &e.ReferralID, &ip, &port, &e.TimeText, nullTimeCol{&e.At}, &e.HasOffset, &e.PossibleProxy)...); err != nil {
		return e, translate(err)
	}
	var err error
	if e.IP, err = netip.ParseAddr(ip); err != nil {
		return e, safeguard.WrapError(safeguard.EINTERNAL, err, "ip event %d: stored address %q unreadable", e.ID, ip)
	}
	if port.Valid {
		p := int(port.Int64)
		e.Port = &p
	}
	e.from, e.to, e.readable = eventWindow(e.IPEvent, skew)
	return e, nil
}

// eventWindow is the interval of lease times that can matter to an event:
// its instant within the skew, or for a time without an offset every
// instant its wall-clock reading can be. readable is false for a time
// that cannot be read at all.
func eventWindow(e safeguard.IPEvent, skew time.Duration) (from, to time.Time, readable bool) {
	if e.HasOffset && e.At != nil {
		return e.At.Add(-skew), e.At.Add(skew), true
	}
	et, err := attribution.ParseEventTime(e.TimeText)
	switch {
	case err == nil && et.HasOffset:
		return et.At.Add(-skew), et.At.Add(skew), true
	case err == nil:
		return et.Wall.Add(-eventSlack - skew), et.Wall.Add(eventSlack + skew), true
	case e.At != nil:
		return e.At.Add(-eventSlack - skew), e.At.Add(eventSlack + skew), true
	}
	return time.Time{}, time.Time{}, false
}

// loadLeases loads the leases that can matter to the events, and not the
// rest: for each event, those of a prefix that contains its address (one
// indexed lookup per prefix length) meeting its window. It returns the
// import id of each lease by its Source, which names the import.
func loadLeases(tx *Tx, events []storedEvent) ([]attribution.Lease, map[string]int64, error) {
	seen := map[int64]bool{}
	var leases []attribution.Lease
	imports := map[string]int64{}
	for _, e := range events {
		if !e.readable {
			continue
		}
		args := append([]any{e.from, e.to}, containingPrefixes(e.IP)...)
		marks := make([]string, len(args)-2)
		for i := range marks {
			marks[i] = "$" + strconv.Itoa(i+3)
		}
		rows, err := tx.query(leaseSelect+` WHERE prefix IN (`+strings.Join(marks, ", ")+`) AND end_at >= $1 AND start_at <= $2`, args...)
		if err != nil {
			return nil, nil, err
		}
		var batch []*leaseRow
		for rows.Next() {
			lr, err := scanLease(rows, true)
			if err != nil {
				rows.Close()
				return nil, nil, err
			}
			if seen[lr.id] {
				continue
			}
			seen[lr.id] = true
			imports[lr.l.Source] = lr.importID
			batch = append(batch, lr)
		}
		if err := rows.Err(); err != nil {
			rows.Close()
			return nil, nil, translate(err)
		}
		rows.Close()
		for _, lr := range batch {
			if err := tx.openLease(lr); err != nil {
				return nil, nil, err
			}
			leases = append(leases, lr.l)
		}
	}
	return leases, imports, nil
}

// leaseSelect reads the columns scanLease scans.
const leaseSelect = `SELECT id, import_id, prefix, has_ports, port_start, port_end, start_at, end_at, shared,
	open_start, open_end, clock_warning, source, subscriber_enc, name_enc, install_address_enc,
	billing_address_enc, calling_station_enc FROM leases`

// leaseRow is a stored lease; its subscriber's fields stay sealed until
// openLease.
type leaseRow struct {
	id, importID                            int64
	l                                       attribution.Lease
	sub, name, install, billing, callingSta []byte
	opened                                  bool
}

// scanLease reads a row of leaseSelect, its Source naming the import as
// resolution reports it. Without sealed, the sealed columns are skipped
// (left for openLease to read).
func scanLease(rows *sql.Rows, sealed bool) (*leaseRow, error) {
	var prefix, source string
	lr := &leaseRow{}
	var skip [5]sql.RawBytes
	dst := []any{&lr.sub, &lr.name, &lr.install, &lr.billing, &lr.callingSta}
	if !sealed {
		dst = []any{&skip[0], &skip[1], &skip[2], &skip[3], &skip[4]}
	}
	if err := rows.Scan(append([]any{&lr.id, &lr.importID, &prefix, &lr.l.HasPorts, &lr.l.PortStart, &lr.l.PortEnd,
		timeCol{&lr.l.Start}, timeCol{&lr.l.End}, &lr.l.Shared, &lr.l.OpenStart, &lr.l.OpenEnd,
		&lr.l.ClockWarning, &source}, dst...)...); err != nil {
		return nil, translate(err)
	}
	var err error
	if lr.l.Prefix, err = netip.ParsePrefix(prefix); err != nil {
		return nil, safeguard.WrapError(safeguard.EINTERNAL, err, "lease %d: stored prefix %q unreadable", lr.id, prefix)
	}
	lr.l.Source = fmt.Sprintf("import %d, %s", lr.importID, source)
	return lr, nil
}

// openLease opens the lease's subscriber fields (once) and lets the
// sealed copies go.
func (tx *Tx) openLease(lr *leaseRow) error {
	if lr.opened {
		return nil
	}
	sub := &lr.l.Subscriber
	if err := tx.openFields(
		sealedField{&sub.ID, lr.sub, ctxLeaseSubscriber}, sealedField{&sub.Name, lr.name, ctxLeaseName},
		sealedField{&sub.InstallAddress, lr.install, ctxLeaseInstall}, sealedField{&sub.BillingAddress, lr.billing, ctxLeaseBilling},
		sealedField{&sub.CallingStation, lr.callingSta, ctxLeaseCallingStation},
	); err != nil {
		return err
	}
	lr.opened = true
	lr.sub, lr.name, lr.install, lr.billing, lr.callingSta = nil, nil, nil, nil, nil
	return nil
}

// containingPrefixes lists, as stored, every prefix that contains addr:
// one per prefix length.
func containingPrefixes(addr netip.Addr) []any {
	addr = addr.Unmap()
	out := make([]any, 0, addr.BitLen()+1)
	for bits := addr.BitLen(); bits >= 0; bits-- {
		p, err := addr.Prefix(bits)
		if err == nil {
			out = append(out, p.String())
		}
	}
	return out
}

// loadProxies loads every stored proxy range: lists are small next to
// leases and have no time.
func loadProxies(tx *Tx) (*attribution.ProxyList, error) {
	rows, err := tx.query(`SELECT import_id, prefix, label FROM proxy_ranges ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	pl := &attribution.ProxyList{}
	for rows.Next() {
		var importID int64
		var prefix, label string
		if err := rows.Scan(&importID, &prefix, &label); err != nil {
			return nil, translate(err)
		}
		p, err := netip.ParsePrefix(prefix)
		if err != nil {
			return nil, safeguard.WrapError(safeguard.EINTERNAL, err, "proxy range %q unreadable", prefix)
		}
		pl.Add(p, fmt.Sprintf("import %d, %s", importID, label))
	}
	return pl, translate(rows.Err())
}

// resolve resolves one subject in tx (see ResolveSubject).
func (s *AttributionService) resolve(tx *Tx, subj *safeguard.Subject, proxies *attribution.ProxyList) error {
	return s.resolveWith(tx, subj, proxies, nil)
}

// resolveBatch is what resolving many subjects in one transaction (an
// ingest run's) shares: statements prepared once, the leases in memory,
// what the subjects' resolution reads, loaded by preload a query a table,
// and what it writes, buffered for flush to write in multi-row statements.
// Stored event attributions a resolution repeats are kept (see
// resolveWith).
type resolveBatch struct {
	ps   stmts
	load leaseLoader

	subjects []*safeguard.Subject // visible ones, by id
	events   map[int64][]storedEvent
	stored   map[int64]map[int64]eventAttrKey
	prev     map[int64]*subjectState
	forces   []*safeguard.Force

	vals     []any // ip_event_attributions rows, eventAttrCols values each
	subjRows []any // subject_attributions rows, subjectAttrCols values each
	updates  []any // subjects rows: id, address_enc, force_code, attribution_status
}

// preload reads the subjects ids (those the actor may see), their
// events, their stored event and subject attributions and the forces,
// and deletes the stored attributions of events no longer theirs (their
// referral was split off).
func (b *resolveBatch) preload(tx *Tx, ids []int64, skew time.Duration) error {
	in := inList(ids)
	b.subjects, b.events, b.stored, b.prev = nil, map[int64][]storedEvent{}, map[int64]map[int64]eventAttrKey{}, map[int64]*subjectState{}
	rows, err := tx.query(`SELECT ` + subjectColumns + ` FROM subjects s WHERE s.id IN (` + in + `) ORDER BY s.id`)
	if err != nil {
		return err
	}
	var sealed []sealedSubject
	for rows.Next() {
		row, err := scanSubject(rows)
		if err != nil {
			rows.Close()
			return err
		}
		sealed = append(sealed, row)
	}
	if err := closeRows(rows); err != nil {
		return err
	}
	for _, row := range sealed {
		if !seesForce(tx.actor, row.ForceCode) {
			continue // as visibleSubject would refuse it
		}
		subj, err := row.open(tx)
		if err != nil {
			return err
		}
		b.subjects = append(b.subjects, subj)
	}
	if rows, err = tx.query(`SELECT r.subject_id, ` + storedEventCols + ` FROM ip_events e JOIN referrals r ON r.id = e.referral_id
		WHERE r.subject_id IN (` + in + `) ORDER BY e.id`); err != nil {
		return err
	}
	own := map[int64]int64{} // event → subject
	for rows.Next() {
		var sid int64
		e, err := scanStoredEvent(rows, skew, &sid)
		if err != nil {
			rows.Close()
			return err
		}
		b.events[sid] = append(b.events[sid], e)
		own[e.ID] = sid
	}
	if err := closeRows(rows); err != nil {
		return err
	}
	if rows, err = tx.query(`SELECT subject_id, ip_event_id, status, reason_codes, import_ids, subscriber_bi FROM ip_event_attributions
		WHERE subject_id IN (` + in + `)`); err != nil {
		return err
	}
	var gone []int64
	for rows.Next() {
		var sid, eid int64
		var k eventAttrKey
		var bi []byte
		if err := rows.Scan(&sid, &eid, &k.status, &k.codes, &k.importIDs, &bi); err != nil {
			rows.Close()
			return translate(err)
		}
		if own[eid] != sid {
			gone = append(gone, eid)
			continue
		}
		k.bi = string(bi)
		if b.stored[sid] == nil {
			b.stored[sid] = map[int64]eventAttrKey{}
		}
		b.stored[sid][eid] = k
	}
	if err := closeRows(rows); err != nil {
		return err
	}
	if len(gone) > 0 {
		slices.Sort(gone)
		if _, err := tx.exec(`DELETE FROM ip_event_attributions WHERE ip_event_id IN (` + inList(gone) + `)`); err != nil {
			return err
		}
	}
	if rows, err = tx.query(`SELECT subject_id, ` + subjectStateCols + ` FROM subject_attributions WHERE subject_id IN (` + in + `)`); err != nil {
		return err
	}
	for rows.Next() {
		var sid int64
		st, err := scanSubjectState(tx, rows, &sid)
		if err != nil {
			rows.Close()
			return err
		}
		b.prev[sid] = st
	}
	if err := closeRows(rows); err != nil {
		return err
	}
	if b.forces, err = allForces(tx); err != nil {
		return err
	}
	if b.forces == nil {
		b.forces = []*safeguard.Force{} // read: none
	}
	return nil
}

// updateRows is how many subjects one UPDATE of flush sets on PostgreSQL.
const updateRows = 500

// flush writes what the batch's resolutions buffered.
func (b *resolveBatch) flush(tx *Tx) error {
	none := func(*sql.Rows) error { return nil }
	// The rows come subject by subject, their events from all over the
	// table; written in event order, each page of it is visited once.
	sortRows(b.vals, eventAttrCols)
	if err := insertMany(tx, b.ps, eventAttrInsert, eventAttrCols, eventAttrUpsert, b.vals, none); err != nil {
		return err
	}
	if err := insertMany(tx, b.ps, subjectAttrInsert, subjectAttrCols, subjectAttrUpsert, b.subjRows, none); err != nil {
		return err
	}
	const set = `UPDATE subjects SET address_enc = $2, force_code = $3, attribution_status = $4, updated_at = $5 WHERE id = $1`
	for ups := b.updates; len(ups) > 0; {
		if tx.db.dialect == SQLite { // in process: no round trip to save
			if err := b.ps.exec(tx, set, ups[0], ups[1], ups[2], ups[3], tx.now); err != nil {
				return err
			}
			ups = ups[4:]
			continue
		}
		n := min(len(ups)/4, updateRows)
		var q strings.Builder
		q.WriteString(`UPDATE subjects SET address_enc = v.a, force_code = v.f, attribution_status = v.s, updated_at = $1
			FROM (SELECT column1 AS id, column2 AS a, column3 AS f, column4 AS s FROM (VALUES `)
		args := []any{tx.now}
		for i := range n {
			if i > 0 {
				q.WriteByte(',')
			}
			p := 4*i + 2
			fmt.Fprintf(&q, "(CAST($%d AS BIGINT), CAST($%d AS BYTEA), CAST($%d AS TEXT), CAST($%d AS TEXT))", p, p+1, p+2, p+3)
		}
		q.WriteString(`) AS t) AS v WHERE subjects.id = v.id`)
		if err := b.ps.exec(tx, q.String(), append(args, ups[:4*n]...)...); err != nil {
			return err
		}
		ups = ups[4*n:]
	}
	b.vals, b.subjRows, b.updates = b.vals[:0], b.subjRows[:0], b.updates[:0]
	return nil
}

// skew is the clock-skew tolerance resolution uses.
func (s *AttributionService) skew() time.Duration {
	switch {
	case s.Options.Skew == 0:
		return attribution.DefaultSkew
	case s.Options.Skew < 0:
		return 0
	}
	return s.Options.Skew
}

// leaseLoader returns the leases that can matter to events (those of a
// prefix containing the address and meeting the event's window) and the
// import id of each by its Source.
type leaseLoader func(tx *Tx, events []storedEvent) ([]attribution.Lease, map[string]int64, error)

// resolveWith is resolve, or with a batch, resolve as part of it: the
// leases from the batch's loader (from leases an ingest run holds in
// memory, the same leases loadLeases would read), the event attributions
// buffered; and an event's stored attribution that the new one would
// repeat (the same status, reason codes, subscriber and imports) is kept
// as it is, resolved_at included, rather than deleted and written again:
// an ingest run resolves a subject for its new events, and its older ones
// mostly come out the same.
func (s *AttributionService) resolveWith(tx *Tx, subj *safeguard.Subject, proxies *attribution.ProxyList, b *resolveBatch) error {
	var ps stmts
	load, keep := loadLeases, b != nil
	if b != nil {
		ps, load = b.ps, b.load
	}
	opt := s.Options
	opt.Proxies = proxies
	skew := s.skew()
	var events []storedEvent
	var err error
	if b != nil {
		events = b.events[subj.ID]
	} else if events, err = subjectEvents(tx, ps, subj.ID, skew); err != nil {
		return err
	}
	leases, imports, err := load(tx, events)
	if err != nil {
		return err
	}
	var stored map[int64]eventAttrKey
	if keep {
		stored = b.stored[subj.ID]
	} else if _, err := tx.exec(`DELETE FROM ip_event_attributions WHERE subject_id = $1`, subj.ID); err != nil {
		return err
	}
	rv := attribution.NewResolver(attribution.NewIndex(leases), opt)
	results := make([]attribution.Result, 0, len(events))
	counts := map[string]int{}
	for _, e := range events {
		ref := strconv.FormatInt(e.ID, 10)
		res, err := rv.Resolve(attribution.Event{Ref: ref, IPEvent: e.IPEvent, PossibleProxy: e.PossibleProxy})
		if err != nil {
			res = attribution.Result{Ref: ref, IP: e.IP, Port: e.Port, TimeRaw: e.TimeText, Status: safeguard.AttrUnresolved,
				Reasons: attribution.Reasons{{Code: attribution.ReasonTimeUnreadable,
					Text: fmt.Sprintf("the time %q cannot be read as a time, so no lease can be matched: %s", e.TimeText, safeguard.ErrorMessage(err))}}}
		}
		results = append(results, res)
		counts[res.Status]++
		key, err := attrKey(tx, res, imports)
		if err != nil {
			return err
		}
		if old, ok := stored[e.ID]; ok && old == key {
			continue
		}
		vals, err := eventAttrValues(tx, subj.ID, e.ID, res, key)
		if err != nil {
			return err
		}
		if b != nil {
			b.vals = append(b.vals, vals...)
		} else if _, err := tx.exec(eventAttrInsert+`($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`+eventAttrUpsert, vals...); err != nil {
			return err
		}
	}
	sr := attribution.Corroborate(subj.Ref, results, s.MinGap)
	var prev *subjectState
	var forces []*safeguard.Force
	if b != nil {
		prev, forces = b.prev[subj.ID], b.forces
	} else if prev, err = loadSubjectAttribution(tx, ps, subj.ID); err != nil {
		return err
	}
	st := subjectState{status: sr.Status, reasons: toReasons(sr.Reasons)}
	if sr.Subscriber != nil && (sr.Status == safeguard.AttrConfirmed || sr.Status == safeguard.AttrCorroborated) {
		st.sub = *sr.Subscriber
		st.sub.InstallAddress, st.sub.BillingAddress = installAddresses(results, sr)
	}
	oldStatus := subj.AttributionStatus
	if err := s.placeSubject(tx, subj, prev, &st, forces); err != nil {
		return err
	}
	subj.AttributionStatus, subj.UpdatedAt = sr.Status, tx.now
	addr, err := tx.sealString(subj.Address, ctxSubjectAddress)
	if err != nil {
		return err
	}
	subjVals, err := subjectAttrValues(tx, subj.ID, &st)
	if err != nil {
		return err
	}
	if b != nil {
		b.updates = append(b.updates, subj.ID, addr, nullString(subj.ForceCode), subj.AttributionStatus)
		b.subjRows = append(b.subjRows, subjVals...)
	} else {
		if _, err := tx.exec(`UPDATE subjects SET address_enc = $1, force_code = $2, attribution_status = $3, updated_at = $4
			WHERE id = $5`, addr, nullString(subj.ForceCode), subj.AttributionStatus, tx.now, subj.ID); err != nil {
			return err
		}
		if _, err := tx.exec(subjectAttrInsert+`($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`+subjectAttrUpsert, subjVals...); err != nil {
			return err
		}
	}
	return tx.audit("attribution.resolve", "subject", id(subj.ID), fmt.Sprintf("status=%s was=%s events=%d confirmed=%d ambiguous=%d unresolved=%d leases=%d",
		sr.Status, oldStatus, len(events), counts[safeguard.AttrConfirmed], counts[safeguard.AttrAmbiguous], counts[safeguard.AttrUnresolved], len(leases)))
}

// installAddresses returns the installation address the subject's
// confirmed events agree on ("" when they give none or disagree) and a
// billing address, shown apart and never used for force assignment.
func installAddresses(results []attribution.Result, sr attribution.SubjectResult) (install, billing string) {
	var installs []string
	for _, r := range results {
		if r.Status != safeguard.AttrConfirmed || r.Subscriber == nil || r.Subscriber.ID != sr.Subscriber.ID {
			continue
		}
		if a := r.Subscriber.InstallAddress; a != "" && !slices.Contains(installs, a) {
			installs = append(installs, a)
		}
		if billing == "" {
			billing = r.Subscriber.BillingAddress
		}
	}
	if len(installs) == 1 {
		install = installs[0]
	}
	return install, billing
}

func toReasons(rs attribution.Reasons) []safeguard.AttributionReason {
	out := make([]safeguard.AttributionReason, len(rs))
	for i, r := range rs {
		out[i] = safeguard.AttributionReason{Code: r.Code, Text: r.Text}
	}
	return out
}

// sealReasons stores reasons as their codes in clear (JSON) and the whole
// list, sentences included, sealed: sentences name subscribers.
func (tx *Tx) sealReasons(rs []safeguard.AttributionReason) (codes string, sealed any, err error) {
	cs := make([]string, len(rs))
	for i, r := range rs {
		cs[i] = r.Code
	}
	c, err := json.Marshal(cs)
	if err != nil {
		return "", nil, err
	}
	all, err := json.Marshal(rs)
	if err != nil {
		return "", nil, err
	}
	sealed, err = tx.seal(all, ctxAttrReasons)
	return string(c), sealed, err
}

// sealSubscriber returns, for an attribution row, the blind index of the
// subscriber id (NULL without one) and the sealed id, name, installation
// and billing addresses.
func (tx *Tx) sealSubscriber(sub attribution.Subscriber) ([]any, error) {
	vals := make([]any, 5)
	if sub.ID != "" {
		bi, err := subscriberIndex(tx, sub.ID)
		if err != nil {
			return nil, err
		}
		vals[0] = bi
	}
	for i, f := range []struct{ v, ctx string }{
		{sub.ID, ctxAttrSubscriber}, {sub.Name, ctxAttrName}, {sub.InstallAddress, ctxAttrInstall}, {sub.BillingAddress, ctxAttrBilling},
	} {
		var err error
		if vals[i+1], err = tx.sealString(f.v, f.ctx); err != nil {
			return nil, err
		}
	}
	return vals, nil
}

// eventAttrKey is what of an event's attribution is stored in clear: if
// it is the same, so is the rest (the sealed subscriber and reasons come
// from the same leases).
type eventAttrKey struct {
	status, codes, importIDs string
	bi                       string // the subscriber's blind index, "" without one
}

// attrKey computes an event attribution's clear columns.
func attrKey(tx *Tx, res attribution.Result, imports map[string]int64) (eventAttrKey, error) {
	k := eventAttrKey{status: res.Status}
	if res.Status == safeguard.AttrConfirmed && res.Subscriber != nil && res.Subscriber.ID != "" {
		bi, err := subscriberIndex(tx, res.Subscriber.ID)
		if err != nil {
			return k, err
		}
		k.bi = string(bi)
	}
	codes := make([]string, len(res.Reasons))
	for i, r := range res.Reasons {
		codes[i] = r.Code
	}
	c, err := json.Marshal(codes)
	if err != nil {
		return k, err
	}
	k.codes = string(c)
	var ids []int64
	for _, l := range res.Leases {
		if n, ok := imports[l.Source]; ok && !slices.Contains(ids, n) {
			ids = append(ids, n)
		}
	}
	slices.Sort(ids)
	b, err := json.Marshal(nonNil(ids))
	if err != nil {
		return k, err
	}
	k.importIDs = string(b)
	return k, nil
}

// The upsert of an event attribution, its VALUES rows between.
const (
	eventAttrInsert = `INSERT INTO ip_event_attributions (ip_event_id, subject_id, status, subscriber_bi, subscriber_enc,
		name_enc, install_address_enc, billing_address_enc, reason_codes, reasons_enc, import_ids, resolved_at) VALUES `
	eventAttrCols   = 12
	eventAttrUpsert = ` ON CONFLICT (ip_event_id) DO UPDATE SET subject_id = excluded.subject_id, status = excluded.status,
		subscriber_bi = excluded.subscriber_bi, subscriber_enc = excluded.subscriber_enc, name_enc = excluded.name_enc,
		install_address_enc = excluded.install_address_enc, billing_address_enc = excluded.billing_address_enc,
		reason_codes = excluded.reason_codes, reasons_enc = excluded.reasons_enc, import_ids = excluded.import_ids,
		resolved_at = excluded.resolved_at`
)

// eventAttrValues seals an event attribution into its eventAttrCols values.
func eventAttrValues(tx *Tx, subjectID, eventID int64, res attribution.Result, key eventAttrKey) ([]any, error) {
	var sub attribution.Subscriber
	if res.Status == safeguard.AttrConfirmed && res.Subscriber != nil {
		sub = *res.Subscriber
	}
	sv, err := tx.sealSubscriber(sub)
	if err != nil {
		return nil, err
	}
	_, reasons, err := tx.sealReasons(toReasons(res.Reasons))
	if err != nil {
		return nil, err
	}
	return []any{eventID, subjectID, res.Status, sv[0], sv[1], sv[2], sv[3], sv[4], key.codes, reasons, key.importIDs, tx.now}, nil
}

// sortRows sorts vals, ncols values a row, by each row's first value, an
// int64 key.
func sortRows(vals []any, ncols int) {
	rows := make([][]any, 0, len(vals)/ncols)
	for i := 0; i+ncols <= len(vals); i += ncols {
		rows = append(rows, vals[i:i+ncols:i+ncols])
	}
	slices.SortStableFunc(rows, func(a, b []any) int { return cmp.Compare(a[0].(int64), b[0].(int64)) })
	sorted := make([]any, 0, len(vals))
	for _, r := range rows {
		sorted = append(sorted, r...)
	}
	copy(vals, sorted)
}
