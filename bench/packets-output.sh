#!/usr/bin/env bash
# Whole-process timing of `pcapstream packets` output (TSV, JSON) against `--count` (read + decode only) and
# `TZ=UTC tcpdump -nn -q -r` on the same capture, one core (taskset -c 0), page cache warm.
# Usage: bench/packets-output.sh [CAPTURE]   (default: ../shared/bench/source.pcap)
# Prints wall seconds, input MB/s, output MB/s and million packets/s. Compare ratios, not absolute times.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
shared=${PCAPSTREAM_SHARED:-}
for d in "$here/../shared" "$here/../../shared"; do [ -z "$shared" ] && [ -d "$d/bench" ] && shared=$d; done
file=${1:-$shared/bench/source.pcap}
"$here/pcapstream" packets --count "$file" >/dev/null   # build if needed, warm the cache
packets=$("$here/pcapstream" packets --count "$file" | awk -F'\t' '$1=="packets"{print $2}')
bytes=$(stat -c %s "$file")
run() {
    local name=$1; shift
    local start end out
    start=$(date +%s.%N)
    out=$("$@" | wc -c)
    end=$(date +%s.%N)
    awk -v n="$name" -v s="$start" -v e="$end" -v b="$bytes" -v o="$out" -v p="$packets" 'BEGIN {
        t = e - s; printf "%-22s %7.2f s  in %8.1f MB/s  out %8.1f MB/s  %6.2f Mpps\n", n, t, b / t / 1e6, o / t / 1e6, p / t / 1e6 }'
}
echo "capture: $file ($bytes bytes, $packets packets)"
run "packets --count" taskset -c 0 "$here/pcapstream" packets --count "$file"
run "packets (tsv)" taskset -c 0 "$here/pcapstream" packets "$file"
run "packets --format json" taskset -c 0 "$here/pcapstream" packets --format json "$file"
run "tcpdump -nn -q -r" env TZ=UTC taskset -c 0 tcpdump -nn -q -r "$file"
