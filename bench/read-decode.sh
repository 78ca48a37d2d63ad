#!/usr/bin/env bash
# Whole-process read+decode benchmark (issue 2): `pcapstream packets --count` on one core (taskset -c 0; through
# ./pcapstream, so the Native AOT program when clang is installed, see bench/aot.sh),
# start-up included, next to `dd bs=1M` (reading the bytes: the limit) and `TZ=UTC tcpdump -nn -q -r`
# on the same file in the same run, and `pcapstream flows --count` (read+decode+flows). Medians of RUNS runs
# (default 5), page cache warm. Wall time is what the targets are stated in; CPU time (user+sys) is shown too
# because on a shared machine it varies much less.
#
#   bench/read-decode.sh [CAPTURE]      (default: the benchmark capture, built if missing)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
runs=${RUNS:-5}
pcap=${1:-$(bench_capture)}
bytes=$(stat -c %s "$pcap")
"$bench_repo/pcapstream" --help >/dev/null            # build once, outside the timings
packets=$("$bench_repo/pcapstream" packets --count "$pcap" | awk '/^packets/ {print $2; exit}')
cat "$pcap" >/dev/null                                  # warm the page cache

echo "capture: $pcap ($bytes bytes, $packets packets); $(nproc) cores, median of $runs; $(date -u +%F)"
read -r dd_s dd_c dd_rss < <(bench_time "$runs" taskset -c 0 dd if="$pcap" of=/dev/null bs=1M)
read -r ps_s ps_c ps_rss < <(bench_time "$runs" taskset -c 0 "$bench_repo/pcapstream" packets --count "$pcap")
read -r fl_s fl_c fl_rss < <(bench_time "$runs" taskset -c 0 "$bench_repo/pcapstream" flows --count "$pcap")
if command -v tcpdump >/dev/null; then
    read -r td_s td_c td_rss < <(TZ=UTC bench_time "$runs" taskset -c 0 tcpdump -nn -q -r "$pcap")
fi
bench_header
bench_row "dd bs=1M (taskset -c 0)" "$dd_s" "$dd_c" "$dd_rss" "$bytes" "$packets" "$dd_s"
bench_row "pcapstream packets --count (taskset -c 0)" "$ps_s" "$ps_c" "$ps_rss" "$bytes" "$packets" "$dd_s"
bench_row "pcapstream flows --count (taskset -c 0)" "$fl_s" "$fl_c" "$fl_rss" "$bytes" "$packets" "$dd_s"
[ -n "${td_s:-}" ] && bench_row "TZ=UTC tcpdump -nn -q -r (taskset -c 0)" "$td_s" "$td_c" "$td_rss" "$bytes" "$packets" "$dd_s"
echo "packets --count: $(echo "$ps_s / $dd_s" | bc -l | cut -c1-4)x dd's wall time (target <= 2), $(echo "${td_s:-0} / $ps_s" | bc -l | cut -c1-5)x faster than tcpdump"
