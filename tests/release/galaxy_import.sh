#!/usr/bin/env bash
# galaxy-importer (the code Galaxy runs on every upload) on the built tarball, offline and without
# ansible-test (tests/release/importer.cfg). Fails on any ERROR or WARNING line, e.g. a role
# without README or a module the declared dependencies do not provide (ansible-lint's
# syntax-check[unknown-module]). The importer runs in a venv without the `ansible` package, with
# only galaxy.yml's dependencies visible (installed offline from the copies the developer venv's
# `ansible` package carries): an undeclared dependency shows up here as it would on Galaxy.
# shellcheck source=tests/release/lib.sh
source "$(dirname "$0")/lib.sh"
core="$(bash "$here/core_venv.sh" "$dev_venv")"
work="$repo/.cache/galaxy-import"
rm -rf "$work" && mkdir -p "$work/home"
"$dev_venv/bin/python" "$repo/tools/collection_deps.py" requirements "$work/deps.yml"
cd "$work"
HOME="$work/home" "$core/bin/ansible-galaxy" collection install --offline -r deps.yml -p deps 2>&1 | grep -v 'is not part of the configured' >&2 || true
[[ -f deps/ansible_collections/MANIFEST.json || -n "$(ls deps/ansible_collections 2>/dev/null)" ]] || { echo "installing the declared dependencies failed" >&2; exit 1; }
# The importer points ANSIBLE_COLLECTIONS_PATH at its own extraction directory; the dependencies are
# found where ansible-core also looks: ansible_collections directories on the Python path.
HOME="$work/home" PATH="$core/bin:/usr/bin:/bin" PYTHONPATH="$work/deps" \
  GALAXY_IMPORTER_CONFIG="$here/importer.cfg" \
  "$core/bin/python" -m galaxy_importer.main "$tarball" >"$work/output.txt" 2>&1 || true
grep -v '^Loading ' "$work/output.txt"
if grep -qE '^(WARNING|ERROR)' "$work/output.txt" || ! grep -q '^Importer processing completed successfully' "$work/output.txt"; then
  echo "galaxy-importer: errors or warnings above (full output: $work/output.txt)" >&2
  exit 1
fi
echo "galaxy-importer: no errors, no warnings ($(grep -c '^Loading ' "$work/output.txt") content items loaded)"
