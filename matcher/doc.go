// Package matcher holds hash banks in memory for matching: exact MD5,
// SHA-1 and SHA-256 in maps, PDQ in an exact radius index (package
// hashindex). A Set follows the banks in the database, reloading a bank
// when its version changes, so several servers sharing one database answer
// from current banks.
//
// It holds only hashes, categories and the banks' own entry ids: never
// file names, image content or personal data.
package matcher
