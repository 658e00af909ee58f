package hashindex

import (
	"syscall"
	"unsafe"
)

const hugePage = 2 << 20

// adviseHuge marks the whole huge pages inside [p, p+size) MADV_HUGEPAGE. It
// is only advice: on failure the memory simply stays in small pages.
func adviseHuge(p unsafe.Pointer, size uintptr) {
	start := (uintptr(p) + hugePage - 1) &^ (hugePage - 1)
	end := (uintptr(p) + size) &^ (hugePage - 1)
	if end <= start {
		return
	}
	syscall.Syscall(syscall.SYS_MADVISE, start, end-start, syscall.MADV_HUGEPAGE)
}
