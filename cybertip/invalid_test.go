package cybertip_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"safeguard/cybertip"
)

func TestInvalidFixtures(t *testing.T) {
	tests := []struct {
		file string
		want []string // each must be in the error text
	}{
		{"wrong_root.xml", []string{"line 2, /reportResponse:", "root element <reportResponse>"}},
		{"bad_ip.xml", []string{"line 14, /report/internetDetails/peer2peerIncident/ipCaptureEvent[2]/ipAddress:", "not an IP address"}},
		{"bad_date.xml", []string{"line 18, /report/personOrUserReported[2]/ipCaptureEvent/dateTime:", "not a valid date and time"}},
		{"bad_time_12h.xml", []string{"line 5, /report/incidentSummary/incidentDateTime:", "not an xs:dateTime"}},
		{"billion_laughs.xml", []string{"line 2:", "DOCTYPE"}},
		{"external_entity.xml", []string{"line 4, /report/incidentSummary/incidentType:", "malformed XML", "entity"}},
		{"malformed.xml", []string{"line 10, /report/reporter/reportingPerson:", "malformed XML"}},
		{"bad_hash.xml", []string{"line 6, /fileDetails/originalFileHash[2]:", "SHA1 hash is not hexadecimal"}},
		{"bad_port.xml", []string{"line 8, /fileDetails/ipCaptureEvent/port:", "port out of range"}},
		{"bad_report_id.xml", []string{"line 3, /fileDetails/reportId:", "not an xs:long"}},
		{"bad_latitude.xml", []string{"line 10, /report/internetDetails/cellPhoneIncident/latitude:", "not a position"}},
		{"two_addresses.xml", []string{"line 16, /report/personOrUserReported/ipCaptureEvent/ipAddress[2]:", "a second ipAddress"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			_, err := cybertip.Parse(MustRead(t, "testdata/invalid/"+tt.file), cybertip.Options{})
			for _, w := range tt.want {
				wantParseError(t, err, w)
			}
		})
	}
}

// report wraps body in a minimal report.
func report(body string) []byte {
	return []byte(`<?xml version="1.0" encoding="UTF-8"?>
<report>
<incidentSummary><incidentType>Child Sex Tourism</incidentType><incidentDateTime>2026-03-14T21:07:33Z</incidentDateTime></incidentSummary>
` + body + `
<reporter><reportingPerson><email>a@example.com</email></reportingPerson></reporter>
</report>
`)
}

func TestInvalidGenerated(t *testing.T) {
	deep := func(n int) []byte {
		return report(strings.Repeat("<additionalInfo>", n) + strings.Repeat("</additionalInfo>", n))
	}
	ip := func(addr string) []byte {
		return report(`<internetDetails><peer2peerIncident><ipCaptureEvent><ipAddress>` + addr + `</ipAddress><dateTime>2026-03-14T21:07:33Z</dateTime></ipCaptureEvent></peer2peerIncident></internetDetails>`)
	}
	tests := []struct {
		name string
		doc  []byte
		opts cybertip.Options
		want string
	}{
		{"too deep", deep(100), cybertip.Options{}, "line 4, /report" + strings.Repeat("/additionalInfo", 64) + ": elements nested deeper than 64"},
		{"deeper than configured", deep(10), cybertip.Options{Limits: cybertip.Limits{MaxDepth: 8}}, "nested deeper than 8"},
		{"oversize", report(strings.Repeat(" ", 2000)), cybertip.Options{Limits: cybertip.Limits{MaxBytes: 1000}}, "over the limit of 1000"},
		{"too many elements", report(strings.Repeat("<additionalInfo/>", 50)), cybertip.Options{Limits: cybertip.Limits{MaxElements: 20}}, "line 4, /report: more than 20 elements"},
		{"long text", report("<additionalInfo>" + strings.Repeat("x", 300) + "</additionalInfo>"), cybertip.Options{Limits: cybertip.Limits{MaxTextBytes: 256}}, "/report/additionalInfo: text longer than 256 bytes"},
		{"long attribute", report(`<batchedReport reason="` + strings.Repeat("x", 300) + `"/>`), cybertip.Options{Limits: cybertip.Limits{MaxAttrBytes: 256}}, "/report/batchedReport/@reason: attribute longer than 256 bytes"},
		{"too many attributes", report(`<batchedReport` + attrs(65) + `/>`), cybertip.Options{}, "/report/batchedReport: more than 64 attributes"},
		{"ip with leading zero", ip("192.0.2.010"), cybertip.Options{}, "ipAddress: not an IP address"},
		{"ip with zone", ip("fe80::1%eth0"), cybertip.Options{}, "IP address with a zone"},
		{"hostname for ip", ip("host.example.com"), cybertip.Options{}, "not an IP address"},
		{"empty ip", ip(""), cybertip.Options{}, "not an IP address"},
		{"second root", append(report(""), "<report/>"...), cybertip.Options{}, "a second root element"},
		{"no root", []byte(`<?xml version="1.0"?>`), cybertip.Options{}, "no root element"},
		{"unsupported encoding", []byte(`<?xml version="1.0" encoding="Shift_JIS"?><report/>`), cybertip.Options{}, `encoding "Shift_JIS" is not supported`},
		{"utf-16 declared without a byte order mark", []byte(`<?xml version="1.0" encoding="utf-16"?><report/>`), cybertip.Options{}, "does not start with a UTF-16 byte order mark"},
		{"invalid utf-8", report("<additionalInfo>\xff\xfe</additionalInfo>"), cybertip.Options{}, "invalid UTF-8"},
		{"bad boolean", report(`<personOrUserReported><compromisedAccount>yes</compromisedAccount></personOrUserReported>`), cybertip.Options{}, "/report/personOrUserReported/compromisedAccount: not an xs:boolean"},
		{"bad age", report(`<victim><victimPerson><age>thirteen</age></victimPerson></victim>`), cybertip.Options{}, "/report/victim/victimPerson/age: not an xs:int"},
		{"bad dob", report(`<personOrUserReported><personOrUserReportedPerson><dateOfBirth>1990-13-01</dateOfBirth></personOrUserReportedPerson></personOrUserReported>`), cybertip.Options{}, "dateOfBirth: not a valid date"},
		{"bad latitude", report(`<internetDetails><cellPhoneIncident><latitude>north</latitude></cellPhoneIncident></internetDetails>`), cybertip.Options{}, "latitude: not a number"},
		{"bad location timestamp", report(`<personOrUserReported><estimatedLocation timestamp="yesterday"/></personOrUserReported>`), cybertip.Options{}, "/report/personOrUserReported/estimatedLocation/@timestamp: not an xs:dateTime"},
		{"no incidentSummary", []byte(`<report><reporter/></report>`), cybertip.Options{}, "line 1, /report: no incidentSummary"},
		{"processing of DOCTYPE without entities", []byte("<?xml version=\"1.0\"?>\n<!DOCTYPE report SYSTEM \"http://example.com/x.dtd\">\n<report/>"), cybertip.Options{}, "line 2: DOCTYPE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := cybertip.Parse(tt.doc, tt.opts)
			wantParseError(t, err, tt.want)
		})
	}
}

// attrs returns n distinct empty attributes.
func attrs(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, ` a%d=""`, i)
	}
	return b.String()
}

func TestInvalidFileDetailsGenerated(t *testing.T) {
	fd := func(body string) []byte {
		return []byte("<fileDetails>\n<reportId>1</reportId>\n<fileId>f</fileId>\n" + body + "\n</fileDetails>")
	}
	tests := []struct {
		name, body, want string
	}{
		{"short md5", `<originalFileHash hashType="MD5">d41d8cd98f00b204</originalFileHash>`, "line 4, /fileDetails/originalFileHash: MD5 hash must be 32 hex digits"},
		{"pdq wrong length", `<originalFileHash hashType="PDQ">abcd</originalFileHash>`, "PDQ hash must be 64 hex digits"},
		{"no hash type", `<originalFileHash>d41d8cd98f00b204e9800998ecf8427e</originalFileHash>`, "without a hashType"},
		{"two different md5", `<originalFileHash hashType="MD5">d41d8cd98f00b204e9800998ecf8427e</originalFileHash><originalFileHash hashType="md5">00000000000000000000000000000000</originalFileHash>`, "/fileDetails/originalFileHash[2]: a second, different MD5 hash"},
		{"bad viewed", `<fileViewedByEsp>maybe</fileViewedByEsp>`, "/fileDetails/fileViewedByEsp: not an xs:boolean"},
		{"bad classification", `<industryClassification>C</industryClassification>`, "industryClassification must be"},
		{"bad upload time", `<uploadedToEspTimestamp>2026-03-14 21:07</uploadedToEspTimestamp>`, "/fileDetails/uploadedToEspTimestamp: not an xs:dateTime"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := cybertip.Parse(fd(tt.body), cybertip.Options{})
			wantParseError(t, err, tt.want)
		})
	}
	if _, err := cybertip.Parse([]byte("<fileDetails><fileId>f</fileId></fileDetails>"), cybertip.Options{}); err == nil {
		t.Error("fileDetails without reportId accepted")
	}
}

func TestRootRestrictedParsers(t *testing.T) {
	_, err := cybertip.ParseReport(MustRead(t, "testdata/filedetails_md5_sha1.xml"), cybertip.Options{})
	wantParseError(t, err, "root element <fileDetails>, want <report>")
	_, err = cybertip.ParseFileDetails(MustRead(t, "testdata/report_p2p.xml"), cybertip.Options{})
	wantParseError(t, err, "line 3, /report: root element <report>, want <fileDetails>")
}

func TestReadLimit(t *testing.T) {
	doc := report(strings.Repeat("<additionalInfo>x</additionalInfo>\n", 100))
	if _, err := cybertip.Read(bytes.NewReader(doc), cybertip.Options{}); err != nil {
		t.Fatalf("Read: %v", err)
	}
	lim := cybertip.Options{Limits: cybertip.Limits{MaxBytes: int64(len(doc) - 1)}}
	_, err := cybertip.Read(bytes.NewReader(doc), lim)
	wantParseError(t, err, fmt.Sprintf("over the limit of %d", len(doc)-1))
}
