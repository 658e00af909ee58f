package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"safeguard"
	"safeguard/attribution"
)

// Sealing contexts of the attribution tables.
const (
	ctxLeaseSubscriber     = "lease.subscriber_id"
	ctxLeaseName           = "lease.name"
	ctxLeaseInstall        = "lease.install_address"
	ctxLeaseBilling        = "lease.billing_address"
	ctxLeaseCallingStation = "lease.calling_station_id"
	ctxAttrSubscriber      = "attribution.subscriber_id"
	ctxAttrName            = "attribution.name"
	ctxAttrInstall         = "attribution.install_address"
	ctxAttrBilling         = "attribution.billing_address"
	ctxAttrReasons         = "attribution.reasons"
	ctxAttrAddressNote     = "attribution.address_note"
)

// AttributionService stores ISP records and attributions and resolves
// subjects' IP events against the stored leases with package attribution.
type AttributionService struct {
	db *DB
	// Options tune resolution (clock-skew tolerance); Proxies is ignored:
	// the stored proxy ranges are used.
	Options attribution.Options
	// MinGap is the least time between two independent events; zero
	// means attribution.DefaultMinGap.
	MinGap time.Duration
	// BatchSize is how many subjects one transaction re-resolves after
	// an import; zero means 100.
	BatchSize int
}

var _ safeguard.AttributionService = (*AttributionService)(nil)

// NewAttributionService returns an AttributionService over db with the
// default clock-skew tolerance and independence gap.
func NewAttributionService(db *DB) *AttributionService { return &AttributionService{db: db} }

// ImportAttributionFile stores an ISP response CSV, a RADIUS-accounting log
// or a proxy list, all or nothing: a bad row stores nothing and the error
// names the file and line. The import is audited (attribution.import) with
// its kind, row count and SHA-256. After it commits, the subjects whose IP
// events fall in the imported span (for a proxy list: whose resolved
// events' addresses it lists) are re-resolved in batches of BatchSize
// subjects a transaction, in this request; imp.SubjectsResolved counts
// them. An error there leaves the import stored and is returned.
// Requires PermAssess. Returns EINVALID for an unknown kind, an empty or
// bad file.
func (s *AttributionService) ImportAttributionFile(ctx context.Context, imp *safeguard.AttributionImport, r io.Reader) error {
	if a, ok := safeguard.ActorFromContext(ctx); !ok || !can(a, safeguard.PermAssess) {
		// Refused (and audited) before the file is read.
		return s.db.run(ctx, func(tx *Tx) error {
			_, err := tx.require("attribution.import", safeguard.PermAssess)
			return err
		})
	}
	if !slices.Contains(safeguard.ImportKinds, imp.Kind) {
		return safeguard.Errorf(safeguard.EINVALID, "unknown import kind %q (want %s)", imp.Kind, strings.Join(safeguard.ImportKinds, ", "))
	}
	imp.FileName = cleanFileName(imp.FileName)
	doc, err := io.ReadAll(r)
	if err != nil {
		return safeguard.WrapError(safeguard.EINVALID, err, "%s: cannot read the file", imp.FileName)
	}
	sum := sha256.Sum256(doc)
	imp.SHA256 = hex.EncodeToString(sum[:])
	var leases []attribution.Lease
	var proxies []attribution.ProxyEntry
	var pl attribution.ProxyList
	switch imp.Kind {
	case safeguard.ImportISPCSV:
		leases, err = attribution.ReadISP(bytes.NewReader(doc), imp.FileName)
	case safeguard.ImportRADIUS:
		leases, err = attribution.ReadRADIUS(bytes.NewReader(doc), imp.FileName)
	case safeguard.ImportProxyList:
		err = pl.ReadProxies(bytes.NewReader(doc), imp.FileName)
		proxies = pl.Entries()
	}
	if err != nil {
		return safeguard.WrapError(safeguard.EINVALID, err, "%s", safeguard.ErrorMessage(err))
	}
	imp.Rows = len(leases) + len(proxies)
	if imp.Rows == 0 {
		return safeguard.Errorf(safeguard.EINVALID, "%s: no %s in the file", imp.FileName, map[bool]string{true: "addresses", false: "leases"}[imp.Kind == safeguard.ImportProxyList])
	}
	imp.From, imp.To = leaseSpan(leases)
	err = s.db.run(ctx, func(tx *Tx) error {
		a, err := tx.require("attribution.import", safeguard.PermAssess)
		if err != nil {
			return err
		}
		imp.ImportedBy, imp.CreatedAt = a.Label(), tx.now
		imp.ID, err = tx.insert(`INSERT INTO attribution_imports (kind, file_name, sha256, row_count, span_from, span_to,
			imported_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			imp.Kind, imp.FileName, imp.SHA256, imp.Rows, imp.From, imp.To, imp.ImportedBy, tx.now)
		if err != nil {
			return err
		}
		if err := insertLeases(tx, imp.ID, leases); err != nil {
			return err
		}
		if err := insertProxies(tx, imp.ID, proxies); err != nil {
			return err
		}
		return tx.audit("attribution.import", "attribution_import", id(imp.ID),
			fmt.Sprintf("kind=%s rows=%d sha256=%s", imp.Kind, imp.Rows, imp.SHA256))
	})
	if err != nil {
		return err
	}
	subjects, err := s.affectedSubjects(ctx, imp, &pl)
	if err != nil {
		return err
	}
	n, err := s.resolveMany(ctx, subjects)
	imp.SubjectsResolved = n
	if uerr := s.db.run(ctx, func(tx *Tx) error {
		_, err := tx.exec(`UPDATE attribution_imports SET subjects_resolved = $1 WHERE id = $2`, n, imp.ID)
		return err
	}); uerr != nil && err == nil {
		err = uerr
	}
	if err != nil {
		return safeguard.WrapError(safeguard.ErrorCode(err), err,
			"import %d was stored, but re-resolving its subjects stopped after %d of %d: %s", imp.ID, n, len(subjects), safeguard.ErrorMessage(err))
	}
	return nil
}

// cleanFileName keeps the base name of an uploaded file, so a path a
// client sent is not stored; an empty name becomes "upload".
func cleanFileName(name string) string {
	name = filepath.Base(strings.ReplaceAll(strings.TrimSpace(name), `\`, "/"))
	if name == "." || name == "/" || name == "" {
		return "upload"
	}
	return name
}

// leaseSpan returns the earliest start and latest end of the leases.
func leaseSpan(leases []attribution.Lease) (from, to *time.Time) {
	for i := range leases {
		l := &leases[i]
		if from == nil || l.Start.Before(*from) {
			t := micro(l.Start)
			from = &t
		}
		if to == nil || l.End.After(*to) {
			t := micro(l.End)
			to = &t
		}
	}
	return from, to
}

// leaseColumns are the columns insertLeases writes and loadLeases reads
// back, after the import id.
const leaseCols = 18

func insertLeases(tx *Tx, importID int64, leases []attribution.Lease) error {
	if len(leases) == 0 {
		return nil
	}
	ps := stmts{}
	defer ps.close()
	vals := make([]any, 0, min(len(leases), 1000)*leaseCols)
	flush := func() error {
		err := insertMany(tx, ps, `INSERT INTO leases (import_id, prefix, has_ports, port_start, port_end, start_at, end_at,
			shared, open_start, open_end, clock_warning, source, subscriber_enc, subscriber_bi, name_enc,
			install_address_enc, billing_address_enc, calling_station_enc) VALUES `, leaseCols, "", vals,
			func(*sql.Rows) error { return nil })
		vals = vals[:0]
		return err
	}
	for i := range leases {
		l := &leases[i]
		sub := l.Subscriber
		sealed := make([]any, 5)
		for j, f := range []struct{ v, ctx string }{
			{sub.ID, ctxLeaseSubscriber}, {sub.Name, ctxLeaseName}, {sub.InstallAddress, ctxLeaseInstall},
			{sub.BillingAddress, ctxLeaseBilling}, {sub.CallingStation, ctxLeaseCallingStation},
		} {
			var err error
			if sealed[j], err = tx.sealString(f.v, f.ctx); err != nil {
				return err
			}
		}
		if sealed[0] == nil {
			return safeguard.Errorf(safeguard.EINVALID, "%s: lease without a subscriber id", l.Source)
		}
		bi, err := subscriberIndex(tx, sub.ID)
		if err != nil {
			return err
		}
		vals = append(vals, importID, l.Prefix.Masked().String(), l.HasPorts, l.PortStart, l.PortEnd,
			tx.db.timeArg(l.Start), tx.db.timeArg(l.End), l.Shared, l.OpenStart, l.OpenEnd, l.ClockWarning, l.Source,
			sealed[0], bi, sealed[1], sealed[2], sealed[3], sealed[4])
		if len(vals) >= 1000*leaseCols {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// subscriberIndex is the blind index of a subscriber id, the same as an
// identifier of kind subscriber_id, so leases and referrals can be joined.
func subscriberIndex(tx *Tx, subscriberID string) ([]byte, error) {
	return tx.blindIndex(&safeguard.Identifier{Kind: safeguard.IdentSubscriber, Value: subscriberID}, "")
}

func insertProxies(tx *Tx, importID int64, entries []attribution.ProxyEntry) error {
	for _, e := range entries {
		if _, err := tx.exec(`INSERT INTO proxy_ranges (import_id, prefix, label) VALUES ($1, $2, $3)`,
			importID, e.Prefix.String(), e.Label); err != nil {
			return err
		}
	}
	return nil
}

// FindAttributionImports lists the latest imports, newest first (limit 0
// means 50). Requires PermAssess. The listing is audited.
func (s *AttributionService) FindAttributionImports(ctx context.Context, limit int) ([]*safeguard.AttributionImport, error) {
	var out []*safeguard.AttributionImport
	err := s.db.view(ctx, func(tx *Tx) error {
		if _, err := tx.require("attribution.import.list", safeguard.PermAssess); err != nil {
			return err
		}
		rows, err := tx.query(fmt.Sprintf(`SELECT id, kind, file_name, sha256, row_count, span_from, span_to,
			subjects_resolved, imported_by, created_at FROM attribution_imports ORDER BY id DESC LIMIT %d`, pageLimit(limit)))
		if err != nil {
			return err
		}
		defer rows.Close()
		out = out[:0]
		for rows.Next() {
			imp := &safeguard.AttributionImport{}
			if err := rows.Scan(&imp.ID, &imp.Kind, &imp.FileName, &imp.SHA256, &imp.Rows, nullTimeCol{&imp.From},
				nullTimeCol{&imp.To}, &imp.SubjectsResolved, &imp.ImportedBy, timeCol{&imp.CreatedAt}); err != nil {
				return translate(err)
			}
			out = append(out, imp)
		}
		if err := rows.Err(); err != nil {
			return translate(err)
		}
		return tx.audit("attribution.import.list", "attribution_import", "", fmt.Sprintf("count=%d", len(out)))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
