#!/usr/bin/env bash
# The Debian base image for podman builds, made locally because no container registry is
# reachable: mmdebstrap installs Python from the host's own apt sources into a tarball, which
# `podman import` turns into localhost/smpo-base:<key>. Prints that reference.
#
#   hack/image/base.sh
#
# <key> hashes what decides the base's content: the Debian release, the mmdebstrap options
# (package list included), the image settings and the host's apt sources. The tarball is cached
# as $SMPO_CACHE/image/base-<key>.tar, so a repeat run, or a run after `podman system reset`,
# costs a few seconds; changed inputs build a new one (delete old tarballs by hand).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache="${SMPO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/smpo}/image"
packages=python3,python3-venv,python3-pip,python-is-python3,ca-certificates
# merged-usr without the usrmerge package (which pulls in perl); no docs, manuals or translations.
options=(
  --variant=minbase
  --include="$packages"
  --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr
  --dpkgopt='path-exclude=/usr/share/man/*'
  --dpkgopt='path-exclude=/usr/share/info/*'
  --dpkgopt='path-exclude=/usr/share/locale/*'
  --dpkgopt='path-exclude=/usr/share/doc/*'
  --dpkgopt='path-include=/usr/share/doc/*/copyright'
)

# shellcheck disable=SC1091
suite=$(. /etc/os-release && echo "$VERSION_CODENAME")
sources=()
for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
  [ -s "$file" ] && sources+=("$file")
done
[ ${#sources[@]} -gt 0 ] || { echo "base: no apt sources in /etc/apt" >&2; exit 1; }
changes=(
  'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
  'ENV LANG=C.UTF-8'
  'CMD ["python3"]'
)
key=$(printf '%s\n' "$suite" "${options[@]}" "${changes[@]}" | cat - "${sources[@]}" | sha256sum | cut -c1-16)
ref="localhost/smpo-base:$key"
tarball="$cache/base-$key.tar"
engine="$here/engine.sh"

if "$engine" image exists "$ref"; then
  echo "$ref"
  exit 0
fi
if [ ! -s "$tarball" ]; then
  mkdir -p "$cache"
  # A private directory: concurrent first runs each build their own and the last mv wins.
  work=$(mktemp -d "$cache/.base.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  partial="$work/base.tar"  # mmdebstrap picks the tarball format from the .tar name
  echo "base: mmdebstrap $suite ($packages) from ${sources[*]} (first run only)" >&2
  start=$(date +%s)
  mmdebstrap --quiet --format=tar "${options[@]}" "$suite" "$partial" "${sources[@]}" >&2
  mv "$partial" "$tarball"
  echo "base: built in $(( $(date +%s) - start ))s: $tarball" >&2
fi
import_args=()
for change in "${changes[@]}"; do import_args+=(--change "$change"); done
"$engine" import --quiet "${import_args[@]}" "$tarball" "$ref" >/dev/null
echo "$ref"
