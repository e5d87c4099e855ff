#!/usr/bin/env bash
# The execution environment's build context (ansible-builder create on ee/execution-environment.yml)
# and what ansible-builder's introspection would put into the image. The image itself is NOT built
# here: its base image (quay.io/centos/centos:stream9) comes from a registry and no registry is
# reachable on this machine (docker pull fails); `ansible-builder build` is the step to run where
# one is.
# shellcheck source=tests/release/lib.sh
source "$(dirname "$0")/lib.sh"
work="$repo/.cache/ee"
rm -rf "$work" && mkdir -p "$work/home"
cd "$work"                                        # away from the source tree's ansible.cfg
cp "$tarball" "$work/hpcstack-cluster.tar.gz"     # the stable name ee/execution-environment.yml copies
"$dev_venv/bin/ansible-builder" create -f "$repo/ee/execution-environment.yml" -c "$work/context" \
  --output-filename Containerfile >"$work/create.log" 2>&1 || { cat "$work/create.log" >&2; exit 1; }
context="$work/context"
fail() { echo "ee: $*" >&2; exit 1; }

# The context carries this build of the collection and installs it in the galaxy stage.
cmp -s "$tarball" "$context/_build/collections/hpcstack-cluster.tar.gz" || fail "the context lacks the built tarball"
grep -qx -- '- name: collections/hpcstack-cluster.tar.gz' "$context/_build/requirements.yml" || fail "_build/requirements.yml does not install the tarball"
# The Containerfile's stages, in order: base with ansible-core, galaxy installs the collection (and
# its galaxy.yml dependencies), builder introspects the installed collections and assembles their
# Python wheels, final installs them and the bindep packages.
"$dev_venv/bin/python" - "$context/Containerfile" <<'PY' || exit 1
import re, sys
text = open(sys.argv[1]).read()
expected = [
    r'^ARG EE_BASE_IMAGE="quay\.io/centos/centos:stream9"$',
    r'^ARG ANSIBLE_INSTALL_REFS="ansible-core>=2\.19,<2\.22 ansible-runner"$',
    r"^FROM \$EE_BASE_IMAGE AS base$",
    r"^FROM base AS galaxy$",
    r"^COPY _build /build$",
    r"^RUN .*ansible-galaxy collection install .*-r requirements\.yml --collections-path \"/usr/share/ansible/collections\"$",
    r"^FROM base AS builder$",
    r"^COPY --from=galaxy /usr/share/ansible /usr/share/ansible$",
    r"^RUN \$PYCMD /output/scripts/introspect\.py introspect .*--write-pip=/tmp/src/requirements\.txt$",
    r"^RUN /output/scripts/assemble$",
    r"^FROM base AS final$",
    r"^RUN /output/scripts/install-from-bindep",
    r"^LABEL ansible-execution-environment=true$",
]
pos = 0
for pattern in expected:
    m = re.compile(pattern, re.M).search(text, pos)
    if not m:
        sys.exit(f"ee: Containerfile: no line matching {pattern!r} after offset {pos}")
    pos = m.end()
print(f"Containerfile: {len(expected)} expected steps in order ({len(text.splitlines())} lines)")
PY

# Introspection as the builder stage runs it, on the collection installed with its declared
# dependencies: the collection's own Python/system needs and nothing of the developer tool chain.
"$dev_venv/bin/python" "$repo/tools/collection_deps.py" requirements "$work/requirements.yml" --tarball "$tarball"
HOME="$work/home" "$dev_venv/bin/ansible-galaxy" collection install --offline -r "$work/requirements.yml" \
  -p "$work/collections" >"$work/install.log" 2>&1 || { cat "$work/install.log" >&2; exit 1; }
"$dev_venv/bin/ansible-builder" introspect --sanitize "$work/collections" >"$work/introspect.yml"
sed 's/^/  /' "$work/introspect.yml"
mine() { grep "from collection hpcstack.cluster" "$work/introspect.yml" | sed -E "s/^- '([^ #]+).*/\1/" | sort | tr '\n' ' '; }
declared() { sed -E 's/#.*//; s/\[.*//; s/[[:space:]]+//g; /^$/d' "$repo/meta/ee-requirements.txt" "$repo/bindep.txt" | sort | tr '\n' ' '; }
[[ "$(mine)" == "$(declared)" ]] || fail "hpcstack.cluster's introspected needs are '$(mine)', not those of meta/ee-requirements.txt and bindep.txt: '$(declared)'"
if grep -iE "pytest|molecule|ansible-lint|yamllint|testinfra|antsibull" "$work/introspect.yml"; then
  fail "developer tools would go into the image (above)"
fi
echo "ee: build context in $context; image not built here (no registry for the base image)"
