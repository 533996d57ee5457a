#!/usr/bin/env bash
# Builds the real control plane used by the integration tiers (etcd, kube-apiserver,
# kube-controller-manager, kwok) from the Go module proxy into a cache outside the repo.
# Test infrastructure only: nothing here ships with Tidemark.
# Usage: build.sh            -> prints the bin directory on the last line of stdout
set -euo pipefail
K8S_VERSION="${TIDEMARK_K8S_VERSION:-v1.34.4}"
ETCD_VERSION="${TIDEMARK_ETCD_VERSION:-v3.5.21}"
KWOK_VERSION="${TIDEMARK_KWOK_VERSION:-v0.8.0}"
CACHE_ROOT="${TIDEMARK_CACHE:-$HOME/.cache/tidemark}"
OUT="$CACHE_ROOT/k8s-$K8S_VERSION-etcd-$ETCD_VERSION-kwok-$KWOK_VERSION"
BIN="$OUT/bin"
export GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0
export GOCACHE="${GOCACHE:-$CACHE_ROOT/go-build}" GOMODCACHE="${GOMODCACHE:-$CACHE_ROOT/go-mod}"

have() { [ -x "$BIN/$1" ] && [ -f "$BIN/$1.ok" ]; }
mkdir -p "$BIN"
log() { echo "[control-plane build] $*" >&2; }

if ! have etcd; then
  log "building etcd $ETCD_VERSION"
  W="$OUT/etcd-wrapper"; rm -rf "$W"; mkdir -p "$W"; cd "$W"
  go mod init local/etcdwrap >/dev/null 2>&1
  go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" >&2
  go build -trimpath -ldflags "-s -w" -o "$BIN/etcd" go.etcd.io/etcd/server/v3 >&2
  touch "$BIN/etcd.ok"
fi

if ! have kube-apiserver || ! have kube-controller-manager; then
  log "building kube-apiserver and kube-controller-manager $K8S_VERSION"
  S="v0.${K8S_VERSION#v1.}"
  W="$OUT/k8s-wrapper"; rm -rf "$W"; mkdir -p "$W"; cd "$W"
  go mod init local/k8swrap >/dev/null 2>&1
  GOMOD=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)",/\1/p')
  for m in $(awk '$2=="v0.0.0"{print $1}' "$GOMOD"); do go mod edit -replace="$m=$m@$S"; done
  go get "k8s.io/kubernetes/cmd/kube-apiserver@$K8S_VERSION" >&2
  go get "k8s.io/kubernetes/cmd/kube-controller-manager@$K8S_VERSION" >&2
  MINOR="${S#v0.}"; MINOR="${MINOR%%.*}"
  LDFLAGS="-s -w -X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$MINOR -X k8s.io/client-go/pkg/version.gitVersion=$K8S_VERSION"
  for c in kube-apiserver kube-controller-manager; do
    have "$c" && continue
    go build -trimpath -ldflags "$LDFLAGS" -o "$BIN/$c" "k8s.io/kubernetes/cmd/$c" >&2
    touch "$BIN/$c.ok"
  done
fi

if ! have kwok; then
  log "building kwok $KWOK_VERSION"
  GOBIN="$BIN" go install "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" >&2
  touch "$BIN/kwok.ok"
fi

# kwok simulates nothing without Stage configs: its own defaults (nodes turn Ready and heartbeat,
# pods turn Running), kept beside the binary for bench:guardian.
STAGES="$OUT/kwok-stages"
if [ ! -f "$STAGES/pod-ready.yaml" ]; then
  SRC="$GOMODCACHE/sigs.k8s.io/kwok@$KWOK_VERSION/kustomize/stage"
  [ -d "$SRC" ] || (cd "$OUT" && go mod download "sigs.k8s.io/kwok@$KWOK_VERSION" >&2)
  mkdir -p "$STAGES"
  cp "$SRC/node/fast/node-initialize.yaml" "$SRC/node/heartbeat/node-heartbeat.yaml" "$SRC/pod/fast/pod-ready.yaml" "$STAGES/"
fi
echo "$BIN"
