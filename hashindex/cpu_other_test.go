//go:build !linux

package hashindex

import "time"

// threadCPU is unavailable here; benchmarks report 0 cpu-ns/op.
func threadCPU() time.Duration { return 0 }
