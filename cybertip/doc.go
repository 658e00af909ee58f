// Package cybertip reads NCMEC CyberTipline report XML, as online services
// submit it to the reporting API (schema: shared/testdata/cybertip/
// cyber_tipline.xsd), into safeguard.Referral values.
//
// Two kinds of document arrive: a <report>, and one <fileDetails> per file,
// tied to its report by reportId and sent separately after it. Parse reads
// either; an Assembler holds both, in any order, and yields each report with
// its files attached. FileDetails that arrive after their report was flushed
// come back from TakeLate keyed by report id, for the caller to attach to
// the stored referral.
//
// # Report ids
//
// A submitted <report> has no id element: the reporting API assigns the id
// in its reportResponse. The caller passes it as Options.ReportID when it
// knows it (from that response, or the name NCMEC gave the file). Without
// one, SourceRef is "sha256:" followed by the SHA-256 of the document as
// received: deterministic, so the same bytes twice are one referral, but no
// fileDetails can name such a report.
//
// # What goes into the Referral
//
// Identifiers come from the reported persons (personOrUserReported) only:
// name, e-mails, phones (prefixed with countryCallingCode when the number
// has no "+"), Home addresses and those of no type (a Billing, Shipping,
// Business or Technical address is not where the person lives, and linking
// places a subject by its address), device ids, and the screen name and espIdentifier
// as "value@platform", where the platform is the person's espService or
// else the report's platform; without either they are kept on the Party
// only, since a bare screen name or account number would link different
// people on different services. Identifiers of intended recipients and of
// associated accounts (often a parent's or a payer's) are kept on the
// Report and never in the Referral, so linking cannot merge different
// people through them. Of a victim, only the age is kept.
//
// IP events come from reported persons, peer-to-peer incidents and files.
// The time is kept exactly as received (trimmed of the white space XML
// Schema ignores); the UTC instant is set only when the text carries an
// offset or Z: a time without an offset is never taken to be UTC. An event
// without a time cannot be attributed and is kept in Report.IPCaptures
// only, as is every event's possibleProxy flag.
//
// # Limits and refusals
//
// Documents are read with xml.Decoder.Token under Limits (size, depth,
// element count, text and attribute length) into a tree those limits bound.
// A document may start with a byte order mark and be in UTF-8, UTF-16 (with
// its byte order mark), ISO-8859-1, windows-1252 or US-ASCII, as its XML
// declaration says; it is kept as received either way.
// Refused, with the line and element path: a DOCTYPE or any other <!...>
// declaration, a wrong or missing root (or a root in a namespace: the
// schema has none), malformed XML, text not in its declared encoding, an
// IP address that is not one, a date, time, integer or boolean that is not
// one (or a time-zone offset past ±14:00, which Go's parser would read), a
// value with child elements in it, a second ipAddress, dateTime, port,
// reportId, fileId, fileViewedByEsp or other element the schema allows
// once, a hash of the wrong length or not hexadecimal, a hashType that is
// not known (a misspelt one would keep a hash never matched against the
// banks), two different hashes of one type for one file, a latitude or
// longitude that is no place. Unknown elements, and elements in any
// namespace, are skipped, so a field added to the schema later does not
// stop intake; element order is not checked.
//
// # Never
//
// This package never fetches anything from the network, never resolves or
// expands external or DTD-defined entities (any DTD is refused), and never
// logs: its error messages name where and why, never the personal data
// found there, so they are safe to log.
package cybertip
