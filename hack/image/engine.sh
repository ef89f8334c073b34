#!/usr/bin/env bash
# Runs the container engine that builds and runs the operator image: docker when a Docker daemon
# answers, else podman with runc and this directory's containers.conf. podman, runc and mmdebstrap
# (for hack/image/base.sh) are installed from Debian's packages when missing.
#
#   hack/image/engine.sh ARGS...   # e.g. hack/image/engine.sh images
#   hack/image/engine.sh --name    # prints docker or podman
#
# SMPO_CONTAINER_ENGINE=docker|podman overrides the choice.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

choose() {
  if [ -n "${SMPO_CONTAINER_ENGINE:-}" ]; then
    echo "$SMPO_CONTAINER_ENGINE"
  elif command -v docker >/dev/null && docker info >/dev/null 2>&1; then
    echo docker  # a docker client without a daemon (as on this machine) does not count
  else
    echo podman
  fi
}

install_podman() {
  local missing=()
  for tool in podman runc mmdebstrap; do command -v "$tool" >/dev/null || missing+=("$tool"); done
  [ ${#missing[@]} -eq 0 ] && return
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    echo "engine: ${missing[*]} missing; install them (Debian: apt-get install podman runc mmdebstrap)" >&2
    exit 1
  fi
  echo "engine: installing ${missing[*]} from Debian's packages (first run only)" >&2
  apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends podman runc mmdebstrap >&2
}

engine=$(choose)
if [ "${1:-}" = "--name" ]; then
  echo "$engine"
  exit 0
fi
if [ "$engine" = podman ]; then
  install_podman
  export CONTAINERS_CONF="$here/containers.conf"
fi
exec "$engine" "$@"
