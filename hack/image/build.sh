#!/usr/bin/env bash
# Builds the operator image from the repository's Dockerfile, tagged with the package version.
# With Docker where a Docker daemon answers; otherwise with podman + runc (hack/image/engine.sh)
# on a Debian base made locally (hack/image/base.sh), with host networking and the host's CA
# bundle so pip in the build stage reaches the package index.
#
#   hack/image/build.sh     # timings and size on stderr, the image reference on stdout
#
# IMAGE overrides the repository (default: the chart's image.repository). SMPO_IMAGE_IIDFILE, when
# set, receives the built image's id, which (unlike the tag) no concurrent build can move.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
engine="$here/engine.sh"
repository="${IMAGE:-ghcr.io/sagemaker-pipelines-operator/sagemaker-pipelines-operator}"
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$root/pyproject.toml" | head -n1)
[ -n "$version" ] || { echo "build: no version in pyproject.toml" >&2; exit 1; }
ref="$repository:$version"
ca_bundle=/etc/ssl/certs/ca-certificates.crt

# The sources' digest keys the wheel build and the install layers (see the Dockerfile).
digest=$(cd "$root" && find pyproject.toml README.md operator/sagemaker_pipelines_operator hack/image/slim.py \
  -type f -not -path '*/__pycache__/*' -not -name '*.pyc' | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-16)
args=(build --tag "$ref" --build-arg "VERSION=$version" --build-arg "SOURCE_DIGEST=$digest" --file "$root/Dockerfile")
[ -n "${SMPO_IMAGE_IIDFILE:-}" ] && args+=(--iidfile "$SMPO_IMAGE_IIDFILE")
start=$(date +%s)
if [ "$("$engine" --name)" = podman ]; then
  "$engine" --version >/dev/null  # installs podman and runc first when missing
  base=$("$here/base.sh")
  args+=(--network host --build-arg "PYTHON_IMAGE=$base")
  [ -f "$ca_bundle" ] && args+=(--volume "$ca_bundle:$ca_bundle:ro")
fi
based=$(date +%s)
"$engine" "${args[@]}" "$root" >&2
done=$(date +%s)
size=$("$engine" image inspect --format '{{.Size}}' "$ref")
echo "image: $ref, $(( size / 1000000 )) MB; base $(( based - start ))s, build $(( done - based ))s" >&2
echo "$ref"
