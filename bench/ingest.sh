#!/usr/bin/env bash
# End-to-end ingest benchmark (issue 4): the benchmark capture split into 100 MB rotated files, ingested with
# both datasets and with --no-packets. Prints MB/s and Mpps in total and per core, and peak RSS.
# "per core" is wall-clock throughput / nproc (what a dedicated host gets per core; the "1 core" rows pin the job to one
# core with taskset, so there it is simply the throughput of that core); "per CPU-s" divides by the
# CPU time the job actually used (user + sys), which stays meaningful on a shared, loaded machine.
# Usage: bench/ingest.sh [BENCH_PCAP] [WORK_DIR]     (defaults: /tmp/bench-1g.pcap, /tmp/pcapstream-bench)
# Build the capture first (outside the repository): ../shared/bench/make-bench-pcap.sh ../shared/bench/source.pcap 1024 /tmp/bench-1g.pcap
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
pcap=${1:-/tmp/bench-1g.pcap}
work=${2:-/tmp/pcapstream-bench}
cores=$(nproc)
[ -f "$pcap" ] || { echo "missing $pcap (see ../shared/bench/README.md)" >&2; exit 1; }
mkdir -p "$work/in/sensor-1"
if [ ! -f "$work/.split-done" ]; then
    rm -f "$work/in/sensor-1/"*
    # 100 MB rotated files, as tcpdump -C 100 would write them.
    editcap -F pcap -c 320000 "$pcap" "$work/in/sensor-1/bench.pcap" >/dev/null   # -F pcap: as tcpdump writes (editcap defaults to pcapng)
    touch "$work/.split-done"
fi
bytes=$(du -cb "$work/in/sensor-1/"* | tail -1 | cut -f1)
packets=$(capinfos -Mc "$pcap" | awk '/Number of packets/ {print $NF}')
# What users run: ./pcapstream, i.e. the Native AOT program when clang is installed (JIT=1 bench/ingest.sh, or the
# "JIT" rows below, time the JIT program through the same wrapper with PCAPSTREAM_JIT=1).
"$here/pcapstream" --help >/dev/null # build once, outside the timing
PCAPSTREAM_JIT=1 "$here/pcapstream" --help >/dev/null
run() {
    local label=$1; shift
    local jit=${JIT:-}
    case $label in JIT*) jit=1 ;; esac
    rm -rf "$work/out"
    local t0 t1 rss cpu c=$cores
    # PIN=N: the job on core N only (taskset; .NET sizes its parallelism from the affinity mask): what one core does.
    if [ -n "${PIN:-}" ]; then c=1; fi
    t0=$(date +%s.%N)
    /usr/bin/time -f '%M %U %S' -o "$work/rss" ${PIN:+taskset -c $PIN} env ${jit:+PCAPSTREAM_JIT=1} "$here/pcapstream" ingest "$work/in" --output "$work/out" "$@" 2>"$work/log" >/dev/null
    t1=$(date +%s.%N)
    read -r rss user sys < "$work/rss"
    cpu=$(echo "$user + $sys" | bc)
    awk -v l="$label" -v b="$bytes" -v p="$packets" -v s="$(echo "$t1 - $t0" | bc)" -v c="$c" -v r="$rss" -v u="$cpu" 'BEGIN {
        printf "%-22s %6.2f s  %7.1f MB/s total  %7.1f MB/s/core  %5.2f Mpps total  %5.2f Mpps/core | CPU %6.2f s  %7.1f MB/s/CPU-s  %5.2f Mpps/CPU-s | peak RSS %d MB\n",
            l, s, b/1e6/s, b/1e6/s/c, p/1e6/s, p/1e6/s/c, u, b/1e6/u, p/1e6/u, r/1024 }'
}
echo "input: $bytes bytes, $packets packets, $(ls "$work/in/sensor-1" | wc -l) files; $cores cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
reps=${REPS:-3}
for _ in $(seq "$reps"); do run "packets+flows (snappy)"; done
for _ in $(seq "$reps"); do run "flows only" --no-packets; done
for _ in $(seq "$reps"); do run "JIT packets+flows" ; run "JIT flows only" --no-packets; done
run "packets+flows (zstd)" --compression zstd
# Per core without the sharing question: the whole job pinned to one core (start-up and the sequential steps included).
for _ in $(seq "$reps"); do PIN=0 run "1 core: packets+flows"; PIN=0 run "1 core: flows only" --no-packets; done
# Memory must not grow with the input: the same data as one batch per file (smallest batches) for comparison.
run "packets+flows, 1 file/batch" --max-files-per-batch 1
grep -h "batch" "$work/log" | tail -1
# The floor the flows-only job is measured against: read + decode + flow table over the same files, no output
# (the same program as the job, through the wrapper; CPU seconds). The difference is the job's own cost: per-file
# flow segments and stitching, flow records, the Parquet sink, start-up and the commit protocol.
/usr/bin/time -f '%U %S' -o "$work/rss" env ${JIT:+PCAPSTREAM_JIT=1} "$here/pcapstream" flows --count "$work/in/sensor-1/"* >/dev/null
read -r user sys < "$work/rss"
echo "reference: flows --count over the same files: CPU $(echo "$user + $sys" | bc) s"
