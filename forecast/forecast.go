package forecast

import (
	"cmp"
	"math"
	"slices"
	"time"

	"safeguard"
)

// Week is the period capacities are given in.
const Week = 7 * 24 * time.Hour

// Item is one subject waiting in a queue.
type Item struct {
	Band  safeguard.Band
	DueAt time.Time
}

// Capacity is how many subjects a force can action a week: Weekly across
// its whole queue or, when PerBand is set, each band at its own rate (and
// Weekly is ignored).
type Capacity struct {
	Weekly  float64
	PerBand map[safeguard.Band]float64
}

// Queue is one force's backlog and capacity.
type Queue struct {
	Code     string // force code; "" for the national centre's unallocated subjects
	Capacity Capacity
	Items    []Item
}

// Outlook is the forecast for a queue, or for one band of it.
type Outlook struct {
	Code    string         `json:"code,omitempty"`
	Band    safeguard.Band `json:"band,omitempty"`
	Backlog int            `json:"backlog"`
	// Rate is the capacity applied, subjects a week.
	Rate float64 `json:"rate"`
	// ClearsAt is when the last subject is actioned; nil if it never is
	// (a backlog with no capacity).
	ClearsAt *time.Time `json:"clears_at,omitempty"`
	// Breaches counts the subjects actioned after their due time,
	// including those already overdue now.
	Breaches int `json:"breaches"`
	// Overdue counts the subjects already past their due time now.
	Overdue int `json:"overdue"`
}

// Never reports whether the backlog never clears at this capacity.
func (o Outlook) Never() bool { return o.Backlog > 0 && o.ClearsAt == nil }

// Forecast is a queue's outlook as a whole and per band.
type Forecast struct {
	Outlook
	Bands []Outlook `json:"bands"`
}

// Run forecasts q from now.
func Run(now time.Time, q Queue) Forecast {
	f := Forecast{Outlook: Outlook{Code: q.Code, Backlog: len(q.Items)}}
	byBand := make(map[safeguard.Band][]Item)
	for _, it := range q.Items {
		byBand[it.Band] = append(byBand[it.Band], it)
	}
	if q.Capacity.PerBand == nil {
		items := slices.Clone(q.Items)
		sortQueue(items)
		actioned := work(now, items, q.Capacity.Weekly)
		f.Outlook = outlook(now, q.Code, "", items, actioned, q.Capacity.Weekly)
		for _, b := range safeguard.Bands {
			var sub []Item
			var at []*time.Time
			for i, it := range items {
				if it.Band == b {
					sub, at = append(sub, it), append(at, actioned[i])
				}
			}
			f.Bands = append(f.Bands, outlook(now, q.Code, b, sub, at, q.Capacity.Weekly))
		}
		return f
	}
	var clears *time.Time
	never := false
	for _, b := range safeguard.Bands {
		items, rate := byBand[b], q.Capacity.PerBand[b]
		sortQueue(items)
		o := outlook(now, q.Code, b, items, work(now, items, rate), rate)
		f.Bands = append(f.Bands, o)
		f.Rate += rate
		f.Breaches += o.Breaches
		f.Overdue += o.Overdue
		never = never || o.Never()
		if o.ClearsAt != nil && (clears == nil || o.ClearsAt.After(*clears)) {
			clears = o.ClearsAt
		}
	}
	if !never && f.Backlog > 0 {
		f.ClearsAt = clears
	}
	return f
}

// sortQueue puts items in queue order: most urgent band first, then the
// earliest due (so the overdue first).
func sortQueue(items []Item) {
	slices.SortStableFunc(items, func(a, b Item) int {
		return cmp.Or(cmp.Compare(a.Band.Rank(), b.Band.Rank()), a.DueAt.Compare(b.DueAt))
	})
}

// work returns when each item, in order, is actioned at rate a week; nil
// entries are never actioned.
func work(now time.Time, items []Item, rate float64) []*time.Time {
	at := make([]*time.Time, len(items))
	if rate <= 0 || math.IsNaN(rate) || math.IsInf(rate, 0) {
		return at
	}
	for k := range items {
		// k·week/rate, in that order, is exact whenever the result is whole.
		t := now.Add(time.Duration(float64(k+1) * float64(Week) / rate))
		at[k] = &t
	}
	return at
}

func outlook(now time.Time, code string, band safeguard.Band, items []Item, at []*time.Time, rate float64) Outlook {
	o := Outlook{Code: code, Band: band, Backlog: len(items), Rate: rate}
	for i, it := range items {
		switch {
		case it.DueAt.Before(now):
			o.Overdue++
			o.Breaches++
		case at[i] == nil || at[i].After(it.DueAt):
			o.Breaches++
		}
		if at[i] != nil {
			o.ClearsAt = at[i]
		}
	}
	if o.Backlog > 0 && at[len(at)-1] == nil {
		o.ClearsAt = nil
	}
	return o
}

// WithExtra returns q with n more subjects a week: added to band's rate
// when the force sets capacity per band (band "" means its most urgent band
// with a backlog), else to its weekly capacity.
func (q Queue) WithExtra(n float64, band safeguard.Band) Queue {
	c := Capacity{Weekly: q.Capacity.Weekly}
	if q.Capacity.PerBand == nil {
		c.Weekly += n
		q.Capacity = c
		return q
	}
	c.PerBand = make(map[safeguard.Band]float64, len(q.Capacity.PerBand)+1)
	for b, r := range q.Capacity.PerBand {
		c.PerBand[b] = r
	}
	if band == "" {
		band = safeguard.BandLow
		for _, it := range q.Items {
			if it.Band.Rank() < band.Rank() {
				band = it.Band
			}
		}
	}
	c.PerBand[band] += n
	q.Capacity = c
	return q
}

// Remaining returns the backlog left at the end of each of the next weeks
// (index 0 is now), for a chart.
func Remaining(q Queue, weeks int) []int {
	lanes := map[safeguard.Band]float64{"": q.Capacity.Weekly}
	counts := map[safeguard.Band]int{"": len(q.Items)}
	if q.Capacity.PerBand != nil {
		lanes, counts = q.Capacity.PerBand, make(map[safeguard.Band]int)
		for _, it := range q.Items {
			counts[it.Band]++
		}
	}
	out := make([]int, weeks+1)
	for w := range out {
		for b, n := range counts {
			done := 0
			if r := lanes[b]; r > 0 {
				// The k-th is done at k/r weeks; a small epsilon keeps
				// k = w·r exact when the float product is not.
				done = int(math.Floor(float64(w)*r + 1e-9))
			}
			out[w] += max(0, n-done)
		}
	}
	return out
}

// National sums forecasts: backlog, breaches, overdue and rate add up; the
// backlog clears when the last force's does, and never if any force's
// never does.
func National(fs []Forecast) Forecast {
	n := Forecast{}
	bands := make(map[safeguard.Band]*Outlook)
	for _, b := range safeguard.Bands {
		n.Bands = append(n.Bands, Outlook{Band: b})
	}
	for i := range n.Bands {
		bands[n.Bands[i].Band] = &n.Bands[i]
	}
	for _, f := range fs {
		add(&n.Outlook, f.Outlook)
		for _, o := range f.Bands {
			if t := bands[o.Band]; t != nil {
				add(t, o)
			}
		}
	}
	return n
}

// add folds o into t: once any part never clears, the total never does.
func add(t *Outlook, o Outlook) {
	wasNever := t.Never()
	empty := t.Backlog == 0
	t.Backlog += o.Backlog
	t.Rate += o.Rate
	t.Breaches += o.Breaches
	t.Overdue += o.Overdue
	switch {
	case wasNever || o.Never():
		t.ClearsAt = nil
	case o.ClearsAt == nil:
		// o has no backlog: nothing changes.
	case empty || t.ClearsAt == nil || o.ClearsAt.After(*t.ClearsAt):
		t.ClearsAt = o.ClearsAt
	}
}
