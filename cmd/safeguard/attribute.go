package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"
	_ "time/tzdata" // --zone must work where the system has no zone files

	"safeguard"
	"safeguard/attribution"
)

func init() {
	register(command{name: "attribute", summary: "resolve IP events to ISP subscribers offline, with status and reasons", run: runAttribute})
}

func runAttribute(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env.Stdout, "attribute", "--leases FILE [--leases FILE...] --events FILE [flags]",
		`Resolve IP events against ISP records and print one JSON line per event:
{"event_id","ip","port","time_raw","time_utc","status","subscriber_id",
"installation_address","force_assignment_address","billing_address",
"candidates","leases","reasons","reason_text"}.
status is confirmed, ambiguous or unresolved; reasons are stable snake_case
codes and reason_text the same as sentences. subscriber_id is set only when
confirmed; force_assignment_address is the installation address, never the
billing address, and is null when the ISP gave no installation address.

--leases takes ISP response CSV (ip,port_start,port_end,start,end,
subscriber_id,name,install_address,billing_address[,shared]; times RFC 3339
with an offset) or RADIUS-accounting logs (CSV or Key=Value lines with
Acct-Status-Type, or FreeRADIUS detail files), told apart by their first
line; the part of a RADIUS session its records do not show (no Start, no
Stop) never confirms. --proxies takes lists of
known VPN, proxy and Tor exits, one address or prefix a line, # comments.
--events is CSV event_id,ip,port,time[,subject][,possible_proxy] with the time
exactly as the referral gave it. A time without an offset is never taken as
UTC: it is ambiguous; --zone names the source's zone (IANA, e.g.
Europe/London) to try its instants and report a daylight-saving change.
With a subject column, one more line per subject follows:
{"subject","status","subscriber_id",...,"event_ids","reasons","reason_text"},
corroborated when two confirmed events at least --min-gap apart resolve to
the same subscriber. Bad input: non-zero exit and an error naming file and
line.`)
	var leases, proxies bankFlags
	fs.Var(&leases, "leases", "ISP response CSV or RADIUS log `file` (repeat for more)")
	fs.Var(&proxies, "proxies", "known VPN/proxy/Tor exit list `file` (repeat for more)")
	events := fs.String("events", "", "events CSV `file`")
	skew := fs.Duration("skew", attribution.DefaultSkew, "clock-skew `tolerance` a lease must cover on both sides of the instant")
	minGap := fs.Duration("min-gap", attribution.DefaultMinGap, "least `time` between two events for them to count as independent")
	zone := fs.String("zone", "", "the source's time `zone` (IANA name) for times without an offset")
	if err := parseFlags(fs, interspersed(fs, args)); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("attribute: unexpected argument %q (events go in --events FILE)", fs.Arg(0))
	case len(leases) == 0:
		return fmt.Errorf("attribute: no --leases FILE given")
	case *events == "":
		return fmt.Errorf("attribute: no --events FILE given")
	case *skew < 0:
		return fmt.Errorf("attribute: --skew %s is negative", *skew)
	case *minGap <= 0:
		return fmt.Errorf("attribute: --min-gap %s must be positive", *minGap)
	}
	opt := attribution.Options{Skew: *skew, Proxies: &attribution.ProxyList{}}
	if *skew == 0 {
		opt.Skew = -1 // no margin, as asked; zero would mean the default
	}
	if *zone != "" {
		loc, err := time.LoadLocation(*zone)
		if err != nil || *zone == "Local" {
			return fmt.Errorf("attribute: --zone %q is not an IANA time zone name (e.g. Europe/London)", *zone)
		}
		opt.Zone = loc
	}
	var all []attribution.Lease
	for _, path := range leases {
		err := readFile(path, func(f *os.File) error {
			ls, err := attribution.ReadLeases(f, path)
			all = append(all, ls...)
			return err
		})
		if err != nil {
			return err
		}
	}
	for _, path := range proxies {
		if err := readFile(path, func(f *os.File) error { return opt.Proxies.ReadProxies(f, path) }); err != nil {
			return err
		}
	}
	var rows []attribution.EventRow
	var hasSubject bool
	err := readFile(*events, func(f *os.File) (err error) {
		rows, hasSubject, err = attribution.ReadEvents(f, *events)
		return err
	})
	if err != nil {
		return err
	}

	rv := attribution.NewResolver(attribution.NewIndex(all), opt)
	w := bufio.NewWriter(env.Stdout)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	bySubject := map[string][]attribution.Result{}
	var subjects []string
	for i, row := range rows {
		if i%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		res, err := rv.Resolve(row.Event)
		if err != nil {
			return fmt.Errorf("attribute: %s:%d: %s", *events, row.Line, safeguard.ErrorMessage(err))
		}
		if err := enc.Encode(newEventLine(res, row.Subject)); err != nil {
			return err
		}
		if hasSubject && row.Subject != "" {
			if _, ok := bySubject[row.Subject]; !ok {
				subjects = append(subjects, row.Subject)
			}
			bySubject[row.Subject] = append(bySubject[row.Subject], res)
		}
	}
	for _, s := range subjects {
		if err := enc.Encode(newSubjectLine(attribution.Corroborate(s, bySubject[s], *minGap))); err != nil {
			return err
		}
	}
	return w.Flush()
}

// readFile opens path and hands it to fn, turning errors into one line that
// names the file (the attribution readers name the line).
func readFile(path string, fn func(*os.File) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("attribute: %w", err)
	}
	defer f.Close()
	if err := fn(f); err != nil {
		return fmt.Errorf("attribute: %s", safeguard.ErrorMessage(err))
	}
	return nil
}

// eventLine is one event's JSON line.
type eventLine struct {
	EventID             string   `json:"event_id"`
	IP                  string   `json:"ip"`
	Port                *int     `json:"port"`
	TimeRaw             string   `json:"time_raw"`
	TimeUTC             *string  `json:"time_utc"`
	TimeCandidatesUTC   []string `json:"time_candidates_utc,omitempty"`
	Status              string   `json:"status"`
	SubscriberID        *string  `json:"subscriber_id"`
	Name                string   `json:"name,omitempty"`
	InstallationAddress *string  `json:"installation_address"`
	ForceAssignment     *string  `json:"force_assignment_address"` // the installation address, never the billing one
	BillingAddress      *string  `json:"billing_address"`
	Candidates          []string `json:"candidates"`
	Leases              []string `json:"leases"`
	Subject             string   `json:"subject,omitempty"`
	Reasons             []string `json:"reasons"`
	ReasonText          []string `json:"reason_text"`
}

func newEventLine(r attribution.Result, subject string) eventLine {
	l := eventLine{
		EventID: r.Ref, IP: r.IP.String(), Port: r.Port, TimeRaw: r.TimeRaw, Status: r.Status,
		Candidates: []string{}, Leases: []string{}, Subject: subject,
		Reasons: r.Reasons.Codes(), ReasonText: r.Reasons.Texts(),
	}
	if r.At != nil {
		s := r.At.UTC().Format(time.RFC3339Nano)
		l.TimeUTC = &s
	}
	for _, t := range r.Instants {
		l.TimeCandidatesUTC = append(l.TimeCandidatesUTC, t.UTC().Format(time.RFC3339Nano))
	}
	if s := r.Subscriber; s != nil {
		l.SubscriberID, l.Name = &s.ID, s.Name
		l.InstallationAddress, l.BillingAddress = nonEmpty(s.InstallAddress), nonEmpty(s.BillingAddress)
		l.ForceAssignment = nonEmpty(s.ForceAssignmentAddress())
	}
	for _, c := range r.Candidates {
		l.Candidates = append(l.Candidates, c.ID)
	}
	for _, ls := range r.Leases {
		l.Leases = append(l.Leases, ls.Source)
	}
	return l
}

// subjectLine is one subject's corroboration line.
type subjectLine struct {
	Subject             string   `json:"subject"`
	Status              string   `json:"status"`
	SubscriberID        *string  `json:"subscriber_id"`
	Name                string   `json:"name,omitempty"`
	InstallationAddress *string  `json:"installation_address"`
	ForceAssignment     *string  `json:"force_assignment_address"`
	BillingAddress      *string  `json:"billing_address"`
	EventIDs            []string `json:"event_ids"`
	Reasons             []string `json:"reasons"`
	ReasonText          []string `json:"reason_text"`
}

func newSubjectLine(sr attribution.SubjectResult) subjectLine {
	l := subjectLine{Subject: sr.Subject, Status: sr.Status, EventIDs: sr.EventRefs,
		Reasons: sr.Reasons.Codes(), ReasonText: sr.Reasons.Texts()}
	if l.EventIDs == nil {
		l.EventIDs = []string{}
	}
	if s := sr.Subscriber; s != nil {
		l.SubscriberID, l.Name = &s.ID, s.Name
		l.InstallationAddress, l.BillingAddress = nonEmpty(s.InstallAddress), nonEmpty(s.BillingAddress)
		l.ForceAssignment = nonEmpty(s.ForceAssignmentAddress())
	}
	return l
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
