// Package chart draws small charts as SVG on the server: no script, no
// chart library, nothing fetched from elsewhere, so pages work offline, in
// print and with scripts off. Every chart carries a text description for
// screen readers; pages show the figures in a table beside it.
//
// The output is built from numbers and escaped labels only, so it is safe
// to embed in a page as it is.
package chart
