package pdq

import (
	"path/filepath"
	"testing"
)

// TestDecodedPixelsBitExact hashes the exact pixels the reference tool got
// from ImageMagick and demands the reference's hash and quality bit for bit.
func TestDecodedPixelsBitExact(t *testing.T) {
	dir := mustSharedDir(t)
	for _, row := range mustReadExpected(t, "cpp-decoded-ppm.csv") {
		img := mustReadPNMGz(t, filepath.Join(dir, "decoded", row.path))
		got, q := HashImage(img)
		if want := row.hashes[0]; got != want || q != row.quality {
			t.Errorf("%s: got %v q=%d, want %v q=%d (distance %d)", row.path, got, q, want, row.quality, Distance(got, want))
		}
		d, dq := HashImageDihedral(img)
		if d[Original] != got || dq != q {
			t.Errorf("%s: dihedral original %v q=%d, plain %v q=%d", row.path, d[Original], dq, got, q)
		}
	}
}
