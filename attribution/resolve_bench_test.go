package attribution

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"safeguard"
)

// benchLeases makes n fictional leases: IPv4 addresses in 198.51.100.0/24
// and 203.0.113.0/24 passed from subscriber to subscriber every 6 hours,
// CGNAT port blocks of 2000 ports held for a day, and IPv6 /56 delegations
// in 2001:db8::/32 held for a week, from March 2026.
func benchLeases(n int) []Lease {
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	ls := make([]Lease, 0, n)
	for i := 0; len(ls) < n; i++ {
		k := i / 3
		var l Lease
		span := func(slot int, d time.Duration) {
			l.Start = base.Add(time.Duration(slot) * d)
			l.End = l.Start.Add(d - time.Second)
		}
		switch i % 3 {
		case 0:
			a := k % 512
			l.Prefix = netip.PrefixFrom(netip.AddrFrom4([4]byte{198, 51, 100, byte(a)}), 32)
			if a >= 256 {
				l.Prefix = netip.PrefixFrom(netip.AddrFrom4([4]byte{203, 0, 113, byte(a)}), 32)
			}
			span(k/512, 6*time.Hour)
		case 1:
			block, a := k%32, k/32%1024
			l.Prefix = netip.PrefixFrom(netip.AddrFrom4([4]byte{100, 64, byte(a / 256), byte(a)}), 32)
			l.HasPorts, l.PortStart, l.PortEnd = true, 1024+block*2000, 1024+block*2000+1999
			span(k/32/1024, 24*time.Hour)
		default:
			a := k % 4096
			b := [16]byte{0x20, 0x01, 0x0d, 0xb8, 0, byte(a >> 8), byte(a)}
			l.Prefix = netip.PrefixFrom(netip.AddrFrom16(b), 56)
			span(k/4096, 7*24*time.Hour)
		}
		l.Subscriber = Subscriber{ID: fmt.Sprintf("SUB-%d", i), InstallAddress: fmt.Sprintf("%d Bench Road, Exampletown", i)}
		ls = append(ls, l)
	}
	return ls
}

func BenchmarkResolve(b *testing.B) {
	leases := benchLeases(100_000)
	ix := NewIndex(leases)
	rv := NewResolver(ix, Options{})
	rng := rand.New(rand.NewPCG(1, 2))
	events := make([]Event, 4096)
	for i := range events {
		l := leases[rng.IntN(len(leases))]
		margin := 2 * DefaultSkew
		at := l.Start.Add(margin + time.Duration(rng.Int64N(int64(l.End.Sub(l.Start)-2*margin))))
		addr := l.Prefix.Addr()
		if l.Prefix.Bits() == 56 {
			b := addr.As16()
			b[15] = 9
			addr = netip.AddrFrom16(b)
		}
		ev := Event{IPEvent: safeguard.IPEvent{IP: addr, TimeText: at.Format(time.RFC3339), At: &at, HasOffset: true}}
		if l.HasPorts {
			p := l.PortStart + 7
			ev.Port = &p
		}
		events[i] = ev
	}
	confirmed := 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := rv.Resolve(events[i%len(events)])
		if err != nil {
			b.Fatal(err)
		}
		if r.Status == safeguard.AttrConfirmed {
			confirmed++
		}
	}
	b.StopTimer()
	if confirmed != b.N {
		b.Fatalf("only %d of %d confirmed", confirmed, b.N)
	}
}

func BenchmarkNewIndex(b *testing.B) {
	leases := benchLeases(100_000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		NewIndex(leases)
	}
}

func TestIndexOverlappingAndLongest(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	mk := func(p string, from, to int, id string) Lease {
		return Lease{Prefix: netip.MustParsePrefix(p), Start: t0.Add(time.Duration(from) * time.Hour), End: t0.Add(time.Duration(to) * time.Hour), Subscriber: Subscriber{ID: id}}
	}
	ix := NewIndex([]Lease{
		mk("2001:db8::/32", 0, 100, "ISP-BLOCK"),
		mk("2001:db8:1::/48", 0, 100, "BUSINESS"),
		mk("2001:db8:1:100::/56", 10, 20, "HOME-1"),
		mk("2001:db8:1:100::/56", 20, 30, "HOME-2"),
		mk("192.0.2.1/32", 0, 5, "V4"),
	})
	a := netip.MustParseAddr("2001:db8:1:1ff::9")
	at := t0.Add(15 * time.Hour)
	var ids []string
	for _, l := range ix.Overlapping(a, at, at) {
		ids = append(ids, l.Subscriber.ID)
	}
	if fmt.Sprint(ids) != "[HOME-1 BUSINESS ISP-BLOCK]" {
		t.Errorf("Overlapping = %v", ids)
	}
	if got := ix.Longest(a, at, at); len(got) != 1 || got[0].Subscriber.ID != "HOME-1" {
		t.Errorf("Longest = %v", got)
	}
	if got := ix.Longest(a, t0.Add(50*time.Hour), t0.Add(50*time.Hour)); len(got) != 1 || got[0].Subscriber.ID != "BUSINESS" {
		t.Errorf("Longest after the /56 leases = %v", got)
	}
	if got := ix.Overlapping(a, t0.Add(19*time.Hour), t0.Add(21*time.Hour)); len(got) != 4 {
		t.Errorf("Overlapping over the renewal = %d leases, want 4", len(got))
	}
	if got := ix.Overlapping(netip.MustParseAddr("::ffff:192.0.2.1"), t0, t0); len(got) != 1 {
		t.Errorf("IPv4-mapped lookup = %v", got)
	}
	if got := ix.Overlapping(netip.MustParseAddr("192.0.2.1"), t0.Add(6*time.Hour), t0.Add(7*time.Hour)); len(got) != 0 {
		t.Errorf("after the lease = %v", got)
	}
}
