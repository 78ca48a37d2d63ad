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

# bench_time RUNS CMD... : runs CMD RUNS times; prints the median wall time (s), the median CPU time (user+sys, s:
# what the command itself used, steadier than wall time on a shared machine) and the max RSS (KiB).
bench_time() {
    local runs=$1; shift
    local tf; tf=$(mktemp)
    local walls=() cpus=() rss=0 i w u s r
    for ((i = 0; i < runs; i++)); do
        /usr/bin/time -f '%e %U %S %M' -o "$tf" "$@" >/dev/null 2>/dev/null || true
        read -r w u s r < <(tail -n 1 "$tf")
        walls+=("$w")
        cpus+=("$(echo "$u + $s" | bc -l)")
        [ "$r" -gt "$rss" ] && rss=$r
    done
    rm -f "$tf"
    local med='{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "%.3f", m}'
    printf '%s\n' "${walls[@]}" | sort -g | awk "$med"
    printf ' '
    printf '%s\n' "${cpus[@]}" | sort -g | awk "$med"
    echo " $rss"
}

# bench_row NAME SECONDS CPU_SECONDS RSS_KIB BYTES PACKETS BASELINE_SECONDS
bench_row() {
    awk -v n="$1" -v s="$2" -v c="$3" -v r="$4" -v b="$5" -v p="$6" -v base="$7" 'BEGIN {
        printf "| %-44s | %8.3f | %8.3f | %7.0f | %7.2f | %6.2f | %8.0f |\n", n, s, c, b / s / 1e6, p / s / 1e6, s / base, r / 1024 }'
}

bench_header() {
    echo "| command | median wall s | median CPU s | MB/s | Mpps | x dd | peak MiB |"
    echo "|---|---|---|---|---|---|---|"
}
