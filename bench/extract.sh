#!/usr/bin/env bash
# bench/extract.sh [CAPTURE] — time `pcapstream extract` for 1 flow and for 1000 flows.
# Builds a dataset from CAPTURE (default ../shared/bench/source.pcap) into a temp dir, then runs hyperfine.
# Until `pcapstream ingest` is on main the dataset is built by the test fixture (tshark + DuckDB, slow but once).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
capture=$(realpath "${1:-${PCAPSTREAM_SHARED:-/work/shared}/bench/source.pcap}")
work=$(mktemp -d "${TMPDIR:-/tmp}/extract-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
out="$work/out"
if "$here/pcapstream" ingest "$capture" --output "$out" >/dev/null 2>&1; then
    echo "dataset: pcapstream ingest" >&2
else
    echo "dataset: test fixture (ingest not available yet)" >&2
    PCAPSTREAM_BENCH_CAPTURE="$capture" PCAPSTREAM_BENCH_OUTPUT="$out" \
        dotnet test --project "$here/tests/PcapStream.Tests" --filter-method '*Build_benchmark_dataset_when_asked' >/dev/null
fi
ps="$here/pcapstream"
"$ps" query --output "$out" --format csv "select count(*) as packets from packets" >&2
"$ps" query --output "$out" --format csv "select count(*) as flows from flows" >&2
flow=$("$ps" query --output "$out" --format csv "select flowId from flows order by srcPackets + dstPackets desc limit 1" | tail -n 1)
many="flowId in (select flowId from flows order by hash(flowId) limit 1000)"
hyperfine --warmup 2 --runs 10 -N \
    -n "1 flow (largest)" "$ps extract --output $out --input-root $(dirname "$capture") --flow $flow -w $work/one.pcap" \
    -n "1000 flows" "$ps extract --output $out --input-root $(dirname "$capture") --where \"$many\" -w $work/many.pcap" \
    -n "query count(*) (startup baseline)" "$ps query --output $out --format csv \"select count(*) from flows\""
