package linking_test

import (
	"testing"

	"safeguard"
	"safeguard/linking"
)

func TestNormalizeEmail(t *testing.T) {
	for _, tt := range []struct {
		in, want string
		ok       bool
	}{
		{"Alice@Example.com", "alice@example.com", true},
		{"  alice@example.com ", "alice@example.com", true},
		{"Alice Example <Alice@Example.COM>", "alice@example.com", true},
		{"a.l.i.c.e+tag@example.com", "a.l.i.c.e+tag@example.com", true}, // no documented rule
		{"a.b@example.org", "a.b@example.org", true},
		{"A.Lice+news@gmail.com", "alice@gmail.com", true},
		{"alice@googlemail.com", "alice@gmail.com", true},
		{"a.lice+x+y@GoogleMail.com", "alice@gmail.com", true},
		{"a.lice+x@hotmail.com", "a.lice@hotmail.com", true},
		{"mailto:bob@example.com", "bob@example.com", true},
		{"not an address", "not an address", false},
		{"bob@localhost", "bob@localhost", false},
	} {
		got, ok := linking.NormalizeEmail(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestNormalizePhone(t *testing.T) {
	for _, tt := range []struct {
		in, want string
		ok       bool
	}{
		{"07700 900123", "+447700900123", true},
		{"07700900123", "+447700900123", true},
		{"+44 (0)7700 900123", "+447700900123", true},
		{"+44 07700 900123", "+447700900123", true},
		{"+44 7700 900123", "+447700900123", true},
		{"00 44 7700 900123", "+447700900123", true},
		{"0044 (0) 7700-900-123", "+447700900123", true},
		{"(07700) 900 123 ext. 45", "+447700900123", true},
		{"07700 900123 x45", "+447700900123", true},
		{"+1 202 555 0143", "+12025550143", true},
		{"001 202 555 0143", "+12025550143", true},
		{"+44 7700 9001", "4477009001", false}, // too short for GB
		{"555-0143", "5550143", false},
		{"7700 900123", "7700900123", false}, // GB without trunk 0, or Kazakhstan +7 700?
		{"1 202 555 0143", "12025550143", false},
		{"", "", false},
	} {
		got, ok := linking.NormalizePhone(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestNormalizeUsernameAndAccount(t *testing.T) {
	for _, tt := range []struct {
		kind, in, platform, want string
		ok                       bool
	}{
		{safeguard.IdentUsername, " Zeb_99@Instagram ", "", "zeb_99@instagram", true},
		{safeguard.IdentUsername, "@Zeb_99", "Instagram", "zeb_99@instagram", true},
		{safeguard.IdentUsername, "zeb@example.com@Chat  App", "", "zeb@example.com@chat app", true},
		{safeguard.IdentUsername, "zeb_99", "", "zeb_99", false},
		{safeguard.IdentAccountID, " AbC123@Platform ", "", "AbC123@platform", true},
		{safeguard.IdentAccountID, "AbC123", "Platform", "AbC123@platform", true},
		{safeguard.IdentAccountID, "AbC123", "", "AbC123", false},
	} {
		n := linking.Normalize(safeguard.Identifier{Kind: tt.kind, Value: tt.in}, tt.platform)
		if n.Value != tt.want || n.Exact != tt.ok || n.Strong() != tt.ok {
			t.Errorf("Normalize(%s %q, %q) = %q exact=%v strong=%v; want %q, %v", tt.kind, tt.in, tt.platform, n.Value, n.Exact, n.Strong(), tt.want, tt.ok)
		}
	}
}

func TestNormalizeDeviceID(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"490154203237518", "49015420323751"},    // IMEI with valid check digit
		{"49015420323751", "49015420323751"},     // without it
		{"49-015420-323751-8", "49015420323751"}, // written in groups
		{"4901542032375181", "4901542032375181"}, // IMEISV kept whole
		{"490154203237519", "490154203237519"},   // bad check digit: not an IMEI, kept
		{"6D92078A-8246-4BA4-AE5B-76104861E7DC", "6d92078a-8246-4ba4-ae5b-76104861e7dc"},
		{"6d92078a82464ba4ae5b76104861e7dc", "6d92078a-8246-4ba4-ae5b-76104861e7dc"},
		{"00-1A-2B-3C-4D-5E", "00:1a:2b:3c:4d:5e"},
		{"001A.2B3C.4D5E", "00:1a:2b:3c:4d:5e"},
		{"9774D56D682E549C", "9774d56d682e549c"}, // Android id
		{" SerialXyZ-01 ", "SerialXyZ-01"},       // opaque: case kept
	} {
		if got := linking.NormalizeDeviceID(tt.in); got != tt.want {
			t.Errorf("NormalizeDeviceID(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNormalizeAddress(t *testing.T) {
	for _, tt := range []struct{ in, want, postcode string }{
		{"12 Acacia Avenue, Testtown, QA1 5ZZ", "12 acacia avenue testtown QA1 5ZZ", "QA1 5ZZ"},
		{"12  ACACIA AVENUE,Testtown qa15zz", "12 acacia avenue testtown QA1 5ZZ", "QA1 5ZZ"},
		{"12 Acacia Avenue, Testtown, QA1 5ZZ, United Kingdom", "12 acacia avenue testtown QA1 5ZZ", "QA1 5ZZ"},
		{"Flat 2/3, 7 Quill St., Testtown, QA1X 9ZZ, GB", "flat 2/3 7 quill st testtown QA1X 9ZZ", "QA1X 9ZZ"},
		{"QA1 5ZZ 12 Acacia Avenue Testtown", "12 acacia avenue testtown QA1 5ZZ", "QA1 5ZZ"},
		{"1 Example Road, Testtown", "1 example road testtown", ""},
		{"1 Example Road, Testtown, England", "1 example road testtown", ""},
	} {
		got, pc := linking.NormalizeAddress(tt.in)
		if got != tt.want || pc != tt.postcode {
			t.Errorf("NormalizeAddress(%q) = %q, %q; want %q, %q", tt.in, got, pc, tt.want, tt.postcode)
		}
	}
	for _, tt := range []struct {
		in, want string
		ok       bool
	}{{"qa1 5zz", "QA1 5ZZ", true}, {"QA15ZZ", "QA1 5ZZ", true}, {"qa1x9zz", "QA1X 9ZZ", true}, {"Q1 5ZZ", "Q1 5ZZ", true},
		{"QA1", "", false}, {"QA1 5ZZ X", "", false}} {
		got, ok := linking.NormalizePostcode(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("NormalizePostcode(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestNormalize_Strength(t *testing.T) {
	for _, tt := range []struct {
		id     safeguard.Identifier
		strong bool
	}{
		{safeguard.Identifier{Kind: safeguard.IdentEmail, Value: "zeb@example.com"}, true},
		{safeguard.Identifier{Kind: safeguard.IdentPhone, Value: "07700 900123"}, true},
		{safeguard.Identifier{Kind: safeguard.IdentPhone, Value: "900123"}, false},
		{safeguard.Identifier{Kind: safeguard.IdentUsername, Value: "zeb@chat"}, true},
		{safeguard.Identifier{Kind: safeguard.IdentAccountID, Value: "123@chat"}, true},
		{safeguard.Identifier{Kind: safeguard.IdentDeviceID, Value: "490154203237518"}, true},
		{safeguard.Identifier{Kind: safeguard.IdentSubscriber, Value: "SUB 0042"}, true},
		{safeguard.Identifier{Kind: safeguard.IdentAddress, Value: "1 Example Road, QA1 5ZZ"}, true},
		{safeguard.Identifier{Kind: safeguard.IdentName, Value: "Zebedee Example"}, false},
		{safeguard.Identifier{Kind: linking.KindIP, Value: "192.0.2.1"}, false},
	} {
		if got := linking.Normalize(tt.id, "").Strong(); got != tt.strong {
			t.Errorf("%s %q: strong = %v, want %v", tt.id.Kind, tt.id.Value, got, tt.strong)
		}
	}
}

func TestMasked(t *testing.T) {
	for _, tt := range []struct {
		id   safeguard.Identifier
		want string
	}{
		{safeguard.Identifier{Kind: safeguard.IdentEmail, Value: "Alice@Example.com"}, "a…@example.com"},
		{safeguard.Identifier{Kind: safeguard.IdentPhone, Value: "07700 900123"}, "+44…123"},
		{safeguard.Identifier{Kind: safeguard.IdentUsername, Value: "zeb_99@chat"}, "z…@chat"},
		{safeguard.Identifier{Kind: safeguard.IdentAddress, Value: "12 Acacia Avenue, QA1 5ZZ"}, "… QA1"},
		{safeguard.Identifier{Kind: safeguard.IdentName, Value: "zebedee example"}, "Z… E…"},
		{safeguard.Identifier{Kind: safeguard.IdentDeviceID, Value: "490154203237518"}, "…751"},
	} {
		if got := linking.Normalize(tt.id, "").Masked(); got != tt.want {
			t.Errorf("Masked(%s %q) = %q, want %q", tt.id.Kind, tt.id.Value, got, tt.want)
		}
	}
}
