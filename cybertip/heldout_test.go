package cybertip_test

// Tests written against the schema and the rules rather than the first
// fixtures: reports a provider might send that use the schema's other
// corners (every incident kind, every element of a reported person, files
// with every element, other encodings, times and addresses in every
// lexical form), and documents that must be refused with where and why.

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"safeguard"
	"safeguard/cybertip"
)

// wantEvent is an IP event as it must come out of a report.
type wantEvent struct {
	ip, text, at string // at: "" when the text has no offset
	port         int    // -1: none
	eventType    string
	proxy        bool
}

func checkEvents(t *testing.T, got []safeguard.IPEvent, want []wantEvent) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d IP events, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		e := got[i]
		if e.IP.String() != w.ip || e.TimeText != w.text || e.EventType != w.eventType || e.PossibleProxy != w.proxy {
			t.Errorf("event %d = %s %q %q proxy %v, want %s %q %q proxy %v", i, e.IP, e.TimeText, e.EventType, e.PossibleProxy, w.ip, w.text, w.eventType, w.proxy)
		}
		if e.HasOffset != (w.at != "") {
			t.Errorf("event %d: HasOffset = %v for %q", i, e.HasOffset, w.text)
		}
		switch {
		case w.at == "" && e.At != nil:
			t.Errorf("event %d: At = %v for a time without an offset, want none", i, e.At)
		case w.at != "" && (e.At == nil || e.At.Format(time.RFC3339Nano) != w.at):
			t.Errorf("event %d: At = %v, want %s", i, e.At, w.at)
		}
		switch {
		case w.port < 0 && e.Port != nil:
			t.Errorf("event %d: port %d, want none", i, *e.Port)
		case w.port >= 0 && (e.Port == nil || *e.Port != w.port):
			t.Errorf("event %d: port %v, want %d", i, e.Port, w.port)
		}
	}
}

func TestHeldOutAllIncidentKinds(t *testing.T) {
	r := MustParse(t, "testdata/report_all_kinds.xml").Report
	ref := r.Referral
	if ref.SourceRef != "240001010" || ref.Platform != "ExampleMail" || r.BatchedReason != "VIRAL_POTENTIAL_MEME" {
		t.Errorf("source_ref %q platform %q batched %q", ref.SourceRef, ref.Platform, r.BatchedReason)
	}
	// An empty escalateToHighPriority is not an escalation.
	if ref.Escalated {
		t.Error("an empty escalateToHighPriority escalated the report")
	}
	if got, want := strings.Join(ref.Annotations, ","), "spam,minorToMinorInteraction,sextortion"; got != want {
		t.Errorf("annotations %s, want %s", got, want)
	}
	if ref.IncidentAt == nil || ref.IncidentAt.Format(time.RFC3339Nano) != "2026-06-30T09:59:59.999Z" || r.Incident.Text != "2026-06-30T23:59:59.999+14:00" {
		t.Errorf("incident time %+v at %v", r.Incident, ref.IncidentAt)
	}
	var kinds []string
	for _, in := range r.Incidents {
		kinds = append(kinds, in.Kind)
	}
	if got, want := strings.Join(kinds, ","), "webPage,email,newsgroup,chatIm,onlineGaming,cellPhone,nonInternet,peer2peer"; got != want {
		t.Errorf("incident kinds %s, want %s", got, want)
	}
	web, mail, news, cell, place := r.Incidents[0], r.Incidents[1], r.Incidents[2], r.Incidents[5], r.Incidents[6]
	if web.ThirdPartyHosted == nil || !*web.ThirdPartyHosted || len(web.URLs) != 3 || web.URLs[0] != "https://files.example.com/s/abc?x=1&y=2" {
		t.Errorf("webPage = %+v", web)
	}
	if len(mail.EmailAddresses) != 2 || mail.Content != `Subject: <fictional> & "quoted"` {
		t.Errorf("email = %+v", mail)
	}
	if news.Name != "alt.example.test" || len(news.EmailAddresses) != 1 {
		t.Errorf("newsgroup = %+v", news)
	}
	if cell.PhoneNumber != "555-0142" || cell.Latitude != "5.15E1" || cell.Longitude != "-0.1276" {
		t.Errorf("cellPhone = %+v", cell)
	}
	if len(place.Addresses) != 2 || place.Addresses[0].State != "CA" || place.Addresses[1].State != "Exampleshire" {
		t.Errorf("nonInternet = %+v", place)
	}
	// Incident e-mail addresses may be anyone's (the victim's too): never
	// identifiers of the referral.
	if len(ref.Identifiers) != 0 {
		t.Errorf("identifiers from incidents: %+v", ref.Identifiers)
	}
	checkEvents(t, ref.IPEvents, []wantEvent{
		{"2001:db8::42", "2026-06-30T10:00:00.5Z", "2026-06-30T10:00:00.5Z", 4662, "Upload", false},
		{"203.0.113.77", "2026-06-30T12:30:00-09:30", "2026-06-30T22:00:00Z", 0, "Registration", false},
		// 24:00:00 is the end of the day: 1 July 00:00 at +05:45.
		{"100.64.0.1", "2026-06-30T24:00:00+05:45", "2026-06-30T18:15:00Z", 65535, "", true},
		{"198.51.100.200", "2026-06-30T08:15:00", "", 8080, "Purchase", false},
	})
	// The event without a time is kept, not attributed.
	if n := len(r.IPCaptures); n != 5 || r.IPCaptures[4].InReferral || r.IPCaptures[4].IP.String() != "2001:db8::" {
		t.Errorf("captures = %+v", r.IPCaptures)
	}
}

func TestHeldOutPersons(t *testing.T) {
	r := MustParse(t, "testdata/report_persons.xml").Report
	ref := r.Referral
	if !ref.Escalated || r.EscalationReason != "Threat to meet a child." {
		t.Errorf("escalation %v %q", ref.Escalated, r.EscalationReason)
	}
	if ref.IncidentAt == nil || !ref.IncidentAt.Equal(time.Date(2026, 7, 4, 13, 30, 0, 0, time.UTC)) {
		t.Errorf("incident at %v", ref.IncidentAt)
	}
	// The reported persons' own identifiers only, each once. The Billing
	// address is not one: it is not where the person lives.
	want := []safeguard.Identifier{
		{Kind: safeguard.IdentName, Value: "Robin Invented"},
		{Kind: safeguard.IdentPhone, Value: "+44 7700 900456"},
		{Kind: safeguard.IdentPhone, Value: "+1 555 0123"},
		{Kind: safeguard.IdentEmail, Value: "Robin.Invented@Example.com"},
		{Kind: safeguard.IdentEmail, Value: "robin.backup@example.org"},
		{Kind: safeguard.IdentAddress, Value: "3 Fiction Lane, Exampletown, Exampleshire, EX2 3AB, GB"},
		{Kind: safeguard.IdentUsername, Value: "robin_inv@ExampleSocial Groups"},
		{Kind: safeguard.IdentAccountID, Value: "9000001@ExampleSocial Groups"},
		{Kind: safeguard.IdentDeviceID, Value: "356938035643809"},
		{Kind: safeguard.IdentDeviceID, Value: "00:00:5e:00:53:af"},
		{Kind: safeguard.IdentUsername, Value: "second_user@ExampleSocial"},
		{Kind: safeguard.IdentEmail, Value: "third@example.net"},
	}
	if !equalIdents(ref.Identifiers, want) {
		t.Errorf("identifiers\n%+v\nwant\n%+v", ref.Identifiers, want)
	}
	for _, id := range ref.Identifiers {
		for _, other := range []string{"PO Box", "Jamie", "jamie", "9000002", "robin_alt", "kid", "Kid", "9000100", "11111111-2222"} {
			if strings.Contains(id.Value, other) {
				t.Errorf("identifier %+v of an associated account, recipient or victim, or a billing address, is in the referral", id)
			}
		}
	}
	checkEvents(t, ref.IPEvents, []wantEvent{
		{"192.0.2.33", "2026-07-04T13:29:00.000001Z", "2026-07-04T13:29:00.000001Z", 52311, "Login", false},
		{"2001:db8:85a3::8a2e:370:7334", "2026-07-03T22:00:00+02:00", "2026-07-03T20:00:00Z", -1, "Other", true},
		{"100.72.1.9", "2026-07-04T01:00:00", "", -1, "Upload", false},
		{"203.0.113.1", "2026-07-04T09:00:00-04:00", "2026-07-04T13:00:00Z", -1, "", false},
	})
	if len(r.Reported) != 3 || len(r.IntendedRecipients) != 3 || len(r.Victims) != 3 {
		t.Fatalf("%d reported, %d recipients, %d victims; want 3 each", len(r.Reported), len(r.IntendedRecipients), len(r.Victims))
	}
	p := r.Reported[0]
	if p.Person == nil || *p.Person.Age != 41 || p.Person.DateOfBirth != "1985-02-28" || len(p.Person.Addresses) != 2 || p.Person.Addresses[1].Type != "Billing" {
		t.Errorf("person = %+v", p.Person)
	}
	if p.Person.Phones[0].Verified == nil || !*p.Person.Phones[0].Verified || p.Person.Emails[0].Verified == nil || *p.Person.Emails[0].Verified {
		t.Errorf("verified flags = %+v %+v", p.Person.Phones[0], p.Person.Emails[0])
	}
	if p.CompromisedAccount == nil || *p.CompromisedAccount || len(p.DisplayNames) != 2 || len(p.ProfileURLs) != 2 || p.GroupIdentifier != "group-77" {
		t.Errorf("party = %+v", p)
	}
	if got := strings.Join(p.PriorCTReports, ","); got != "100001,100002" {
		t.Errorf("prior reports %s", got)
	}
	if loc := p.EstimatedLocation; loc == nil || loc.Verified == nil || !*loc.Verified || loc.Timestamp == nil || loc.Timestamp.At == nil || loc.CountryCode != "GB" {
		t.Errorf("location = %+v", loc)
	}
	if len(p.AssociatedAccounts) != 2 || p.AssociatedAccounts[0].Type != "Parent/Guardian" || *p.AssociatedAccounts[0].Person.Age != 60 ||
		!hasIdent(p.AssociatedAccounts[1].Identifiers, safeguard.IdentUsername, "robin_alt@ExampleSocial Groups") {
		t.Errorf("associated accounts = %+v", p.AssociatedAccounts)
	}
	var ages []string
	for _, v := range r.Victims {
		if v.Age == nil {
			ages = append(ages, "-")
		} else {
			ages = append(ages, fmt.Sprint(*v.Age))
		}
	}
	if got := strings.Join(ages, ","); got != "12,-,9" {
		t.Errorf("victim ages %s, want 12,-,9", got)
	}
	if rc := r.IntendedRecipients[0]; len(rc.AdditionalInfo) != 2 || !hasIdent(rc.Identifiers, safeguard.IdentUsername, "kid_one@ExampleSocial") {
		t.Errorf("recipient = %+v", rc)
	}
	roles := map[string]int{}
	for _, c := range r.IPCaptures {
		roles[c.Role]++
		if c.InReferral != (c.Role == cybertip.RoleReported) {
			t.Errorf("capture %s (%s) in referral: %v", c.IP, c.Role, c.InReferral)
		}
	}
	if roles[cybertip.RoleReported] != 4 || roles[cybertip.RoleAssociated] != 1 || roles[cybertip.RoleRecipient] != 1 || len(roles) != 3 {
		t.Errorf("capture roles %v (the victim's address is not kept)", roles)
	}
	if le := r.LawEnforcement; le == nil || le.CaseNumber != "EX-2026-0042" || le.ReportedToLE == nil || !*le.ReportedToLE || le.Officer == nil {
		t.Errorf("law enforcement = %+v", le)
	}
	if rep := r.Reporter; rep == nil || rep.Person == nil || rep.Contact == nil || rep.CompanyTemplate != "Template 3" {
		t.Errorf("reporter = %+v", rep)
	}
}

// TestHeldOutEncodings: a byte order mark, CRLF line ends, ISO-8859-1 and
// UTF-16 documents, character references, CDATA and comments inside values
// read the same facts; the document is kept byte for byte.
func TestHeldOutEncodings(t *testing.T) {
	tests := []struct {
		file     string
		ident    safeguard.Identifier
		event    wantEvent
		platform string
	}{
		{"report_bom_crlf.xml", safeguard.Identifier{Kind: safeguard.IdentEmail, Value: "renée@example.com"},
			wantEvent{"192.0.2.5", "2026-10-25T01:30:00+01:00", "2026-10-25T00:30:00Z", 1443, "Login", false}, "Example Photos & Video"},
		{"report_latin1.xml", safeguard.Identifier{Kind: safeguard.IdentName, Value: "Zoë Fictif"},
			wantEvent{"203.0.113.200", "2026-02-01T11:58:00Z", "2026-02-01T11:58:00Z", -1, "Login", false}, "Exemple Héberge"},
		{"report_utf16.xml", safeguard.Identifier{Kind: safeguard.IdentUsername, Value: "seller_😀@ExampleAds"},
			wantEvent{"2001:db8:1::ab", "2026-08-08T10:08:08+02:00", "2026-08-08T08:08:08Z", 443, "Upload", false}, "ExampleAds"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			raw := MustRead(t, "testdata/"+tt.file)
			r := MustParse(t, "testdata/"+tt.file).Report
			ref := r.Referral
			sum := sha256.Sum256(raw)
			if !bytes.Equal(ref.Document, raw) || ref.DocumentSHA256 != hex.EncodeToString(sum[:]) {
				t.Error("the document is not kept byte for byte with its own SHA-256")
			}
			if ref.Platform != tt.platform {
				t.Errorf("platform %q, want %q", ref.Platform, tt.platform)
			}
			if !hasIdent(ref.Identifiers, tt.ident.Kind, tt.ident.Value) {
				t.Errorf("identifiers %+v lack %+v", ref.Identifiers, tt.ident)
			}
			checkEvents(t, ref.IPEvents, []wantEvent{tt.event})
		})
	}
	r := MustParse(t, "testdata/report_bom_crlf.xml").Report
	if len(r.Incidents) != 1 || r.Incidents[0].URLs[0] != "https://photos.example.com/a?b=1&c=<2>" || r.Reported[0].Person.LastName != "Example" {
		t.Errorf("CDATA or a comment inside a value misread: %+v %+v", r.Incidents, r.Reported[0].Person)
	}
	// A refusal in a CRLF, BOM or UTF-16 document names the right line.
	bomCRLF := bytes.Replace(MustRead(t, "testdata/report_bom_crlf.xml"), []byte("&#49;92.0.2.5"), []byte("192.0.2.500"), 1)
	_, err := cybertip.Parse(bomCRLF, cybertip.Options{})
	wantParseError(t, err, "line 29, /report/personOrUserReported/ipCaptureEvent/ipAddress: not an IP address")
	u16 := MustRead(t, "testdata/report_utf16.xml")
	u16 = bytes.Replace(u16, []byte{'4', 0, '4', 0, '3', 0}, []byte{'4', 0, '4', 0, 'x', 0}, 1)
	_, err = cybertip.Parse(u16, cybertip.Options{})
	wantParseError(t, err, "line 21, /report/personOrUserReported/ipCaptureEvent/port: not an xs:int")
}

func TestHeldOutWindows1252(t *testing.T) {
	// 0x80 is the euro sign in windows-1252, a C1 control in ISO-8859-1.
	doc := []byte("<?xml version=\"1.0\" encoding=\"windows-1252\"?>\n<report><incidentSummary><incidentType>Child Sex Tourism</incidentType><platform>Pay\x80 \x93Example\x94</platform>" +
		"<incidentDateTime>2026-03-14T21:07:33Z</incidentDateTime></incidentSummary><reporter><reportingPerson/></reporter></report>")
	r, err := cybertip.ParseReport(doc, cybertip.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := r.Referral.Platform, "Pay€ “Example”"; got != want {
		t.Errorf("platform %q, want %q", got, want)
	}
}

func TestHeldOutFileDetails(t *testing.T) {
	tests := []struct {
		file, report, fileID   string
		md5, sha1, sha256, pdq string
		viewed                 string // "", "true", "false"
		public                 string
		class                  string
		annotations            int
		others                 string
		event                  *wantEvent
		devices                int
	}{
		{"filedetails_all_elements.xml", "240001011", "f-all-1",
			"0cc175b9c0f1b6a831c399e269772661", "86f7e437faa5a7fce15d1ddcb9eaeaea377667b8",
			"ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb", "58f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22",
			"false", "true", "A2", 10, "SHA512,PhotoDNA",
			&wantEvent{"2001:db8:85a3::8a2e:370:7334", "2026-07-04T17:28:59Z", "2026-07-04T17:28:59Z", 50123, "Upload", false}, 2},
		{"filedetails_viewed_absent.xml", "240001011", "f-absent-2", "", "", "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", "",
			"", "", "", 0, "", nil, 0},
		{"filedetails_viewed_true.xml", "240001010", "p2p-file-1", "", "e9d71f5ee7c92d6dc9e92ffdad17b8bd49418f98", "", "",
			"true", "false", "B1", 0, "",
			&wantEvent{"100.64.0.1", "2026-06-30T10:00:00", "", 65535, "", false}, 0},
	}
	str := func(b *bool) string {
		if b == nil {
			return ""
		}
		return fmt.Sprint(*b)
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f := MustParse(t, "testdata/"+tt.file).FileDetails
			if f.ReportID != tt.report || f.FileID != tt.fileID {
				t.Errorf("report %q file %q, want %q %q", f.ReportID, f.FileID, tt.report, tt.fileID)
			}
			g := f.File
			if g.MD5 != tt.md5 || g.SHA1 != tt.sha1 || g.SHA256 != tt.sha256 || g.PDQ != tt.pdq {
				t.Errorf("hashes %s %s %s %s", g.MD5, g.SHA1, g.SHA256, g.PDQ)
			}
			if str(g.ViewedByESP) != tt.viewed || str(g.PubliclyAvail) != tt.public || g.Classification != tt.class || len(g.Annotations) != tt.annotations {
				t.Errorf("viewed %s public %s class %q annotations %v", str(g.ViewedByESP), str(g.PubliclyAvail), g.Classification, g.Annotations)
			}
			var others []string
			for _, h := range f.OtherHashes {
				others = append(others, h.Type)
			}
			if got := strings.Join(others, ","); got != tt.others {
				t.Errorf("other hashes %s, want %s", got, tt.others)
			}
			if tt.event == nil {
				if f.IPCapture != nil {
					t.Errorf("capture %+v", f.IPCapture)
				}
			} else {
				if f.IPCapture == nil || f.IPCapture.Role != cybertip.RoleFile || f.IPCapture.FileID != tt.fileID {
					t.Fatalf("capture %+v", f.IPCapture)
				}
				checkEvents(t, []safeguard.IPEvent{f.IPCapture.IPEvent}, []wantEvent{*tt.event})
			}
			if len(f.DeviceIDs) != tt.devices {
				t.Errorf("%d device ids, want %d", len(f.DeviceIDs), tt.devices)
			}
		})
	}
	f := MustParse(t, "testdata/filedetails_all_elements.xml").FileDetails
	if len(f.Details) != 2 || f.Details[0].Type != "EXIF" || len(f.Details[0].Pairs) != 2 || f.Details[1].Type != "HASH" || len(f.AdditionalInfo) != 2 {
		t.Errorf("details %+v additional %v", f.Details, f.AdditionalInfo)
	}
	if f.UploadedAt == nil || f.UploadedAt.At == nil || f.UploadedAt.At.Format(time.RFC3339Nano) != "2026-07-04T17:28:59.5Z" || f.ExifViewedByESP == nil || !*f.ExifViewedByESP {
		t.Errorf("uploaded %+v exif viewed %v", f.UploadedAt, f.ExifViewedByESP)
	}
}

// timeIn puts s into a peer-to-peer ipCaptureEvent's dateTime.
func timeIn(s string) []byte {
	return report(`<internetDetails><peer2peerIncident><ipCaptureEvent><ipAddress>192.0.2.1</ipAddress><dateTime>` + s + `</dateTime></ipCaptureEvent></peer2peerIncident></internetDetails>`)
}

// TestHeldOutTimes: every lexical form of xs:dateTime a provider may send;
// the text is kept, the instant is set only with an offset, and a text
// that is not an xs:dateTime (or is one Go would misread) is refused.
func TestHeldOutTimes(t *testing.T) {
	ok := []struct{ in, text, at string }{
		{"2026-03-14T21:07:33Z", "2026-03-14T21:07:33Z", "2026-03-14T21:07:33Z"},
		{"2026-03-14T21:07:33+00:00", "2026-03-14T21:07:33+00:00", "2026-03-14T21:07:33Z"},
		{"2026-03-14T21:07:33-00:00", "2026-03-14T21:07:33-00:00", "2026-03-14T21:07:33Z"},
		{"2026-03-14T21:07:33+14:00", "2026-03-14T21:07:33+14:00", "2026-03-14T07:07:33Z"},
		{"2026-03-14T21:07:33-14:00", "2026-03-14T21:07:33-14:00", "2026-03-15T11:07:33Z"},
		{"2026-03-14T21:07:33+05:30", "2026-03-14T21:07:33+05:30", "2026-03-14T15:37:33Z"},
		{"2026-03-14T21:07:33.1Z", "2026-03-14T21:07:33.1Z", "2026-03-14T21:07:33.1Z"},
		{"2026-03-14T21:07:33.123456789123+01:00", "2026-03-14T21:07:33.123456789123+01:00", "2026-03-14T20:07:33.123456789Z"},
		{"2026-03-14T21:07:33", "2026-03-14T21:07:33", ""},
		{"2026-03-14T21:07:33.25", "2026-03-14T21:07:33.25", ""},
		{"  2026-03-14T21:07:33Z\n", "2026-03-14T21:07:33Z", "2026-03-14T21:07:33Z"},
		{"2028-02-29T12:00:00Z", "2028-02-29T12:00:00Z", "2028-02-29T12:00:00Z"},
		{"2026-12-31T24:00:00Z", "2026-12-31T24:00:00Z", "2027-01-01T00:00:00Z"},
		{"2026-12-31T24:00:00.000", "2026-12-31T24:00:00.000", ""},
	}
	for _, tt := range ok {
		t.Run(tt.in, func(t *testing.T) {
			r, err := cybertip.ParseReport(timeIn(tt.in), cybertip.Options{})
			if err != nil {
				t.Fatal(err)
			}
			checkEvents(t, r.Referral.IPEvents, []wantEvent{{"192.0.2.1", tt.text, tt.at, -1, "", false}})
		})
	}
	bad := []struct{ in, want string }{
		{"2026-03-14T21:07:33+14:01", "offset +14:01 out of range"},
		{"2026-03-14T21:07:33+15:00", "offset +15:00 out of range"},
		{"2026-03-14T21:07:33+01:60", "offset +01:60 out of range"},
		{"2026-03-14T21:07:33-23:00", "offset -23:00 out of range"},
		{"2026-02-29T12:00:00Z", "not a valid date and time"},
		{"2026-03-14T25:00:00Z", "not a valid date and time"},
		{"2026-03-14T24:00:01Z", "hour 24 is only 24:00:00"},
		{"2026-03-14T21:07:60Z", "not a valid date and time"},
		{"2026-03-14T21:07Z", "not an xs:dateTime"},
		{"2026-03-14 21:07:33Z", "not an xs:dateTime"},
		{"2026-03-14t21:07:33z", "not an xs:dateTime"},
		{"2026-03-14T09:07:33 PM", "not an xs:dateTime"},
		{"14/03/2026 21:07:33", "not an xs:dateTime"},
		{"2026-03-14T21:07:33+0100", "not an xs:dateTime"},
		{"2026-03-14T21:07:33 UTC", "not an xs:dateTime"},
		{"1773522453", "not an xs:dateTime"},
		{"", "not an xs:dateTime"},
		{"2026-03-14T21:07:33Z<x/>", "has child elements where a plain value belongs"},
	}
	for _, tt := range bad {
		t.Run("refused "+tt.in, func(t *testing.T) {
			_, err := cybertip.Parse(timeIn(tt.in), cybertip.Options{})
			wantParseError(t, err, "/report/internetDetails/peer2peerIncident/ipCaptureEvent/dateTime: ")
			wantParseError(t, err, tt.want)
		})
	}
}

// ipIn puts s into a reported person's ipCaptureEvent with a port.
func ipIn(ip, port string) []byte {
	return report(`<personOrUserReported><screenName>x</screenName><ipCaptureEvent><ipAddress>` + ip + `</ipAddress><dateTime>2026-03-14T21:07:33Z</dateTime><port>` + port + `</port></ipCaptureEvent></personOrUserReported>`)
}

func TestHeldOutAddressesAndPorts(t *testing.T) {
	ok := []struct{ in, want string }{
		{"192.0.2.1", "192.0.2.1"},
		{"2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"},
		{"2001:DB8::1", "2001:db8::1"},
		{"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},
		{"::ffff:198.51.100.7", "198.51.100.7"},
		{"2001:db8::198.51.100.7", "2001:db8::c633:6407"},
		{" 100.64.0.1\n", "100.64.0.1"},
	}
	for _, tt := range ok {
		r, err := cybertip.ParseReport(ipIn(tt.in, "443"), cybertip.Options{})
		if err != nil {
			t.Errorf("%q: %v", tt.in, err)
			continue
		}
		if got := r.Referral.IPEvents[0].IP.String(); got != tt.want {
			t.Errorf("%q read as %s, want %s", tt.in, got, tt.want)
		}
	}
	const path = "/report/personOrUserReported/ipCaptureEvent/"
	bad := []struct{ ip, port, want string }{
		{"192.0.2.1:443", "1", path + "ipAddress: not an IP address"},
		{"[2001:db8::1]", "1", path + "ipAddress: not an IP address"},
		{"192.0.2", "1", path + "ipAddress: not an IP address"},
		{"192.0.2.1.5", "1", path + "ipAddress: not an IP address"},
		{"192.0.2.256", "1", path + "ipAddress: not an IP address"},
		{"192.0.2.1/32", "1", path + "ipAddress: not an IP address"},
		{"0xc0.0.2.1", "1", path + "ipAddress: not an IP address"},
		{"3221225985", "1", path + "ipAddress: not an IP address"},
		{"2001:db8::g", "1", path + "ipAddress: not an IP address"},
		{"2001:db8:1:2:3:4:5:6:7", "1", path + "ipAddress: not an IP address"},
		{"192.0.2.1<b/>0", "1", path + "ipAddress: has child elements"},
		{"192.0.2.1", "https", path + "port: not an xs:int"},
		{"192.0.2.1", "443/tcp", path + "port: not an xs:int"},
		{"192.0.2.1", "4.43", path + "port: not an xs:int"},
		{"192.0.2.1", "", path + "port: not an xs:int"},
		{"192.0.2.1", "65536", path + "port: port out of range"},
		{"192.0.2.1", "-1", path + "port: port out of range"},
		{"192.0.2.1", "99999999999", path + "port: not an xs:int"},
	}
	for _, tt := range bad {
		_, err := cybertip.Parse(ipIn(tt.ip, tt.port), cybertip.Options{})
		wantParseError(t, err, tt.want)
	}
}

func TestHeldOutHashTypes(t *testing.T) {
	fd := func(body string) []byte {
		return []byte("<fileDetails>\n<reportId>1</reportId>\n<fileId>f</fileId>\n" + body + "\n</fileDetails>")
	}
	const md5 = "0cc175b9c0f1b6a831c399e269772661"
	for _, typ := range []string{"MD5", "md5", "Md-5", " MD5 "} {
		f, err := cybertip.ParseFileDetails(fd(`<originalFileHash hashType="`+typ+`">`+strings.ToUpper(md5)+`</originalFileHash>`), cybertip.Options{})
		if err != nil || f.File.MD5 != md5 {
			t.Errorf("hashType %q: %v, md5 %q", typ, err, f.File.MD5)
		}
	}
	// The schema allows any hashType: one Safeguard does not know, or a
	// misspelt one, is kept and said on the file, never matched, never
	// refused (that would lose the file's details).
	for _, tt := range []struct{ typ, value string }{{"SHA-265", md5}, {"CRC32", "cbf43926"}} {
		f, err := cybertip.ParseFileDetails(fd(`<originalFileHash hashType="`+tt.typ+`">`+tt.value+`</originalFileHash>`), cybertip.Options{})
		if err != nil {
			t.Errorf("hashType %q: %v", tt.typ, err)
			continue
		}
		if f.File.MD5 != "" || f.File.SHA256 != "" || len(f.OtherHashes) != 1 || f.OtherHashes[0] != (cybertip.Hash{Type: tt.typ, Value: tt.value}) {
			t.Errorf("hashType %q: file %+v, other hashes %+v", tt.typ, f.File, f.OtherHashes)
		}
		if len(f.File.Annotations) != 1 || !strings.Contains(f.File.Annotations[0], `hash type "`+tt.typ+`" is not one Safeguard knows`) {
			t.Errorf("hashType %q: annotations %q, want the unmatched hash said", tt.typ, f.File.Annotations)
		}
	}
	bad := []struct{ body, want string }{
		{`<originalFileHash hashType="SHA-265"></originalFileHash>`, `line 4, /fileDetails/originalFileHash: empty SHA-265 hash`},
		{`<originalFileHash hashType="">` + md5 + `</originalFileHash>`, "without a hashType"},
		{`<originalFileHash hashType="SHA512">abcd</originalFileHash>`, "SHA512 hash must be 128 hex digits"},
		{`<originalFileHash hashType="PhotoDNA"></originalFileHash>`, "empty PhotoDNA hash"},
		{`<originalFileHash hashType="PhotoDNA">a</originalFileHash><originalFileHash hashType="photodna">b</originalFileHash>`, "originalFileHash[2]: a second, different PhotoDNA hash"},
		{`<originalFileHash hashType="MD5"><v>` + md5 + `</v></originalFileHash>`, "originalFileHash: has child elements"},
		{`<originalFileHash hashType="MD5">` + md5[:31] + `g</originalFileHash>`, "MD5 hash is not hexadecimal"},
	}
	for _, tt := range bad {
		_, err := cybertip.Parse(fd(tt.body), cybertip.Options{})
		wantParseError(t, err, tt.want)
	}
}

// TestHeldOutNamespaces: the schema has no target namespace. A root in a
// namespace is not a CyberTipline report; an element in another namespace
// is none of ours (skipped like any unknown element), and xsi:type is not
// the type attribute.
func TestHeldOutNamespaces(t *testing.T) {
	_, err := cybertip.Parse([]byte(`<report xmlns="urn:example:other"><incidentSummary/></report>`), cybertip.Options{})
	wantParseError(t, err, `line 1, /report: root element <report> in namespace "urn:example:other"`)
	_, err = cybertip.Parse([]byte(`<x:fileDetails xmlns:x="urn:example:other"><x:reportId>1</x:reportId><x:fileId>f</x:fileId></x:fileDetails>`), cybertip.Options{})
	wantParseError(t, err, "in namespace")

	doc := report(`<personOrUserReported xmlns:v="urn:example:vendor" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<personOrUserReportedPerson><address xsi:type="Billing"><city>Exampletown</city></address></personOrUserReportedPerson>
<v:screenName>not-ours</v:screenName><screenName>ours</screenName>
<ipCaptureEvent><v:ipAddress>not an address</v:ipAddress><ipAddress>192.0.2.9</ipAddress><dateTime>2026-03-14T21:07:33Z</dateTime></ipCaptureEvent>
</personOrUserReported>`)
	r, err := cybertip.ParseReport(doc, cybertip.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Reported[0].ScreenName; got != "ours" {
		t.Errorf("screen name %q, want ours", got)
	}
	if len(r.Referral.IPEvents) != 1 || r.Referral.IPEvents[0].IP.String() != "192.0.2.9" {
		t.Errorf("events %+v", r.Referral.IPEvents)
	}
	if a := r.Reported[0].Person.Addresses[0]; a.Type != "" {
		t.Errorf("address type %q taken from xsi:type", a.Type)
	}
}

func TestHeldOutLocations(t *testing.T) {
	cell := func(lat string) []byte {
		return report(`<internetDetails><cellPhoneIncident><latitude>` + lat + `</latitude><longitude>0</longitude></cellPhoneIncident></internetDetails>`)
	}
	for _, ok := range []string{"51.5", "-90", "9E1", ".5", "+1.0"} {
		if _, err := cybertip.Parse(cell(ok), cybertip.Options{}); err != nil {
			t.Errorf("latitude %s: %v", ok, err)
		}
	}
	for _, bad := range []string{"NaN", "INF", "-INF", "90.0001", "181", "0x1p-2", "north"} {
		_, err := cybertip.Parse(cell(bad), cybertip.Options{})
		wantParseError(t, err, "/report/internetDetails/cellPhoneIncident/latitude: not a")
	}
}

// TestHeldOutBOMDirect: Parse itself (as the API and any caller other than
// `safeguard ingest` use it) takes a document with a UTF-8 byte order mark,
// and keeps the mark in the stored document.
func TestHeldOutBOMDirect(t *testing.T) {
	doc := append([]byte("\ufeff"), report("")...)
	r, err := cybertip.ParseReport(doc, cybertip.Options{ReportID: "5"})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(r.Referral.Document, doc) {
		t.Error("byte order mark not kept in the document")
	}
	// A second mark is text outside the root, not a byte order mark.
	_, err = cybertip.Parse(append([]byte("\ufeff\ufeff"), report("")...), cybertip.Options{})
	wantParseError(t, err, "text outside the root element")
}

// TestHeldOutAssemblerOrders adds the fixture reports and their files in
// every order: each file ends up on its report, whatever came first.
func TestHeldOutAssemblerOrders(t *testing.T) {
	docs := []doc{
		{"report_persons.xml", "240001011"},
		{"filedetails_all_elements.xml", ""},
		{"filedetails_viewed_absent.xml", ""},
		{"report_all_kinds.xml", "240001010"},
		{"filedetails_viewed_true.xml", ""},
	}
	raw := map[string][]byte{}
	for _, d := range docs {
		raw[d.file] = MustRead(t, "testdata/"+d.file)
	}
	orders := 0
	permute(len(docs), func(order []int) {
		orders++
		a := cybertip.NewAssembler(cybertip.Options{})
		var names []string
		for _, i := range order {
			names = append(names, docs[i].file)
			if err := a.Add(raw[docs[i].file], docs[i].id); err != nil {
				t.Fatalf("%v: %v", names, err)
			}
		}
		reports, err := a.Flush()
		if err != nil || len(reports) != 2 {
			t.Fatalf("%v: %d reports, %v", names, len(reports), err)
		}
		for _, r := range reports {
			ref := r.Referral
			var want, events int
			switch ref.SourceRef {
			case "240001011":
				want, events = 2, 5 // 4 of the reported persons, 1 of a file
			case "240001010":
				want, events = 1, 5 // 4 of the incident, 1 of the file
			}
			if len(ref.Files) != want || len(r.Files) != want || len(ref.IPEvents) != events {
				t.Fatalf("%v: report %s has %d files and %d events, want %d and %d", names, ref.SourceRef, len(ref.Files), len(ref.IPEvents), want, events)
			}
			if err := ref.Validate(); err != nil {
				t.Fatalf("%v: %v", names, err)
			}
		}
		if r, f := a.Pending(); r != 0 || f != 0 {
			t.Fatalf("%v: %d reports and %d files left", names, r, f)
		}
	})
	if orders != 120 {
		t.Fatalf("%d orders tried, want 120", orders)
	}
}

// permute calls f with every order of 0..n-1.
func permute(n int, f func([]int)) {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	var rec func(k int)
	rec = func(k int) {
		if k == n {
			f(p)
			return
		}
		for i := k; i < n; i++ {
			p[k], p[i] = p[i], p[k]
			rec(k + 1)
			p[k], p[i] = p[i], p[k]
		}
	}
	rec(0)
}

// TestHeldOutFlushKeepsGoodReports: a report with two different documents
// for one of its files is held back with ECONFLICT naming it; the other
// reports of the run are still returned.
func TestHeldOutFlushKeepsGoodReports(t *testing.T) {
	a := cybertip.NewAssembler(cybertip.Options{})
	for _, d := range []doc{{"report_persons.xml", "240001011"}, {"report_all_kinds.xml", "240001010"}, {"filedetails_viewed_true.xml", ""}} {
		if err := a.Add(MustRead(t, "testdata/"+d.file), d.id); err != nil {
			t.Fatal(err)
		}
	}
	f1 := "<fileDetails><reportId>240001011</reportId><fileId>dup</fileId><fileName>a</fileName></fileDetails>"
	for _, f := range []string{f1, strings.Replace(f1, ">a<", ">b<", 1)} {
		if err := a.Add([]byte(f), ""); err != nil {
			t.Fatal(err)
		}
	}
	reports, err := a.Flush()
	if safeguard.ErrorCode(err) != safeguard.ECONFLICT || !strings.Contains(err.Error(), "file dup of report 240001011") {
		t.Errorf("err = %v, want ECONFLICT naming the file and report", err)
	}
	if len(reports) != 1 || reports[0].Referral.SourceRef != "240001010" || len(reports[0].Referral.Files) != 1 {
		t.Fatalf("reports = %d, want report 240001010 with its file", len(reports))
	}
	if r, f := a.Pending(); r != 1 || f != 2 {
		t.Errorf("pending %d reports and %d files, want the conflicting report and its two files", r, f)
	}
}

// TestHeldOutOneValueOnly: an element the schema allows once, given twice,
// is refused at the second: which value is right cannot be told.
func TestHeldOutOneValueOnly(t *testing.T) {
	const ev = "/report/personOrUserReported/ipCaptureEvent/"
	tests := []struct {
		doc  []byte
		want string
	}{
		{ipIn("192.0.2.1</ipAddress><ipAddress>198.51.100.2", "443"), ev + "ipAddress[2]: a second ipAddress"},
		{ipIn("192.0.2.1", "443</port><port>444"), ev + "port[2]: a second port"},
		{ipIn("192.0.2.1</ipAddress><dateTime>2026-03-14T22:07:33Z</dateTime><ipAddress>192.0.2.1", "1"), ev + "ipAddress[2]: a second ipAddress"},
		{report(`<personOrUserReported><ipCaptureEvent><ipAddress>192.0.2.1</ipAddress><dateTime>2026-03-14T21:07:33Z</dateTime><dateTime>2026-03-14T21:07:33+01:00</dateTime></ipCaptureEvent></personOrUserReported>`), ev + "dateTime[2]: a second dateTime"},
		{report(`<personOrUserReported><ipCaptureEvent><ipAddress>192.0.2.1</ipAddress><possibleProxy>false</possibleProxy><possibleProxy>true</possibleProxy></ipCaptureEvent></personOrUserReported>`), ev + "possibleProxy[2]: a second possibleProxy"},
		{report(`<personOrUserReported><deviceId><idType>IMEI</idType><idValue>1</idValue><idValue>2</idValue></deviceId></personOrUserReported>`), "/report/personOrUserReported/deviceId/idValue[2]: a second idValue"},
		{[]byte("<report><incidentSummary/><incidentSummary/></report>"), "/report/incidentSummary[2]: a second incidentSummary"},
		{[]byte("<report><incidentSummary><incidentDateTime>2026-03-14T21:07:33Z</incidentDateTime><incidentDateTime>2026-03-15T21:07:33Z</incidentDateTime></incidentSummary></report>"), "/report/incidentSummary/incidentDateTime[2]: a second"},
		{[]byte("<fileDetails><reportId>1</reportId><reportId>2</reportId><fileId>f</fileId></fileDetails>"), "/fileDetails/reportId[2]: a second reportId"},
		{[]byte("<fileDetails><reportId>1</reportId><fileId>f</fileId><fileId>g</fileId></fileDetails>"), "/fileDetails/fileId[2]: a second fileId"},
		{[]byte("<fileDetails><reportId>1</reportId><fileId>f</fileId><fileViewedByEsp>true</fileViewedByEsp><fileViewedByEsp>false</fileViewedByEsp></fileDetails>"), "/fileDetails/fileViewedByEsp[2]: a second fileViewedByEsp"},
		{[]byte("<fileDetails><reportId>1</reportId><fileId>f</fileId><ipCaptureEvent><ipAddress>192.0.2.1</ipAddress></ipCaptureEvent><ipCaptureEvent><ipAddress>192.0.2.2</ipAddress></ipCaptureEvent></fileDetails>"), "/fileDetails/ipCaptureEvent[2]: a second ipCaptureEvent"},
	}
	for _, tt := range tests {
		_, err := cybertip.Parse(tt.doc, cybertip.Options{})
		wantParseError(t, err, tt.want)
	}
}

// utf16Doc encodes s as UTF-16 with a byte order mark.
func utf16Doc(s string, bigEndian bool) []byte {
	var out []byte
	put := func(u uint16) {
		if bigEndian {
			out = append(out, byte(u>>8), byte(u))
		} else {
			out = append(out, byte(u), byte(u>>8))
		}
	}
	put(0xfeff)
	for _, u := range utf16.Encode([]rune(s)) {
		put(u)
	}
	return out
}

func TestHeldOutUTF16(t *testing.T) {
	body := strings.Replace(string(ipIn("2001:db8::5", "8443")), `encoding="UTF-8"`, `encoding="UTF-16"`, 1)
	for _, be := range []bool{true, false} {
		doc := utf16Doc(body, be)
		r, err := cybertip.ParseReport(doc, cybertip.Options{})
		if err != nil {
			t.Fatalf("big-endian %v: %v", be, err)
		}
		checkEvents(t, r.Referral.IPEvents, []wantEvent{{"2001:db8::5", "2026-03-14T21:07:33Z", "2026-03-14T21:07:33Z", 8443, "", false}})
		if !bytes.Equal(r.Referral.Document, doc) {
			t.Error("UTF-16 document not kept as received")
		}
		_, err = cybertip.Parse(doc[:len(doc)-1], cybertip.Options{})
		wantParseError(t, err, "odd number of bytes")
	}
	// An unpaired high surrogate on line 3.
	doc := utf16Doc("<report>\n<incidentSummary>\n<platform>", false)
	doc = append(doc, 0x00, 0xd8, '<', 0)
	_, err := cybertip.Parse(doc, cybertip.Options{})
	wantParseError(t, err, "line 3: malformed XML: an unpaired UTF-16 surrogate")
}

func TestHeldOutFileIDToken(t *testing.T) {
	f, err := cybertip.ParseFileDetails([]byte("<fileDetails><reportId> 7 </reportId><fileId>\n  file  one\t</fileId></fileDetails>"), cybertip.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if f.ReportID != "7" || f.FileID != "file one" {
		t.Errorf("report %q file %q, want 7 and \"file one\"", f.ReportID, f.FileID)
	}
}
