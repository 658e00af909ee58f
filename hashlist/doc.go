// Package hashlist reads and writes the plain hash-list formats banks arrive
// in: CSV lists with a header naming any subset of md5, sha1, sha256, pdq
// and category columns (plus entry_id or id, quality, size, photodna),
// hashdeep files, one-hash-a-line lists (md5sum/sha256sum output included)
// and ThreatExchange-style PDQ lists ("hash,quality" a line). Detect sniffs
// which one a file is from its first bytes, and also recognises VICS JSON,
// which package vics reads.
//
// Parsers return an iterator that stops at the first error; an error names
// the line (`line 12: md5 "abc" has 3 hex digits, want 32`) so an import can
// be refused as a whole and the file fixed. Hashes come out as lower-case
// hex; PDQ is 64 hex digits. Categories are checked against the bank's
// scheme (or the scheme the first category implies) and never translated
// from one scheme to another.
//
// An entry without an id of its own gets its line number as EntryID, so a
// match can be traced back to the row.
package hashlist
