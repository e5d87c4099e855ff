#!/usr/bin/env bash
# What a site gets from the built tarball:
#  1. only what a site runs: the top-level paths are exactly the expected ones and nothing from
#     the lab (its inventory holds lab passwords) is inside;
#  2. installed into an empty project with ONLY galaxy.yml's dependencies (offline, from the copies
#     the developer venv's `ansible` package carries), in a venv with ansible-core and
#     meta/ee-requirements.txt but without the `ansible` package, every shipped playbook
#     (hpcstack.cluster.<name>) and every role pass `ansible-playbook --syntax-check`, which
#     resolves every module, action and role they name.
# shellcheck source=tests/release/lib.sh
source "$(dirname "$0")/lib.sh"

# 1. Contents. A new top-level path fails here: ship it (add it below) or add it to build_ignore.
expected="CHANGELOG.rst FILES.json LICENSE MANIFEST.json README.md bindep.txt changelogs docs inventories meta playbooks plugins programs roles"
mapfile -t top < <(tar tzf "$tarball" | cut -d/ -f1 | sort -u)
bad=0
for path in "${top[@]}"; do
  [[ " $expected " == *" $path "* ]] || { echo "unexpected top-level path in the tarball: $path (ship it: add it to tests/release/install_check.sh; or add it to galaxy.yml build_ignore)" >&2; bad=1; }
done
for path in README.md LICENSE CHANGELOG.rst meta/runtime.yml meta/execution-environment.yml meta/ee-requirements.txt bindep.txt; do
  tar tzf "$tarball" "$path" >/dev/null 2>&1 || { echo "missing from the tarball: $path" >&2; bad=1; }
done
if tar tzf "$tarball" | grep -E '^(playbooks|inventories)/lab/|(^|/)(molecule|tests)/' >&2; then
  echo "lab or test files above are in the tarball" >&2; bad=1
fi
[[ $bad -eq 0 ]] || exit 1
echo "tarball contents: $(tar tzf "$tarball" | grep -vc '/$') files, $(stat -c %s "$tarball") bytes; top level: ${top[*]}"

# 2. Install into an empty project and syntax-check.
core="$(bash "$here/core_venv.sh" "$dev_venv")"
project="$repo/.cache/install-check"
rm -rf "$project" && mkdir -p "$project/home"
cd "$project"
printf '[defaults]\ncollections_path = ./collections\n' >ansible.cfg
"$dev_venv/bin/python" "$repo/tools/collection_deps.py" requirements requirements.yml --tarball "$tarball"
HOME="$project/home" "$core/bin/ansible-galaxy" collection install --offline -r requirements.yml >install.log 2>&1 || { cat install.log >&2; exit 1; }
installed="$project/collections/ansible_collections/hpcstack/cluster"
echo "installed: $(cd collections/ansible_collections && echo */*)"

# Playbooks are the YAML files under playbooks/ whose plays name hosts or import playbooks.
mapfile -t playbooks < <("$core/bin/python" - "$installed/playbooks" <<'PY'
import sys, yaml
from pathlib import Path
root = Path(sys.argv[1])
for path in sorted(root.rglob("*.yml")):
    data = yaml.safe_load(path.read_text())
    if isinstance(data, list) and data and all(isinstance(p, dict) and ("hosts" in p or "import_playbook" in p or "ansible.builtin.import_playbook" in p) for p in data):
        print(".".join(path.relative_to(root).with_suffix("").parts))
PY
)
roles="$(cd "$installed/roles" && ls)"
{ echo "- name: Every role of the collection"; echo "  hosts: all"; echo "  gather_facts: false"; echo "  roles:"
  for role in $roles; do echo "    - hpcstack.cluster.$role"; done; } >all_roles.yml
failed=0
for target in "${playbooks[@]/#/hpcstack.cluster.}" all_roles.yml; do
  if HOME="$project/home" "$core/bin/ansible-playbook" -i localhost, --syntax-check "$target" >check.log 2>&1; then
    echo "syntax-check ok: $target"
  else
    echo "syntax-check FAILED: $target" >&2; sed 's/^/    /' check.log >&2; failed=1
  fi
done
[[ ${#playbooks[@]} -gt 0 ]] || { echo "no playbooks found in $installed/playbooks" >&2; exit 1; }
exit $failed
