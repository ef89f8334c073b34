#!/usr/bin/env bash
# The SDK 3.x environment for `smpo render` tests, outside the repo (it is 135+ packages):
# $SMPO_SDK3_VENV (default ~/.cache/smpo/sdk3-venv), rebuilt when the pins below change.
# The operator runs in it from the source tree (PYTHONPATH), so only its dependencies are installed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="${SMPO_SDK3_VENV:-$HOME/.cache/smpo/sdk3-venv}"
requirements=("sagemaker>=3.27,<4" "kopf>=1.37" "kubernetes>=29" "pydantic>=2.7" "prometheus-client>=0.20" \
  "aiohttp>=3.9" "PyYAML>=6" "croniter>=2")
stamp="$(printf '%s\n' "${requirements[@]}" | cat - "$here/sdk3-constraints.txt" | sha256sum | cut -c1-16)"
if [[ -f "$venv/.smpo-stamp" && "$(cat "$venv/.smpo-stamp")" == "$stamp" ]]; then
  echo "$venv/bin/python"
  exit 0
fi
echo "sdk3venv: installing SDK 3.x into $venv (first run only)" >&2
start=$(date +%s)
rm -rf "$venv"
python3 -m venv "$venv" >&2
"$venv/bin/python" -m pip install --quiet -c "$here/sdk3-constraints.txt" "${requirements[@]}" >&2
echo "$stamp" > "$venv/.smpo-stamp"
echo "sdk3venv: installed in $(( $(date +%s) - start ))s" >&2
echo "$venv/bin/python"
