package hashindex

import "unsafe"

// makeLarge allocates a slice for one of a segment's big arrays and asks the
// OS to back it with huge pages where it can: every lookup makes hundreds of
// random reads across hundreds of MiB, and with 4 KiB pages nearly each one
// also misses the TLB.
func makeLarge[T any](n int) []T {
	s := make([]T, n)
	if n > 0 {
		adviseHuge(unsafe.Pointer(&s[0]), uintptr(n)*unsafe.Sizeof(s[0]))
	}
	return s
}
