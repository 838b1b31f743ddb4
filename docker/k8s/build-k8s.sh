#!/usr/bin/env bash
# Builds the Kubernetes binaries the single-node cluster needs (kubelet, kube-apiserver,
# kube-controller-manager, kube-scheduler) from the Go module k8s.io/kubernetes, statically,
# into a cache directory that outlives the checkout. No registry and no release download:
# only the Go module proxy.
# Usage: build-k8s.sh <version, e.g. v1.34.4> <output dir>
set -euo pipefail
version=${1:?usage: build-k8s.sh <version like v1.34.4> <output dir>}
out=${2:?usage: build-k8s.sh <version> <output dir>}
cache=${VITESS_CHAOS_CACHE:-$HOME/.cache/vitess-chaos}
# k8s.io/api and its siblings are published as v0.<minor>.<patch> of the same release.
staging_version="v0.${version#v1.}"

export GOCACHE="$cache/go-build" GOMODCACHE="$cache/go-mod"
export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-mod=mod
mkdir -p "$GOCACHE" "$GOMODCACHE" "$out"
command -v go >/dev/null || { echo "Go is not installed: k8s.io/kubernetes@$version needs the Go its go.mod names" >&2; exit 2; }

workdir=$(mktemp -d)
trap 'chmod -R u+w "$workdir" 2>/dev/null; rm -rf "$workdir"' EXIT
(cd "$workdir" && go mod init vitess-chaos-k8s-build >/dev/null 2>&1)
if ! dir=$(cd "$workdir" && go mod download -json "k8s.io/kubernetes@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p') || [ -z "$dir" ]; then
  echo "cannot download k8s.io/kubernetes@$version from the Go module proxy (versions are written like v1.34.4)" >&2
  exit 2
fi

# The module zip leaves out staging/, which its go.mod points the k8s.io/* replaces at: in a
# writable copy, point them at the published modules of the same release instead, and drop
# vendor/ and go.work, which describe the repository, not the module.
src="$workdir/kubernetes"
cp -r "$dir" "$src"
chmod -R u+w "$src"
rm -rf "$src/vendor" "$src/go.work" "$src/go.work.sum"
sed -i -E "s#^([[:space:]]*)(k8s\.io/[a-z0-9-]+) => \./staging/src/k8s\.io/[a-z0-9-]+#\1\2 => \2 $staging_version#" "$src/go.mod"

major=$(echo "$version" | sed -E 's/^v([0-9]+)\..*/\1/')
minor=$(echo "$version" | sed -E 's/^v[0-9]+\.([0-9]+)\..*/\1/')
ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$version -X k8s.io/component-base/version.gitMajor=$major -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
binaries=(kubelet kube-apiserver kube-controller-manager kube-scheduler)
pkgs=()
for b in "${binaries[@]}"; do pkgs+=("./cmd/$b"); done
echo "[k8s] building ${binaries[*]} $version from the module (about 12 min of two idle cores the first time)"
(cd "$src" && go build -trimpath -ldflags "$ldflags" -o "$out/" "${pkgs[@]}")
for b in "${binaries[@]}"; do test -x "$out/$b" || { echo "build of $b produced no binary" >&2; exit 1; }; done
echo "[k8s] built $("$out/kubelet" --version)"
