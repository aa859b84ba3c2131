#!/usr/bin/env bash
# Runs the CurveFs benchmarks in one go and prints a markdown report (docs/benchmarks.md explains it).
#
#   bench/run.sh [COMMAND] [OPTIONS]      COMMAND defaults to `all`; OPTIONS go to curvefs-bench unchanged
#   bench/run.sh --quick                  every workload, small sizes (~2 minutes)
#   bench/run.sh --output /tmp/bench.md   the full run (about half an hour on 2 cores), report also in a file
#   bench/run.sh fio --targets local,embedded --size 4G
#
# Needs root (it re-runs itself with sudo): dropping the kernel caches and mounting FUSE filesystems.
# Installs what is missing: fio, gcc, libfuse3-dev, fuse3 (apt) and s3rver (npm, into .deps/ like ./test.sh);
# builds the solution in Release. Set CURVEFS_BENCH_S3_ENDPOINT (+ _BUCKET, _ACCESS_KEY, _SECRET_KEY) or pass
# --s3-endpoint ... to measure against MinIO or another S3 service instead of a local s3rver.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    echo "bench/run.sh: needs root (drop_caches, FUSE mounts); re-running with sudo" >&2
    exec sudo -E "$0" "$@"
  fi
  echo "bench/run.sh: run as root: the benchmarks drop the kernel caches and mount FUSE filesystems" >&2
  exit 1
fi

missing=()
for pkg in fio gcc libfuse3-dev fuse3 tar coreutils etcd-server; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "bench/run.sh: installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if ! command -v dotnet >/dev/null 2>&1; then
  echo "bench/run.sh: dotnet is missing; run ./install.sh first (it installs the .NET SDK)" >&2
  exit 1
fi
if [ -z "${CURVEFS_BENCH_S3_ENDPOINT:-}" ] && [ ! -x .deps/node_modules/.bin/s3rver ]; then
  echo "bench/run.sh: installing s3rver (the S3 endpoint of the cluster and raw S3 runs)" >&2
  npm install --prefix .deps --no-audit --no-fund --loglevel=error s3rver@3.7.1 >/dev/null
fi
# The cluster target is a playground (etcd, S3, MDS, metaservers): it finds s3rver here.
[ -z "${CURVEFS_S3RVER:-}" ] && [ -x .deps/node_modules/.bin/s3rver ] && export CURVEFS_S3RVER="$PWD/.deps/node_modules/.bin/s3rver"

# Mounts left by an interrupted run would make their directories hang.
{ grep -o ' /tmp/curvefs-bench-[^ ]*/mnt' /proc/self/mounts 2>/dev/null || true; } | while read -r m; do fusermount3 -uz "$m" 2>/dev/null || true; done

echo "bench/run.sh: building (Release)" >&2
dotnet build CurveFs.sln -c Release --nologo -v quiet -clp:ErrorsOnly >&2

command="all"
case "${1:-}" in
  all|fio|smallfiles|tar|s3|micro|metadata) command="$1"; shift ;;
esac
exec CurveFs.Benchmarks/bin/Release/net10.0/curvefs-bench "$command" "$@"
