// Package linking ties referrals that are the same person into groups
// (subjects): it normalises identifiers, links referrals that share a strong
// one through any chain of links (union-find, incrementally as referrals
// arrive), lists weak matches as possible links for an analyst, lets an
// analyst split a wrong merge, and assigns a subject to the force whose
// postcode area covers its installation address.
//
// It must never link on a weak identifier (a shared IP address, a name)
// alone, never silently merge stored subjects, and never put an unmasked
// identifier into evidence text: SubjectLink.Evidence is stored in clear.
package linking
