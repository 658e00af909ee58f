// Package hashindex finds every bank entry within a Hamming radius of a
// 256-bit perceptual hash (PDQ), exactly: no approximate shortcuts, no missed
// matches. It is the lookup behind "does this file match known material".
//
// Layout. Entries live in immutable segments plus a small scanned delta.
// A segment keeps the hashes in flat arrays sorted by id and sixteen
// multi-index tables, one per 16-bit box of the hash. Table i is a CSR bucket
// array keyed by box i; each entry carries box i+1 inline (for filtering in
// memory order) and its position, Elias–Fano coded in about 18 bits: some
// 104 bytes an entry in all, 1 GB for ten million.
//
// Why it is exact. Cut the hash into 16 boxes with distances d0..d15 summing
// to D ≤ r. The excesses d_j − (r+1)/16 sum to less than zero, so by the
// cycle lemma ("pigeonring") some start i has every cyclic run
// d_i+…+d_{i+l-1} < l·(r+1)/16. Table i finds that entry: d_i ≤ ⌊r/16⌋
// selects the probed buckets and d_i+d_{i+1} ≤ ⌊(2r+1)/16⌋ is the inline
// filter. Each match is reported only from its smallest such start, so no
// duplicate filter is needed. When the radius makes probing costlier than
// reading everything, a segment is scanned instead.
//
// Cost. A radius-31 lookup visits 17 buckets in each table (272 in all),
// filters about 16·17·n/65536 inline boxes (41k at ten million, 82 KB in some
// 1,600 cache lines) and verifies the ~100 survivors by popcount on their full
// hashes. At that size the lookup is bound by memory, not arithmetic: the
// filter tests 32 boxes an instruction with AVX-512 VPOPCNTW where the CPU has
// it, 16 with AVX2 nibble tables otherwise (about twice the time on cached
// data), and falls back to a portable 4-lane SWAR filter (some ten times the
// time), so what costs is waiting for lines. The scan is therefore
// software-pipelined: every bucket's offsets are read first, then the lines of
// bucket j+16 are prefetched while bucket j is filtered, a survivor's position
// lines are prefetched as it passes and its hash as its position is decoded.
// Prefetches retire at once, so the core keeps filtering while dozens of
// misses are in flight; ordinary loads used to stall it instead. Each
// table's offsets start on a cache line, so the query box and its four
// low-bit neighbours take one offset line of the 13 a table needs. SearchAny
// lists the buckets of up to four queries before scanning, so the pipeline
// does not drain between them; the drain is a latency or two of a lookup's
// hundreds, so this saved nothing measurable on the shared benchmark machine. What is left is about 1,600 streamed and 500
// random cache lines a lookup (offsets, and three lines a survivor: low
// position part, high part, hash).
//
// Concurrency. Readers load an immutable snapshot through an atomic pointer
// and never block; Add and Remove serialise on a mutex, copy what they change
// and publish a new snapshot, so a match is searchable as soon as Add returns.
// Every 4,096 writes the delta becomes a segment and segments merge to keep
// their sizes geometric, in the writer's call; a merge into the largest
// segment rebuilds it (seconds at ten million, with both copies in memory
// meanwhile), while readers carry on with the old snapshot.
//
// The package must never approximate (a result set is always the exact set
// for one snapshot), never retain the caller's slices after Build returns,
// and never hold anything but ids and hashes: no file names, no content.
package hashindex
