// Command referralgen writes synthetic referrals as JSON lines for the
// ingest benchmark: every value is fictional (example.com e-mails, phone
// numbers from Ofcom's drama range, documentation and CGNAT addresses).
//
//	referralgen [-n 1000000] [-people N] [-seed 1] > referrals.jsonl
//
// Each referral has about three identifiers and two IP events. Referrals
// are drawn from a pool of fictional people (by default one for every four
// referrals, a few of them far more active than the rest), so identifiers
// repeat across referrals the way linking needs. One IP event in twenty
// gives its time without an offset, and CGNAT addresses come with a port.
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
	flag.Parse()
	if *n < 0 {
		fmt.Fprintln(os.Stderr, "referralgen: -n must not be negative")
		os.Exit(2)
	}
	if *people <= 0 {
		*people = max(*n/4, 1)
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
)

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
		ip, port = fmt.Sprintf("100.%d.%d.%d", 64+p%64, (p/64)%256, g.r.IntN(254)+1), 1024+g.r.IntN(60000)
	case 2:
		ip = fmt.Sprintf("2001:db8:%x:%x::1", p%65536, (p/65536)%65536)
	default:
		nets := [3]string{"192.0.2", "198.51.100", "203.0.113"}
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
