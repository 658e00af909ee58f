package linking_test

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"

	"safeguard"
	"safeguard/linking"
)

// benchReferrals makes n referrals of about three strong identifiers each
// (plus a name and an IP address), drawn from n/3 people, some of whom
// share a phone, so that links and bridges form.
func benchReferrals(n int) []*safeguard.Referral {
	r := rand.New(rand.NewPCG(3, 4))
	people := n / 3
	refs := make([]*safeguard.Referral, n)
	for i := range refs {
		p := r.IntN(people)
		phone := p
		if r.IntN(20) == 0 {
			phone = r.IntN(people) // a shared phone bridges two people
		}
		ids := []safeguard.Identifier{
			{Kind: safeguard.IdentEmail, Value: fmt.Sprintf("Person%d@Example.com", p)},
			{Kind: safeguard.IdentPhone, Value: fmt.Sprintf("+44 7700 9%05d", phone%100000)},
			{Kind: safeguard.IdentUsername, Value: fmt.Sprintf("user%d@chat", p+r.IntN(2)*people)},
			{Kind: safeguard.IdentName, Value: fmt.Sprintf("Person %d", p%500)},
		}
		r.Shuffle(3, func(a, b int) { ids[a], ids[b] = ids[b], ids[a] })
		ids = append(ids[:2+r.IntN(2)], ids[3])
		refs[i] = &safeguard.Referral{ID: int64(i + 1), Identifiers: ids, IPEvents: []safeguard.IPEvent{
			{IP: netip.AddrFrom4([4]byte{203, 0, 113, byte(r.IntN(256))})}}}
	}
	return refs
}

func BenchmarkLinker_Add100k(b *testing.B) {
	refs := benchReferrals(100_000)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		l := linking.NewLinker()
		for _, r := range refs {
			l.Add(r)
		}
	}
	b.ReportMetric(float64(len(refs)*b.N)/b.Elapsed().Seconds(), "referrals/s")
}
