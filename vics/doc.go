// Package vics reads and writes Project VIC VICS JSON hash sets and cases,
// both 1.x ("odata.metadata") and 2.0 ("@odata.context"), as
// safeguard.BankEntry values.
//
// Reading is streamed with encoding/json's Decoder.Token, one Media object
// at a time, so a file of millions of entries is read in bounded memory.
// It is lenient where exporters disagree (MediaID as a number or a string,
// IsPrecategorized as a bool or a string, counts, repeated Media) and strict
// where a mistake would make a match wrong: a hash of the wrong length, a
// non-hex digit or a category outside the bank's scheme is an error that
// names the JSON path, e.g. "value[3].Media[0].MD5: ...".
//
// Every Media field that BankEntry does not model is kept, compacted and in
// its original order, in BankEntry.Extra; for a case file the case's own
// fields (CaseID, CaseNumber, Contact, ...) are kept there under
// "@safeguard.case".
// Write produces VICS 2.0 from entries, so import, export and import again
// gives back the same entries. Case fields that follow a case's Media array
// in the file are not kept: keeping them would mean holding every Media of
// the case in memory.
//
// Categories are Project VIC's 0-4 (null is "uncategorised"); they are never
// translated into another scheme.
//
// What this package must never do: fetch or open any media file a VICS
// record names, or map categories between schemes.
package vics
