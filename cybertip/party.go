package cybertip

import (
	"strings"

	"safeguard"
)

// parsePerson reads a person or contactPerson element.
func parsePerson(n *node) (Person, error) {
	p := Person{FirstName: n.value("firstName"), LastName: n.value("lastName")}
	for _, c := range n.all("phone") {
		ph := Phone{Number: c.str()}
		ph.Type, _ = c.attr("type")
		ph.CountryCallingCode, _ = c.attr("countryCallingCode")
		ph.Extension, _ = c.attr("extension")
		v, err := attrBool(c, "verified")
		if err != nil {
			return p, err
		}
		ph.Verified = v
		p.Phones = append(p.Phones, ph)
	}
	for _, c := range n.all("email") {
		e := Email{Address: c.str()}
		e.Type, _ = c.attr("type")
		v, err := attrBool(c, "verified")
		if err != nil {
			return p, err
		}
		e.Verified = v
		p.Emails = append(p.Emails, e)
	}
	for _, c := range n.all("address") {
		p.Addresses = append(p.Addresses, parseAddress(c))
	}
	if c := n.child("age"); c != nil {
		a, err := parseInt(c)
		if err != nil {
			return p, err
		}
		p.Age = &a
	}
	if c := n.child("dateOfBirth"); c != nil {
		d, err := parseDate(c)
		if err != nil {
			return p, err
		}
		p.DateOfBirth = d
	}
	return p, nil
}

// attrBool reads an optional xs:boolean attribute.
func attrBool(n *node, name string) (*bool, error) {
	v, ok := n.attr(name)
	if !ok {
		return nil, nil
	}
	b, err := parseBool(n.attrNode(name, v))
	if err != nil {
		return nil, err
	}
	return &b, nil
}

// attrTime reads an optional xs:dateTime attribute.
func attrTime(n *node, name string) (*DateTime, error) {
	v, ok := n.attr(name)
	if !ok {
		return nil, nil
	}
	t, err := parseTimeText(v, n.attrNode(name, v))
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// parseAddress reads an address element.
func parseAddress(n *node) Address {
	a := Address{
		Street:  n.value("address"),
		City:    n.value("city"),
		ZipCode: n.value("zipCode"),
		State:   n.value("state"),
		Country: n.value("country"),
	}
	if a.State == "" {
		a.State = n.value("nonUsaState")
	}
	a.Type, _ = n.attr("type")
	return a
}

// String returns the address on one line, its parts separated by commas.
func (a Address) String() string {
	var parts []string
	for _, s := range []string{a.Street, a.City, a.State, a.ZipCode, a.Country} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ", ")
}

// personIdents maps a person's name, phones, e-mails and addresses.
func personIdents(ids []safeguard.Identifier, p *Person) []safeguard.Identifier {
	ids = ident(ids, safeguard.IdentName, strings.TrimSpace(p.FirstName+" "+p.LastName))
	for _, ph := range p.Phones {
		v := ph.Number
		if ph.CountryCallingCode != "" && v != "" && !strings.HasPrefix(v, "+") {
			v = ph.CountryCallingCode + " " + v
		}
		ids = ident(ids, safeguard.IdentPhone, v)
	}
	for _, e := range p.Emails {
		ids = ident(ids, safeguard.IdentEmail, e.Address)
	}
	for _, a := range p.Addresses {
		if a.livesAt() {
			ids = ident(ids, safeguard.IdentAddress, a.String())
		}
	}
	return ids
}

// livesAt reports whether a is where the person may live: a Home address
// or one of no type. Linking takes an address identifier for the place a
// subject lives, places the subject with the force covering it, and links
// on it: a Billing address (often a parent's or a payer's), a Shipping or
// Business address, or the Technical contact's, would send the case to the
// wrong door or tie two people together. Those stay on the Person only.
func (a Address) livesAt() bool {
	return a.Type == "" || a.Type == "Home"
}

// scoped returns "v@platform", or "" when either is missing: a screen name
// or account id means nothing without its platform, and linking bare ones
// would tie together different people on different services.
func scoped(v, platform string) string {
	v, platform = strings.TrimSpace(v), strings.TrimSpace(platform)
	if v == "" || platform == "" {
		return ""
	}
	return v + "@" + platform
}

// parseDeviceIDs reads the deviceId children of n.
func parseDeviceIDs(n *node) ([]DeviceID, error) {
	var out []DeviceID
	for _, c := range n.all("deviceId") {
		for _, name := range []string{"idType", "idValue", "dateTime"} {
			if _, err := c.single(name); err != nil {
				return nil, err
			}
		}
		d := DeviceID{Type: c.value("idType"), Value: c.value("idValue"), EventName: c.value("eventName")}
		if tn := c.child("dateTime"); tn != nil {
			t, err := parseTime(tn)
			if err != nil {
				return nil, err
			}
			d.Time = &t
		}
		out = append(out, d)
	}
	return out, nil
}

// party reads a personOrUserReported or intendedRecipient element. The
// platform of its screen name and account id is its espService, else the
// report's platform.
func (r *Report) party(n *node, personElem, role string) (Party, []IPCapture, error) {
	p := Party{
		ESPIdentifier:   n.value("espIdentifier"),
		ESPService:      n.value("espService"),
		ScreenName:      n.value("screenName"),
		GroupIdentifier: n.value("groupIdentifier"),
	}
	var err error
	if pn := n.child(personElem); pn != nil {
		pp, err := parsePerson(pn)
		if err != nil {
			return p, nil, err
		}
		p.Person = &pp
		p.Identifiers = personIdents(p.Identifiers, &pp)
	}
	if p.CompromisedAccount, err = optBool(n, "compromisedAccount"); err != nil {
		return p, nil, err
	}
	for _, c := range n.all("displayName") {
		p.DisplayNames = append(p.DisplayNames, c.str())
	}
	for _, c := range n.all("profileUrl") {
		p.ProfileURLs = append(p.ProfileURLs, c.str())
	}
	for _, c := range n.all("priorCTReports") {
		v, err := parseLong(c)
		if err != nil {
			return p, nil, err
		}
		p.PriorCTReports = append(p.PriorCTReports, v)
	}
	for _, c := range n.all("additionalInfo") {
		p.AdditionalInfo = append(p.AdditionalInfo, c.str())
	}
	platform := p.ESPService
	if platform == "" {
		platform = r.Referral.Platform
	}
	p.Identifiers = ident(p.Identifiers, safeguard.IdentUsername, scoped(p.ScreenName, platform))
	p.Identifiers = ident(p.Identifiers, safeguard.IdentAccountID, scoped(p.ESPIdentifier, platform))
	if p.DeviceIDs, err = parseDeviceIDs(n); err != nil {
		return p, nil, err
	}
	for _, d := range p.DeviceIDs {
		p.Identifiers = ident(p.Identifiers, safeguard.IdentDeviceID, d.Value)
	}
	var caps []IPCapture
	for _, c := range n.all("ipCaptureEvent") {
		cp, err := parseIPCapture(c, role)
		if err != nil {
			return p, nil, err
		}
		caps = append(caps, cp)
	}
	if ln := n.child("estimatedLocation"); ln != nil {
		loc := &Location{City: ln.value("city"), Region: ln.value("region"), CountryCode: ln.value("countryCode")}
		if loc.Verified, err = attrBool(ln, "verified"); err != nil {
			return p, nil, err
		}
		if loc.Timestamp, err = attrTime(ln, "timestamp"); err != nil {
			return p, nil, err
		}
		p.EstimatedLocation = loc
	}
	for _, an := range n.all("associatedAccount") {
		a, acaps, err := parseAssociated(an, platform)
		if err != nil {
			return p, nil, err
		}
		p.AssociatedAccounts = append(p.AssociatedAccounts, a)
		caps = append(caps, acaps...)
	}
	return p, caps, nil
}

// parseAssociated reads an associatedAccount; its platform defaults to the
// owning party's.
func parseAssociated(n *node, platform string) (AssociatedAccount, []IPCapture, error) {
	a := AssociatedAccount{
		Platform:      n.value("platform"),
		MiddleName:    n.value("middleName"),
		ESPService:    n.value("espService"),
		ESPIdentifier: n.value("espIdentifier"),
		ScreenName:    n.value("screenName"),
	}
	a.Type, _ = n.attr("type")
	p, err := parsePerson(n)
	if err != nil {
		return a, nil, err
	}
	if c := n.child("approximateAge"); c != nil {
		v, err := parseInt(c)
		if err != nil {
			return a, nil, err
		}
		p.Age = &v
	}
	a.Person = p
	a.Identifiers = personIdents(nil, &p)
	for _, c := range n.all("displayName") {
		a.DisplayNames = append(a.DisplayNames, c.str())
	}
	for _, c := range n.all("profileUrl") {
		a.ProfileURLs = append(a.ProfileURLs, c.str())
	}
	if a.ESPService != "" {
		platform = a.ESPService
	} else if a.Platform != "" {
		platform = a.Platform
	}
	a.Identifiers = ident(a.Identifiers, safeguard.IdentUsername, scoped(a.ScreenName, platform))
	a.Identifiers = ident(a.Identifiers, safeguard.IdentAccountID, scoped(a.ESPIdentifier, platform))
	if a.DeviceIDs, err = parseDeviceIDs(n); err != nil {
		return a, nil, err
	}
	for _, d := range a.DeviceIDs {
		a.Identifiers = ident(a.Identifiers, safeguard.IdentDeviceID, d.Value)
	}
	var caps []IPCapture
	for _, c := range n.all("ipCaptureEvent") {
		cp, err := parseIPCapture(c, RoleAssociated)
		if err != nil {
			return a, nil, err
		}
		caps = append(caps, cp)
	}
	return a, caps, nil
}
