#!/usr/bin/env bash
# bench/extract.sh [CAPTURE] — time `pcapstream extract` for 1 flow and for 1000 flows, next to the start-up cost
# of `pcapstream query "select 1"` (process start + DuckDB + views; extract pays it too).
# The dataset is built from CAPTURE by the real `pcapstream ingest` into a temp dir. Default CAPTURE:
# /tmp/bench-100k.pcap, cut from /tmp/bench-1g.pcap (the benchmark capture) when missing.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
capture=${1:-/tmp/bench-100k.pcap}
if [[ ! -f $capture && $capture == /tmp/bench-100k.pcap ]]; then
    editcap -r /tmp/bench-1g.pcap "$capture" 1-100000
fi
capture=$(realpath "$capture")
work=$(mktemp -d "${TMPDIR:-/tmp}/extract-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
out="$work/out"
ps="$here/pcapstream"
"$ps" ingest "$capture" --output "$out" >&2
"$ps" query --output "$out" --format csv "select count(*) as packets, count(distinct file) as files from packets" >&2
"$ps" query --output "$out" --format csv "select count(*) as flows from flows" >&2
flow=$("$ps" query --output "$out" --format csv "select flowId from flows order by srcPackets + dstPackets desc limit 1" | tail -n 1)
many="flowId in (select flowId from flows order by hash(flowId) limit 1000)"
"$ps" extract --output "$out" --where "$many" -w "$work/check.pcap" >&2
hyperfine --warmup 2 --runs 10 -N \
    -n "startup baseline: query \"select 1\"" "$ps query --output $out --format csv \"select 1\"" \
    -n "extract 1 flow (largest)" "$ps extract --output $out --flow $flow -w $work/one.pcap" \
    -n "extract 1000 flows" "$ps extract --output $out --where \"$many\" -w $work/many.pcap"
