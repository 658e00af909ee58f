package pdq

import (
	"math/rand/v2"
	"testing"
)

// TestBoxVariantsAgree: the four-row and column forms of the box filter,
// and dividing the running sums afterwards by windowCount, must give
// exactly box1D's results for every length and window the hash can use.
func TestBoxVariantsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{5, 6, 7, 63, 64, 65, 129, 200, 256, 383, 512} {
		for _, w := range []int{1, 2, 3, 4, (n + 127) / 128} {
			if w > n {
				continue
			}
			rows := make([]float32, 4*n)
			for i := range rows {
				rows[i] = rng.Float32() * 255
			}
			want := make([]float32, 4*n)
			for r := range 4 {
				box1D(rows[r*n:(r+1)*n], want[r*n:(r+1)*n], w, true)
			}
			got := make([]float32, 4*n)
			box1D4(rows, got, n, w, true)
			sums := make([]float32, 4*n)
			box1D4(rows, sums, n, w, false)
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("n=%d w=%d: box1D4[%d] = %v, box1D %v", n, w, i, got[i], want[i])
				}
				if d := sums[i] / float32(windowCount(i%n, n, w)); d != want[i] {
					t.Fatalf("n=%d w=%d: sum/windowCount at %d = %v, box1D %v", n, w, i, d, want[i])
				}
			}
			// The same data as a 4-row image filtered along columns
			// (transposed: n rows of 4 columns).
			tr := make([]float32, 4*n)
			for r := range 4 {
				for i := range n {
					tr[i*4+r] = rows[r*n+i]
				}
			}
			col := make([]float32, 4*n)
			boxColumns(tr, col, n, 4, w, make([]float32, 4))
			for r := range 4 {
				for i := range n {
					if col[i*4+r] != want[r*n+i] {
						t.Fatalf("n=%d w=%d: boxColumns differs at row %d col %d", n, w, i, r)
					}
				}
			}
		}
	}
}
