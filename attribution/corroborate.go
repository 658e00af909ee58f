package attribution

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"safeguard"
)

// SubjectResult is the attribution of a subject from all its events.
type SubjectResult struct {
	Subject string
	Status  string

	// Subscriber is set when Status is corroborated or confirmed.
	Subscriber *Subscriber

	// EventRefs are the confirmed events the status rests on.
	EventRefs []string

	Reasons Reasons
}

// Corroborate combines a subject's resolved events. The subject is
// corroborated when all its confirmed events resolve to one subscriber and
// at least two of them are independent: at least minGap apart (zero means
// DefaultMinGap). Otherwise it is confirmed (one subscriber, but only one
// event or events too close together to be independent), ambiguous (no
// confirmed event but some ambiguous ones, or confirmed events resolving
// to different subscribers: never narrowed to one), or unresolved.
func Corroborate(subject string, results []Result, minGap time.Duration) SubjectResult {
	if minGap <= 0 {
		minGap = DefaultMinGap
	}
	sr := SubjectResult{Subject: subject}
	var confirmed []Result
	nAmb, nUnres := 0, 0
	for _, r := range results {
		switch r.Status {
		case safeguard.AttrConfirmed:
			if r.Subscriber != nil && r.At != nil {
				confirmed = append(confirmed, r)
			}
		case safeguard.AttrAmbiguous:
			nAmb++
		default:
			nUnres++
		}
	}
	if len(confirmed) == 0 {
		sr.Status = safeguard.AttrUnresolved
		if nAmb > 0 {
			sr.Status = safeguard.AttrAmbiguous
		}
		sr.Reasons.add(ReasonNoConfirmed, fmt.Sprintf("none of the subject's %d events is confirmed (%d ambiguous, %d unresolved)", len(results), nAmb, nUnres))
		return sr
	}
	slices.SortStableFunc(confirmed, func(a, b Result) int { return a.At.Compare(*b.At) })
	bySub := map[string][]string{}
	var subs []string
	for _, r := range confirmed {
		id := r.Subscriber.ID
		if _, ok := bySub[id]; !ok {
			subs = append(subs, id)
		}
		bySub[id] = append(bySub[id], r.Ref)
	}
	if len(subs) > 1 {
		sr.Status = safeguard.AttrAmbiguous
		var parts []string
		for _, id := range subs {
			parts = append(parts, fmt.Sprintf("%s (events %s)", id, strings.Join(bySub[id], ", ")))
		}
		sr.Reasons.add(ReasonDifferentSubscribers, "confirmed events resolve to different subscribers: "+strings.Join(parts, "; "))
		for _, r := range confirmed {
			sr.EventRefs = append(sr.EventRefs, r.Ref)
		}
		return sr
	}
	sub := *confirmed[0].Subscriber
	sr.Subscriber = &sub
	first, last := confirmed[0], confirmed[len(confirmed)-1]
	gap := last.At.Sub(*first.At)
	switch {
	case len(confirmed) == 1:
		sr.Status = safeguard.AttrConfirmed
		sr.EventRefs = []string{first.Ref}
		sr.Reasons.add(ReasonOnlyOneConfirmed, fmt.Sprintf("only one confirmed event (%s) resolves to %s; corroboration needs a second, independent one at least %s apart", first.Ref, sub.ID, minGap))
	case gap < minGap:
		sr.Status = safeguard.AttrConfirmed
		for _, r := range confirmed {
			sr.EventRefs = append(sr.EventRefs, r.Ref)
		}
		sr.Reasons.add(ReasonNotIndependent, fmt.Sprintf("the %d confirmed events resolving to %s span only %s (less than %s): they are not independent", len(confirmed), sub.ID, gap, minGap))
	default:
		sr.Status = safeguard.AttrCorroborated
		sr.EventRefs = []string{first.Ref, last.Ref}
		sr.Reasons.add(ReasonIndependentEvents, fmt.Sprintf("events %s (%s) and %s (%s), %s apart, both resolve to %s", first.Ref, first.At.Format(time.RFC3339), last.Ref, last.At.Format(time.RFC3339), gap, sub.ID))
		d1, d2 := first.At.UTC().Format(time.DateOnly), last.At.UTC().Format(time.DateOnly)
		if d1 != d2 {
			sr.Reasons.add(ReasonDifferentDays, fmt.Sprintf("the events are on different days (%s and %s, UTC)", d1, d2))
		} else {
			sr.Reasons.add(ReasonSameDay, fmt.Sprintf("the events are on the same day (%s, UTC); events on different days would be stronger", d1))
		}
	}
	if nAmb+nUnres > 0 {
		sr.Reasons.add(ReasonOtherEvents, fmt.Sprintf("%d other events are ambiguous and %d unresolved", nAmb, nUnres))
	}
	return sr
}
