package safeguard

import (
	"sort"
	"time"
)

// Trends are figures across operations and over time, with no personal
// data: are collections becoming more extreme, where do referrals come
// from, and are subjects actioned within their band's due time?
type Trends struct {
	GeneratedAt time.Time       `json:"generated_at"`
	Categories  []CategoryMonth `json:"categories"`
	Referrals   []SourceMonth   `json:"referrals"`
	Response    []BandResponse  `json:"response"`
}

// CategoryMonth is the matched material of one category in the scan
// reports of one month, and its share of that month's matches in the
// scheme.
type CategoryMonth struct {
	Month    string  `json:"month"` // YYYY-MM, UTC
	Scheme   Scheme  `json:"scheme"`
	Category string  `json:"category"`
	Count    int     `json:"count"`
	Share    float64 `json:"share"` // 0..1
}

// SourceMonth counts the referrals received from one source in a month.
type SourceMonth struct {
	Month  string `json:"month"`
	Source string `json:"source"`
	Count  int    `json:"count"`
}

// BandResponse is the time from a subject's first referral to its first
// action (as corrected), by the subject's band.
type BandResponse struct {
	Band        Band    `json:"band"`
	Subjects    int     `json:"subjects"`
	MedianHours float64 `json:"median_hours"`
	P90Hours    float64 `json:"p90_hours"`
	WithDue     int     `json:"with_due"`   // subjects with a due time
	WithinDue   int     `json:"within_due"` // of those, actioned by it
}

// ResponseSample is one subject's first referral, first action and due
// time, from which BandResponses are computed.
type ResponseSample struct {
	Band          Band
	FirstReferral time.Time
	FirstAction   time.Time
	DueAt         *time.Time
}

// CategoryShares turns per-month counts into CategoryMonths with shares,
// ordered by month, scheme and category.
func CategoryShares(counts map[string]map[Scheme]map[string]int) []CategoryMonth {
	out := []CategoryMonth{}
	for month, schemes := range counts {
		for scheme, cats := range schemes {
			total := 0
			for _, n := range cats {
				total += n
			}
			for cat, n := range cats {
				c := CategoryMonth{Month: month, Scheme: scheme, Category: cat, Count: n}
				if total > 0 {
					c.Share = float64(n) / float64(total)
				}
				out = append(out, c)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Month != b.Month {
			return a.Month < b.Month
		} else if a.Scheme != b.Scheme {
			return a.Scheme < b.Scheme
		}
		return a.Category < b.Category
	})
	return out
}

// BandResponses summarises samples per band, in band order.
func BandResponses(samples []ResponseSample) []BandResponse {
	hours := map[Band][]float64{}
	out := []BandResponse{}
	idx := map[Band]int{}
	for _, b := range append(append([]Band(nil), Bands...), "") {
		idx[b] = len(out)
		out = append(out, BandResponse{Band: b})
	}
	for _, s := range samples {
		i, ok := idx[s.Band]
		if !ok {
			continue
		}
		r := &out[i]
		r.Subjects++
		hours[s.Band] = append(hours[s.Band], max(0, s.FirstAction.Sub(s.FirstReferral).Hours()))
		if s.DueAt != nil {
			r.WithDue++
			if !s.FirstAction.After(*s.DueAt) {
				r.WithinDue++
			}
		}
	}
	for i := range out {
		h := hours[out[i].Band]
		sort.Float64s(h)
		if len(h) > 0 {
			out[i].MedianHours = h[len(h)/2]
			out[i].P90Hours = h[min(len(h)-1, len(h)*9/10)]
		}
	}
	return out
}

// Percent is Share as a percentage.
func (c CategoryMonth) Percent() float64 { return 100 * c.Share }
