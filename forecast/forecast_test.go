package forecast_test

import (
	"testing"
	"time"

	"safeguard"
	"safeguard/forecast"
)

var now = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

const day = 24 * time.Hour

// handQueue is the worked example of the package comment's model: five
// subjects, one of them already overdue.
func handQueue(c forecast.Capacity) forecast.Queue {
	return forecast.Queue{Code: "KNT", Capacity: c, Items: []forecast.Item{
		{Band: safeguard.BandImmediate, DueAt: now.Add(day)},     // I1
		{Band: safeguard.BandMedium, DueAt: now.Add(30 * day)},   // M1
		{Band: safeguard.BandHigh, DueAt: now.Add(3 * day)},      // H1
		{Band: safeguard.BandImmediate, DueAt: now.Add(day / 2)}, // I2
		{Band: safeguard.BandHigh, DueAt: now.Add(-day)},         // H2, overdue
	}}
}

func at(d time.Duration) *time.Time { t := now.Add(d); return &t }

func check(t *testing.T, name string, got forecast.Outlook, backlog, breaches, overdue int, clears *time.Time) {
	t.Helper()
	if got.Backlog != backlog || got.Breaches != breaches || got.Overdue != overdue {
		t.Errorf("%s: backlog/breaches/overdue = %d/%d/%d, want %d/%d/%d", name,
			got.Backlog, got.Breaches, got.Overdue, backlog, breaches, overdue)
	}
	switch {
	case clears == nil && got.ClearsAt != nil:
		t.Errorf("%s: clears at %v, want never", name, got.ClearsAt)
	case clears != nil && (got.ClearsAt == nil || !got.ClearsAt.Equal(*clears)):
		t.Errorf("%s: clears at %v, want %v", name, got.ClearsAt, *clears)
	}
}

// At 7 a week (one a day) the queue order is I2, I1, H2, H1, M1, actioned
// on days 1 to 5: I2 (due at 12 h) and I1 (due at day 1, actioned day 2)
// breach, H2 was overdue already, H1 (due day 3, actioned day 4) breaches,
// M1 is in time. Four breaches; clear on day 5.
func TestRun_HandWorked(t *testing.T) {
	f := forecast.Run(now, handQueue(forecast.Capacity{Weekly: 7}))
	check(t, "total", f.Outlook, 5, 4, 1, at(5*day))
	check(t, "immediate", f.Bands[0], 2, 2, 0, at(2*day))
	check(t, "high", f.Bands[1], 2, 2, 1, at(4*day))
	check(t, "medium", f.Bands[2], 1, 0, 0, at(5*day))
	check(t, "low", f.Bands[3], 0, 0, 0, nil)
}

// With 7 more a week (one every 12 h) I2 is actioned exactly at its due
// time, which is in time; only the overdue H2 breaches.
func TestRun_WhatIfMoreCapacity(t *testing.T) {
	q := handQueue(forecast.Capacity{Weekly: 7}).WithExtra(7, "")
	if q.Capacity.Weekly != 14 {
		t.Fatalf("weekly = %v, want 14", q.Capacity.Weekly)
	}
	f := forecast.Run(now, q)
	check(t, "total", f.Outlook, 5, 1, 1, at(5*day/2))
}

// Per band: immediate at 2 a week (3.5 days each) breaches both; high has
// no capacity, so H1 is never actioned and the force never clears; medium
// at 1 a week actions M1 on day 7, in time.
func TestRun_PerBand(t *testing.T) {
	c := forecast.Capacity{Weekly: 99, PerBand: map[safeguard.Band]float64{
		safeguard.BandImmediate: 2, safeguard.BandMedium: 1}}
	f := forecast.Run(now, handQueue(c))
	check(t, "total", f.Outlook, 5, 4, 1, nil)
	if !f.Never() || f.Rate != 3 {
		t.Errorf("never=%v rate=%v, want true 3", f.Never(), f.Rate)
	}
	check(t, "immediate", f.Bands[0], 2, 2, 0, at(7*day))
	check(t, "high", f.Bands[1], 2, 2, 1, nil)
	check(t, "medium", f.Bands[2], 1, 0, 0, at(7*day))

	// The extra capacity goes to the most urgent band with a backlog
	// when none is named.
	more := handQueue(c).WithExtra(5, "")
	if got := more.Capacity.PerBand[safeguard.BandImmediate]; got != 7 {
		t.Errorf("immediate rate after +5 = %v, want 7", got)
	}
	if c.PerBand[safeguard.BandImmediate] != 2 {
		t.Error("WithExtra changed the original capacity")
	}
	more = handQueue(c).WithExtra(7, safeguard.BandHigh)
	check(t, "high +7", forecast.Run(now, more).Bands[1], 2, 1, 1, at(2*day))
}

func TestRun_NoCapacity(t *testing.T) {
	f := forecast.Run(now, handQueue(forecast.Capacity{}))
	check(t, "total", f.Outlook, 5, 5, 1, nil)
	empty := forecast.Run(now, forecast.Queue{Capacity: forecast.Capacity{Weekly: 3}})
	check(t, "empty", empty.Outlook, 0, 0, 0, nil)
	if empty.Never() {
		t.Error("an empty queue is not 'never clears'")
	}
}

func TestRemaining(t *testing.T) {
	got := forecast.Remaining(handQueue(forecast.Capacity{Weekly: 2}), 4)
	want := []int{5, 3, 1, 0, 0}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	// Per band: immediate 1 a week, medium 1, high none: high's two stay.
	c := forecast.Capacity{PerBand: map[safeguard.Band]float64{safeguard.BandImmediate: 1, safeguard.BandMedium: 1}}
	got = forecast.Remaining(handQueue(c), 2)
	if want := []int{5, 3, 2}; got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Fatalf("per band: got %v, want %v", got, want)
	}
}

func TestNational(t *testing.T) {
	a := forecast.Run(now, handQueue(forecast.Capacity{Weekly: 7}))
	b := forecast.Run(now, forecast.Queue{Code: "ESX", Capacity: forecast.Capacity{Weekly: 10}})
	n := forecast.National([]forecast.Forecast{a, b})
	check(t, "two forces", n.Outlook, 5, 4, 1, at(5*day))
	if n.Rate != 17 {
		t.Errorf("rate = %v, want 17", n.Rate)
	}
	check(t, "national immediate", n.Bands[0], 2, 2, 0, at(2*day))

	c := forecast.Run(now, handQueue(forecast.Capacity{}))
	n = forecast.National([]forecast.Forecast{a, b, c})
	check(t, "with a stalled force", n.Outlook, 10, 9, 2, nil)
	// Order does not matter.
	n = forecast.National([]forecast.Forecast{c, b, a})
	check(t, "reordered", n.Outlook, 10, 9, 2, nil)
}
