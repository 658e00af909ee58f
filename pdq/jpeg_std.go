//go:build !(turbojpeg && cgo)

package pdq

import (
	"image"
	"image/jpeg"
	"io"
)

// The default build decodes JPEG with Go's image/jpeg: pure Go, full size.

func jpegConfig(r io.Reader) (image.Config, error) { return jpeg.DecodeConfig(r) }

func jpegDecode(r io.Reader) (image.Image, error) { return jpeg.Decode(r) }
