#!/usr/bin/env bash
# Sets up CurveFs on a Debian machine: installs FUSE 3 and (if missing) the .NET SDK, builds the
# three programs and puts curvefs, curvefs-metaserver and curvefs-mds on PATH.
#   --playground  also installs what `curvefs playground` runs: etcd (etcd-server), Node.js and s3rver
#                 (into $PREFIX/s3rver; MinIO is used instead when `minio` is on PATH)
#   PREFIX   where the programs go (default /opt/curvefs), wrappers in $BINDIR (default /usr/local/bin)
set -euo pipefail
cd "$(dirname "$0")"
PREFIX="${PREFIX:-/opt/curvefs}"
BINDIR="${BINDIR:-/usr/local/bin}"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

playground=0
for arg in "$@"; do
  case "$arg" in
    --playground) playground=1 ;;
    *) echo "install.sh: unknown option $arg (known: --playground)" >&2; exit 64 ;;
  esac
done

packages=(fuse3 libfuse3-3)
[ "$playground" -eq 1 ] && packages+=(etcd-server nodejs npm)
missing=()
for pkg in "${packages[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "install.sh: installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! command -v dotnet >/dev/null 2>&1; then
  echo "install.sh: installing the .NET 10 SDK"
  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dotnet-sdk-10.0 >/dev/null 2>&1; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl ca-certificates >/dev/null
    curl -sSL https://dot.net/v1/dotnet-install.sh -o /tmp/dotnet-install.sh
    as_root bash /tmp/dotnet-install.sh --channel 10.0 --install-dir /usr/share/dotnet
    as_root ln -sf /usr/share/dotnet/dotnet /usr/local/bin/dotnet
  fi
fi

echo "install.sh: building CurveFs into $PREFIX"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
for project in CurveFs.Mount CurveFs.MetaServer CurveFs.Mds; do
  dotnet publish "$project/$project.csproj" -c Release -o "$stage" --nologo -v quiet
done
as_root mkdir -p "$PREFIX" "$BINDIR"
as_root rm -rf "$PREFIX.new"
as_root cp -r "$stage" "$PREFIX.new"
as_root rm -rf "$PREFIX"
as_root mv "$PREFIX.new" "$PREFIX"
for program in curvefs curvefs-metaserver curvefs-mds; do
  printf '#!/bin/sh\nexec "%s/%s" "$@"\n' "$PREFIX" "$program" | as_root tee "$BINDIR/$program" >/dev/null
  as_root chmod 755 "$BINDIR/$program"
done
if [ "$playground" -eq 1 ] && ! command -v minio >/dev/null 2>&1; then
  echo "install.sh: installing s3rver into $PREFIX/s3rver (the playground's S3 server)"
  as_root npm install --prefix "$PREFIX/s3rver" --no-audit --no-fund --loglevel=error s3rver@3.7.1 >/dev/null
fi
echo "install.sh: done: $(command -v curvefs)"
