// Package linking ties referrals that are the same person into groups
// (subjects): it normalises identifiers, links referrals that share a strong
// one through any chain of links (union-find, incrementally as referrals
// arrive), lists weak matches as possible links for an analyst, lets an
// analyst split a wrong merge, and assigns a subject to the force whose
// postcode area covers its installation address.
//
// It must never link on a weak identifier (a shared IP address, a name, or
// a value it could not normalise) alone, never silently merge stored
// subjects, and never put an unmasked identifier or a full postcode into
// evidence text: SubjectLink.Evidence is stored in clear.
//
// Decisions:
//   - E-mail: lower-cased; dots and "+tag" dropped only where the provider
//     documents it (Gmail/Googlemail; "+tag" alone for Outlook.com,
//     Hotmail, Live, Fastmail, Proton). Never for other domains.
//   - Phone: E.164 with GB as the default region; a number that cannot be
//     placed in a country is kept as digits and is weak.
//   - Username and account id: scoped "value@platform" (the referral's
//     platform when bare); without a platform they are weak. Usernames are
//     case-folded (platforms treat them so); account ids keep their case
//     (opaque provider ids may be case-sensitive).
//   - Device id: IMEI, UUID, MAC and hex ids are case- and
//     separator-folded; other ids are opaque and keep their case.
//   - Subscriber id: spaces removed, case kept (opaque ISP ids).
//   - Installation address: case, punctuation and spaces folded, UK
//     postcode normalised and moved last; abbreviations are not expanded.
//
// The store keeps subjects in the database and links there (store's
// LinkService, in one transaction under a lock); it hashes this
// package's normalised form into its blind index, so blind-index equality
// is exactly this package's equality, and uses Masked, WeakReason and
// Link.Words for evidence. This package imports no database code.
package linking
