// Package pdq computes Meta's PDQ perceptual hash of images, so that
// investigators can find near-duplicates of known material by Hamming
// distance without anyone having to look at the pictures.
//
// The port follows the C++ reference (facebook/ThreatExchange pdq/cpp)
// step by step: images larger than 512 px on either side are squashed to
// 512×512 by nearest neighbour, converted to float32 luminance, blurred with
// the two-pass Jarosz box filter, decimated to 64×64, transformed by a 16×16
// DCT and thresholded at the median. On identical pixels it gives identical
// hashes and qualities; on files, differences between JPEG decoders move a
// few bits (see the package tests for the measured figures).
//
// Decoding handles JPEG, PNG, GIF (first frame), WebP, BMP and TIFF, chosen
// by content sniffing, never by file name. Input is untrusted: dimensions
// are checked against a pixel limit before any pixel is decoded, and a
// malformed file is an error for that file, never a panic.
//
// What this package must never do: it never retains pixel data after
// hashing (it keeps no reference to an image, and its reusable working
// buffers, which hold a greyscale copy while hashing, are zeroed before
// reuse), and it never writes, logs or displays image content. Only hashes,
// qualities and dimensions leave it; error messages carry at most a few
// header bytes.
package pdq
