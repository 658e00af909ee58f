package safeguard

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// AuditEvent is one row of the append-only audit log. Each row carries the
// SHA-256 of the previous row, so editing or deleting any row breaks the
// chain from that row on.
type AuditEvent struct {
	Seq        int64     `json:"seq"`
	At         time.Time `json:"at"`
	Actor      string    `json:"actor"`  // Actor.Label()
	Action     string    `json:"action"` // e.g. subject.read, user.create, login.failed
	ObjectType string    `json:"object_type,omitempty"`
	ObjectID   string    `json:"object_id,omitempty"`
	RequestID  string    `json:"request_id,omitempty"`
	Detail     string    `json:"detail,omitempty"` // never personal data
	PrevHash   string    `json:"prev_hash"`
	Hash       string    `json:"hash"`
}

// GenesisHash is the PrevHash of the first audit row.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// ComputeHash returns the SHA-256 (hex) over the row's fields and PrevHash in
// a fixed, unambiguous encoding. Times are hashed at microsecond precision in
// UTC, which both databases keep exactly.
func (e *AuditEvent) ComputeHash() string {
	fields := []string{
		strconv.FormatInt(e.Seq, 10),
		e.At.UTC().Truncate(time.Microsecond).Format("2006-01-02T15:04:05.000000Z"),
		e.Actor, e.Action, e.ObjectType, e.ObjectID, e.RequestID, e.Detail, e.PrevHash,
	}
	var b strings.Builder
	for _, f := range fields {
		b.WriteString(strconv.Itoa(len(f)))
		b.WriteByte(':')
		b.WriteString(f)
		b.WriteByte(';')
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:])
}

// AuditFilter selects audit events to page through.
type AuditFilter struct {
	Actor      string
	Action     string
	ObjectType string
	ObjectID   string
	Since      *time.Time
	Until      *time.Time
	Offset     int
	Limit      int
}

// ChainBreak describes the first row where the audit chain does not hold.
type ChainBreak struct {
	Seq    int64  `json:"seq"`
	Reason string `json:"reason"`
}

// AuditService reads and checks the audit log. Writing happens inside each
// service's own transactions.
type AuditService interface {
	// FindAuditEvents returns events matching the filter, newest first, and
	// the total count. Requires PermReadAudit.
	FindAuditEvents(ctx context.Context, filter AuditFilter) ([]*AuditEvent, int, error)
	// VerifyAudit walks the chain and returns the number of rows checked and
	// the first break, or nil if the chain is intact.
	VerifyAudit(ctx context.Context) (rows int64, brk *ChainBreak, err error)
}

// Sealer encrypts personal data at rest and computes blind indexes for
// equality lookups. Implementations must use authenticated encryption.
type Sealer interface {
	// Seal encrypts plaintext, binding it to context (e.g. "subject.name").
	Seal(plaintext []byte, context string) ([]byte, error)
	// Open decrypts what Seal produced with the same context.
	Open(ciphertext []byte, context string) ([]byte, error)
	// BlindIndex returns a keyed hash of a normalised value for equality
	// lookups, separated by kind.
	BlindIndex(kind, normalized string) []byte
}
