package risk

import (
	"math/rand/v2"
	"testing"

	"safeguard"
)

// BenchmarkAssess assesses varied random subjects with the built-in
// policy: the engine's share of re-assessing a backlog.
func BenchmarkAssess(b *testing.B) {
	p := Builtin()
	subjects := benchSubjects(p)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		p.Assess(subjects[i%len(subjects)], now)
	}
}

func BenchmarkParseFacts(b *testing.B) {
	data, _ := MustExampleFacts(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseFacts(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAssessTypical assesses the example subject (a scout leader who
// distributes; four rules fire).
func BenchmarkAssessTypical(b *testing.B) {
	_, f := MustExampleFacts(b)
	p := Builtin()
	b.ReportAllocs()
	for b.Loop() {
		p.Assess(f, now)
	}
}

// BenchmarkBand is Assess without the trace, as a what-if count over a
// backlog would use it.
func BenchmarkBand(b *testing.B) {
	p := Builtin()
	subjects := benchSubjects(p)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		p.Band(subjects[i%len(subjects)])
	}
}

// benchSubjects are 1024 varied random subjects, a quarter with access to
// children.
func benchSubjects(p *Policy) []*safeguard.Facts {
	r := rand.New(rand.NewPCG(7, 7))
	subjects := make([]*safeguard.Facts, 1024)
	for i := range subjects {
		subjects[i] = randomFacts(r)
		if i%4 == 0 {
			grantAccess(subjects[i], p, i)
		}
	}
	return subjects
}
