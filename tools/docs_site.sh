#!/usr/bin/env bash
# `make docs`: the HTML docs site in .cache/docs/html — plugin, module and role pages rendered by
# antsibull-docs (sphinx-init + collection, as on docs.ansible.com) plus the guides in docs/*.md
# (Markdown through myst-parser), built by Sphinx with warnings as errors. Offline: no
# intersphinx inventories are fetched.
set -euo pipefail
venv="${1:?usage: docs_site.sh VENV}"
repo="$(cd "$(dirname "$0")/.." && pwd)"
export PATH="$venv/bin:$PATH"
export ANSIBLE_COLLECTIONS_PATH="${ANSIBLE_COLLECTIONS_PATH:-$repo/.cache/collections}"
out="$repo/.cache/docs"
src="$out/src"
rm -rf "$out"
mkdir -p "$out" && mkdir -m 700 "$src"      # antsibull-docs wants a directory only its owner writes
antsibull-docs sphinx-init --use-current --squash-hierarchy --fail-on-error --dest-dir "$src" \
  --project hpcstack.cluster --title hpcstack.cluster --copyright "hpcstack developers" \
  hpcstack.cluster >/dev/null
python "$repo/tools/ansible_docs_inventory.py" "$src/ansible_devel.inv"
cat >>"$src/conf.py" <<'PY'

# hpcstack.cluster (tools/docs_site.sh): offline build (docs.ansible.com targets from a local
# inventory, tools/ansible_docs_inventory.py), Markdown guides.
intersphinx_mapping = {
    "ansible_devel": ("https://docs.ansible.com/projects/ansible/devel/", "../ansible_devel.inv"),
}
extensions.append("myst_parser")
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
myst_heading_anchors = 3
PY
cd "$src"
chmod og-w rst
antsibull-docs --config-file antsibull-docs.cfg collection --cleanup everything --fail-on-error \
  --use-current --squash-hierarchy --dest-dir rst hpcstack.cluster >/dev/null
# The guides: docs/ as it is, next to the changelog as in the repository (relative links work).
cp -r "$repo/docs" rst/guides
cp "$repo/CHANGELOG.rst" rst/CHANGELOG.rst
cat >>rst/index.rst <<'RST'

Guides
------

.. toctree::
   :maxdepth: 1
   :glob:

   guides/*
   guides/runbooks/README
   guides/runbooks/*
   CHANGELOG
RST
sphinx-build -M html rst "$out/build" -c . -W --keep-going -q
ln -sfn build/html "$out/html"
echo "docs site: $out/html/index.html ($(find "$out/html/" -name '*.html' | wc -l) pages)"
