package store

import (
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"

	"safeguard"
	"safeguard/linking"
)

// LinkService links referrals into subjects inside the database: each
// pass is one transaction holding the linking lock, so a crash leaves
// every referral either linked (with its evidence) or waiting for the
// next pass, never half linked, and several servers never link at once.
type LinkService struct {
	db *DB

	mu sync.Mutex
	// common holds weak values found carried by more than weakCap
	// subjects: they stay common (subjects only gain referrals), so they
	// are not looked up again. Bounded by commonMax.
	common map[string]bool

	// Attribute, when set, marks in the same transaction every subject
	// a linking pass linked a referral to, for AttributePending to
	// resolve (see IngestAttribution).
	Attribute *IngestAttribution
}

var _ safeguard.LinkService = (*LinkService)(nil)

// NewLinkService returns a LinkService over db.
func NewLinkService(db *DB) *LinkService { return &LinkService{db: db, common: map[string]bool{}} }

// commonMax bounds LinkService.common; past it the cache starts afresh.
const commonMax = 1 << 17

func (s *LinkService) isCommon(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.common[key]
}

func (s *LinkService) setCommon(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.common) >= commonMax {
		clear(s.common)
	}
	s.common[key] = true
}

// linkLockKey is the PostgreSQL advisory transaction lock that serialises
// linking, merges and splits across servers. On SQLite BEGIN IMMEDIATE
// already serialises every writer.
const linkLockKey int64 = 0x73676c696e6b0000 // "sglink"

// linkMmapBytes is how much of an SQLite file linking reads through a
// memory map rather than a read call a page: its lookups land all over
// the identifier and IP indexes. Mapped pages count in the process's
// resident size, so it is kept modest.
const linkMmapBytes = 256 << 20

// linkBatch is how many referrals one linking transaction takes.
const linkBatch = 5000

// weakCap: a weak value carried by more subjects than this (a common name,
// a busy shared address such as a café's or a mobile operator's) tells
// an analyst nothing and is not offered; weakScan bounds the carriers read
// to find that out.
const (
	weakCap  = 5
	weakScan = 32
)

// LinkPending links every referral without a subject, oldest first, in
// transactions of linkBatch referrals. Requires PermAssess and a national
// role (EFORBIDDEN otherwise).
func (s *LinkService) LinkPending(ctx context.Context, most int) (safeguard.LinkSummary, error) {
	var total safeguard.LinkSummary
	var after int64
	for {
		n := linkBatch
		if most > 0 {
			if n = min(n, most-total.Linked); n <= 0 {
				return total, nil
			}
		}
		var sum safeguard.LinkSummary
		var found int
		var last int64
		err := s.db.run(ctx, func(tx *Tx) error {
			// A retried attempt starts again from the same place.
			sum, found, last = safeguard.LinkSummary{}, 0, after
			l, err := s.beginLinking(tx, "link.pending")
			if err != nil {
				return err
			}
			defer l.close()
			ids, err := int64s(tx, `SELECT id FROM referrals WHERE subject_id IS NULL AND id > $1 ORDER BY id LIMIT $2`, after, n)
			if err != nil {
				return err
			}
			found = len(ids)
			if found == 0 {
				return nil
			}
			last = ids[len(ids)-1]
			return l.linkAll(ids, &sum)
		})
		if err != nil {
			return total, err
		}
		after = last
		total.Add(sum)
		if found < n {
			return total, nil
		}
	}
}

// LinkReferral links one referral if it has none. Requires PermAssess and
// a national role; returns ENOTFOUND for an unknown referral.
func (s *LinkService) LinkReferral(ctx context.Context, referralID int64) (safeguard.LinkSummary, error) {
	var sum safeguard.LinkSummary
	err := s.db.run(ctx, func(tx *Tx) error {
		sum = safeguard.LinkSummary{}
		l, err := s.beginLinking(tx, "link.referral")
		if err != nil {
			return err
		}
		defer l.close()
		var subject sql.NullInt64
		if err := tx.queryRow(`SELECT subject_id FROM referrals WHERE id = $1`, []any{referralID}, &subject); err != nil {
			if safeguard.ErrorCode(err) == safeguard.ENOTFOUND {
				return safeguard.Errorf(safeguard.ENOTFOUND, "no referral %d", referralID)
			}
			return err
		} else if subject.Valid {
			return nil
		}
		return l.linkAll([]int64{referralID}, &sum)
	})
	return sum, err
}

// linker is one linking transaction.
type linker struct {
	svc    *LinkService
	tx     *Tx
	sealer safeguard.Sealer
	ps     stmts
	areas  *linking.Areas
	reset  bool // the SQLite page cache was enlarged

	// strong maps each prefetched strong key (its blind index) to the
	// subjects carrying it; mergedNow maps subjects merged in this
	// transaction to the subject they joined; subjects caches what
	// linking needs of a subject. All are kept in step with the writes.
	strong    map[string][]carrier
	mergedNow map[int64]int64
	subjects  map[int64]*linkSubject
	// touched are the subjects referrals were linked to, in order.
	touched []int64
	// links holds the subject_links rows (linkCols values each) and
	// moves the referrals' subject_id updates (referral, subject pairs)
	// of referrals linked since the last flushLinks; weak maps each weak
	// key the pass's linked referrals carry to them, so weakCarriers sees
	// them whether written yet or not, and whether prefetched or not.
	links, moves []any
	weak         map[string][]carrier
	// weakIPs are the stored carriers of the pass's weak addresses,
	// read by prefetchWeakIPs.
	weakIPs map[string][]carrier
}

// beginLinking checks the actor (PermAssess, national) and takes the
// linking lock. On SQLite it enlarges the page cache as a referral batch
// does: linking reads the identifier and IP indexes all over.
func (s *LinkService) beginLinking(tx *Tx, action string) (*linker, error) {
	a, err := tx.require(action, safeguard.PermAssess)
	if err != nil {
		return nil, err
	}
	if a.Role.ForceScoped() && a.Kind != safeguard.ActorSystem {
		return nil, safeguard.Errorf(safeguard.EFORBIDDEN, "linking needs a national role: a force user cannot see other forces' subjects")
	}
	if tx.db.dialect == Postgres {
		if _, err := tx.exec(`SELECT pg_advisory_xact_lock($1)`, linkLockKey); err != nil {
			return nil, err
		}
	}
	sealer, err := tx.sealer()
	if err != nil {
		return nil, err
	}
	l := &linker{svc: s, tx: tx, sealer: sealer, ps: stmts{}, mergedNow: map[int64]int64{}, subjects: map[int64]*linkSubject{}}
	if tx.db.dialect == SQLite {
		if _, err := tx.exec(`PRAGMA cache_size = ` + strconv.Itoa(-batchCacheKiB)); err != nil {
			return nil, err
		}
		if _, err := tx.exec(`PRAGMA mmap_size = ` + strconv.Itoa(linkMmapBytes)); err != nil {
			return nil, err
		}
		l.reset = true
	}
	return l, nil
}

// close releases the statements and gives the connection its usual cache
// back before it returns to the pool.
func (l *linker) close() {
	l.ps.close()
	if l.reset {
		l.tx.exec(`PRAGMA cache_size = -2000`)
		l.tx.exec(`PRAGMA mmap_size = 0`)
	}
}

// query runs a statement prepared once per linking transaction.
func (l *linker) query(q string, args ...any) (*sql.Rows, error) { return l.ps.query(l.tx, q, args...) }

// exec is query for statements that return no rows.
func (l *linker) exec(q string, args ...any) error { return l.ps.exec(l.tx, q, args...) }

// pendingRef is an unlinked referral as linking sees it.
type pendingRef struct {
	ref   safeguard.Referral
	norms []linking.Norm
}

// linkAll loads the referrals' identifiers and IP addresses in a few
// queries, then links each in id order.
func (l *linker) linkAll(ids []int64, sum *safeguard.LinkSummary) error {
	refs := make(map[int64]*pendingRef, len(ids))
	if err := loadPending(l.tx, ids, refs); err != nil {
		return err
	}
	return l.linkRefs(ids, refs, sum)
}

// linkRefs links the referrals ids, loaded in refs, in id order, and
// audits the batch.
func (l *linker) linkRefs(ids []int64, refs map[int64]*pendingRef, sum *safeguard.LinkSummary) error {
	var keys [][]byte
	var ips []string
	for _, id := range ids {
		p, ok := refs[id]
		if !ok {
			return safeguard.Errorf(safeguard.ENOTFOUND, "no referral %d", id)
		}
		p.norms = linking.Identifiers(&p.ref)
		for _, n := range p.norms {
			switch {
			case n.Strong():
				keys = append(keys, blindIndexOf(l.sealer, n))
			case n.Kind == linking.KindIP:
				ips = append(ips, n.Value)
			}
		}
	}
	if err := l.prefetch(keys); err != nil {
		return err
	}
	if err := l.prefetchWeakIPs(ips); err != nil {
		return err
	}
	var linked []int64
	for _, id := range ids {
		p := refs[id]
		if err := l.link(p, sum); err != nil {
			return err
		}
		linked = append(linked, id)
	}
	if err := l.flushLinks(); err != nil {
		return err
	}
	if err := l.tx.audit("subject.link", "referral", "", fmt.Sprintf("batch referrals=%d subjects_created=%d merged=%d possible=%d ids=%s",
		sum.Linked, sum.Created, sum.Merged, sum.Possible, idRanges(linked))); err != nil {
		return err
	}
	if l.svc.Attribute == nil {
		return nil
	}
	return l.svc.Attribute.mark(l.tx, l.touched, l.resolve)
}

// CreateAndLinkReferrals stores refs as ReferralService.CreateReferrals
// does and links the new ones in the same transaction, from the
// referrals in memory rather than read back: a batch is committed linked
// or not at all. Requires PermIntake, and PermAssess with a national role
// as LinkPending does.
func (s *LinkService) CreateAndLinkReferrals(ctx context.Context, refs []*safeguard.Referral) ([]bool, safeguard.LinkSummary, error) {
	var sum safeguard.LinkSummary
	digests, err := checkBatch(refs)
	if err != nil {
		return nil, sum, err
	}
	dups := make([]bool, len(refs))
	if len(refs) == 0 {
		return dups, sum, nil
	}
	err = s.db.run(ctx, func(tx *Tx) error {
		sum = safeguard.LinkSummary{}
		created, err := storeBatch(tx, refs, digests, dups)
		if err != nil || len(created) == 0 {
			return err
		}
		l, err := s.beginLinking(tx, "link.pending")
		if err != nil {
			return err
		}
		defer l.close()
		ids := make([]int64, 0, len(created))
		pending := make(map[int64]*pendingRef, len(created))
		for _, r := range created {
			if r.SubjectID != nil {
				continue // stored with its subject: linked already
			}
			ids = append(ids, r.ID)
			p := &pendingRef{ref: safeguard.Referral{ID: r.ID, Platform: r.Platform, Identifiers: r.Identifiers}}
			p.ref.IPEvents = make([]safeguard.IPEvent, len(r.IPEvents))
			for j, e := range r.IPEvents {
				p.ref.IPEvents[j] = safeguard.IPEvent{IP: e.IP}
			}
			pending[r.ID] = p
		}
		slices.Sort(ids)
		return l.linkRefs(ids, pending, &sum)
	})
	if err != nil {
		return nil, safeguard.LinkSummary{}, err
	}
	return dups, sum, nil
}

// loadPending reads referrals' platforms, decrypted identifiers and IP
// addresses into refs, a query a table.
func loadPending(tx *Tx, ids []int64, refs map[int64]*pendingRef) error {
	in := inList(ids)
	rows, err := tx.query(`SELECT id, platform FROM referrals WHERE id IN (` + in + `)`)
	if err != nil {
		return err
	}
	for rows.Next() {
		p := &pendingRef{}
		if err := rows.Scan(&p.ref.ID, &p.ref.Platform); err != nil {
			rows.Close()
			return translate(err)
		}
		refs[p.ref.ID] = p
	}
	if err := closeRows(rows); err != nil {
		return err
	}
	rows, err = tx.query(`SELECT referral_id, kind, value_enc FROM identifiers WHERE referral_id IN (` + in + `) ORDER BY id`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var rid int64
		var kind string
		var enc []byte
		if err := rows.Scan(&rid, &kind, &enc); err != nil {
			rows.Close()
			return translate(err)
		}
		v, err := tx.openString(enc, identifierContext(kind))
		if err != nil {
			rows.Close()
			return err
		}
		p := refs[rid]
		p.ref.Identifiers = append(p.ref.Identifiers, safeguard.Identifier{Kind: kind, Value: v})
	}
	if err := closeRows(rows); err != nil {
		return err
	}
	rows, err = tx.query(`SELECT referral_id, ip FROM ip_events WHERE referral_id IN (` + in + `) ORDER BY id`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var rid int64
		var ip string
		if err := rows.Scan(&rid, &ip); err != nil {
			rows.Close()
			return translate(err)
		}
		if a, err := netip.ParseAddr(ip); err == nil {
			p := refs[rid]
			p.ref.IPEvents = append(p.ref.IPEvents, safeguard.IPEvent{IP: a})
		}
	}
	if err := closeRows(rows); err != nil {
		return err
	}
	return nil
}

// carrier is a subject whose referrals carry a value: the first such
// referral and how many.
type carrier struct {
	subject int64
	first   int64
	count   int
}

// prefetchChunk is how many blind indexes one prefetch query asks for.
const prefetchChunk = 200

// prefetch reads, in a few queries, which subjects' referrals carry each
// strong key of the batch. From then on the linker keeps that in step
// with what it links and merges (the overlay), so each referral's strong
// lookups cost no query.
func (l *linker) prefetch(keys [][]byte) error {
	l.strong = map[string][]carrier{}
	var todo [][]byte
	var subjects []int64
	for _, k := range keys {
		if _, ok := l.strong[string(k)]; !ok {
			l.strong[string(k)] = nil
			todo = append(todo, k)
		}
	}
	for len(todo) > 0 {
		chunk := todo[:min(len(todo), prefetchChunk)]
		todo = todo[len(chunk):]
		var b strings.Builder
		args := make([]any, len(chunk))
		for i, k := range chunk {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString("$" + strconv.Itoa(i+1))
			args[i] = k
		}
		rows, err := l.query(`SELECT i.blind_index, r.subject_id, MIN(i.referral_id), COUNT(*) FROM identifiers i
			JOIN referrals r`+l.bySubjectIndex()+` ON r.id = i.referral_id
			WHERE i.blind_index IN (`+b.String()+`) AND r.subject_id IS NOT NULL
			GROUP BY i.blind_index, r.subject_id`, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var k []byte
			var c carrier
			if err := rows.Scan(&k, &c.subject, &c.first, &c.count); err != nil {
				rows.Close()
				return translate(err)
			}
			l.strong[string(k)] = append(l.strong[string(k)], c)
			subjects = append(subjects, c.subject)
		}
		if err := closeRows(rows); err != nil {
			return err
		}
	}
	// The carriers' subjects, which linking will need, in a few queries
	// rather than one each.
	slices.Sort(subjects)
	return l.loadSubjects(slices.Compact(subjects))
}

// bySubjectIndex makes SQLite read a referral's subject from the index
// referrals_id_subject (migration 0013) rather than from the referral's
// row: its planner prefers the row, which at a million referrals is a
// random read of a page mostly holding documents. PostgreSQL chooses for
// itself.
func (l *linker) bySubjectIndex() string {
	if l.tx.db.dialect == SQLite {
		return " INDEXED BY referrals_id_subject"
	}
	return ""
}

// resolve follows merges made in this transaction.
func (l *linker) resolve(subject int64) int64 {
	for {
		into, ok := l.mergedNow[subject]
		if !ok {
			return subject
		}
		subject = into
	}
}

// strongCarriers returns every subject whose referrals carry the strong
// value, oldest subject first, from the prefetched overlay.
func (l *linker) strongCarriers(n linking.Norm) ([]carrier, error) {
	cs, ok := l.strong[string(blindIndexOf(l.sealer, n))]
	if !ok {
		return nil, safeguard.Errorf(safeguard.EINTERNAL, "linking: a strong key was not prefetched")
	}
	var out []carrier
	for _, c := range cs {
		c.subject = l.resolve(c.subject)
		if i := slices.IndexFunc(out, func(o carrier) bool { return o.subject == c.subject }); i >= 0 {
			out[i].first, out[i].count = min(out[i].first, c.first), out[i].count+c.count
		} else {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b carrier) int { return cmp.Compare(a.subject, b.subject) })
	return out, nil
}

// carried records in the overlay that a referral linked to subject
// carries the strong key.
func (l *linker) carried(n linking.Norm, subject, refID int64) {
	k := string(blindIndexOf(l.sealer, n))
	cs := l.strong[k]
	for i := range cs {
		if l.resolve(cs[i].subject) == subject {
			cs[i].count++
			return
		}
	}
	l.strong[k] = append(cs, carrier{subject: subject, first: refID, count: 1})
}

// weakCarriers returns the subjects carrying a weak value, or nothing
// when more than weakCap do (or the first weakScan carriers show that).
// Any weakScan carriers will do, so the query does not sort: a busy
// address's carriers are never all read.
func (l *linker) weakCarriers(n linking.Norm) ([]carrier, error) {
	if l.svc.isCommon(n.Key()) {
		return nil, nil
	}
	var out []carrier
	if cs, ok := l.weakIPs[n.Value]; ok && n.Kind == linking.KindIP {
		for _, c := range cs {
			out = addCarrier(out, l.resolve(c.subject), c.first)
		}
		return l.weakOverlay(n, out)
	}
	var rows *sql.Rows
	var err error
	if n.Kind == linking.KindIP {
		rows, err = l.query(`SELECT r.subject_id, e.referral_id FROM ip_events e JOIN referrals r`+l.bySubjectIndex()+` ON r.id = e.referral_id
			WHERE e.ip = $1 AND r.subject_id IS NOT NULL LIMIT $2`, n.Value, weakScan)
	} else {
		rows, err = l.query(`SELECT r.subject_id, i.referral_id FROM identifiers i JOIN referrals r`+l.bySubjectIndex()+` ON r.id = i.referral_id
			WHERE i.blind_index = $1 AND i.kind = $2 AND r.subject_id IS NOT NULL LIMIT $3`,
			blindIndexOf(l.sealer, n), n.Kind, weakScan)
	}
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var subj, ref int64
		if err := rows.Scan(&subj, &ref); err != nil {
			rows.Close()
			return nil, translate(err)
		}
		out = addCarrier(out, subj, ref)
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}
	return l.weakOverlay(n, out)
}

// addCarrier counts a referral of subject carrying a value in out.
func addCarrier(out []carrier, subject, ref int64) []carrier {
	if i := slices.IndexFunc(out, func(c carrier) bool { return c.subject == subject }); i >= 0 {
		out[i].count++
		return out
	}
	return append(out, carrier{subject: subject, first: ref, count: 1})
}

// weakOverlay adds to the stored carriers of a weak value the referrals
// linked in this pass (some not written yet), and returns them, or
// nothing when more than weakCap subjects carry it (remembered as
// common).
func (l *linker) weakOverlay(n linking.Norm, out []carrier) ([]carrier, error) {
	for _, c := range l.weak[n.Key()] {
		out = addCarrier(out, l.resolve(c.subject), c.first)
	}
	if len(out) > weakCap {
		l.svc.setCommon(n.Key())
		return nil, nil
	}
	return out, nil
}

// prefetchWeakIPs reads, in a few queries, which subjects' referrals
// carry each address the batch's referrals offer as a weak match (those
// not known to be common), as prefetch does for strong keys. Subjects
// linked in the pass are added by weakOverlay.
func (l *linker) prefetchWeakIPs(ips []string) error {
	l.weakIPs = map[string][]carrier{}
	var todo []string
	for _, ip := range ips {
		if _, ok := l.weakIPs[ip]; !ok && !l.svc.isCommon(linking.KindIP+"\x00"+ip) {
			l.weakIPs[ip] = nil
			todo = append(todo, ip)
		}
	}
	for len(todo) > 0 {
		chunk := todo[:min(len(todo), prefetchChunk)]
		todo = todo[len(chunk):]
		args := make([]any, len(chunk))
		marks := make([]string, len(chunk))
		for i, ip := range chunk {
			args[i], marks[i] = ip, "$"+strconv.Itoa(i+1)
		}
		rows, err := l.query(`SELECT e.ip, r.subject_id, MIN(e.referral_id) FROM ip_events e JOIN referrals r`+l.bySubjectIndex()+` ON r.id = e.referral_id
			WHERE e.ip IN (`+strings.Join(marks, ",")+`) AND r.subject_id IS NOT NULL GROUP BY e.ip, r.subject_id`, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var ip string
			var c carrier
			if err := rows.Scan(&ip, &c.subject, &c.first); err != nil {
				rows.Close()
				return translate(err)
			}
			l.weakIPs[ip] = append(l.weakIPs[ip], c)
		}
		if err := closeRows(rows); err != nil {
			return err
		}
	}
	return nil
}

// linkCols are the values of a subject_links row in linker.links.
const linkCols = 4

// moveRows is how many referrals one UPDATE of flushLinks moves.
const moveRows = 500

// flushLinks writes the links and subject_id updates of the referrals
// linked since the last flush: the links in multi-row INSERTs, the
// updates on PostgreSQL in UPDATE … FROM (VALUES …) statements, rather
// than two round trips a referral.
func (l *linker) flushLinks() error {
	if len(l.links) == 0 {
		return nil
	}
	err := insertMany(l.tx, l.ps, `INSERT INTO subject_links (subject_id, referral_id, evidence, created_at) VALUES `, linkCols, "", l.links,
		func(*sql.Rows) error { return nil })
	if err != nil {
		return err
	}
	if l.tx.db.dialect == SQLite {
		// In process there is no round trip to save, and SQLite may plan
		// UPDATE … FROM as a scan of referrals.
		for i := 0; i < len(l.moves); i += 2 {
			if err := l.exec(`UPDATE referrals SET subject_id = $1 WHERE id = $2`, l.moves[i+1], l.moves[i]); err != nil {
				return err
			}
		}
		l.moves = l.moves[:0]
	}
	for moves := l.moves; len(moves) > 0; {
		n := min(len(moves)/2, moveRows)
		var b strings.Builder
		b.WriteString(`UPDATE referrals SET subject_id = v.s FROM (SELECT column1 AS r, column2 AS s FROM (VALUES `)
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "(CAST($%d AS BIGINT), CAST($%d AS BIGINT))", 2*i+1, 2*i+2)
		}
		b.WriteString(`) AS t) AS v WHERE referrals.id = v.r`)
		if err := l.exec(b.String(), moves[:2*n]...); err != nil {
			return err
		}
		moves = moves[2*n:]
	}
	l.links, l.moves = l.links[:0], l.moves[:0]
	return nil
}

// strongLink is a strong identifier the referral shares with a subject.
type strongLink struct {
	norm linking.Norm
	c    carrier
}

// link links one referral: to the oldest subject sharing a strong
// identifier with it (merging the others in where it may), or to a new
// subject; then offers its weak matches as possible links.
func (l *linker) link(p *pendingRef, sum *safeguard.LinkSummary) error {
	refID := p.ref.ID
	bySubject := map[int64][]strongLink{}
	var subjects []int64
	seen := map[string]bool{}
	for _, n := range p.norms {
		if !n.Strong() || seen[n.Key()] {
			continue
		}
		seen[n.Key()] = true
		cs, err := l.strongCarriers(n)
		if err != nil {
			return err
		}
		for _, c := range cs {
			if _, ok := bySubject[c.subject]; !ok {
				subjects = append(subjects, c.subject)
			}
			bySubject[c.subject] = append(bySubject[c.subject], strongLink{n, c})
		}
	}
	slices.Sort(subjects)
	var parts []string
	var target *linkSubject
	var err error
	if len(subjects) == 0 {
		if target, err = l.newSubject(&p.ref, sum, &parts); err != nil {
			return err
		}
		parts = append([]string{"first referral of a new subject: no other subject's referrals share a strong identifier"}, parts...)
	} else {
		if target, err = l.subject(subjects[0]); err != nil {
			return err
		}
		for _, sl := range bySubject[target.id] {
			parts = append(parts, words(sl, target.ref, refID))
		}
		for _, other := range subjects[1:] {
			o, err := l.subject(other)
			if err != nil {
				return err
			}
			why, err := l.keptApart(target, o)
			if err != nil {
				return err
			}
			for _, sl := range bySubject[other] {
				if why == "" {
					parts = append(parts, "also "+words(sl, o.ref, refID)+": "+o.ref+" merged into "+target.ref)
					continue
				}
				parts = append(parts, "also "+words(sl, o.ref, refID)+": not merged ("+why+"); an analyst must decide")
				added, err := l.possible(target.id, o.id, safeguard.PossibleLinkBridge, blindIndexOf(l.sealer, sl.norm), sl.norm.Masked(),
					"a strong identifier joins subjects that "+why, []int64{sl.c.first, refID})
				if err != nil {
					return err
				}
				if added {
					sum.Possible++
				}
			}
			if why == "" {
				reason := fmt.Sprintf("referral %d shares a strong identifier with both", refID)
				if err := l.flushLinks(); err != nil { // a merge moves what is stored
					return err
				}
				if err := l.merge(target, o, reason); err != nil {
					return err
				}
				sum.Merged++
			}
		}
		if err := l.place(target, &p.ref, &parts); err != nil {
			return err
		}
	}
	// Weak matches: possible links, never links.
	for _, n := range p.norms {
		if n.Strong() || seen[n.Key()] {
			continue
		}
		seen[n.Key()] = true
		cs, err := l.weakCarriers(n)
		if err != nil {
			return err
		}
		for _, c := range cs {
			if c.subject == target.id {
				continue
			}
			added, err := l.possible(target.id, c.subject, n.Kind, blindIndexOf(l.sealer, n), n.Masked(), n.WeakReason(), []int64{c.first, refID})
			if err != nil {
				return err
			}
			if added {
				sum.Possible++
				o, err := l.subject(c.subject)
				if err != nil {
					return err
				}
				parts = append(parts, fmt.Sprintf("possible link to %s by %s %s in referrals %d and %d (%s): an analyst must confirm or reject it",
					o.ref, linking.KindWords(n.Kind), n.Masked(), c.first, refID, n.WeakReason()))
			}
		}
	}
	l.links = append(l.links, target.id, refID, strings.Join(parts, "; "), l.tx.now)
	l.moves = append(l.moves, refID, target.id)
	for _, n := range p.norms {
		if n.Strong() {
			l.carried(n, target.id, refID)
		} else {
			if l.weak == nil {
				l.weak = map[string][]carrier{}
			}
			l.weak[n.Key()] = append(l.weak[n.Key()], carrier{subject: target.id, first: refID, count: 1})
		}
	}
	l.touched = append(l.touched, target.id)
	sum.Linked++
	return nil
}

// words is a strong link's evidence: "linked to SG-… by e-mail
// a…@example.com in referrals 12 and 40".
func words(sl strongLink, ref string, refID int64) string {
	return linking.Link{Kind: sl.norm.Kind, Masked: sl.norm.Masked(), Referrals: []int64{sl.c.first, refID}, More: sl.c.count - 1}.Words(ref)
}

// linkSubject is what linking needs of a subject.
type linkSubject struct {
	id         int64
	ref, force string
	hasAddress bool
	mergedInto sql.NullInt64
}

func (l *linker) subject(id int64) (*linkSubject, error) {
	if s, ok := l.subjects[id]; ok {
		return s, nil
	}
	if err := l.loadSubjects([]int64{id}); err != nil {
		return nil, err
	}
	s, ok := l.subjects[id]
	if !ok {
		return nil, errNoSubject()
	}
	return s, nil
}

// loadSubjects reads into l.subjects what linking needs of the subjects
// not there yet, a query for up to prefetchChunk of them.
func (l *linker) loadSubjects(ids []int64) error {
	var todo []int64
	seen := make(map[int64]bool, len(ids))
	for _, id := range ids {
		if _, ok := l.subjects[id]; !ok && !seen[id] {
			seen[id] = true
			todo = append(todo, id)
		}
	}
	for len(todo) > 0 {
		chunk := todo[:min(len(todo), prefetchChunk)]
		todo = todo[len(chunk):]
		rows, err := l.tx.query(`SELECT id, ref, COALESCE(force_code, ''), address_enc IS NOT NULL, merged_into FROM subjects WHERE id IN (` + inList(chunk) + `)`)
		if err != nil {
			return err
		}
		for rows.Next() {
			s := &linkSubject{}
			if err := rows.Scan(&s.id, &s.ref, &s.force, &s.hasAddress, &s.mergedInto); err != nil {
				rows.Close()
				return translate(err)
			}
			l.subjects[s.id] = s
		}
		if err := closeRows(rows); err != nil {
			return err
		}
	}
	return nil
}

// newSubject stores a subject for the referral, named from its name and
// placed by its installation address.
func (l *linker) newSubject(ref *safeguard.Referral, sum *safeguard.LinkSummary, parts *[]string) (*linkSubject, error) {
	subj := &safeguard.Subject{}
	for _, id := range ref.Identifiers {
		switch {
		case id.Kind == safeguard.IdentName && subj.Name == "":
			subj.Name = strings.TrimSpace(id.Value)
		case id.Kind == safeguard.IdentAddress && subj.Address == "":
			subj.Address = strings.TrimSpace(id.Value)
		}
	}
	if subj.Address != "" {
		a, err := l.assign(subj.Address)
		if err != nil {
			return nil, err
		}
		subj.ForceCode = a.ForceCode
		*parts = append(*parts, a.Reason)
	}
	if err := createSubject(l.tx, subj); err != nil {
		return nil, err
	}
	sum.Created++
	ls := &linkSubject{id: subj.ID, ref: subj.Ref, force: subj.ForceCode, hasAddress: subj.Address != ""}
	l.subjects[ls.id] = ls
	return ls, nil
}

// place gives a subject without an address or force the referral's
// installation address and the force covering it. A subject that has
// either keeps them: moving an allocated case is an analyst's decision.
func (l *linker) place(s *linkSubject, ref *safeguard.Referral, parts *[]string) error {
	if s.hasAddress || s.force != "" {
		return nil
	}
	for _, ident := range ref.Identifiers {
		if ident.Kind != safeguard.IdentAddress {
			continue
		}
		addr := strings.TrimSpace(ident.Value)
		a, err := l.assign(addr)
		if err != nil {
			return err
		}
		enc, err := l.tx.sealString(addr, ctxSubjectAddress)
		if err != nil {
			return err
		}
		if err := l.exec(`UPDATE subjects SET address_enc = $1, force_code = $2, updated_at = $3 WHERE id = $4`,
			enc, nullString(a.ForceCode), l.tx.now, s.id); err != nil {
			return err
		}
		s.hasAddress, s.force = true, a.ForceCode
		*parts = append(*parts, a.Reason)
		return l.tx.audit("subject.update", "subject", id(s.id), "address force="+a.ForceCode+" (from a linked referral)")
	}
	return nil
}

func (l *linker) assign(addr string) (linking.Assignment, error) {
	if l.areas == nil {
		rows, err := l.tx.query(`SELECT ` + forceColumns + ` FROM forces ORDER BY code`)
		if err != nil {
			return linking.Assignment{}, err
		}
		var forces []*safeguard.Force
		for rows.Next() {
			f, err := scanForce(rows)
			if err != nil {
				rows.Close()
				return linking.Assignment{}, err
			}
			forces = append(forces, f)
		}
		if err := closeRows(rows); err != nil {
			return linking.Assignment{}, err
		}
		l.areas = linking.NewAreas(forces)
	}
	return l.areas.Assign(addr), nil
}

// keptApart says why linking may not merge two subjects by itself (""
// when it may): an analyst rejected a link between them (or split them),
// or they are allocated to different forces.
func (l *linker) keptApart(a, b *linkSubject) (string, error) {
	lo, hi := min(a.id, b.id), max(a.id, b.id)
	members, err := int64s(l.tx, `SELECT id FROM subjects WHERE id IN ($1, $2) OR merged_into IN ($1, $2)`, lo, hi)
	if err != nil {
		return "", err
	}
	in := inList(members)
	var n int
	if err := l.tx.queryRow(`SELECT COUNT(*) FROM possible_links p
		JOIN subjects s1 ON s1.id = p.subject_id JOIN subjects s2 ON s2.id = p.other_id
		WHERE p.status = $1 AND p.subject_id IN (`+in+`) AND p.other_id IN (`+in+`)
		AND COALESCE(s1.merged_into, s1.id) <> COALESCE(s2.merged_into, s2.id)`,
		[]any{safeguard.LinkRejected}, &n); err != nil {
		return "", err
	}
	switch {
	case n > 0:
		return "an analyst kept them apart", nil
	case a.force != "" && b.force != "" && a.force != b.force:
		return "they are allocated to different forces (" + a.force + ", " + b.force + ")", nil
	}
	return "", nil
}

// possible records a possible link between two subjects unless the same
// one (kind and value, the subjects resolved through merges) was rejected
// or is recorded already. It reports whether it added one.
func (l *linker) possible(a, b int64, kind string, key []byte, masked, reason string, refs []int64) (bool, error) {
	if a == b {
		return false, nil
	}
	lo, hi := min(a, b), max(a, b)
	rows, err := l.query(`SELECT 1 FROM possible_links p
		JOIN subjects s1 ON s1.id = p.subject_id JOIN subjects s2 ON s2.id = p.other_id
		WHERE p.key_hash = $1 AND p.kind = $2 AND p.status <> $3
		AND ((COALESCE(s1.merged_into, s1.id) = $4 AND COALESCE(s2.merged_into, s2.id) = $5)
		  OR (COALESCE(s1.merged_into, s1.id) = $5 AND COALESCE(s2.merged_into, s2.id) = $4)) LIMIT 1`,
		key, kind, safeguard.LinkConfirmed, lo, hi)
	if err != nil {
		return false, err
	}
	known := rows.Next()
	if err := closeRows(rows); err != nil || known {
		return false, err
	}
	rows, err = l.query(`INSERT INTO possible_links (subject_id, other_id, kind, key_hash, masked, reason, referrals, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (subject_id, other_id, kind, key_hash) DO NOTHING RETURNING id`,
		lo, hi, kind, key, masked, reason, joinIDs(refs), l.tx.now)
	if err != nil {
		return false, err
	}
	added := rows.Next()
	return added, closeRows(rows)
}

// splitKey is the key_hash of the rejected link a split records.
var splitKey = func() []byte { h := sha256.Sum256([]byte("split")); return h[:] }()

// int64s runs a query returning one integer column.
func int64s(tx *Tx, q string, args ...any) ([]int64, error) {
	rows, err := tx.query(q, args...)
	if err != nil {
		return nil, err
	}
	var out []int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return nil, translate(err)
		}
		out = append(out, v)
	}
	return out, closeRows(rows)
}

func closeRows(rows *sql.Rows) error {
	if err := rows.Err(); err != nil {
		rows.Close()
		return translate(err)
	}
	return translate(rows.Close())
}

// inList writes ids for an IN (…) list; they are integers, so nothing
// can be injected.
func inList(ids []int64) string {
	if len(ids) == 0 {
		return "NULL"
	}
	var b strings.Builder
	for i, v := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(v, 10))
	}
	return b.String()
}

// joinIDs writes ids as "12,40".
func joinIDs(ids []int64) string { return inList(ids) }

// splitIDs reads what joinIDs wrote.
func splitIDs(s string) []int64 {
	var out []int64
	for _, f := range strings.Split(s, ",") {
		if v, err := strconv.ParseInt(strings.TrimSpace(f), 10, 64); err == nil {
			out = append(out, v)
		}
	}
	return out
}
