#!/usr/bin/env bash
# Installs what the tests need (FUSE 3, attr, sqlite3, git, etcd, s3rver), builds, runs the whole suite and
# ends with one line "N passed, M failed". Exit status 0 only when M is 0.
#   TEST_FILTER   optional dotnet test --filter expression (e.g. "Category!=Integration")
set -uo pipefail
cd "$(dirname "$0")"
root="$(pwd)"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
for pkg in fuse3 libfuse3-3 attr sqlite3 git util-linux diffutils tar psmisc etcd-server; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "test.sh: installing ${missing[*]}"
  as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null \
    || { echo "test.sh: apt-get install failed"; echo "0 passed, 1 failed"; exit 1; }
fi
if ! command -v dotnet >/dev/null 2>&1; then
  echo "test.sh: dotnet is missing; run ./install.sh first (it installs the .NET SDK)"; echo "0 passed, 1 failed"; exit 1
fi
if [ ! -x .deps/node_modules/.bin/s3rver ]; then
  echo "test.sh: installing s3rver (S3 endpoint for the tests)"
  npm install --prefix .deps --no-audit --no-fund --loglevel=error s3rver@3.7.1 >/dev/null \
    || { echo "test.sh: npm install s3rver failed"; echo "0 passed, 1 failed"; exit 1; }
fi
# Leftover mounts of an interrupted run would make later runs hang on their directories.
grep -o ' /tmp/curvefs-[^ ]*' /proc/self/mounts 2>/dev/null | while read -r m; do fusermount3 -uz "$m" 2>/dev/null; done
pkill -9 -f 'run --config /tmp/curvefs-playground-' 2>/dev/null || true
pkill -9 -f 'etcd --name playground --data-dir /tmp/curvefs-playground-' 2>/dev/null || true
pkill -9 -f 's3rver -d /tmp/curvefs-playground-' 2>/dev/null || true

echo "test.sh: building"
if ! dotnet build CurveFs.sln -c Release --nologo -v quiet -clp:ErrorsOnly; then
  echo "0 passed, 1 failed"; exit 1
fi

log="$root/TestResults/test-output.log"
mkdir -p "$root/TestResults"
args=(test CurveFs.Tests/CurveFs.Tests.csproj -c Release --no-build --nologo --logger "console;verbosity=normal" --blame-hang-timeout 10m)
[ -n "${TEST_FILTER:-}" ] && args+=(--filter "$TEST_FILTER")
dotnet "${args[@]}" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# The console logger ends with "Total tests: T", "Passed: P", and "Failed: F" when any failed.
if ! grep -qE '^Total tests: *[0-9]+' "$log"; then
  echo "test.sh: the test run did not finish (exit $status); see $log"
  echo "0 passed, 1 failed"
  exit 1
fi
passed="$(grep -E '^ +Passed: *[0-9]+$' "$log" | tail -1 | grep -oE '[0-9]+')"
failed="$(grep -E '^ +Failed: *[0-9]+$' "$log" | tail -1 | grep -oE '[0-9]+')"
passed="${passed:-0}"
failed="${failed:-0}"
[ "$status" -ne 0 ] && [ "$failed" -eq 0 ] && failed=1
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
