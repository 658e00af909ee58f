// Package synth generates the deterministic synthetic data that the demo
// serves: the 43 territorial police forces of England and Wales (with
// made-up areas and capacities, marked synthetic), fictional subjects and
// referrals, assessments and a national operation.
//
// Everything it makes is fictional: names are invented, e-mails use
// example.com and example.org, IP addresses come from the documentation
// ranges and the CGNAT range, file hashes are random. It must never load or
// produce real personal data or image content.
package synth
