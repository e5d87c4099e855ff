#!/usr/bin/env bash
# A venv with ansible-core but WITHOUT the `ansible` package's ~100 collections, like Galaxy's
# importer and like a site that installs only what this collection declares: ansible-core,
# ansible-lint and galaxy-importer at the developer venv's (argument 1) versions, plus the runtime
# requirements meta/ee-requirements.txt. Rebuilt when any of those changes. Prints its path;
# built once into .cache/venv-core (~15 s).
set -euo pipefail
dev_venv="${1:?usage: core_venv.sh DEV_VENV}"
repo="$(cd "$(dirname "$0")/../.." && pwd)"
venv="$repo/.cache/venv-core"
runtime="$repo/meta/ee-requirements.txt"
pins="$("$dev_venv/bin/python" -m pip list --format=freeze 2>/dev/null | grep -iE '^(ansible-core|ansible-lint|galaxy[-_]importer)==' | sort)"
[[ $(wc -l <<<"$pins") -eq 3 ]] || { echo "the developer venv lacks one of ansible-core, ansible-lint, galaxy-importer (make venv)" >&2; exit 1; }
stamp="$pins $(sha256sum "$runtime" | cut -c1-16)"
if [[ ! -x "$venv/bin/python" || "$(cat "$venv/.stamp" 2>/dev/null)" != "$stamp" ]]; then
  rm -rf "$venv"
  "$dev_venv/bin/python" -m venv "$venv"
  # shellcheck disable=SC2086
  "$venv/bin/pip" install -q --disable-pip-version-check $pins -r "$runtime" >&2
  printf '%s\n' "$stamp" >"$venv/.stamp"
fi
if "$venv/bin/python" -c 'import ansible_collections' 2>/dev/null; then
  echo "$venv has the ansible package's collections; it must not" >&2; exit 1
fi
echo "$venv"
