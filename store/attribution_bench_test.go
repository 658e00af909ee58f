package store_test

import (
	"fmt"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"safeguard"
	"safeguard/store"
)

// BenchmarkAttribution_ImportAndResolve imports an ISP response of
// 100,000 CGNAT port-block leases (synthetic, 100.64.0.0/10) into a
// database holding 1,000 subjects with two events each inside its span,
// which the import then re-resolves. Run with -benchtime=1x; it reports
// leases/s for the whole import and subjects/s for re-resolution alone.
func BenchmarkAttribution_ImportAndResolve(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchImportAndResolve(b, store.SQLite) })
	b.Run("postgres", func(b *testing.B) {
		if os.Getenv("SAFEGUARD_TEST_POSTGRES") == "" {
			b.Skip("SAFEGUARD_TEST_POSTGRES not set")
		}
		benchImportAndResolve(b, store.Postgres)
	})
}

func benchImportAndResolve(b *testing.B, dialect store.Dialect) {
	const nLeases, nSubjects = 100_000, 1_000
	base := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	var sb strings.Builder
	sb.WriteString("ip,port_start,port_end,start,end,subscriber_id,name,install_address,billing_address,shared\n")
	for i := range nLeases {
		addr := netip.AddrFrom4([4]byte{100, 64 + byte(i/(256*32)%64), byte(i / 32 % 256), byte(i % 32)})
		start := base.Add(time.Duration(i%28) * 24 * time.Hour)
		fmt.Fprintf(&sb, "%s,%d,%d,%s,%s,SUB-%06d,Fictional %d,\"%d Example Street, CT1 1AA\",,true\n", addr, 1024, 2047,
			start.Format(time.RFC3339), start.Add(24*time.Hour).Format(time.RFC3339), i, i, i)
	}
	doc := sb.String()
	for range b.N {
		b.StopTimer()
		db := MustOpenDB(b, dialect)
		ctx := systemCtx()
		for k := range nSubjects {
			i := k * (nLeases / nSubjects)
			addr := netip.AddrFrom4([4]byte{100, 64 + byte(i/(256*32)%64), byte(i / 32 % 256), byte(i % 32)})
			at := base.Add(time.Duration(i%28)*24*time.Hour + 3*time.Hour)
			s := &safeguard.Subject{Name: "Fictional"}
			if err := store.NewSubjectService(db.DB).CreateSubject(ctx, s); err != nil {
				b.Fatal(err)
			}
			r := &safeguard.Referral{Source: safeguard.SourceP2P, SourceRef: fmt.Sprint("B-", k), Format: "json", Document: []byte("{}")}
			for _, d := range []time.Duration{0, 5 * time.Hour} {
				t, port := at.Add(d), 1500
				r.IPEvents = append(r.IPEvents, safeguard.IPEvent{IP: addr, Port: &port, TimeText: t.Format(time.RFC3339), At: &t, HasOffset: true})
			}
			if _, err := store.NewReferralService(db.DB).CreateReferral(ctx, r); err != nil {
				b.Fatal(err)
			}
			if err := store.NewSubjectService(db.DB).LinkReferral(ctx, safeguard.SubjectLink{SubjectID: s.ID, ReferralID: r.ID}); err != nil {
				b.Fatal(err)
			}
		}
		svc := store.NewAttributionService(db.DB)
		b.StartTimer()
		start := time.Now()
		imp := &safeguard.AttributionImport{Kind: safeguard.ImportISPCSV, FileName: "bench.csv"}
		if err := svc.ImportAttributionFile(ctxAs(safeguard.RoleAnalyst, ""), imp, strings.NewReader(doc)); err != nil {
			b.Fatal(err)
		}
		total := time.Since(start)
		b.StopTimer()
		if imp.SubjectsResolved != nSubjects {
			b.Fatalf("resolved %d subjects, want %d", imp.SubjectsResolved, nSubjects)
		}
		// Resolution alone, again, for its rate.
		var ids []int64
		rows, err := db.RawDB().Query(`SELECT id FROM subjects ORDER BY id LIMIT 200`)
		if err != nil {
			b.Fatal(err)
		}
		for rows.Next() {
			var id int64
			rows.Scan(&id)
			ids = append(ids, id)
		}
		rows.Close()
		rs := time.Now()
		for _, sid := range ids {
			sa, err := svc.ResolveSubject(ctxAs(safeguard.RoleAnalyst, ""), sid)
			if err != nil {
				b.Fatal(err)
			}
			if sa.Status != safeguard.AttrCorroborated {
				b.Fatalf("subject %d: %s %+v", sid, sa.Status, sa.Reasons)
			}
		}
		b.ReportMetric(float64(nLeases)/total.Seconds(), "leases/s")
		b.ReportMetric(200/time.Since(rs).Seconds(), "subjects/s")
		b.StartTimer()
	}
}
