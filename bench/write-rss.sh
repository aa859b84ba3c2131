#!/usr/bin/env bash
# Peak memory of the mount during a large sequential write: mounts an embedded filesystem
# (`curvefs mount --local`), writes SIZE MiB with dd conv=fsync, and prints the throughput and the
# mount process's peak RSS (VmHWM) next to the configured --buffer-size.
#
#   bench/write-rss.sh [SIZE_MIB=1024] [BUFFER_SIZE=256M] [WORK_DIR=/tmp]
# Needs root (FUSE) and a Release build (dotnet build CurveFs.sln -c Release).
set -euo pipefail
cd "$(dirname "$0")/.."
size_mib=${1:-1024}
buffer=${2:-256M}
work=$(mktemp -d "${3:-/tmp}/curvefs-write-rss-XXXXXX")
curvefs=CurveFs.Mount/bin/Release/net10.0/curvefs
mnt=$work/mnt
mkdir -p "$mnt"
"$curvefs" mount --local "$work/data" "$mnt" --buffer-size "$buffer" --log-file "$work/curvefs.log" 2>>"$work/curvefs.log" &
pid=$!
cleanup() {
  fusermount3 -u "$mnt" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 1 100); do mountpoint -q "$mnt" && break; sleep 0.1; done
mountpoint -q "$mnt" || { echo "write-rss: the mount did not come up; see $work/curvefs.log" >&2; exit 1; }
idle=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
start=$(date +%s.%N)
dd if=/dev/zero of="$mnt/big" bs=1M count="$size_mib" conv=fsync status=none
end=$(date +%s.%N)
peak=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
awk -v s="$size_mib" -v a="$start" -v b="$end" -v idle="$idle" -v peak="$peak" -v buf="$buffer" 'BEGIN {
  printf "wrote %d MiB in %.1f s: %.0f MiB/s; mount RSS idle %.0f MiB, peak %.0f MiB (--buffer-size %s)\n", s, b - a, s / (b - a), idle / 1024, peak / 1024, buf }'
