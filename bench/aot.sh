#!/usr/bin/env bash
# JIT (ReadyToRun, `PCAPSTREAM_JIT=1 ./pcapstream`) against Native AOT (what ./pcapstream runs when clang is
# installed; both built by the wrapper into .build/cli and .build/aot) on the counting commands, whole process, one core (taskset -c 0), start-up included, same run, medians of RUNS
# (default 7), page cache warm, next to `dd bs=1M`. Both builds run the same Core code (PacketTotals.CountFile,
# FlowFeed.CountFiles) and must print identical totals (checked here first).
#
#   bench/aot.sh [CAPTURE]      (default: the benchmark capture, built if missing; needs clang)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
runs=${RUNS:-7}
pcap=${1:-$(bench_capture)}
bytes=$(stat -c %s "$pcap")
jit=("$bench_repo/.build/cli/pcapstream")
PCAPSTREAM_JIT=1 "$bench_repo/pcapstream" --help >/dev/null   # both builds, outside the timings
"$bench_repo/pcapstream" --help >/dev/null
[ -x "$bench_repo/.build/aot/pcapstream" ] || { echo "bench/aot.sh: no Native AOT build (clang missing? see .build/aot/.log)" >&2; exit 1; }
aot=("$bench_repo/.build/aot/pcapstream")
for cmd in packets flows; do
    if ! cmp -s <("${jit[@]}" "$cmd" --count "$pcap") <("${aot[@]}" "$cmd" --count "$pcap"); then
        echo "bench/aot.sh: JIT and AOT $cmd --count totals differ" >&2
        exit 1
    fi
done
packets=$("${aot[@]}" packets --count "$pcap" | awk '/^packets/ {print $2; exit}')
cat "$pcap" >/dev/null                                  # warm the page cache

echo "capture: $pcap ($bytes bytes, $packets packets); $(nproc) cores, median of $runs; $(date -u +%F)"
read -r dd_s dd_c dd_rss < <(bench_time "$runs" taskset -c 0 dd if="$pcap" of=/dev/null bs=1M)
read -r jp_s jp_c jp_rss < <(bench_time "$runs" taskset -c 0 "${jit[@]}" packets --count "$pcap")
read -r ap_s ap_c ap_rss < <(bench_time "$runs" taskset -c 0 "${aot[@]}" packets --count "$pcap")
read -r jf_s jf_c jf_rss < <(bench_time "$runs" taskset -c 0 "${jit[@]}" flows --count "$pcap")
read -r af_s af_c af_rss < <(bench_time "$runs" taskset -c 0 "${aot[@]}" flows --count "$pcap")
read -r jh_s jh_c jh_rss < <(bench_time "$runs" taskset -c 0 "${jit[@]}" packets --count /dev/null)
read -r ah_s ah_c ah_rss < <(bench_time "$runs" taskset -c 0 "${aot[@]}" packets --count /dev/null)
bench_header
bench_row "dd bs=1M" "$dd_s" "$dd_c" "$dd_rss" "$bytes" "$packets" "$dd_s"
bench_row "JIT+R2R pcapstream packets --count" "$jp_s" "$jp_c" "$jp_rss" "$bytes" "$packets" "$dd_s"
bench_row "AOT pcapstream packets --count" "$ap_s" "$ap_c" "$ap_rss" "$bytes" "$packets" "$dd_s"
bench_row "JIT+R2R pcapstream flows --count" "$jf_s" "$jf_c" "$jf_rss" "$bytes" "$packets" "$dd_s"
bench_row "AOT pcapstream flows --count" "$af_s" "$af_c" "$af_rss" "$bytes" "$packets" "$dd_s"
echo "start-up + error exit (packets --count /dev/null): JIT ${jh_s} s wall / ${jh_c} s CPU, AOT ${ah_s} s / ${ah_c} s"
