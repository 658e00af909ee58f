package web

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"unicode/utf8"

	"safeguard"
)

// originalPreviewBytes is how much of the document as received the
// referral page shows inline; the whole of it is a download away.
const originalPreviewBytes = 64 << 10

// originalView is the referral as received: the document's size, whether
// it still hashes to the SHA-256 recorded at intake, and a preview.
type originalView struct {
	Size      int
	Intact    bool   // its SHA-256 equals the one recorded at intake
	Actual    string // its SHA-256 now
	Preview   string
	Truncated bool
	Binary    bool // not UTF-8 text: download only
}

// attachmentView is a document sent apart from its referral (a
// CyberTipline fileDetails), as received.
type attachmentView struct {
	Attachment *safeguard.Attachment
	Original   *originalView
}

func attachmentViews(r *safeguard.Referral) []attachmentView {
	out := make([]attachmentView, len(r.Attachments))
	for i := range r.Attachments {
		a := &r.Attachments[i]
		out[i] = attachmentView{Attachment: a, Original: originalOf(a.Document, a.DocumentSHA256)}
	}
	return out
}

// originalOf is the view of a document kept as received with the SHA-256
// recorded at intake; nil without a document.
func originalOf(doc []byte, recorded string) *originalView {
	if len(doc) == 0 {
		return nil
	}
	sum := sha256.Sum256(doc)
	v := &originalView{Size: len(doc), Actual: hex.EncodeToString(sum[:])}
	v.Intact = strings.EqualFold(v.Actual, recorded)
	if len(doc) > originalPreviewBytes {
		doc, v.Truncated = doc[:originalPreviewBytes], true
		// Do not call text binary because the cut split its last rune.
		for cut := 0; cut < utf8.UTFMax-1 && !utf8.Valid(doc); cut++ {
			doc = doc[:len(doc)-1]
		}
	}
	if v.Binary = !utf8.Valid(doc); !v.Binary {
		v.Preview = string(doc)
	}
	return v
}

// downloadOriginal handles GET /referrals/{id}/original: the document
// exactly as received, as an attachment (never rendered by the browser).
// The read is audited by the referral service like any other.
func (s *Server) downloadOriginal(w http.ResponseWriter, r *http.Request) {
	id, err := parseID(r, "id", "referral")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	ref, err := s.svc.Referrals.FindReferralByID(r.Context(), id)
	if err != nil {
		s.Error(w, r, err)
		return
	} else if len(ref.Document) == 0 {
		s.Error(w, r, safeguard.Errorf(safeguard.ENOTFOUND, "Referral %d was stored without its original document.", id))
		return
	}
	ext, ctype := ".txt", "text/plain; charset=utf-8"
	switch {
	case strings.Contains(ref.Format, "xml"):
		ext, ctype = ".xml", "application/xml"
	case strings.Contains(ref.Format, "json"):
		ext, ctype = ".json", "application/json"
	case strings.Contains(ref.Format, "csv"):
		ext, ctype = ".csv", "text/csv; charset=utf-8"
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", `attachment; filename="referral-`+r.PathValue("id")+ext+`"`)
	w.Header().Set("X-Content-SHA256", ref.DocumentSHA256)
	w.Write(ref.Document)
}
