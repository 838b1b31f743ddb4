#!/usr/bin/env bash
# Builds the Vitess binaries the images need from the Go module vitess.io/vitess at one
# tagged version, statically (CGO off), into a cache directory that outlives the checkout.
# Usage: build-vitess.sh <module-version, e.g. v0.24.3> <output-dir>
set -euo pipefail
version=${1:?usage: build-vitess.sh <module version like v0.24.3> <output dir>}
out=${2:?usage: build-vitess.sh <module version> <output dir>}
cache=${VITESS_CHAOS_CACHE:-$HOME/.cache/vitess-chaos}

# Stable caches: a second build of the same or a nearby version reuses compiled packages.
export GOCACHE="$cache/go-build" GOMODCACHE="$cache/go-mod"
export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-mod=readonly
mkdir -p "$GOCACHE" "$GOMODCACHE" "$out"

command -v go >/dev/null || { echo "Go is not installed: install Go >= the version vitess.io/vitess@$version names in its go.mod" >&2; exit 2; }

# The proxy answers 403 for versions it does not carry; say so plainly.
workdir=$(mktemp -d)
trap 'rm -rf "$workdir"' EXIT
(cd "$workdir" && go mod init vitess-chaos-build >/dev/null 2>&1)
if ! dir=$(cd "$workdir" && go mod download -json "vitess.io/vitess@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p') || [ -z "$dir" ]; then
  echo "cannot download vitess.io/vitess@$version from the Go module proxy (is the version published? versions are written v0.<major>.<patch>, e.g. v0.24.3 for Vitess 24.0.3)" >&2
  exit 2
fi

binaries=(mysqlctl mysqlctld vttablet vtgate vtctld vtctldclient vtorc)
pkgs=()
for b in "${binaries[@]}"; do pkgs+=("./go/cmd/$b"); done
echo "building ${binaries[*]} from $dir"
# Built inside the module's own directory so its go.mod and go.sum pin every dependency.
# -tags goexperiment.swissmap: releases up to 23.0.0 refuse to compile unless Go reports
# swiss maps as an experiment (go/hack/ensure_swiss_map.go); Go 1.26 has them always and no
# longer sets the tag. Later releases relaxed the guard with `&& !go1.26`; the tag does the same.
(cd "$dir" && go build -trimpath -tags goexperiment.swissmap -ldflags '-s -w' -o "$out/" "${pkgs[@]}")
for b in "${binaries[@]}"; do test -x "$out/$b" || { echo "build did not produce $b" >&2; exit 1; }; done
cp "$dir/config/init_db.sql" "$out/init_db.sql"  # the tablet image extends this version's own init SQL
echo "built into $out"
