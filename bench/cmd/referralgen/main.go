// Command referralgen writes synthetic referrals as JSON lines for the
// ingest benchmark: every value is fictional (example.com e-mails, phone
// numbers from Ofcom's drama range, documentation and CGNAT addresses).
//
//	referralgen [-n 1000000] [-people N] [-seed 1] [-leases F] > referrals.jsonl
//
// Each referral has about three identifiers and two IP events. Referrals
// are drawn from a pool of fictional people (by default one for every four
// referrals, a few of them far more active than the rest), so identifiers
// repeat across referrals the way linking needs. One IP event in twenty
// gives its time without an offset, and CGNAT addresses mostly come with a
// port (one in eight without).
//
// With -leases F it also writes an ISP response CSV (the format of
// `safeguard attribution import --kind isp`) covering most of the
// addresses the referrals use, so attribution has real work: each
// person's IPv6 /64 for the whole year (one person in ten has none, so
// their events stay unresolved); each home IPv4 address leased to a new
// subscriber every 30 days (the last address of each range never: no
// lease); each CGNAT /24 in four port blocks (one /24 in eight has none).
// Events without an offset, or at a CGNAT address without a port, stay
// ambiguous whatever the leases say.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"time"
)

func main() {
	n := flag.Int("n", 1_000_000, "referrals to write")
	people := flag.Int("people", 0, "size of the pool of fictional people (default n/4)")
	seed := flag.Uint64("seed", 1, "random seed; the same seed writes the same file")
	leases := flag.String("leases", "", "also write a synthetic ISP lease CSV covering most of the referrals' addresses to this file")
	flag.Parse()
	if *n < 0 {
		fmt.Fprintln(os.Stderr, "referralgen: -n must not be negative")
		os.Exit(2)
	}
	if *people <= 0 {
		*people = max(*n/4, 1)
	}
	if *leases != "" {
		if err := writeLeases(*leases, *people); err != nil {
			fmt.Fprintln(os.Stderr, "referralgen:", err)
			os.Exit(1)
		}
	}
	w := bufio.NewWriterSize(os.Stdout, 1<<20)
	g := &gen{r: rand.New(rand.NewPCG(*seed, 0x5afe)), people: *people}
	buf := make([]byte, 0, 1024)
	for i := range *n {
		buf = g.referral(buf[:0], i)
		if _, err := w.Write(buf); err != nil {
			fmt.Fprintln(os.Stderr, "referralgen:", err)
			os.Exit(1)
		}
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "referralgen:", err)
		os.Exit(1)
	}
}

type gen struct {
	r      *rand.Rand
	people int
}

var (
	base      = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	platforms = []string{"p2p.example", "chat.example", "photos.example", "forum.example"}
	offsets   = []string{"Z", "+00:00", "+01:00", "-05:00"}
	nets      = [3]string{"192.0.2", "198.51.100", "203.0.113"}
)

// The leases span the year the events fall in (300 days from base), with
// a day to spare on each side.
var (
	leaseFrom = base.Add(-24 * time.Hour)
	leaseTo   = base.Add(301 * 24 * time.Hour)
)

// writeLeases writes the synthetic ISP response CSV for a pool of people
// (see the package comment).
func writeLeases(path string, people int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, "ip,port_start,port_end,start,end,subscriber_id,name,install_address,billing_address")
	row := func(ip, ports string, from, to time.Time, sub string, n int) {
		fmt.Fprintf(w, "%s,%s,%s,%s,%s,Subscriber %s,\"%d Example Road, Testtown\",\"PO Box %d, Billingtown\"\n",
			ip, ports, from.Format(time.RFC3339), to.Format(time.RFC3339), sub, sub, n%997+1, n%499+1)
	}
	for p := range people {
		if p%10 != 0 {
			row(fmt.Sprintf("2001:db8:%x:%x::/64", p%65536, (p/65536)%65536), ",", leaseFrom, leaseTo, fmt.Sprintf("SUB6-%d", p), p)
		}
	}
	for i := range 3 * 253 { // host 254 of each range is never leased
		net, host := nets[i%3], 1+i/3
		for from, k := leaseFrom, 0; from.Before(leaseTo); from, k = from.Add(30*24*time.Hour), k+1 {
			to := from.Add(30*24*time.Hour - time.Second)
			if to.After(leaseTo) {
				to = leaseTo
			}
			row(fmt.Sprintf("%s.%d", net, host), ",", from, to, fmt.Sprintf("SUB4-%d-%d", i, k), i*16+k)
		}
	}
	for k := range min(people, 64*256) {
		if k%8 == 7 {
			continue
		}
		prefix := fmt.Sprintf("100.%d.%d.0/24", 64+k%64, (k/64)%256)
		for b := range 4 {
			lo := 1024 + b*15000
			row(prefix, fmt.Sprintf("%d,%d", lo, lo+14999), leaseFrom, leaseTo, fmt.Sprintf("SUBC-%d-%d", k, b), k*4+b)
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// person picks someone from the pool: half the referrals come from the
// busiest tenth of it, so some people have many referrals and most few.
func (g *gen) person() int {
	if g.r.IntN(2) == 0 {
		return g.r.IntN(max(g.people/10, 1))
	}
	return g.r.IntN(g.people)
}

func (g *gen) referral(b []byte, i int) []byte {
	p := g.person()
	source, prefix := "p2p", "P2P-"
	if i%3 == 2 {
		source, prefix = "hotline", "HL-"
	}
	platform := platforms[p%len(platforms)]
	b = append(b, `{"source":"`...)
	b = append(b, source...)
	b = append(b, `","source_ref":"`...)
	b = append(b, prefix...)
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, `","platform":"`...)
	b = append(b, platform...)
	b = append(b, `","incident_type":"distribution","identifiers":[`...)
	// Three of the person's identifiers; sometimes one belongs to someone
	// else (a shared device, a reused username), so links also cross.
	kinds := g.r.Perm(5)[:3]
	for j, k := range kinds {
		if j > 0 {
			b = append(b, ',')
		}
		who := p
		if g.r.IntN(50) == 0 {
			who = g.r.IntN(g.people)
		}
		b = identifier(b, k, who, platform)
	}
	b = append(b, `],"ip_events":[`...)
	for j := range 2 {
		if j > 0 {
			b = append(b, ',')
		}
		b = g.ipEvent(b, p)
	}
	b = append(b, "]}\n"...)
	return b
}

func identifier(b []byte, kind, p int, platform string) []byte {
	n := strconv.Itoa(p)
	switch kind {
	case 0:
		return append(b, `{"kind":"email","value":"person`+n+`@example.com"}`...)
	case 1:
		// 07700 900000-900999 is Ofcom's range for drama; spread the
		// rest over fictional +44 7700 numbers.
		return append(b, fmt.Sprintf(`{"kind":"phone","value":"+447700%06d"}`, 900000+p%1000000)...)
	case 2:
		return append(b, `{"kind":"username","value":"user`+n+`@`+platform+`"}`...)
	case 3:
		return append(b, `{"kind":"account_id","value":"acct-`+n+`"}`...)
	default:
		return append(b, `{"kind":"device_id","value":"dev-`+n+`"}`...)
	}
}

// ipEvent is from the person's home address most of the time, from a CGNAT
// address with a port now and then.
func (g *gen) ipEvent(b []byte, p int) []byte {
	at := base.Add(time.Duration(g.r.Int64N(300*24*3600)) * time.Second)
	var ip string
	var port int
	switch g.r.IntN(10) {
	case 0, 1:
		ip = fmt.Sprintf("100.%d.%d.%d", 64+p%64, (p/64)%256, g.r.IntN(254)+1)
		if g.r.IntN(8) != 0 {
			port = 1024 + g.r.IntN(60000)
		}
	case 2:
		ip = fmt.Sprintf("2001:db8:%x:%x::1", p%65536, (p/65536)%65536)
	default:
		ip = fmt.Sprintf("%s.%d", nets[p%3], 1+(p/3)%254)
	}
	b = append(b, `{"ip":"`...)
	b = append(b, ip...)
	b = append(b, '"')
	if port > 0 {
		b = append(b, `,"port":`...)
		b = strconv.AppendInt(b, int64(port), 10)
	}
	if g.r.IntN(20) == 0 {
		// No offset: kept as text only, never taken as UTC.
		b = append(b, `,"time_text":"`...)
		b = at.AppendFormat(b, "2006-01-02 15:04:05")
		return append(b, `","has_offset":false}`...)
	}
	off := offsets[g.r.IntN(len(offsets))]
	loc := time.UTC
	if off != "Z" && off != "+00:00" {
		d, _ := time.ParseDuration(off[:3] + "h")
		loc = time.FixedZone(off, int(d.Seconds()))
	}
	text := at.In(loc).Format("2006-01-02T15:04:05") + off
	b = append(b, `,"time_text":"`...)
	b = append(b, text...)
	b = append(b, `","at":"`...)
	b = at.AppendFormat(b, time.RFC3339)
	return append(b, `","has_offset":true}`...)
}
