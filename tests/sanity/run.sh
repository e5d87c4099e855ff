#!/usr/bin/env bash
# Run `ansible-test sanity` offline.
# ansible-test bootstraps pip in its test venvs with a script it downloads from a host that is not
# reachable here; a stand-in that uses ensurepip is placed in its cache first. The collection is
# copied to a path ending in ansible_collections/hpcstack/cluster, next to links to the collections
# it depends on (ansible-test imports them from there).
set -euo pipefail
venv="${1:?usage: run.sh VENV}"
repo="$(cd "$(dirname "$0")/../.." && pwd)"
py="$venv/bin/python"
work="$repo/.cache/sanity/ansible_collections"

core_version="$("$py" -c 'import ansible.release as r; print(r.__version__)')"
pip_version="$("$py" - <<'PY'
# The pip version ansible-test bootstraps (its own answer, e.g. 24.2 for 2.19, 25.2 for 2.21).
import sys, types
from ansible_test._internal.python_requirements import get_venv_packages
print(get_venv_packages(types.SimpleNamespace(version="%d.%d" % sys.version_info[:2]))["pip"].replace(".", "_"))
PY
)"
cache="$HOME/.ansible/test/cache"
mkdir -p "$cache"
cat >"$cache/get_pip_${pip_version}.py" <<'PY'
"""Offline stand-in for pip's get-pip.py: bootstrap pip with ensurepip, then install what was asked."""
import subprocess
import sys

subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade"])
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
if args:
    subprocess.check_call([sys.executable, "-m", "pip", "install", "--disable-pip-version-check"] + args)
PY

rm -rf "$work/hpcstack/cluster"
mkdir -p "$work/hpcstack/cluster"
# Only tracked and to-be-tracked files (what a release would contain).
(cd "$repo" && git ls-files -co --exclude-standard -z) | \
  (cd "$repo" && xargs -0 cp --parents -t "$work/hpcstack/cluster" 2>/dev/null || true)
site="$("$py" -c 'import ansible_collections, os; print(os.path.dirname(list(ansible_collections.__path__)[0]) if False else list(ansible_collections.__path__)[0])')"
for dep in ansible/posix community/general community/docker community/mysql; do
  [[ -d "$site/$dep" ]] || continue
  mkdir -p "$work/$(dirname "$dep")"
  ln -sfn "$site/$dep" "$work/$dep"
done
cd "$work/hpcstack/cluster"
git init -q . && git add -A >/dev/null 2>&1 && git -c user.email=ci@localhost -c user.name=ci commit -qm sanity >/dev/null
echo "ansible-test sanity (ansible-core $core_version) in $PWD"
PATH="$venv/bin:$PATH" "$venv/bin/ansible-test" sanity --venv --python "$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" --color no "${@:2}"
