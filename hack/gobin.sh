#!/usr/bin/env bash
# Builds Go commands from a pinned wrapper module into a cache outside the repository.
#
#   hack/gobin.sh MODULE_DIR PACKAGE[=NAME] [PACKAGE[=NAME]...]
#
# NAME defaults to the package's last path element (give it for module roots such as
# go.etcd.io/etcd/server/v3, whose binary is etcd).
# Each binary lands in $SMPO_CACHE/bin/<name>@<key>/<name>, where <key> is a hash of the wrapper's
# go.mod, go.sum, optional `ldflags` file (extra linker flags, e.g. -X version stamps) and optional
# `tags` file (build tags, e.g. to leave out code the tests never run), and
# $SMPO_CACHE/bin/<name> links to it. A binary whose key is already
# built is reused, so repeat runs cost nothing; a changed pin builds again.
set -euo pipefail

cache="${SMPO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/smpo}"
module_dir=$(cd "$1" && pwd)
shift
extra_ldflags=""
key_files=("$module_dir/go.mod" "$module_dir/go.sum")
if [ -f "$module_dir/ldflags" ]; then
  extra_ldflags=$(grep -v '^#' "$module_dir/ldflags" | tr '\n' ' ')
  key_files+=("$module_dir/ldflags")
fi
build_tags=""
if [ -f "$module_dir/tags" ]; then
  build_tags=$(grep -v '^#' "$module_dir/tags" | tr '\n' ',' | sed 's/,*$//')
  key_files+=("$module_dir/tags")
fi
key=$(cat "${key_files[@]}" | sha256sum | cut -c1-16)
mkdir -p "$cache/bin"

name_of() { case "$1" in *=*) echo "${1#*=}" ;; *) basename "$1" ;; esac; }

missing=()
for spec in "$@"; do
  name=$(name_of "$spec")
  [ -x "$cache/bin/$name@$key/$name" ] || missing+=("$spec")
done

if [ ${#missing[@]} -gt 0 ]; then
  command -v go >/dev/null || { echo "gobin: 'go' is not on PATH; install Go to build ${missing[*]}" >&2; exit 1; }
  tmp=$(mktemp -d "$cache/bin/.build.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  echo "gobin: building ${missing[*]%%=*} (first run only; cached in $cache/bin)" >&2
  start=$(date +%s)
  for spec in "${missing[@]}"; do
    name=$(name_of "$spec")
    (cd "$module_dir" && CGO_ENABLED=0 go build -trimpath -tags="$build_tags" -ldflags="-s -w $extra_ldflags" -o "$tmp/$name" "${spec%%=*}")
    mkdir -p "$cache/bin/$name@$key"
    mv "$tmp/$name" "$cache/bin/$name@$key/$name"
  done
  echo "gobin: built in $(( $(date +%s) - start ))s" >&2
fi

for spec in "$@"; do
  name=$(name_of "$spec")
  ln -sfn "$name@$key/$name" "$cache/bin/$name"
done
