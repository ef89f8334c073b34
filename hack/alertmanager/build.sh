#!/usr/bin/env bash
# Builds alertmanager from its pinned Go module (go.mod here) into $SMPO_CACHE/bin via gobin.sh.
#
# cmd/alertmanager embeds its web UI's built assets (ui/app/dist, made by npm), which the Go module
# zip does not contain. The module source is therefore copied once into the cache with a one-page
# placeholder UI, and the build replaces the module with that copy (a generated -modfile, so this
# directory's go.mod and go.sum stay the pin and the cache key). The HTTP API is complete.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache="${SMPO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/smpo}"
module=github.com/prometheus/alertmanager
version=$(awk -v m="$module" '$1 == "require" && $2 == m {print $3}' "$here/go.mod")
src="$cache/src/alertmanager@$version"
if [ ! -f "$src/.smpo-ready" ]; then
  (cd "$here" && go mod download "$module")
  from=$(cd "$here" && go list -m -f '{{.Dir}}' "$module")
  rm -rf "$src" && mkdir -p "$(dirname "$src")" && cp -r "$from" "$src" && chmod -R u+w "$src"
  for ui in elm mantine; do
    mkdir -p "$src/ui/app/dist/$ui"
    echo '<!doctype html><title>Alertmanager</title><p>Web UI not built (smpo test build).</p>' \
      >"$src/ui/app/dist/$ui/index.html"
  done
  touch "$src/.smpo-ready"
fi
modfile="$cache/src/alertmanager-$version.go.mod"
{ cat "$here/go.mod"; echo "replace $module => $src"; } >"$modfile"
cp "$here/go.sum" "${modfile%.mod}.sum"
GOFLAGS="-modfile=$modfile" exec "$here/../gobin.sh" "$here" "$module/cmd/alertmanager"
