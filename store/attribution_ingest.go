package store

import (
	"cmp"
	"context"
	"database/sql"
	"net/netip"
	"slices"

	"safeguard"
	"safeguard/attribution"
)

// IngestAttribution resolves the subjects an ingest run links referrals
// to against the imported leases, with the same code that ResolveSubject
// runs (AttributionService.resolveWith), so one path decides every status,
// reason, installation address and force. Each batch marks the subjects it
// linked (in its own transaction); ResolvePending, at the run's end,
// resolves each marked subject once, however many batches touched it. A
// run killed part way leaves its marks for the next run.
//
// Only the lease lookups differ from ResolveSubject's: the run holds the
// lease table's shape in memory (prefix, times, ports, flags; the
// subscribers' sealed fields are read and opened only for leases an event
// needs, once each), loaded on first use and again whenever an import has
// landed since, and gives each event exactly the leases loadLeases would
// read. Its memory grows with the lease table, never with the referrals.
//
// With no import stored at all, nothing is marked or resolved: subjects
// keep the unresolved status they are created with.
type IngestAttribution struct {
	svc *AttributionService

	loaded     bool
	lastImport int64 // the newest import when the leases were loaded
	byPrefix   map[netip.Prefix][]*leaseRow
	lens4      []int // prefix lengths present, longest first
	lens6      []int
	proxies    *attribution.ProxyList
	leases     int
}

// ForIngest returns an IngestAttribution resolving with the service's
// options. It is for one ingest run at a time.
func (s *AttributionService) ForIngest() *IngestAttribution { return &IngestAttribution{svc: s} }

// refresh loads the leases and proxy ranges when none are loaded or an
// import has been stored since. It reports whether there is any import.
func (a *IngestAttribution) refresh(tx *Tx) (bool, error) {
	var last int64
	if err := tx.queryRow(`SELECT COALESCE(MAX(id), 0) FROM attribution_imports`, nil, &last); err != nil {
		return false, err
	}
	if a.loaded && last == a.lastImport {
		return last > 0, nil
	}
	a.loaded, a.lastImport, a.byPrefix, a.lens4, a.lens6, a.leases = false, last, map[netip.Prefix][]*leaseRow{}, nil, nil, 0
	if last == 0 {
		a.loaded, a.proxies = true, &attribution.ProxyList{}
		return false, nil
	}
	rows, err := tx.query(leaseSelect + ` ORDER BY id`)
	if err != nil {
		return false, err
	}
	lens := map[int]bool{}
	for rows.Next() {
		lr, err := scanLease(rows, false)
		if err != nil {
			rows.Close()
			return false, err
		}
		p := lr.l.Prefix.Masked()
		a.byPrefix[p] = append(a.byPrefix[p], lr)
		key := p.Bits()
		if p.Addr().Is6() {
			key += 1000
		}
		lens[key] = true
		a.leases++
	}
	if err := closeRows(rows); err != nil {
		return false, err
	}
	for k := range lens {
		if k >= 1000 {
			a.lens6 = append(a.lens6, k-1000)
		} else {
			a.lens4 = append(a.lens4, k)
		}
	}
	slices.SortFunc(a.lens4, func(x, y int) int { return cmp.Compare(y, x) })
	slices.SortFunc(a.lens6, func(x, y int) int { return cmp.Compare(y, x) })
	if a.proxies, err = loadProxies(tx); err != nil {
		return false, err
	}
	a.loaded = true
	return true, nil
}

// leasesFor is a leaseLoader over the leases in memory: for each readable
// event, the leases of every prefix containing its address whose interval
// meets the event's window (end >= from and start <= to, as loadLeases
// asks the database), each once, their subscribers opened.
func (a *IngestAttribution) leasesFor(tx *Tx, events []storedEvent) ([]attribution.Lease, map[string]int64, error) {
	seen := map[int64]bool{}
	var found []*leaseRow
	for _, e := range events {
		if !e.readable {
			continue
		}
		addr := e.IP.Unmap()
		lens := a.lens4
		if addr.Is6() {
			lens = a.lens6
		}
		for _, n := range lens {
			p, err := addr.Prefix(n)
			if err != nil {
				continue
			}
			for _, lr := range a.byPrefix[p] {
				if seen[lr.id] || lr.l.End.Before(e.from) || lr.l.Start.After(e.to) {
					continue
				}
				seen[lr.id] = true
				found = append(found, lr)
			}
		}
	}
	if err := a.open(tx, found); err != nil {
		return nil, nil, err
	}
	leases := make([]attribution.Lease, len(found))
	imports := make(map[string]int64, len(found))
	for i, lr := range found {
		leases[i] = lr.l
		imports[lr.l.Source] = lr.importID
	}
	return leases, imports, nil
}

// open reads and opens the subscribers of leases not opened yet, a few
// hundred a query.
func (a *IngestAttribution) open(tx *Tx, leases []*leaseRow) error {
	var todo []int64
	byID := map[int64]*leaseRow{}
	for _, lr := range leases {
		if !lr.opened {
			todo = append(todo, lr.id)
			byID[lr.id] = lr
		}
	}
	for len(todo) > 0 {
		chunk := todo[:min(len(todo), 500)]
		todo = todo[len(chunk):]
		rows, err := tx.query(`SELECT id, subscriber_enc, name_enc, install_address_enc, billing_address_enc, calling_station_enc
			FROM leases WHERE id IN (` + inList(chunk) + `)`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var leaseID int64
			var sub, name, install, billing, calling []byte
			if err := rows.Scan(&leaseID, &sub, &name, &install, &billing, &calling); err != nil {
				rows.Close()
				return translate(err)
			}
			if lr := byID[leaseID]; lr != nil {
				lr.sub, lr.name, lr.install, lr.billing, lr.callingSta = sub, name, install, billing, calling
			}
		}
		if err := closeRows(rows); err != nil {
			return err
		}
		for _, leaseID := range chunk {
			if err := tx.openLease(byID[leaseID]); err != nil {
				return err
			}
		}
	}
	return nil
}

// mark records, in a linking pass's transaction, that the subjects its
// referrals were linked to (followed through the pass's merges) need
// resolving. Nothing is marked while no import is stored: there is
// nothing to resolve against.
func (a *IngestAttribution) mark(tx *Tx, touched []int64, current func(int64) int64) error {
	ids := make([]int64, 0, len(touched))
	for _, sid := range touched {
		ids = append(ids, current(sid))
	}
	return markForAttribution(tx, ids, a.lastImport != 0)
}

// markForAttribution marks subjects for the next attribution pass
// (ResolvePending), each once, when any import is stored (imported says
// the caller knows one is): with none there is nothing to resolve
// against.
func markForAttribution(tx *Tx, ids []int64, imported bool) error {
	if len(ids) == 0 {
		return nil
	}
	if !imported {
		var last int64
		if err := tx.queryRow(`SELECT COALESCE(MAX(id), 0) FROM attribution_imports`, nil, &last); err != nil {
			return err
		} else if last == 0 {
			return nil
		}
	}
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	vals := make([]any, len(ids))
	for i, sid := range ids {
		vals[i] = sid
	}
	ps := stmts{}
	defer ps.close()
	return insertMany(tx, ps, `INSERT INTO attribution_pending (subject_id) VALUES `, 1, ` ON CONFLICT (subject_id) DO NOTHING`, vals,
		func(*sql.Rows) error { return nil })
}

// pendingChunk is how many marked subjects one transaction resolves.
const pendingChunk = 2000

// ResolvePending resolves every marked subject (see mark) once, with the
// same code as ResolveSubject and the leases in memory, in transactions
// of pendingChunk subjects that also remove their marks; a subject
// merged away since it was marked is only unmarked. It returns how many
// subjects it resolved. Requires PermAssess.
func (a *IngestAttribution) ResolvePending(ctx context.Context) (int, error) {
	total := 0
	for {
		var n, found int
		err := a.svc.db.run(ctx, func(tx *Tx) error {
			n, found = 0, 0
			if _, err := tx.require("attribution.resolve", safeguard.PermAssess); err != nil {
				return err
			}
			ids, err := int64s(tx, `SELECT subject_id FROM attribution_pending ORDER BY subject_id LIMIT $1`, pendingChunk)
			if err != nil || len(ids) == 0 {
				return err
			}
			found = len(ids)
			if _, err := a.refresh(tx); err != nil {
				return err
			}
			b := &resolveBatch{ps: stmts{}, load: a.leasesFor}
			defer b.ps.close()
			if err := b.preload(tx, ids, a.svc.skew()); err != nil {
				return err
			}
			for _, subj := range b.subjects {
				if err := a.svc.resolveWith(tx, subj, a.proxies, b); err != nil {
					return err
				}
				n++
			}
			if err := b.flush(tx); err != nil {
				return err
			}
			_, err = tx.exec(`DELETE FROM attribution_pending WHERE subject_id IN (` + inList(ids) + `)`)
			return err
		})
		if err != nil {
			return total, err
		}
		total += n
		if found < pendingChunk {
			return total, nil
		}
	}
}

// AttributePending resolves the subjects linking marked (see Attribute),
// returning how many; without Attribute it does nothing.
func (s *LinkService) AttributePending(ctx context.Context) (int, error) {
	if s.Attribute == nil {
		return 0, nil
	}
	return s.Attribute.ResolvePending(ctx)
}
