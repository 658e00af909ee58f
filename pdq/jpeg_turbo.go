//go:build turbojpeg && cgo

package pdq

/*
#cgo LDFLAGS: -lturbojpeg
#include <stdlib.h>
#include <turbojpeg.h>
*/
import "C"

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"unsafe"
)

// With the turbojpeg build tag, JPEG is decoded by libjpeg-turbo, which can
// scale by 1/2, 1/4 or 1/8 (and other eighths) while decoding. Images over
// 512 px are decoded at the smallest scale that keeps them at least 512 px
// on each side that was over 512, since only a 512×512 nearest-neighbour
// sample of them is hashed. The scaled pixels are box averages rather than
// point samples, so hashes move by a few bits; see TestFilesNearReference.

// maxTurboInput bounds the JPEG data read into memory for libjpeg-turbo;
// no JPEG within the default pixel limit comes near it.
const maxTurboInput = 512 << 20

func jpegConfig(r io.Reader) (image.Config, error) { return jpeg.DecodeConfig(r) }

func jpegDecode(r io.Reader) (image.Image, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxTurboInput+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxTurboInput {
		return nil, fmt.Errorf("%w: JPEG data over %d bytes", ErrTooLarge, maxTurboInput)
	}
	if len(data) == 0 {
		return nil, io.ErrUnexpectedEOF
	}
	handle := C.tjInitDecompress()
	if handle == nil {
		return nil, errors.New("turbojpeg: cannot initialise decompressor")
	}
	defer C.tjDestroy(handle)

	src := (*C.uchar)(unsafe.Pointer(&data[0]))
	var w, h, subsamp, colorspace C.int
	if C.tjDecompressHeader3(handle, src, C.ulong(len(data)), &w, &h, &subsamp, &colorspace) != 0 {
		return nil, turboError(handle)
	}
	if colorspace == C.TJCS_CMYK || colorspace == C.TJCS_YCCK {
		// TurboJPEG cannot convert these to RGB; Go handles Adobe's
		// inverted CMYK and YCCK.
		return jpeg.Decode(bytes.NewReader(data))
	}
	fullW, fullH := int(w), int(h)
	sw, sh := scaledSize(fullW, fullH)

	var img image.Image
	var pixfmt C.int
	var buf []byte
	if colorspace == C.TJCS_GRAY {
		g := image.NewGray(image.Rect(0, 0, sw, sh))
		img, pixfmt, buf = g, C.TJPF_GRAY, g.Pix
	} else {
		m := image.NewRGBA(image.Rect(0, 0, sw, sh))
		img, pixfmt, buf = m, C.TJPF_RGBA, m.Pix
	}
	if C.tjDecompress2(handle, src, C.ulong(len(data)), (*C.uchar)(unsafe.Pointer(&buf[0])),
		C.int(sw), 0, C.int(sh), pixfmt, 0) != 0 {
		// Corrupt-data warnings are errors here too: a damaged file gets
		// no hash rather than a hash of garbage.
		return nil, turboError(handle)
	}
	if sw == fullW && sh == fullH {
		return img, nil
	}
	return &scaledImage{Image: img, fullW: fullW, fullH: fullH}, nil
}

// scaledSize returns the smallest size libjpeg-turbo can decode w×h to
// that keeps each side at least min(side, 512).
func scaledSize(w, h int) (int, int) {
	var n C.int
	factors := C.tjGetScalingFactors(&n)
	bestW, bestH := w, h
	if factors == nil || (w <= maxDim && h <= maxDim) {
		return w, h
	}
	for _, f := range unsafe.Slice(factors, int(n)) {
		num, den := int(f.num), int(f.denom)
		if num > den {
			continue // upscaling
		}
		sw, sh := (w*num+den-1)/den, (h*num+den-1)/den
		if sw >= min(w, maxDim) && sh >= min(h, maxDim) && sw*sh < bestW*bestH {
			bestW, bestH = sw, sh
		}
	}
	return bestW, bestH
}

func turboError(handle C.tjhandle) error {
	return fmt.Errorf("turbojpeg: %s", C.GoString(C.tjGetErrorStr2(handle)))
}
