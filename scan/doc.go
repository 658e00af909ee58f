// Package scan hashes every file under a directory and matches the files
// against hash banks: exactly by MD5, SHA-1 and SHA-256, and perceptually by
// PDQ (all eight dihedral variants, within a Hamming radius) for images.
// It is the engine behind `safeguard hash` and `safeguard scan`.
//
// Each file is read once: the same buffer feeds the three digests and, for
// an image (recognised by its content, never its name), the PDQ hasher.
// Files are hashed by a pool of workers; a large file's three digests run
// in parallel, chunk by chunk. A file that cannot be read, changes while it
// is read, or is not a regular file is reported and the scan goes on;
// symbolic links to directories, and links that lead out of the scanned
// directory, are never followed. The largest files are hashed first, so
// that no big file runs alone at the end; when no bank holds PDQ hashes,
// images are recognised but not decoded.
//
// The report (JSON, CSV or a printable HTML summary) holds paths, sizes,
// hashes, bank entry ids and categories only.
//
// What this package must never do: keep, copy, write or display image
// content (no thumbnails, ever), or translate categories between schemes.
package scan
