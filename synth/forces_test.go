package synth

import (
	"math/rand/v2"
	"testing"

	"safeguard"
)

func TestForces(t *testing.T) {
	fs := Forces()
	if got, want := len(fs), 43; got != want {
		t.Fatalf("len(Forces()) = %d, want %d", got, want)
	}
	codes, areas := map[string]bool{}, map[string]bool{}
	for _, f := range fs {
		if err := f.Validate(); err != nil {
			t.Errorf("force %s: %v", f.Code, err)
		}
		if codes[f.Code] {
			t.Errorf("duplicate code %s", f.Code)
		}
		codes[f.Code] = true
		if !f.Synthetic {
			t.Errorf("force %s not marked synthetic", f.Code)
		}
		for _, a := range f.Areas {
			if a[0] != 'Q' || areas[a] {
				t.Errorf("force %s area %q is not a unique made-up Q prefix", f.Code, a)
			}
			areas[a] = true
		}
	}
}

func TestRandomIPInFictionalRanges(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		ip := randomIP(r)
		ok := safeguard.CGNAT.Contains(ip)
		for _, p := range docPrefixes {
			ok = ok || p.Contains(ip)
		}
		if !ok {
			t.Fatalf("randomIP gave %s outside the documentation and CGNAT ranges", ip)
		}
	}
}

func TestPeopleDeterministicAndFictional(t *testing.T) {
	a := newPerson(rand.New(rand.NewPCG(7, 7)), 1, 43)
	b := newPerson(rand.New(rand.NewPCG(7, 7)), 1, 43)
	if a != b {
		t.Fatalf("same seed gave %+v and %+v", a, b)
	}
	id := safeguard.Identifier{Kind: safeguard.IdentEmail, Value: a.email}
	if n := id.Normalized(); !(len(n) > 12 && (n[len(n)-12:] == "@example.com" || n[len(n)-12:] == "@example.org")) {
		t.Fatalf("e-mail %q not in example.com/example.org", a.email)
	}
}
