package attribution

import (
	"testing"
	"time"
)

func TestCorroborate(t *testing.T) {
	rv := mustResolver(t, Options{})
	type ev struct {
		ip, at string
		port   int
	}
	tests := []struct {
		name    string
		minGap  time.Duration
		events  []ev
		status  string
		sub     string
		reasons []string
	}{
		{name: "two events 2 h apart, same subscriber", events: []ev{{"192.0.2.10", "2026-03-15T10:00:00Z", -1}, {"192.0.2.10", "2026-03-15T12:00:00Z", -1}},
			status: "corroborated", sub: "SUB-A", reasons: []string{ReasonIndependentEvents, ReasonSameDay}},
		{name: "different days, different addresses, same subscriber", events: []ev{{"192.0.2.10", "2026-03-15T10:00:00Z", -1}, {"192.0.2.10", "2026-03-16T10:00:00+01:00", -1}},
			status: "corroborated", sub: "SUB-A", reasons: []string{ReasonIndependentEvents, ReasonDifferentDays}},
		{name: "two events 10 min apart: not independent", events: []ev{{"192.0.2.10", "2026-03-15T10:00:00Z", -1}, {"192.0.2.10", "2026-03-15T10:10:00Z", -1}},
			status: "confirmed", sub: "SUB-A", reasons: []string{ReasonNotIndependent}},
		{name: "10 min apart with a 5 min gap option", minGap: 5 * time.Minute, events: []ev{{"192.0.2.10", "2026-03-15T10:00:00Z", -1}, {"192.0.2.10", "2026-03-15T10:10:00Z", -1}},
			status: "corroborated", sub: "SUB-A", reasons: []string{ReasonIndependentEvents}},
		{name: "two events, different subscribers", events: []ev{{"192.0.2.10", "2026-03-15T10:00:00Z", -1}, {"100.64.1.1", "2026-03-16T10:00:00Z", 1500}},
			status: "ambiguous", reasons: []string{ReasonDifferentSubscribers}},
		{name: "only one confirmed event", events: []ev{{"192.0.2.10", "2026-03-15T10:00:00Z", -1}, {"100.64.1.1", "2026-03-16T10:00:00Z", -1}},
			status: "confirmed", sub: "SUB-A", reasons: []string{ReasonOnlyOneConfirmed, ReasonOtherEvents}},
		{name: "no confirmed, some ambiguous", events: []ev{{"100.64.1.1", "2026-03-16T10:00:00Z", -1}, {"192.0.2.99", "2026-03-16T10:00:00Z", -1}},
			status: "ambiguous", reasons: []string{ReasonNoConfirmed}},
		{name: "nothing resolves", events: []ev{{"192.0.2.99", "2026-03-16T10:00:00Z", -1}},
			status: "unresolved", reasons: []string{ReasonNoConfirmed}},
		{name: "ambiguous events do not count towards corroboration", events: []ev{{"192.0.2.10", "2026-03-15T10:00:00Z", -1}, {"192.0.2.10", "2026-03-15 14:00:00", -1}},
			status: "confirmed", sub: "SUB-A", reasons: []string{ReasonOnlyOneConfirmed}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var results []Result
			for i, e := range tt.events {
				x := mustEvent(t, e.ip, e.port, e.at)
				x.Ref = string(rune('a' + i))
				r, err := rv.Resolve(x)
				if err != nil {
					t.Fatal(err)
				}
				results = append(results, r)
			}
			got := Corroborate("SG-1", results, tt.minGap)
			if got.Status != tt.status {
				t.Errorf("status = %s, want %s (%s)", got.Status, tt.status, got.Reasons)
			}
			for _, c := range tt.reasons {
				if !got.Reasons.Has(c) {
					t.Errorf("no reason %s in %s", c, got.Reasons)
				}
			}
			switch {
			case tt.sub != "" && (got.Subscriber == nil || got.Subscriber.ID != tt.sub):
				t.Errorf("subscriber = %+v, want %s", got.Subscriber, tt.sub)
			case tt.sub == "" && got.Subscriber != nil:
				t.Errorf("subscriber = %+v, want none", got.Subscriber)
			}
		})
	}
}
