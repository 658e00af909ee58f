package attribution

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strings"

	"safeguard"
)

// ProxyList is a set of addresses and prefixes known to be VPN, proxy or
// Tor exits: traffic from them says nothing about who is behind them.
type ProxyList struct {
	set prefixSet
	n   int
}

// Len returns the number of entries.
func (pl *ProxyList) Len() int {
	if pl == nil {
		return 0
	}
	return pl.n
}

// Add adds a prefix with a label (for example "tor-exits.txt:12").
func (pl *ProxyList) Add(p netip.Prefix, label string) {
	pl.set.addLabel(p, label)
	pl.n++
}

// Lookup returns the entry containing addr and its label.
func (pl *ProxyList) Lookup(addr netip.Addr) (netip.Prefix, string, bool) {
	if pl == nil {
		return netip.Prefix{}, "", false
	}
	return pl.set.lookup(addr)
}

// ReadProxies adds to pl one address or CIDR prefix a line; "#" starts a
// comment, blank lines are skipped, and words after the address (a
// category, a date) are ignored. A first row naming the column ("ip",
// "address", ...) is a header, and Tor's exit-addresses format is read by
// its ExitAddress lines. A line that is not an address is an error naming
// file and line.
func (pl *ProxyList) ReadProxies(r io.Reader, file string) error {
	sc := bufio.NewScanner(skipBOM(r))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	line := 0
	n0, seenHeader := pl.n, false
	for sc.Scan() {
		line++
		text := sc.Text()
		if i := strings.IndexByte(text, '#'); i >= 0 {
			text = text[:i]
		}
		f := strings.FieldsFunc(text, func(r rune) bool { return r == ' ' || r == '\t' || r == ',' || r == ';' })
		if len(f) == 0 {
			continue
		}
		switch strings.ToLower(strings.Trim(f[0], `"`)) {
		case "exitnode", "published", "laststatus":
			continue // Tor's exit-addresses format: only ExitAddress lines name an address
		case "exitaddress":
			if len(f) < 2 {
				return whereErr(file, line, 0, "", fmt.Errorf("ExitAddress without an address"))
			}
			f = f[1:]
		case "ip", "address", "ip_address", "prefix", "network", "cidr":
			if !seenHeader && pl.n == n0 {
				seenHeader = true
				continue // a header row
			}
		}
		p, err := ParsePrefix(strings.Trim(f[0], `"`))
		if err != nil {
			return whereErr(file, line, 0, "", err)
		}
		pl.Add(p, fmt.Sprintf("%s:%d", file, line))
	}
	if err := sc.Err(); err != nil {
		return safeguard.WrapError(safeguard.EINVALID, err, "%s:%d: %v", file, line+1, err)
	}
	return nil
}

// ProxyEntry is one entry of a proxy list: a prefix and where it was read.
type ProxyEntry struct {
	Prefix netip.Prefix
	Label  string
}

// Entries returns the list's distinct prefixes in address order, each with
// the label it was first added with, so a caller can store the list.
func (pl *ProxyList) Entries() []ProxyEntry {
	if pl == nil {
		return nil
	}
	out := make([]ProxyEntry, 0, len(pl.set.set))
	for p, label := range pl.set.set {
		out = append(out, ProxyEntry{Prefix: p, Label: label})
	}
	slices.SortFunc(out, func(a, b ProxyEntry) int {
		if c := a.Prefix.Addr().Compare(b.Prefix.Addr()); c != 0 {
			return c
		}
		return a.Prefix.Bits() - b.Prefix.Bits()
	})
	return out
}
