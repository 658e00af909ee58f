#!/bin/sh
# Benchmarks the pure-Go PDQ port on the 1600x1004 bridge photo and prints
# the figures beside the C++ reference's (quoted from shared/notes/PDQ.md,
# measured on this machine). Usage: bench/pdq.sh [benchtime], e.g. 3s.
# With TAGS=turbojpeg it benchmarks the optional libjpeg-turbo decoder too.
set -eu
cd "$(dirname "$0")/.."
benchtime=${1:-2s}
photo=../shared/testdata/pdq/data/bridge-mods/aaa-orig.jpg
[ -f "$photo" ] || { echo "bench/pdq.sh: test photo not found at $photo" >&2; exit 1; }

out=$(go test ${TAGS:+-tags "$TAGS"} -run '^$' -bench 'HashImage$|HashImageDihedral$|HashFile$|DecodeJPEG$' \
	-benchtime "$benchtime" -count 3 -cpu 1 ./pdq/)
# Best of three runs, in milliseconds; the machine is shared.
ms() {
	echo "$out" | awk -v b="^Benchmark$1 " '$0 ~ b { v = $3 / 1e6; if (best == "" || v < best) best = v }
		END { if (best == "") print "n/a"; else printf "%.2f", best }'
}

convert_ms=
if command -v convert >/dev/null 2>&1; then
	start=$(date +%s%N)
	for _ in 1 2 3 4 5; do convert "$photo" pnm:- >/dev/null; done
	end=$(date +%s%N)
	convert_ms=$(( (end - start) / 5000000 ))
fi

printf '%-40s %12s %12s\n' "1600x1004 JPEG, one core" "Go (ms/op)" "C++ ref (ms)"
printf '%-40s %12s %12s\n' "hash after decode" "$(ms HashImage)" "5.8"
printf '%-40s %12s %12s\n' "hash after decode, 8 dihedral" "$(ms HashImageDihedral)" "-"
printf '%-40s %12s %12s\n' "decode only" "$(ms DecodeJPEG)" "~165 (ImageMagick)"
printf '%-40s %12s %12s\n' "end to end (open, decode, hash)" "$(ms HashFile)" "~170"
if [ -n "$convert_ms" ]; then
	printf '%-40s %12s %12s\n' "convert FILE pnm:- (measured now)" "" "$convert_ms"
fi
