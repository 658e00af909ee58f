package pdq

import (
	"image"
	"image/color"
)

// lumaTables hold the float32 products coefficient·value for every 8-bit
// value, exactly the products the reference computes per pixel, so a pixel's
// luminance is three loads and two float32 additions in the reference order.
var lumaTables = func() (t [3][256]float32) {
	for v := range 256 {
		t[0][v] = lumaR * float32(v)
		t[1][v] = lumaG * float32(v)
		t[2][v] = lumaB * float32(v)
	}
	return t
}()

func rgbLuma(r, g, b uint8) float32 {
	return lumaTables[0][r] + lumaTables[1][g] + lumaTables[2][b]
}

// sampling is the nearest-neighbour grid that the reference's CImg resize
// picks: output column x reads source column x·W/512 (integer division),
// and likewise for rows. Images within 512×512 are read one to one.
type sampling struct {
	rows, cols int
	xs, ys     [maxDim]int // absolute source coordinates
}

// init sets the sampling grid for an image with bounds r. A decoder may
// have scaled the image down already (libjpeg-turbo's DCT scaling); squash
// says whether the full-size image was over 512 px, so that it is squashed
// to 512×512 all the same.
func (s *sampling) init(r image.Rectangle, squash bool) {
	w, h := r.Dx(), r.Dy()
	s.rows, s.cols = h, w
	if squash || w > maxDim || h > maxDim {
		s.rows, s.cols = maxDim, maxDim
	}
	for x := range s.cols {
		s.xs[x] = r.Min.X + int(int64(x)*int64(w)/int64(s.cols))
	}
	for y := range s.rows {
		s.ys[y] = r.Min.Y + int(int64(y)*int64(h)/int64(s.rows))
	}
}

// fillLuma writes the luminance of the sampled pixels of img into dst
// (s.rows×s.cols, row-major). Like the reference, which sees a grey image
// as one channel, an image whose sampled pixels are all grey uses the grey
// value itself rather than 0.299R+0.587G+0.114B, which can differ in the
// last bit.
func fillLuma(dst []float32, img image.Image, s *sampling) {
	grey := true
	switch m := img.(type) {
	case *image.Gray:
		for y := range s.rows {
			row := m.Pix[(s.ys[y]-m.Rect.Min.Y)*m.Stride:]
			out := dst[y*s.cols : (y+1)*s.cols]
			for x := range out {
				out[x] = float32(row[s.xs[x]-m.Rect.Min.X])
			}
		}
		return
	case *image.Gray16:
		for y := range s.rows {
			row := m.Pix[(s.ys[y]-m.Rect.Min.Y)*m.Stride:]
			out := dst[y*s.cols : (y+1)*s.cols]
			for x := range out {
				i := 2 * (s.xs[x] - m.Rect.Min.X)
				out[x] = float32(to8(uint16(row[i])<<8 | uint16(row[i+1])))
			}
		}
		return
	case *image.YCbCr:
		grey = fillYCbCr(dst, m, s)
	case *image.NYCbCrA:
		grey = fillYCbCr(dst, &m.YCbCr, s)
	case *image.NRGBA:
		grey = fillRGBA8(dst, m.Pix, m.Stride, m.Rect, s)
	case *image.RGBA:
		// Colour channels as stored: all alpha we have seen is opaque, and
		// the reference drops alpha without compositing.
		grey = fillRGBA8(dst, m.Pix, m.Stride, m.Rect, s)
	case *image.NRGBA64:
		grey = fillRGBA16(dst, m.Pix, m.Stride, m.Rect, s)
	case *image.RGBA64:
		grey = fillRGBA16(dst, m.Pix, m.Stride, m.Rect, s)
	case *image.Paletted:
		fillPaletted(dst, m, s)
		return
	case *image.CMYK:
		grey = fillCMYK(dst, m, s)
	default:
		for y := range s.rows {
			out := dst[y*s.cols : (y+1)*s.cols]
			for x := range out {
				r, g, b := rgb8(img.At(s.xs[x], s.ys[y]))
				grey = grey && r == g && g == b
				out[x] = rgbLuma(r, g, b)
			}
		}
	}
	if grey {
		refillGrey(dst[:s.rows*s.cols])
	}
}

// refillGrey turns the luminance of an all-grey image into the grey values
// themselves. For R=G=B=v the float32 sum 0.299v+0.587v+0.114v is within
// 0.001 of v, so rounding recovers v exactly.
func refillGrey(dst []float32) {
	for i, v := range dst {
		dst[i] = float32(int(v + 0.5))
	}
}

func fillYCbCr(dst []float32, m *image.YCbCr, s *sampling) (grey bool) {
	var colY, colC [maxDim]int
	y0, c0 := m.YOffset(m.Rect.Min.X, m.Rect.Min.Y), m.COffset(m.Rect.Min.X, m.Rect.Min.Y)
	for x := range s.cols {
		colY[x] = m.YOffset(s.xs[x], m.Rect.Min.Y) - y0
		colC[x] = m.COffset(s.xs[x], m.Rect.Min.Y) - c0
	}
	var diff uint8
	for y := range s.rows {
		rowY := m.YOffset(m.Rect.Min.X, s.ys[y])
		rowC := m.COffset(m.Rect.Min.X, s.ys[y])
		yy, cb, cr := m.Y[rowY:], m.Cb[rowC:], m.Cr[rowC:]
		out := dst[y*s.cols : (y+1)*s.cols]
		for x := range out {
			// color.YCbCrToRGB, written out: the call does not inline.
			ci := colC[x]
			y1 := int32(yy[colY[x]]) * 0x10101
			cb1, cr1 := int32(cb[ci])-128, int32(cr[ci])-128
			r, g, b := clamp16(y1+91881*cr1), clamp16(y1-22554*cb1-46802*cr1), clamp16(y1+116130*cb1)
			diff |= (r ^ g) | (g ^ b)
			out[x] = rgbLuma(r, g, b)
		}
	}
	return diff == 0
}

// clamp16 returns v>>16 clamped to 0..255.
func clamp16(v int32) uint8 {
	if uint32(v)&0xff000000 == 0 {
		return uint8(v >> 16)
	}
	return uint8(^(v >> 31))
}

func fillRGBA8(dst []float32, pix []uint8, stride int, rect image.Rectangle, s *sampling) (grey bool) {
	var col [maxDim]int
	for x := range s.cols {
		col[x] = 4 * (s.xs[x] - rect.Min.X)
	}
	var diff uint8
	for y := range s.rows {
		row := pix[(s.ys[y]-rect.Min.Y)*stride:]
		out := dst[y*s.cols : (y+1)*s.cols]
		for x := range out {
			p := row[col[x] : col[x]+3 : col[x]+3]
			r, g, b := p[0], p[1], p[2]
			diff |= (r ^ g) | (g ^ b)
			out[x] = rgbLuma(r, g, b)
		}
	}
	return diff == 0
}

func fillRGBA16(dst []float32, pix []uint8, stride int, rect image.Rectangle, s *sampling) (grey bool) {
	var diff uint8
	for y := range s.rows {
		row := pix[(s.ys[y]-rect.Min.Y)*stride:]
		out := dst[y*s.cols : (y+1)*s.cols]
		for x := range out {
			i := 8 * (s.xs[x] - rect.Min.X)
			p := row[i : i+6 : i+6]
			r := to8(uint16(p[0])<<8 | uint16(p[1]))
			g := to8(uint16(p[2])<<8 | uint16(p[3]))
			b := to8(uint16(p[4])<<8 | uint16(p[5]))
			diff |= (r ^ g) | (g ^ b)
			out[x] = rgbLuma(r, g, b)
		}
	}
	return diff == 0
}

// fillPaletted looks each index up in tables made from the palette, and
// handles the all-grey case itself.
func fillPaletted(dst []float32, m *image.Paletted, s *sampling) {
	var lum [256]float32
	var isGrey [256]bool
	for i, c := range m.Palette {
		if i >= 256 {
			break
		}
		r, g, b := rgb8(c)
		lum[i], isGrey[i] = rgbLuma(r, g, b), r == g && g == b
	}
	// Go's decoders reject indexes outside the palette; an image built in
	// memory might not, and At then gives opaque black, as do these zeros.
	grey := true
	for y := range s.rows {
		row := m.Pix[(s.ys[y]-m.Rect.Min.Y)*m.Stride:]
		out := dst[y*s.cols : (y+1)*s.cols]
		for x := range out {
			i := row[s.xs[x]-m.Rect.Min.X]
			grey = grey && isGrey[i]
			out[x] = lum[i]
		}
	}
	if grey {
		refillGrey(dst[:s.rows*s.cols])
	}
}

func fillCMYK(dst []float32, m *image.CMYK, s *sampling) (grey bool) {
	var diff uint8
	for y := range s.rows {
		row := m.Pix[(s.ys[y]-m.Rect.Min.Y)*m.Stride:]
		out := dst[y*s.cols : (y+1)*s.cols]
		for x := range out {
			i := 4 * (s.xs[x] - m.Rect.Min.X)
			r, g, b := color.CMYKToRGB(row[i], row[i+1], row[i+2], row[i+3])
			diff |= (r ^ g) | (g ^ b)
			out[x] = rgbLuma(r, g, b)
		}
	}
	return diff == 0
}

// rgb8 returns the 8-bit colour channels of c as stored, dropping alpha:
// non-premultiplied colours keep their raw values, wider ones are rounded
// to 8 bits the way ImageMagick scales 16-bit samples.
func rgb8(c color.Color) (r, g, b uint8) {
	switch c := c.(type) {
	case color.RGBA:
		return c.R, c.G, c.B
	case color.NRGBA:
		return c.R, c.G, c.B
	case color.Gray:
		return c.Y, c.Y, c.Y
	case color.YCbCr:
		return color.YCbCrToRGB(c.Y, c.Cb, c.Cr)
	case color.NYCbCrA:
		return color.YCbCrToRGB(c.Y, c.Cb, c.Cr)
	case color.CMYK:
		return color.CMYKToRGB(c.C, c.M, c.Y, c.K)
	}
	n := color.NRGBA64Model.Convert(c).(color.NRGBA64)
	return to8(n.R), to8(n.G), to8(n.B)
}

// to8 scales a 16-bit sample to 8 bits with rounding (v/257), as
// ImageMagick does, rather than Go's truncating v>>8.
func to8(v uint16) uint8 {
	q := uint32(v) + 128
	return uint8((q - q>>8) >> 8)
}
