package attribution

import (
	"net/netip"
	"slices"
	"time"
)

// Lease is one allocation of an address, a prefix or a port block on an
// address to a subscriber over a time interval, as an ISP reported it.
type Lease struct {
	Prefix    netip.Prefix // a single address is a /32 or /128 prefix
	HasPorts  bool         // the lease is a port block on a shared address
	PortStart int
	PortEnd   int
	Start     time.Time // inclusive
	End       time.Time // inclusive
	Shared    bool      // the ISP marks the range as shared (CGNAT)

	// OpenStart and OpenEnd mark the part of a RADIUS session that its
	// records do not show, when its Start or Stop is not in the log: from
	// the log's first time to the session's first record, or from its
	// last record to the log's last time. An event there is ambiguous.
	OpenStart bool
	OpenEnd   bool

	// ClockWarning, when set, says why the file's times look like a
	// 12-hour clock without AM/PM even though each one has an offset.
	ClockWarning string

	Subscriber Subscriber
	Source     string // file:line where the lease was read
}

// Subscriber is the ISP's customer behind a lease. The installation address
// is where the service is delivered, the only address used for force
// assignment; the billing address is kept apart and never substituted.
type Subscriber struct {
	ID             string `json:"subscriber_id"`
	Name           string `json:"name,omitempty"`
	InstallAddress string `json:"installation_address,omitempty"`
	BillingAddress string `json:"billing_address,omitempty"`
	CallingStation string `json:"calling_station_id,omitempty"`
}

// ForceAssignmentAddress returns the address to assign a force by: the
// installation address, or "" when the ISP gave none. It never returns the
// billing address.
func (s Subscriber) ForceAssignmentAddress() string { return s.InstallAddress }

// coversPort reports whether the lease covers port; a lease without a port
// block covers every port.
func (l *Lease) coversPort(port int) bool {
	return !l.HasPorts || (port >= l.PortStart && port <= l.PortEnd)
}

// overlaps reports whether the lease's interval meets [from, to].
func (l *Lease) overlaps(from, to time.Time) bool {
	return !l.Start.After(to) && !l.End.Before(from)
}

// Index holds leases by prefix, each prefix's leases sorted by start time,
// so that finding the leases of an address over an interval costs one map
// lookup per distinct prefix length and a binary search.
type Index struct {
	v4, v6  []int // prefix lengths present, longest first
	buckets map[netip.Prefix]*bucket
	shared  prefixSet
	n       int
}

type bucket struct {
	leases []Lease
	starts []int64 // leases[i].Start in Unix nanoseconds, for the search
	maxEnd []int64 // the latest End among leases[:i+1], Unix nanoseconds
}

// NewIndex builds an index over leases. The slice is not retained.
func NewIndex(leases []Lease) *Index {
	ix := &Index{buckets: map[netip.Prefix]*bucket{}, n: len(leases)}
	seen := map[int]bool{}
	for _, l := range leases {
		l.Prefix = l.Prefix.Masked()
		b := ix.buckets[l.Prefix]
		if b == nil {
			b = &bucket{}
			ix.buckets[l.Prefix] = b
			key := l.Prefix.Bits()
			if l.Prefix.Addr().Is6() {
				key += 1000
			}
			if !seen[key] {
				seen[key] = true
				if l.Prefix.Addr().Is6() {
					ix.v6 = append(ix.v6, l.Prefix.Bits())
				} else {
					ix.v4 = append(ix.v4, l.Prefix.Bits())
				}
			}
		}
		b.leases = append(b.leases, l)
		if l.Shared {
			ix.shared.add(l.Prefix)
		}
	}
	desc := func(a, b int) int { return b - a }
	slices.SortFunc(ix.v4, desc)
	slices.SortFunc(ix.v6, desc)
	for _, b := range ix.buckets {
		slices.SortStableFunc(b.leases, func(x, y Lease) int { return x.Start.Compare(y.Start) })
		b.starts = make([]int64, len(b.leases))
		b.maxEnd = make([]int64, len(b.leases))
		var m int64
		for i, l := range b.leases {
			b.starts[i] = l.Start.UnixNano()
			if e := l.End.UnixNano(); i == 0 || e > m {
				m = e
			}
			b.maxEnd[i] = m
		}
	}
	return ix
}

// Len returns the number of leases in the index.
func (ix *Index) Len() int { return ix.n }

// Overlapping returns every lease whose prefix contains addr and whose
// interval meets [from, to], from the longest prefix to the shortest.
func (ix *Index) Overlapping(addr netip.Addr, from, to time.Time) []Lease {
	var out []Lease
	ix.each(addr, func(b *bucket) bool {
		out = b.appendOverlapping(out, from, to)
		return true
	})
	return out
}

// Longest returns the leases of the longest prefix containing addr that has
// any lease meeting [from, to]. Resolution uses Overlapping, so that a
// shorter prefix allocated to someone else at the same time is never hidden.
func (ix *Index) Longest(addr netip.Addr, from, to time.Time) []Lease {
	var out []Lease
	ix.each(addr, func(b *bucket) bool {
		out = b.appendOverlapping(out, from, to)
		return len(out) == 0
	})
	return out
}

// Shared reports whether an ISP marked a range containing addr as shared.
func (ix *Index) Shared(addr netip.Addr) bool { return ix.shared.contains(addr.Unmap()) }

func (ix *Index) each(addr netip.Addr, fn func(*bucket) bool) {
	addr = addr.Unmap()
	lens := ix.v4
	if addr.Is6() {
		lens = ix.v6
	}
	for _, n := range lens {
		p, err := addr.Prefix(n)
		if err != nil {
			continue
		}
		if b := ix.buckets[p]; b != nil && !fn(b) {
			return
		}
	}
}

func (b *bucket) appendOverlapping(out []Lease, from, to time.Time) []Lease {
	start := len(out)
	b.visit(from, to, func(l *Lease) { out = append(out, *l) })
	slices.Reverse(out[start:])
	return out
}

// visit calls fn for each lease meeting [from, to], latest start first.
func (b *bucket) visit(from, to time.Time, fn func(*Lease)) {
	// Leases starting after to cannot meet the interval; walk back from
	// there while some earlier lease may still end at or after from.
	f, t := from.UnixNano(), to.UnixNano()
	i, _ := slices.BinarySearchFunc(b.starts, t, func(s, t int64) int {
		if s > t {
			return 1
		}
		return -1
	})
	for j := i - 1; j >= 0 && b.maxEnd[j] >= f; j-- {
		if !b.leases[j].End.Before(from) {
			fn(&b.leases[j])
		}
	}
}

// visit calls fn for each lease of every prefix containing addr that meets
// [from, to], without copying; fn must not retain the pointer.
func (ix *Index) visit(addr netip.Addr, from, to time.Time, fn func(*Lease)) {
	ix.each(addr, func(b *bucket) bool {
		b.visit(from, to, fn)
		return true
	})
}

// prefixSet is a set of prefixes with containment lookups by length.
type prefixSet struct {
	lens []int // bits, +1000 for IPv6, longest first within each family
	set  map[netip.Prefix]string
}

func (s *prefixSet) add(p netip.Prefix) { s.addLabel(p, "") }

func (s *prefixSet) addLabel(p netip.Prefix, label string) {
	if s.set == nil {
		s.set = map[netip.Prefix]string{}
	}
	p = p.Masked()
	if _, ok := s.set[p]; !ok {
		s.set[p] = label
	}
	k := p.Bits()
	if p.Addr().Is6() {
		k += 1000
	}
	if !slices.Contains(s.lens, k) {
		// Longest first, so that a lookup names the narrowest entry,
		// the same every time.
		s.lens = append(s.lens, k)
		slices.SortFunc(s.lens, func(a, b int) int { return b - a })
	}
}

func (s *prefixSet) contains(a netip.Addr) bool {
	_, _, ok := s.lookup(a)
	return ok
}

func (s *prefixSet) lookup(a netip.Addr) (netip.Prefix, string, bool) {
	a = a.Unmap()
	for _, k := range s.lens {
		bits := k
		if a.Is6() {
			if k < 1000 {
				continue
			}
			bits -= 1000
		} else if k >= 1000 {
			continue
		}
		p, err := a.Prefix(bits)
		if err != nil {
			continue
		}
		if label, ok := s.set[p]; ok {
			return p, label, true
		}
	}
	return netip.Prefix{}, "", false
}
