#!/usr/bin/env bash
# Builds the real `helm` (v4) used by the chart tests from the Go module proxy into a cache outside
# the repo, keyed by version, like control-plane/build.sh. Test infrastructure only: nothing here
# ships with Tidemark.
# Usage: build.sh            -> prints the bin directory on the last line of stdout
set -euo pipefail
HELM_VERSION="${TIDEMARK_HELM_VERSION:-v4.3.2}"
CACHE_ROOT="${TIDEMARK_CACHE:-$HOME/.cache/tidemark}"
BIN="$CACHE_ROOT/helm-$HELM_VERSION/bin"
export GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0
export GOCACHE="${GOCACHE:-$CACHE_ROOT/go-build}" GOMODCACHE="${GOMODCACHE:-$CACHE_ROOT/go-mod}"
mkdir -p "$BIN"
if ! { [ -x "$BIN/helm" ] && [ -f "$BIN/helm.ok" ]; }; then
  echo "[helm build] building helm $HELM_VERSION" >&2
  GOBIN="$BIN" go install -trimpath -ldflags "-s -w -X helm.sh/helm/v4/internal/version.version=$HELM_VERSION" \
    "helm.sh/helm/v4/cmd/helm@$HELM_VERSION" >&2
  touch "$BIN/helm.ok"
fi
echo "$BIN"
