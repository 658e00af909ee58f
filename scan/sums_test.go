package scan

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
)

func sums(b []byte) string {
	m, s1, s2 := md5.Sum(b), sha1.Sum(b), sha256.Sum256(b)
	return hex.EncodeToString(m[:]) + " " + hex.EncodeToString(s1[:]) + " " + hex.EncodeToString(s2[:])
}

func hexSums(d *Digests) string {
	return hex.EncodeToString(d.MD5[:]) + " " + hex.EncodeToString(d.SHA1[:]) + " " + hex.EncodeToString(d.SHA256[:])
}
