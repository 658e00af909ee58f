// Package risk is the risk policy engine: it reads a versioned, declarative
// policy (JSON, validated with errors by path) and a document of facts about
// one subject, and assesses the subject: a band (immediate, high, medium,
// low), a score, a due time, the policy version and the trace of every rule
// that fired with the facts, and their sources, that made it fire.
//
// Assess is a pure function of the policy, the facts and the time: no I/O,
// no clock, no globals holding state, so the store can re-assess a backlog
// and the CLI can assess a file offline with the same result.
//
// The engine must never put a subject with access to children in any band
// but immediate, whatever the policy says: it adds that itself, visibly in
// the trace, if a policy's rules did not. Policies are also checked for it
// when loaded. It must never read image content: facts are counts,
// categories, flags and their sources.
//
// The package also scores the CPORT (Seto & Eke 2015), a separate, optional
// recidivism instrument an investigator completes, and resolves a
// supervisor's override against newly computed bands.
package risk
