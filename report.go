package safeguard

import (
	"math"
	"sort"
	"strconv"
	"time"
)

// ActionEvent is an action as the live picture sees it: no notes and no
// personal data, only what the action was, where and when.
type ActionEvent struct {
	ID            int64     `json:"id"`
	OperationID   int64     `json:"operation_id"`
	OperationCode string    `json:"operation_code"`
	PackageID     int64     `json:"package_id"`
	ForceCode     string    `json:"force_code"`
	Kind          string    `json:"kind"`
	Count         int       `json:"count,omitempty"`
	At            time.Time `json:"at"`
	Supersedes    *int64    `json:"supersedes,omitempty"`
}

// Figures are the counts an operation report gives, overall or per force.
// They come from recorded actions only: a superseded action does not
// count, its correction does.
type Figures struct {
	PackagesSent        int `json:"packages_sent"`
	PackagesAccepted    int `json:"packages_accepted"`
	PackagesReturned    int `json:"packages_returned"`
	PackagesOverdue     int `json:"packages_overdue"`
	WarrantsExecuted    int `json:"warrants_executed"`
	Arrests             int `json:"arrests"`
	DevicesSeized       int `json:"devices_seized"`
	ChildrenSafeguarded int `json:"children_safeguarded"`
	Actions             int `json:"actions"`
}

// ForceFigures are one force's figures.
type ForceFigures struct {
	ForceCode string `json:"force_code"`
	Figures
}

// TimelineEntry is one recorded action in the report's time line,
// superseded ones included and marked.
type TimelineEntry struct {
	*Action
	ForceCode    string `json:"force_code"`
	SubjectRef   string `json:"subject_ref"`
	SupersededBy *int64 `json:"superseded_by,omitempty"`
}

// HourCount is the number of actions in the hour starting at Hour.
type HourCount struct {
	Hour  time.Time `json:"hour"`
	Count int       `json:"count"`
}

// PressFigures are the figures a press office may quote: "N arrested in
// H hours across F forces, W warrants".
type PressFigures struct {
	Arrested int    `json:"arrested"`
	Hours    int    `json:"hours"`
	Forces   int    `json:"forces"`
	Warrants int    `json:"warrants"`
	Text     string `json:"text"`
}

// OperationReport is an operation's figures over the packages the reader
// may see.
type OperationReport struct {
	Operation   *Operation       `json:"operation"`
	GeneratedAt time.Time        `json:"generated_at"`
	Totals      Figures          `json:"totals"`
	ByKind      map[string]int   `json:"by_kind"`
	Forces      []*ForceFigures  `json:"forces"`
	Timeline    []*TimelineEntry `json:"timeline"`
	PerHour     []HourCount      `json:"per_hour"`
	Press       PressFigures     `json:"press"`
	// ImmediateNoAction lists packages whose subject is in band immediate
	// and that have no action yet.
	ImmediateNoAction []*Package `json:"immediate_without_action"`
	Overdue           []*Package `json:"overdue"`
	Packages          []*Package `json:"packages"`
	LastActionID      int64      `json:"last_action_id"`
}

// actionWeight is what one action adds to its kind's total: its count
// where it has one, else one.
func actionWeight(a *Action) int {
	if a.Count > 0 {
		return a.Count
	}
	return 1
}

// BuildReport computes an operation's report from its packages and every
// action recorded for them, at now. Packages must carry Overdue already.
func BuildReport(op *Operation, pkgs []*Package, actions []*Action, now time.Time) *OperationReport {
	r := &OperationReport{Operation: op, GeneratedAt: now, ByKind: map[string]int{}, Packages: pkgs,
		Timeline: []*TimelineEntry{}, PerHour: []HourCount{}, Forces: []*ForceFigures{},
		ImmediateNoAction: []*Package{}, Overdue: []*Package{}}
	byPkg := map[int64]*Package{}
	forces := map[string]*ForceFigures{}
	force := func(code string) *ForceFigures {
		f := forces[code]
		if f == nil {
			f = &ForceFigures{ForceCode: code}
			forces[code] = f
			r.Forces = append(r.Forces, f)
		}
		return f
	}
	for _, p := range pkgs {
		byPkg[p.ID] = p
		for _, f := range []*Figures{&r.Totals, &force(p.ForceCode).Figures} {
			f.PackagesSent++
			switch {
			case p.Status == PackageAccepted:
				f.PackagesAccepted++
			case p.Status == PackageReturned:
				f.PackagesReturned++
			case p.Overdue:
				f.PackagesOverdue++
			}
		}
		if p.Overdue {
			r.Overdue = append(r.Overdue, p)
		}
	}
	superseded := map[int64]int64{}
	for _, a := range actions {
		if a.Supersedes != nil {
			superseded[*a.Supersedes] = a.ID
		}
		r.LastActionID = max(r.LastActionID, a.ID)
	}
	sorted := append([]*Action(nil), actions...)
	sort.SliceStable(sorted, func(i, j int) bool {
		if !sorted[i].At.Equal(sorted[j].At) {
			return sorted[i].At.Before(sorted[j].At)
		}
		return sorted[i].ID < sorted[j].ID
	})
	acted := map[int64]bool{}
	activeForces := map[string]bool{}
	hours := map[time.Time]int{}
	var last time.Time
	for _, a := range sorted {
		p := byPkg[a.PackageID]
		if p == nil {
			continue
		}
		e := &TimelineEntry{Action: a, ForceCode: p.ForceCode, SubjectRef: p.SubjectRef}
		if by, ok := superseded[a.ID]; ok {
			by := by
			e.SupersededBy = &by
		}
		r.Timeline = append(r.Timeline, e)
		if e.SupersededBy != nil {
			continue
		}
		acted[p.ID] = true
		activeForces[p.ForceCode] = true
		hours[a.At.UTC().Truncate(time.Hour)]++
		if a.At.After(last) {
			last = a.At
		}
		r.ByKind[a.Kind] += actionWeight(a)
		for _, f := range []*Figures{&r.Totals, &force(p.ForceCode).Figures} {
			f.Actions++
			switch a.Kind {
			case ActWarrantExecuted:
				f.WarrantsExecuted++
			case ActArrest:
				f.Arrests++
			case ActDevicesSeized:
				f.DevicesSeized += a.Count
			case ActChildrenSafeguarded:
				f.ChildrenSafeguarded += a.Count
			}
		}
	}
	for _, p := range pkgs {
		if p.SubjectBand == BandImmediate && !acted[p.ID] && p.Status != PackageReturned {
			r.ImmediateNoAction = append(r.ImmediateNoAction, p)
		}
	}
	sort.Slice(r.Forces, func(i, j int) bool { return r.Forces[i].ForceCode < r.Forces[j].ForceCode })
	if len(hours) > 0 {
		first := op.StartsAt.UTC().Truncate(time.Hour)
		for h := range hours {
			if h.Before(first) {
				first = h
			}
		}
		for h := first; !h.After(last.UTC().Truncate(time.Hour)); h = h.Add(time.Hour) {
			r.PerHour = append(r.PerHour, HourCount{Hour: h, Count: hours[h]})
		}
	}
	r.Press = PressFigures{Arrested: r.Totals.Arrests, Forces: len(activeForces), Warrants: r.Totals.WarrantsExecuted}
	if !last.IsZero() && last.After(op.StartsAt) {
		r.Press.Hours = int(math.Ceil(last.Sub(op.StartsAt).Hours()))
	}
	r.Press.Text = pressText(r.Press)
	return r
}

func pressText(p PressFigures) string {
	return plural(p.Arrested, "person", "people") + " arrested in " + plural(p.Hours, "hour", "hours") +
		" across " + plural(p.Forces, "force", "forces") + ", " + plural(p.Warrants, "warrant", "warrants") + " executed"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
