package hashindex

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
)

// TestAddRemoveMatchesModel applies random adds, replacements and removals
// on top of a bulk-built bank, through several delta flushes, merges and
// tombstone compactions, and checks every search against a reference model.
func TestAddRemoveMatchesModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	model, centres := clusteredBank(rng, 150) // ~4,500 entries: indexed
	ids, hs := model.slices()
	x := Build(ids, hs)
	built := x.load().segs[0].seg
	live := ids
	check := func(step int) {
		t.Helper()
		if got, want := x.Len(), len(model); got != want {
			t.Fatalf("step %d: Len() = %d, want %d", step, got, want)
		}
		ref := newScanner(model)
		for qi, q := range queries(rng, model, centres, 12) {
			all := ref.within(q)
			for _, r := range []int{0, 10, 31, 48} {
				assertMatches(t, fmt.Sprintf("step %d query %d radius %d", step, qi, r), x.Search(q, r, nil), all.upTo(r))
			}
		}
	}
	check(0)
	const steps = 2 * deltaMax
	for step := 1; step <= steps; step++ {
		switch op := rng.IntN(10); {
		case op < 6: // new id, often near a family
			id := rng.Uint32()
			h := randHash(rng)
			if op < 4 {
				h = flip(rng, centres[rng.IntN(len(centres))], rng.IntN(41))
			}
			x.Add(id, h)
			model[id] = h
			live = append(live, id)
		case op < 8: // replace an existing id's hash
			id := live[rng.IntN(len(live))]
			h := randHash(rng)
			x.Add(id, h)
			model[id] = h
		default:
			i := rng.IntN(len(live))
			id := live[i]
			_, had := model[id]
			if got := x.Remove(id); got != had {
				t.Fatalf("step %d: Remove(%d) = %v, want %v", step, id, got, had)
			}
			delete(model, id)
			live[i] = live[len(live)-1]
			live = live[:len(live)-1]
		}
		if step%(deltaMax/2) == 0 {
			check(step)
		}
	}
	absent := rng.Uint32()
	for _, ok := model[absent]; ok; _, ok = model[absent] {
		absent++
	}
	if x.Remove(absent) {
		t.Fatalf("Remove(%d) of an absent id = true", absent)
	}
	s := x.load()
	if len(s.dIDs) >= steps/2 || s.segs[0].seg == built {
		t.Fatalf("delta of %d and the built segment unchanged: flushes and merges were not exercised", len(s.dIDs))
	}
}

// TestRemoveEverythingCompacts removes most of a segment so that it is rebuilt
// from its live entries, then the rest so that it disappears.
func TestRemoveEverythingCompacts(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	model := randomBank(rng, 5000)
	ids, hs := model.slices()
	x := Build(ids, hs)
	for i, id := range ids {
		if !x.Remove(id) {
			t.Fatalf("Remove(%d) = false", id)
		}
		if x.Remove(id) {
			t.Fatalf("second Remove(%d) = true", id)
		}
		if got := x.Search(hs[i], 0, nil); len(got) != 0 {
			t.Fatalf("removed id %d still found: %v", id, got)
		}
		if i+1 < len(ids) {
			assertMatches(t, "survivor", x.Search(hs[i+1], 0, nil), []Match{{ID: ids[i+1]}})
		}
	}
	if got := x.Len(); got != 0 {
		t.Fatalf("Len() = %d after removing everything", got)
	}
	if got := len(x.load().segs); got != 0 {
		t.Fatalf("%d segments left after removing everything", got)
	}
}

// TestConcurrentSearchWhileWriting runs searchers against a writer that adds
// and removes. Every entry added before a search starts, and not removed,
// must be found; every result must be a true match of the id's hash.
func TestConcurrentSearchWhileWriting(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	base := randomBank(rng, 5000)
	ids, hs := base.slices()
	x := Build(ids, hs)

	const adds = deltaMax + 500 // crosses a flush
	added := make([]Hash, adds)
	for i := range added {
		added[i] = randHash(rng)
	}
	var published atomic.Int64 // ids 0..published-1 have been added
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range added {
			x.Add(uint32(i), added[i])
			published.Store(int64(i + 1))
			if i%7 == 0 { // churn the base: remove and re-add one entry
				j := i % len(ids)
				x.Remove(ids[j])
				x.Add(ids[j], hs[j])
			}
		}
	})
	errs := make(chan error, 4)
	for g := range 3 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 27))
			for published.Load() < adds {
				n := published.Load()
				if n == 0 {
					continue
				}
				i := rng.Int64N(n)
				q := flip(rng, added[i], rng.IntN(32))
				got := x.Search(q, DefaultRadius, nil)
				found := false
				for _, m := range got {
					var h Hash
					if m.ID < adds {
						h = added[m.ID]
					} else {
						h = base[m.ID]
					}
					if d := Distance(q, h); d != m.Distance || d > DefaultRadius {
						errs <- fmt.Errorf("id %d reported at %d, true distance %d", m.ID, m.Distance, d)
						return
					}
					found = found || m.ID == uint32(i)
				}
				if !found {
					errs <- fmt.Errorf("id %d added before the search was not found", i)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if got, want := x.Len(), len(base)+adds; got != want {
		t.Fatalf("Len() = %d, want %d", got, want)
	}
}
