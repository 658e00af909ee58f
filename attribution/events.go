package attribution

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"

	"safeguard"
)

// EventRow is one row of an events CSV.
type EventRow struct {
	Event
	Subject string // "" when the file has no subject column or the cell is empty
	Line    int
}

// ReadEvents reads events as CSV with a header: event_id, ip, port, time,
// and optionally subject (to group events for corroboration) and
// possible_proxy (true or false). Without a header the columns are taken in
// the order event_id, ip, port, time[, subject]. The time is kept exactly as given; it is
// read as an instant only when it has an offset. The port may be empty.
// hasSubject reports whether the subject column is present. The first bad
// row ends the read with an error naming file, line and column.
func ReadEvents(r io.Reader, file string) (rows []EventRow, hasSubject bool, err error) {
	cr := csv.NewReader(skipBOM(r))
	cr.FieldsPerRecord = -1
	cr.Comment = '#'
	col := map[string]int{"event_id": -1, "ip": -1, "port": -1, "time": -1, "subject": -1, "possible_proxy": -1}
	var started bool // the first row, a header or not, has been read
	width := 5       // cells a row may fill: the header's, or event_id,ip,port,time,subject
	seen := map[string]int{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, false, whereErr(file, pe.Line, pe.Column, "csv", pe.Err)
			}
			return nil, false, safeguard.WrapError(safeguard.EINVALID, err, "%s: %v", file, err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if !started {
			started = true
			if isEventHeader(rec) {
				if err := eventHeader(rec, col); err != nil {
					return nil, false, whereErr(file, line, 0, "", err)
				}
				hasSubject = col["subject"] >= 0
				width = len(rec)
				continue
			}
			// No header: the documented order, event_id,ip,port,time and
			// an optional subject.
			if len(rec) < 4 {
				return nil, false, whereErr(file, line, 0, "", fmt.Errorf("want a header or the columns event_id,ip,port,time; the row has %d", len(rec)))
			}
			col["event_id"], col["ip"], col["port"], col["time"] = 0, 1, 2, 3
			if len(rec) > 4 {
				col["subject"] = 4
			}
			hasSubject = col["subject"] >= 0
		}
		for i := width; i < len(rec); i++ {
			// A cell past the named columns would be dropped unread: an
			// offset split off its time, a port in the wrong place.
			if v := strings.TrimSpace(rec[i]); v != "" {
				return nil, false, whereErr(file, line, i+1, "unnamed", fmt.Errorf("the row has %d cells but the columns are %d: %q is in no column", len(rec), width, v))
			}
		}
		get := func(name string) string {
			if i := col[name]; i >= 0 && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		bad := func(name string, err error) error {
			return whereErr(file, line, col[name]+1, name, err)
		}
		var row EventRow
		row.Line = line
		if row.Ref = get("event_id"); row.Ref == "" {
			return nil, false, bad("event_id", fmt.Errorf("empty event_id"))
		}
		if first, dup := seen[row.Ref]; dup {
			return nil, false, bad("event_id", fmt.Errorf("event_id %q already used at line %d", row.Ref, first))
		}
		seen[row.Ref] = line
		a, err := netip.ParseAddr(get("ip"))
		if err != nil || a.Zone() != "" {
			return nil, false, bad("ip", fmt.Errorf("%q is not an IP address", get("ip")))
		}
		row.IP = a
		if p := get("port"); p != "" {
			n, err := parsePort(p)
			if err != nil {
				return nil, false, bad("port", err)
			}
			row.Port = &n
		}
		row.TimeText = get("time")
		et, err := ParseEventTime(row.TimeText)
		if err != nil {
			return nil, false, bad("time", err)
		}
		if et.HasOffset {
			at := et.At
			row.At, row.HasOffset = &at, true
		}
		row.Subject = get("subject")
		if pp := get("possible_proxy"); pp != "" {
			if row.PossibleProxy, err = parseBool(pp); err != nil {
				return nil, false, bad("possible_proxy", err)
			}
		}
		rows = append(rows, row)
	}
	if !started {
		return nil, false, safeguard.Errorf(safeguard.EINVALID, "%s: empty: want a header event_id,ip,port,time", file)
	}
	return rows, hasSubject, nil
}

func eventHeader(rec []string, col map[string]int) error {
	for i, h := range rec {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		switch h {
		case "id":
			h = "event_id"
		case "possibleproxy":
			h = "possible_proxy"
		}
		if c, ok := col[h]; ok {
			if c >= 0 {
				return fmt.Errorf("column %q appears twice in the header", h)
			}
			col[h] = i
		}
	}
	for _, need := range []string{"event_id", "ip", "time"} {
		if col[need] < 0 {
			return fmt.Errorf("header has no %q column (want event_id,ip,port,time[,subject])", need)
		}
	}
	return nil
}

// isEventHeader reports whether a first row names columns rather than
// holding an event: it has a cell naming a column, so that a header
// missing one is reported as such rather than read as an event.
func isEventHeader(rec []string) bool {
	for _, h := range rec {
		switch strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))) {
		case "event_id", "ip", "port", "time", "possible_proxy", "possibleproxy":
			return true
		}
	}
	return false
}

// ReadLeases reads an ISP response CSV or a RADIUS-accounting log,
// recognised by its first line: a RADIUS log names Acct-Status-Type there.
func ReadLeases(r io.Reader, file string) ([]Lease, error) {
	br := bufio.NewReader(r)
	head, _ := br.Peek(4096)
	if first := firstDataLine(string(head)); isRADIUSHead(first) || detailDateRE.MatchString(first) {
		return ReadRADIUS(br, file)
	}
	return ReadISP(br, file)
}
