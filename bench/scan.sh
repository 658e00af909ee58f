#!/usr/bin/env bash
# Exact-hashing benchmark: `safeguard scan` (empty bank: MD5 + SHA-1 +
# SHA-256 of every file) against hashdeep and rhash computing the same three
# digests over the same tree, from a warm page cache.
#
#   bench/scan.sh                # about 2 GB under /tmp/safeguard-bench
#   SIZE_MB=500 bench/scan.sh    # a smaller tree
#   SAFEGUARD_BIN=./safeguard bench/scan.sh   # time a binary built earlier
#
# The tree (generated images: gradients and patterns, random files, a few
# large ones) is kept between runs; delete $ROOT to rebuild it.
# Targets: scan <= 0.5x hashdeep's wall time and <= 0.65x rhash's.
set -euo pipefail

ROOT=${ROOT:-/tmp/safeguard-bench}
SIZE_MB=${SIZE_MB:-2048}
TREE=$ROOT/tree-$SIZE_MB
REPO=$(cd "$(dirname "$0")/.." && pwd)

need() {
	command -v "$1" >/dev/null && return
	echo "installing $1" >&2
	if [ "$(id -u)" = 0 ]; then apt-get install -y "$1" >/dev/null; else sudo apt-get install -y "$1" >/dev/null; fi
}
need hashdeep
need rhash

mkdir -p "$ROOT"
# SAFEGUARD_BIN=path uses an already built binary instead of building one.
if [ -n "${SAFEGUARD_BIN:-}" ]; then
	cp "$SAFEGUARD_BIN" "$ROOT/safeguard"
else
	echo "building safeguard" >&2
	(cd "$REPO" && go build -o "$ROOT/safeguard" ./cmd/safeguard)
fi

if [ ! -f "$TREE.complete" ]; then
	echo "generating a ${SIZE_MB} MB tree in $TREE" >&2
	rm -rf "$TREE" "$TREE.complete" "$ROOT/gen"
	mkdir -p "$ROOT/gen" "$TREE"
	cat >"$ROOT/gen/go.mod" <<'EOF'
module gentree

go 1.22
EOF
	cat >"$ROOT/gen/main.go" <<'EOF'
// Command gentree writes a benchmark tree: synthetic images (gradients,
// stripes, checks; never photographs), files of random bytes of mixed
// sizes, and a few large files.
package main

import (
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync"
)

func main() {
	root := os.Args[1]
	totalMB, _ := strconv.Atoi(os.Args[2])
	total := int64(totalMB) << 20
	large := total / 2 / 4          // four large files: half the bytes
	imagesBudget := total / 8       // images
	smallBudget := total - 4*large - imagesBudget
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	run := func(f func()) { wg.Add(1); sem <- struct{}{}; go func() { defer wg.Done(); defer func() { <-sem }(); f() }() }

	for i := range 4 {
		run(func() { writeRandom(filepath.Join(root, "large", fmt.Sprintf("disk-%d.img", i)), large, uint64(i)) })
	}
	var used int64
	for i := 0; used < smallBudget; i++ {
		r := rand.New(rand.NewPCG(uint64(i), 99))
		size := int64(1) << (10 + r.IntN(11)) // 1 KiB .. 1 MiB
		size += r.Int64N(size)
		used += size
		path := filepath.Join(root, "files", fmt.Sprintf("d%02d", i%50), fmt.Sprintf("f%05d.bin", i))
		run(func() { writeRandom(path, size, uint64(i)+1000) })
	}
	used = 0
	for i := 0; used < imagesBudget; i++ {
		w := 256 + (i%4)*256
		path := filepath.Join(root, "images", fmt.Sprintf("d%02d", i%20), fmt.Sprintf("img%05d", i))
		// Roughly what an image of this size comes to on disk.
		used += int64(w * w * 3 / 8)
		if i%3 == 0 {
			used += int64(w * w)
		}
		run(func() { writeImage(path, w, i) })
	}
	wg.Wait()
}

func writeRandom(path string, size int64, seed uint64) {
	os.MkdirAll(filepath.Dir(path), 0o755)
	f, err := os.Create(path)
	if err != nil {
		panic(err)
	}
	r := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), byte(seed >> 16), byte(seed >> 24)})
	buf := make([]byte, 1<<20)
	for size > 0 {
		n := min(size, int64(len(buf)))
		r.Read(buf[:n])
		if _, err := f.Write(buf[:n]); err != nil {
			panic(err)
		}
		size -= n
	}
	if err := f.Close(); err != nil {
		panic(err)
	}
}

func writeImage(path string, w, i int) {
	os.MkdirAll(filepath.Dir(path), 0o755)
	img := image.NewRGBA(image.Rect(0, 0, w, w))
	r := rand.New(rand.NewPCG(uint64(i), 7))
	a, b, c := r.IntN(7)+1, r.IntN(7)+1, r.IntN(255)
	for y := range w {
		for x := range w {
			v := uint8((x*a + y*b + c) % 256)
			if i%2 == 0 && ((x/(16*a))+(y/(16*b)))%2 == 0 {
				v = 255 - v
			}
			img.Set(x, y, color.RGBA{v, uint8(x * 255 / w), uint8((y*c + i) % 256), 255})
		}
	}
	// No extension: scan finds images by content.
	f, err := os.Create(path)
	if err != nil {
		panic(err)
	}
	if i%3 == 0 {
		err = png.Encode(f, img)
	} else {
		err = jpeg.Encode(f, img, &jpeg.Options{Quality: 90})
	}
	if err != nil {
		panic(err)
	}
	f.Close()
}
EOF
	(cd "$ROOT/gen" && GOFLAGS= go run . "$TREE" "$SIZE_MB")
	touch "$TREE.complete"
fi

files=$(find "$TREE" -type f | wc -l)
bytes=$(find "$TREE" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
echo "tree: $files files, $((bytes >> 20)) MB; $(nproc) cores" >&2

echo "warming the page cache" >&2
find "$TREE" -type f -print0 | xargs -0 cat >/dev/null

printf 'md5,sha1,sha256\n' >"$ROOT/empty.csv"

# timed runs a command with its output discarded and prints its wall-clock
# seconds and CPU seconds (user + system). On a shared machine the wall
# time depends on the load; the CPU time much less.
timed() {
	local out
	out=$(mktemp)
	/usr/bin/time -f '%e %U %S' -o "$out" "$@" >/dev/null
	awk '{printf "%s %.2f\n", $1, $2 + $3}' "$out"
	rm -f "$out"
}

echo "timing each tool once" >&2
read -r t_scan c_scan < <(timed "$ROOT/safeguard" scan --bank "$ROOT/empty.csv" --out "$ROOT/report.json" "$TREE")
read -r t_hd c_hd < <(timed hashdeep -r -c md5,sha1,sha256 "$TREE")
read -r t_rh c_rh < <(timed rhash -r --md5 --sha1 --sha256 "$TREE")

scanned=$(grep -m1 '"files"' "$ROOT/report.json" | tr -dc 0-9)
[ "$scanned" = "$files" ] || { echo "scan saw $scanned files, want $files" >&2; exit 1; }

# The digests' own limit: one core, one digest at a time.
rates=$(cd "$REPO" && go test -run '^$' -bench 'BenchmarkDigest' -benchtime 2s ./scan/ |
	awk '/BenchmarkDigest\// {split($1, a, "/"); sub(/-[0-9]+$/, "", a[2]); print a[2], $(NF-1)}')
md5=$(echo "$rates" | awk '$1=="md5" {print $2}')
sha1=$(echo "$rates" | awk '$1=="sha1" {print $2}')
sha256=$(echo "$rates" | awk '$1=="sha256" {print $2}')
core=$(echo "1 / (1/$md5 + 1/$sha1 + 1/$sha256)" | bc -l)
cores=$(nproc)

mb=$(echo "$bytes / 1000000" | bc -l)
printf '\n%-34s %8s %8s %10s\n' "tool" "wall s" "CPU s" "MB/s"
printf '%-34s %8.2f %8.2f %10.0f\n' "safeguard scan (jobs=$cores)" "$t_scan" "$c_scan" "$(echo "$mb / $t_scan" | bc -l)"
printf '%-34s %8.2f %8.2f %10.0f\n' "hashdeep -r -c md5,sha1,sha256" "$t_hd" "$c_hd" "$(echo "$mb / $t_hd" | bc -l)"
printf '%-34s %8.2f %8.2f %10.0f\n' "rhash -r --md5 --sha1 --sha256" "$t_rh" "$c_rh" "$(echo "$mb / $t_rh" | bc -l)"
printf '\nscan / hashdeep = %.2f wall (target <= 0.50), %.2f CPU\n' "$(echo "$t_scan / $t_hd" | bc -l)" "$(echo "$c_scan / $c_hd" | bc -l)"
printf 'scan / rhash    = %.2f wall (target <= 0.65), %.2f CPU\n' "$(echo "$t_scan / $t_rh" | bc -l)" "$(echo "$c_scan / $c_rh" | bc -l)"
load=$(cut -d' ' -f1 /proc/loadavg)
printf 'load average %s on %d cores' "$load" "$cores"
if [ "$(echo "$load > $cores" | bc -l)" = 1 ]; then
	printf ': the machine is shared and busy, so wall times are inflated; on an idle\n'
	printf 'machine the wall ratio tends to (scan CPU / %d) / tool wall for single-threaded rhash.\n' "$cores"
else
	printf '\n'
fi
printf '\ndigest limit, one core (Go): md5 %.0f MB/s, sha1 %.0f MB/s, sha256 %.0f MB/s\n' "$md5" "$sha1" "$sha256"
printf 'all three on one core: %.0f MB/s; on %d cores at best %.0f MB/s (scan reached %.0f%% of that)\n' \
	"$core" "$cores" "$(echo "$core * $cores" | bc -l)" "$(echo "100 * $mb / $t_scan / ($core * $cores)" | bc -l)"
