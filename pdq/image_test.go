package pdq

import (
	"image"
	"image/color"
	"image/draw"
	"math"
	"testing"
)

// pattern returns a deterministic colour test card: smooth gradients plus a
// few discs and bars, so the hash has structure at low frequencies.
func pattern(w, h int) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			fx, fy := float64(x)/float64(w), float64(y)/float64(h)
			r := 128 + 100*math.Sin(6*fx+2*fy)
			g := 255 * fx * fy
			b := 128 + 120*math.Cos(9*fy-3*fx)
			if (fx-0.3)*(fx-0.3)+(fy-0.6)*(fy-0.6) < 0.03 {
				r, g, b = 250, 240, 20
			}
			if fx > 0.7 && fx < 0.8 {
				r, g, b = 10, 30, 200
			}
			m.SetNRGBA(x, y, color.NRGBA{uint8(r), uint8(g), uint8(b), 255})
		}
	}
	return m
}

// greyPattern is pattern's luminance as an image.Gray.
func greyPattern(w, h int) *image.Gray {
	src := pattern(w, h)
	m := image.NewGray(src.Rect)
	draw.Draw(m, m.Rect, src, image.Point{}, draw.Src)
	return m
}

func mustHash(tb testing.TB, img image.Image) (Hash, int) {
	tb.Helper()
	h, q := HashImage(img)
	if q < 50 {
		tb.Fatalf("test image has quality %d, want a matchable one", q)
	}
	return h, q
}

// TestImageTypesAgree hashes the same pixels held in different concrete
// image types; every fast path must agree exactly with the generic one.
func TestImageTypesAgree(t *testing.T) {
	for _, size := range []image.Point{{120, 90}, {700, 530}} {
		src := pattern(size.X, size.Y)
		want, wantQ := mustHash(t, src)

		rgba := image.NewRGBA(src.Rect)
		draw.Draw(rgba, rgba.Rect, src, image.Point{}, draw.Src)
		nrgba64 := image.NewNRGBA64(src.Rect)
		draw.Draw(nrgba64, nrgba64.Rect, src, image.Point{}, draw.Src)
		rgba64 := image.NewRGBA64(src.Rect)
		draw.Draw(rgba64, rgba64.Rect, src, image.Point{}, draw.Src)
		// A sub-image that does not start at the origin.
		big := image.NewNRGBA(image.Rect(-7, -3, size.X+11, size.Y+5))
		draw.Draw(big, src.Rect, src, image.Point{}, draw.Src)
		sub := big.SubImage(src.Rect)
		// A paletted copy, with exactly the colours used.
		pal := image.NewPaletted(src.Rect, nil)
		index := map[color.NRGBA]uint8{}
		for y := range size.Y {
			for x := range size.X {
				c := src.NRGBAAt(x, y)
				i, ok := index[c]
				if !ok && len(pal.Palette) == 256 {
					continue // leave the rare extra colours out of this copy
				}
				if !ok {
					i = uint8(len(pal.Palette))
					index[c] = i
					pal.Palette = append(pal.Palette, c)
				}
				pal.SetColorIndex(x, y, i)
			}
		}
		palAsNRGBA := image.NewNRGBA(src.Rect)
		draw.Draw(palAsNRGBA, palAsNRGBA.Rect, pal, image.Point{}, draw.Src)
		wantPal, _ := HashImage(palAsNRGBA)

		for _, tc := range []struct {
			name string
			img  image.Image
			want Hash
		}{
			{"RGBA", rgba, want},
			{"NRGBA64", nrgba64, want},
			{"RGBA64", rgba64, want},
			{"generic NRGBA64", opaqueWrapper{nrgba64}, want},
			{"sub-image", sub, want},
			{"generic", opaqueWrapper{src}, want},
			{"Paletted", pal, wantPal},
		} {
			got, q := HashImage(tc.img)
			if got != tc.want || (tc.want == want && q != wantQ) {
				t.Errorf("%v %s: %v q=%d, want %v (distance %d)", size, tc.name, got, q, tc.want, Distance(got, tc.want))
			}
		}
	}
}

// opaqueWrapper hides the concrete type so the generic At path is used.
type opaqueWrapper struct{ image.Image }

// TestYCbCrAndCMYKAgreeWithRGB checks the fast colour conversions against
// the standard library's per-pixel conversion.
func TestYCbCrAndCMYKAgreeWithRGB(t *testing.T) {
	src := pattern(600, 550)
	for _, ratio := range []image.YCbCrSubsampleRatio{image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410} {
		m := image.NewYCbCr(image.Rect(3, 5, 603, 555), ratio)
		for y := m.Rect.Min.Y; y < m.Rect.Max.Y; y++ {
			for x := m.Rect.Min.X; x < m.Rect.Max.X; x++ {
				c := src.NRGBAAt(x-3, y-5)
				yy, cb, cr := color.RGBToYCbCr(c.R, c.G, c.B)
				m.Y[m.YOffset(x, y)] = yy
				m.Cb[m.COffset(x, y)] = cb
				m.Cr[m.COffset(x, y)] = cr
			}
		}
		got, _ := HashImage(m)
		want, _ := HashImage(opaqueWrapper{m})
		if got != want {
			t.Errorf("YCbCr %v: fast %v, generic %v", ratio, got, want)
		}
		if d := Distance(got, mustHashOnly(t, src)); d > 16 {
			t.Errorf("YCbCr %v: %d bits from the RGB original", ratio, d)
		}
	}
	cmyk := image.NewCMYK(src.Rect)
	draw.Draw(cmyk, cmyk.Rect, src, image.Point{}, draw.Src)
	got, _ := HashImage(cmyk)
	if want, _ := HashImage(opaqueWrapper{cmyk}); got != want {
		t.Errorf("CMYK: fast %v, generic %v", got, want)
	}
}

func mustHashOnly(tb testing.TB, img image.Image) Hash {
	h, _ := mustHash(tb, img)
	return h
}

// TestYCbCrConversionExact compares the inlined YCbCr conversion with
// color.YCbCrToRGB over 65536 combinations, clamped ones included.
func TestYCbCrConversionExact(t *testing.T) {
	m := image.NewYCbCr(image.Rect(0, 0, 256, 256), image.YCbCrSubsampleRatio444)
	for y := range 256 {
		for x := range 256 {
			i := y*256 + x
			m.Y[i], m.Cb[i], m.Cr[i] = uint8(y), uint8(x), uint8(y*7+x*13)
		}
	}
	fast, generic := lumaOf(t, m), lumaOf(t, opaqueWrapper{m})
	for i := range fast {
		if fast[i] != generic[i] {
			t.Fatalf("pixel %d: fast %v, color.YCbCrToRGB gives %v", i, fast[i], generic[i])
		}
	}
}

// TestGreyUsesValue: like the reference, which sees a grey image as one
// channel, grey pixels hash by their value whatever the container.
func TestGreyUsesValue(t *testing.T) {
	g := greyPattern(300, 200)
	want, _ := mustHash(t, g)
	g16 := image.NewGray16(g.Rect)
	rgb := image.NewNRGBA(g.Rect)
	for i, v := range g.Pix {
		g16.Pix[2*i], g16.Pix[2*i+1] = v, v // v·257: exactly v in 8 bits
		copy(rgb.Pix[4*i:], []uint8{v, v, v, 255})
	}
	ycc := image.NewYCbCr(g.Rect, image.YCbCrSubsampleRatio420)
	copy(ycc.Y, g.Pix) // stride equals width here
	for i := range ycc.Cb {
		ycc.Cb[i], ycc.Cr[i] = 128, 128
	}
	pal := image.NewPaletted(g.Rect, nil)
	for v := range 256 {
		pal.Palette = append(pal.Palette, color.Gray{uint8(v)})
	}
	copy(pal.Pix, g.Pix)
	wantLuma := lumaOf(t, g)
	for name, img := range map[string]image.Image{"Gray16": g16, "grey NRGBA": rgb, "generic": opaqueWrapper{rgb}, "grey YCbCr": ycc, "grey Paletted": pal} {
		if got, _ := HashImage(img); got != want {
			t.Errorf("%s: %v, want %v", name, got, want)
		}
		for i, v := range lumaOf(t, img) {
			if v != wantLuma[i] {
				t.Errorf("%s: luminance[%d] = %v, want the grey value %v", name, i, v, wantLuma[i])
				break
			}
		}
	}
	// One colour pixel makes the image a colour image: RGB luminance.
	rgb.Pix[0] = 255 - rgb.Pix[0]
	colour := lumaOf(t, rgb)
	inexact := 0
	for i := 1; i < len(g.Pix); i++ {
		v := g.Pix[i]
		if want := rgbLuma(v, v, v); want != float32(v) {
			inexact++
			if colour[i] != want {
				t.Fatalf("colour image: luminance[%d] = %v, want %v", i, colour[i], want)
			}
		}
	}
	if inexact == 0 {
		t.Fatal("test image has no grey level whose RGB luminance is inexact")
	}
}

// lumaOf returns a copy of the luminance buffer HashImage would filter.
func lumaOf(tb testing.TB, img image.Image) []float32 {
	tb.Helper()
	h, ok := lumaHasher(img)
	if !ok {
		tb.Fatal("image too small")
	}
	defer h.release()
	return append([]float32(nil), h.buf1[:h.rows*h.cols]...)
}

// TestGreyRoundTrip: refillGrey relies on rounding the RGB luminance of a
// grey pixel giving back its value.
func TestGreyRoundTrip(t *testing.T) {
	for v := range 256 {
		lum := []float32{rgbLuma(uint8(v), uint8(v), uint8(v))}
		refillGrey(lum)
		if lum[0] != float32(v) {
			t.Errorf("grey %d: luminance %v rounds to %v", v, rgbLuma(uint8(v), uint8(v), uint8(v)), lum[0])
		}
	}
}

// TestResizeMatchesExplicitNearest: an image over 512 px hashes like the
// 512×512 image that CImg's nearest-neighbour resize would produce.
func TestResizeMatchesExplicitNearest(t *testing.T) {
	src := pattern(1100, 530)
	small := image.NewNRGBA(image.Rect(0, 0, 512, 512))
	for y := range 512 {
		for x := range 512 {
			small.SetNRGBA(x, y, src.NRGBAAt(x*1100/512, y*530/512))
		}
	}
	got, gq := HashImage(src)
	want, wq := mustHash(t, small)
	if got != want || gq != wq {
		t.Errorf("resized: %v q=%d, explicit: %v q=%d", got, gq, want, wq)
	}
}

func TestTooSmallHashesToZero(t *testing.T) {
	for _, size := range []image.Point{{0, 0}, {4, 100}, {100, 4}, {1, 1}} {
		h, q := HashImage(pattern(size.X, size.Y))
		if h != (Hash{}) || q != 0 {
			t.Errorf("%v: %v q=%d, want zero hash and quality 0", size, h, q)
		}
		d, q := HashImageDihedral(pattern(size.X, size.Y))
		if d != (Dihedral{}) || q != 0 {
			t.Errorf("%v dihedral: q=%d, want all zero", size, q)
		}
	}
	if h, _ := HashImage(pattern(5, 5)); h == (Hash{}) {
		t.Error("5×5 image hashed to zero; 5 px is the reference's minimum")
	}
}

// TestHalfTheBitsSet: the threshold is the median with a strict >, so at
// most half of the 256 bits are set, and exactly half for a typical image.
func TestHalfTheBitsSet(t *testing.T) {
	for _, size := range []image.Point{{64, 64}, {97, 131}, {512, 300}, {900, 900}} {
		h, _ := HashImage(pattern(size.X, size.Y))
		if n := Distance(h, Hash{}); n != 128 {
			t.Errorf("%v: %d bits set, want 128", size, n)
		}
	}
	// A flat image has 256 equal coefficients: nothing is above the median.
	flat := image.NewGray(image.Rect(0, 0, 80, 80))
	if h, q := HashImage(flat); h != (Hash{}) || q != 0 {
		t.Errorf("flat image: %v q=%d", h, q)
	}
}

// TestDihedralMatchesTransformedPixels transforms the pixels of a square
// image in the eight ways and compares each hash with the variant derived
// from the original's DCT. The side, 320 = 64·5, makes the decimation grid
// and the (odd, 3-pixel) box window symmetric, so only float rounding in
// sums taken in another order can move a bit; in general (other sizes) the
// grid's asymmetry moves 20-40 bits.
func TestDihedralMatchesTransformedPixels(t *testing.T) {
	const n = 320
	src := greyPattern(n, n)
	d, _ := HashImageDihedral(src)
	if plain, _ := HashImage(src); plain != d[Original] {
		t.Errorf("dihedral original %v != plain %v", d[Original], plain)
	}
	// Source pixel (row, col) for output (r, c), per the reference's names.
	transforms := [8]func(r, c int) (int, int){
		Original:   func(r, c int) (int, int) { return r, c },
		Rotate90:   func(r, c int) (int, int) { return c, n - 1 - r }, // counter-clockwise
		Rotate180:  func(r, c int) (int, int) { return n - 1 - r, n - 1 - c },
		Rotate270:  func(r, c int) (int, int) { return n - 1 - c, r }, // clockwise
		FlipX:      func(r, c int) (int, int) { return n - 1 - r, c }, // upside down
		FlipY:      func(r, c int) (int, int) { return r, n - 1 - c }, // mirrored
		FlipPlus1:  func(r, c int) (int, int) { return c, r },
		FlipMinus1: func(r, c int) (int, int) { return n - 1 - c, n - 1 - r },
	}
	for k, tr := range transforms {
		m := image.NewGray(src.Rect)
		for r := range n {
			for c := range n {
				sr, sc := tr(r, c)
				m.Pix[r*n+c] = src.Pix[sr*n+sc]
			}
		}
		h, _ := HashImage(m)
		for j := range d {
			dist := Distance(h, d[j])
			if j == k && dist > 2 {
				t.Errorf("transform %d: %d bits from its dihedral hash", k, dist)
			}
			if j != k && dist < 40 {
				t.Errorf("transform %d: only %d bits from dihedral hash %d", k, dist, j)
			}
		}
	}
}

// TestExact64SkipsFilter: the reference hashes a 64×64 input directly
// (no blur) in the plain path, and still blurs in the dihedral path.
func TestExact64SkipsFilter(t *testing.T) {
	src := greyPattern(64, 64)
	got, q := HashImage(src)
	// Hash the unblurred pixels by hand through the same stages.
	h := getHasher()
	defer h.release()
	for i := range 64 {
		for j := range 64 {
			h.a[i][j] = float32(src.Pix[i*64+j])
		}
	}
	wantQ := qualityMetric(&h.a)
	h.dct64To16()
	if want := bitsAboveMedian(&h.b); got != want || q != wantQ {
		t.Errorf("64×64: %v q=%d, want unfiltered %v q=%d", got, q, want, wantQ)
	}
}

// TestNoPixelsKept: after hashing, the pooled working buffers hold nothing
// derived from the image.
func TestNoPixelsKept(t *testing.T) {
	h, ok := lumaHasher(pattern(700, 600))
	if !ok {
		t.Fatal("image too small")
	}
	h.hash()
	h.release()
	for i, v := range h.buf1 {
		if v != 0 || h.buf2[i] != 0 {
			t.Fatalf("buffer value at %d survives release: %v, %v", i, v, h.buf2[i])
		}
	}
	if h.a != ([64][64]float32{}) || h.b != ([16][16]float32{}) || h.t != ([16][64]float32{}) {
		t.Fatal("64×64 or DCT buffers survive release")
	}
}
