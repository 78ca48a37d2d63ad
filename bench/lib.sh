# Shared helpers for the whole-process benchmark scripts (sourced, not run).
# Times commands in the same run, takes medians, prints a table of MB/s, Mpps and ratios.

bench_repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# The shared folder (third-party data): PCAPSTREAM_SHARED, or ../shared beside the checkout or above it.
bench_shared() {
    if [ -n "${PCAPSTREAM_SHARED:-}" ]; then echo "$PCAPSTREAM_SHARED"; return; fi
    local d=$bench_repo
    while [ "$d" != / ]; do
        d=$(dirname "$d")
        if [ -d "$d/shared/bench" ]; then echo "$d/shared"; return; fi
    done
    echo "bench: ../shared not found; set PCAPSTREAM_SHARED" >&2
    exit 2
}

# Builds the benchmark capture (outside the repository) unless it exists: ../shared/bench/README.md.
bench_capture() {
    local pcap=${BENCH_PCAP:-/tmp/bench-1g.pcap}
    if [ ! -s "$pcap" ]; then
        local shared; shared=$(bench_shared)
        echo "building $pcap (needs tcpreplay and wireshark-common; a few minutes)..." >&2
        "$shared/bench/make-bench-pcap.sh" "$shared/bench/source.pcap" 1024 "$pcap.tmp" >&2
        mv "$pcap.tmp" "$pcap"
    fi
    echo "$pcap"
}

# bench_time RUNS CMD... : runs CMD RUNS times, prints the median wall time in seconds and the max RSS (KiB).
bench_time() {
    local runs=$1; shift
    local times=() rss=0 i t0 t1 r
    for ((i = 0; i < runs; i++)); do
        t0=$(date +%s.%N)
        r=$( { /usr/bin/time -f '%M' "$@" >/dev/null 2>/dev/null; } 2>&1 | tail -n 1)
        t1=$(date +%s.%N)
        times+=("$(echo "$t1 - $t0" | bc -l)")
        [[ "$r" =~ ^[0-9]+$ ]] && [ "$r" -gt "$rss" ] && rss=$r
    done
    printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "%.4f", m}'
    echo " $rss"
}

# bench_row NAME SECONDS RSS_KIB BYTES PACKETS BASELINE_SECONDS
bench_row() {
    awk -v n="$1" -v s="$2" -v r="$3" -v b="$4" -v p="$5" -v base="$6" 'BEGIN {
        printf "| %-44s | %8.3f | %8.0f | %7.2f | %7.2f | %8.0f |\n", n, s, b / s / 1e6, p / s / 1e6, s / base, r / 1024 }'
}

bench_header() {
    echo "| command | median s | MB/s | Mpps | x base | peak MiB |"
    echo "|---|---|---|---|---|---|"
}
