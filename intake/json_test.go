package intake_test

import (
	"strings"
	"testing"
	"time"

	"safeguard"
	"safeguard/intake"
)

func TestDecodeJSON(t *testing.T) {
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	doc := []byte(`{"id":99,"subject_id":7,"source":"hotline","source_ref":"H-9","document_sha256":"forged",` +
		`"identifiers":[{"id":5,"kind":"email","value":"Someone@Example.com"}],"ip_events":[{"ip":"2001:db8::1","time_text":"2026-11-01 10:00"}]}`)
	ref, err := intake.DecodeJSON(doc, now)
	if err != nil {
		t.Fatal(err)
	}
	if ref.ID != 0 || ref.SubjectID != nil || ref.Identifiers[0].ID != 0 {
		t.Errorf("server-only fields kept: id %d, subject %v", ref.ID, ref.SubjectID)
	}
	if string(ref.Document) != string(doc) || len(ref.DocumentSHA256) != 64 || ref.DocumentSHA256 == "forged" || ref.Format != "json" {
		t.Errorf("document not kept as received with its own hash: %q %s", ref.DocumentSHA256, ref.Format)
	}
	if !ref.ReceivedAt.Equal(now) {
		t.Errorf("received_at = %v, want now", ref.ReceivedAt)
	}
	if ev := ref.IPEvents[0]; ev.HasOffset || ev.At != nil || ev.TimeText != "2026-11-01 10:00" {
		t.Errorf("a time without an offset was not kept as text only: %+v", ev)
	}
}

func TestDecodeJSONErrors(t *testing.T) {
	tests := []struct{ name, doc, want string }{
		{"unknown field", `{"source":"p2p","source_ref":"x","colour":"red"}`, "colour"},
		{"bad ip", `{"source":"p2p","source_ref":"x","ip_events":[{"ip":"192.0.2.256","time_text":"t"}]}`, "192.0.2.256"},
		{"wrong type", `{"source":"p2p","source_ref":7}`, "source_ref"},
		{"syntax", `{"source":"p2p",`, "JSON"},
		{"trailing", `{"source":"p2p","source_ref":"x"} {}`, "after the referral"},
		{"no source ref", `{"source":"p2p"}`, "source reference"},
		{"unknown source", `{"source":"fax","source_ref":"x"}`, "fax"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := intake.DecodeJSON([]byte(tt.doc), time.Now())
			if safeguard.ErrorCode(err) != safeguard.EINVALID || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want EINVALID mentioning %q", err, tt.want)
			}
		})
	}
}
