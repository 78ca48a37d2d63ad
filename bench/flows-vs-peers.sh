#!/usr/bin/env bash
# Whole-process flow building on the benchmark capture, next to argus, nfpcapd and softflowd in the same run.
# Usage: bench/flows-vs-peers.sh [/tmp/bench-1g.pcap]   (build it once: see ../shared/bench/README.md)
# Prints wall time (median of 3), MB/s, Mpps, flows reported and peak RSS for each tool, pinned to core 0.
set -euo pipefail
cd "$(dirname "$0")/.."
PCAP=${1:-/tmp/bench-1g.pcap}
[ -f "$PCAP" ] || { echo "missing $PCAP: ../shared/bench/make-bench-pcap.sh ../shared/bench/source.pcap 1024 $PCAP" >&2; exit 2; }
BYTES=$(stat -c %s "$PCAP")
PKTS=$(capinfos -c -M "$PCAP" | awk -F': *' '/Number of packets/ {print $2}')
./pcapstream flows --help >/dev/null   # build outside the timing
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
cat "$PCAP" >/dev/null                 # warm the page cache

run() { # name, flows-extractor, command...
    local name=$1 extract=$2; shift 2
    local times=() rss=0 flows=?
    for i in 1 2 3; do
        /usr/bin/time -v -o "$TMP/time" taskset -c 0 "$@" >"$TMP/out" 2>"$TMP/err" || true
        times+=("$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=a[n]; if(n>1) s+=a[n-1]*60; print s}' "$TMP/time")")
        rss=$(awk -F': ' '/Maximum resident/ {print $2}' "$TMP/time")
    done
    flows=$(eval "$extract" || echo "?")
    local med; med=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 2p)
    awk -v n="$name" -v t="$med" -v b="$BYTES" -v p="$PKTS" -v f="$flows" -v r="$rss" \
        'BEGIN { printf "%-22s %8.3f s %8.0f MB/s %6.2f Mpps %10s flows %8.0f MB peak RSS\n", n, t, b/t/1e6, p/t/1e6, f, r/1024 }'
}

run "pcapstream flows"  "awk '\$1==\"flows\" {print \$2}' $TMP/out" ./pcapstream flows --count "$PCAP"
# -d: stay in the foreground without -D's per-flow debug printing (which halves its speed); exports go to the
# discard port on loopback.
run "softflowd -r"      "echo n/a" softflowd -r "$PCAP" -n 127.0.0.1:9 -d
run "nfpcapd -r"        "echo n/a" nfpcapd -r "$PCAP" -w "$TMP"
run "argus -r"          "echo n/a" argus -r "$PCAP" -w "$TMP/argus.out"

# Memory per concurrent flow: N single-packet UDP flows inside one second (all open at the end: N concurrent), against
# the same number of packets of ONE flow (same file size, so the same mapped pages and base); the difference in peak
# RSS divided by N is what each flow costs. Target: < 200 B per concurrent flow plus a fixed base.
N=${FLOWS:-500000}
python3 - "$N" "$TMP/many.pcap" "$TMP/one.pcap" <<'PY'
import struct, sys
n = int(sys.argv[1])
def write(path, many):
    with open(path, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i in range(n):
            src = (10 << 24) | (i if many else 1)
            udp = struct.pack('>HHHH', 1024 + (i % 50000 if many else 0), 53, 8 + 18, 0) + bytes(18)
            ip = struct.pack('>BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                             src.to_bytes(4, 'big'), bytes([192, 168, 0, 1]))
            frame = bytes(6) + bytes(5) + b'\x01' + b'\x08\x00' + ip + udp
            f.write(struct.pack('<IIII', 1700000000, i % 1000000, len(frame), len(frame)) + frame)
write(sys.argv[2], True)
write(sys.argv[3], False)
PY
rss() { /usr/bin/time -f %M -o "$TMP/rss" taskset -c 0 ./pcapstream flows --count "$1" >"$TMP/out" 2>/dev/null; cat "$TMP/rss"; }
many=$(rss "$TMP/many.pcap"); flows=$(awk '$1=="flows" {print $2}' "$TMP/out"); one=$(rss "$TMP/one.pcap")
awk -v m="$many" -v o="$one" -v n="$flows" 'BEGIN { printf "memory: %d concurrent flows: peak RSS %.1f MB, one flow: %.1f MB (base) -> %.0f B per concurrent flow\n", n, m/1024, o/1024, (m-o)*1024/n }'
