//go:build !linux

package hashindex

import "unsafe"

func adviseHuge(unsafe.Pointer, uintptr) {}
