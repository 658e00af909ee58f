//go:build !linux

package main

import "time"

// threadCPU and processCPU are unavailable here; rates per CPU-second read
// as infinite and build CPU as zero.
func threadCPU() time.Duration  { return 0 }
func processCPU() time.Duration { return 0 }
