package synth

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
)

// Invented name parts: chosen to be unusual so that no combination reads as
// a real person's name.
var (
	givenNames = []string{"Abelard", "Bryony", "Caspian", "Delphine", "Ezra", "Fenella",
		"Gideon", "Honora", "Isidore", "Juniper", "Kestrel", "Lysander", "Marigold",
		"Nathaniel", "Ottoline", "Peregrine", "Quentin", "Rosalind", "Septimus", "Tamsin",
		"Ulric", "Verity", "Wilfred", "Xanthe", "Yorick", "Zephyrine"}
	familyNames = []string{"Quillfeather", "Brackenridge", "Thistlewood", "Marrowdale",
		"Fernsby", "Oakenshaw", "Pennywhistle", "Larkspur", "Hollowell", "Wrenfield",
		"Ashcombe", "Bramblecote", "Cinderford", "Dewhurst", "Elderwick", "Foxglove",
		"Gorsemoor", "Heathcliffe", "Ivybridge", "Juniperholt", "Kettleby", "Lindenmere"}
	streets   = []string{"Fictional Lane", "Example Road", "Sample Street", "Placeholder Close", "Demo Avenue", "Synthetic Way"}
	platforms = []string{"chatapp.example", "photoshare.example", "forum.example.org", "gamehub.example"}
)

// person is one fictional subject with the identifiers their referrals carry.
type person struct {
	name, address, email, phone, username string
	force                                 int
	childAccess                           bool
}

func newPerson(r *rand.Rand, i, forces int) person {
	given := givenNames[r.IntN(len(givenNames))]
	family := familyNames[r.IntN(len(familyNames))]
	f := r.IntN(forces)
	return person{
		name:     given + " " + family,
		address:  fmt.Sprintf("%d %s, Q%c%d %dZZ", 1+r.IntN(200), streets[r.IntN(len(streets))], 'A'+f/9, f%9+1, r.IntN(10)),
		email:    fmt.Sprintf("%s.%s%d@%s", strings.ToLower(given), strings.ToLower(family), i, []string{"example.com", "example.org"}[r.IntN(2)]),
		phone:    fmt.Sprintf("+44 7700 900%03d", r.IntN(1000)), // Ofcom's range for drama
		username: fmt.Sprintf("%s%d@%s", strings.ToLower(family), r.IntN(1000), platforms[r.IntN(len(platforms))]),
		force:    f,
		// About one in six has access to children, the signal that makes a
		// case an immediate priority.
		childAccess: r.IntN(6) == 0,
	}
}

var docPrefixes = []netip.Prefix{
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("2001:db8::/32"),
	netip.MustParsePrefix("100.64.0.0/10"),
}

// randomIP returns an address from a documentation range or, about one time
// in five, the CGNAT range.
func randomIP(r *rand.Rand) netip.Addr {
	p := docPrefixes[r.IntN(len(docPrefixes))]
	b := p.Addr().AsSlice()
	for i := (p.Bits() + 7) / 8; i < len(b); i++ {
		b[i] = byte(r.IntN(256))
	}
	if p.Bits()%8 != 0 {
		i := p.Bits() / 8
		mask := byte(0xff >> (p.Bits() % 8))
		b[i] = b[i]&^mask | byte(r.IntN(256))&mask
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

func randomHex(r *rand.Rand, n int) string {
	const digits = "0123456789abcdef"
	var b strings.Builder
	for range n {
		b.WriteByte(digits[r.IntN(16)])
	}
	return b.String()
}
