#!/bin/sh
# Benchmarks the PDQ port on the 1600x1004 bridge photo, one core, and
# prints the figures beside the C++ reference's (quoted from
# shared/notes/PDQ.md, measured on this machine). When libjpeg-turbo's
# header is installed and cgo works it also runs the turbojpeg build.
# Usage: bench/pdq.sh [benchtime]   (default 2s; best of 3 runs is shown)
set -eu
cd "$(dirname "$0")/.."
benchtime=${1:-2s}
photo=../shared/testdata/pdq/data/bridge-mods/aaa-orig.jpg
[ -f "$photo" ] || { echo "bench/pdq.sh: test photo not found at $photo" >&2; exit 1; }

run() {
	go test "$@" -run '^$' -bench 'HashImage$|HashImageDihedral$|HashFile$|DecodeJPEG$' \
		-benchtime "$benchtime" -count 3 -cpu 1 ./pdq/
}
# best OUTPUT NAME: the fastest of the runs, in milliseconds.
best() {
	echo "$1" | awk -v b="^Benchmark$2 " '$0 ~ b { v = $3 / 1e6; if (best == "" || v < best) best = v }
		END { if (best == "") print "-"; else printf "%.2f", best }'
}

go_out=$(run)
turbo_out=
if [ -f /usr/include/turbojpeg.h ] && [ "$(go env CGO_ENABLED)" = 1 ]; then
	turbo_out=$(run -tags turbojpeg) || turbo_out=
fi

convert_ms=
if command -v convert >/dev/null 2>&1; then
	start=$(date +%s%N)
	for _ in 1 2 3 4 5; do convert "$photo" pnm:- >/dev/null; done
	end=$(date +%s%N)
	convert_ms="$(( (end - start) / 5000000 )) (now)"
fi

row() { printf '%-34s %10s %14s %18s\n' "$@"; }
row "1600x1004 JPEG, ms per image" "pure Go" "Go+turbojpeg" "C++ reference"
row "hash after decode" "$(best "$go_out" HashImage)" "$(best "$turbo_out" HashImage)" "5.8"
row "hash after decode, 8 dihedral" "$(best "$go_out" HashImageDihedral)" "$(best "$turbo_out" HashImageDihedral)" "-"
row "decode only" "$(best "$go_out" DecodeJPEG)" "$(best "$turbo_out" DecodeJPEG)" "~165 (ImageMagick)"
row "end to end (open, decode, hash)" "$(best "$go_out" HashFile)" "$(best "$turbo_out" HashFile)" "~170"
[ -z "$convert_ms" ] || row "convert FILE pnm:- >/dev/null" "" "" "$convert_ms"
echo "(load average: $(cut -d' ' -f1-3 /proc/loadavg); the figures are noisy on a busy machine)"
