"""The collections hpcstack.cluster depends on: declared in galaxy.yml, used by the shipped content.

    python tools/collection_deps.py check TARBALL --end lower|upper
        Fails unless galaxy.yml's `dependencies` are exactly the collections the files in TARBALL
        (the built collection) use, and each range has one lower (>=) and one upper (<) bound
        that the `ansible` package of this Python was tested at:
          --end lower  (the lowest supported ansible-core's venv): the carried version satisfies the
                       range and the lower bound is not older than its major.minor;
          --end upper  (the newest venv): the carried version satisfies the range and the upper
                       bound is the next major version after it.
        Also checks that this ansible-core satisfies meta/runtime.yml's requires_ansible.

    python tools/collection_deps.py requirements OUT [--tarball TARBALL]
        Writes a requirements.yml installing the declared dependencies from the copies the
        `ansible` package carries (type: dir), and TARBALL when given, for
        `ansible-galaxy collection install --offline` (Galaxy is not reachable here). The
        dependencies come from galaxy.yml only.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tarfile
from pathlib import Path

import ansible
import yaml
from ansible.galaxy.dependency_resolution.versioning import meets_requirements
from ansible.release import __version__ as core_version

REPO = Path(__file__).resolve().parent.parent
SELF = ("hpcstack", "cluster")
# Names of the form ns.coll.thing that are not collections.
NOT_COLLECTIONS = {("ansible", "builtin"), ("ansible", "legacy"), SELF}
USAGE = re.compile(r"\b(ansible_collections\.)?([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)\.[a-z_][a-z0-9_]*")
SCANNED = (".yml", ".yaml", ".j2", ".py", ".json")


def bundled_root() -> Path:
    import ansible_collections  # the `ansible` package's collections, next to ansible-core

    return Path(list(ansible_collections.__path__)[0])


def carried_version(fqcn: str) -> str | None:
    manifest = bundled_root().joinpath(*fqcn.split("."), "MANIFEST.json")
    if not manifest.is_file():
        return None
    return json.loads(manifest.read_text())["collection_info"]["version"]


def declared() -> dict[str, str]:
    galaxy = yaml.safe_load((REPO / "galaxy.yml").read_text())
    return dict(galaxy.get("dependencies") or {})


def used(tarball: Path) -> dict[str, set[str]]:
    """Collections named in the shipped files (modules, filters, connections, imports), with the files."""
    known = {(p.parent.name, p.name) for p in bundled_root().glob("*/*") if p.is_dir()}
    # In Python, ansible.utils.display is ansible-core, not the ansible.utils collection.
    core_packages = {p.name for p in Path(ansible.__file__).parent.iterdir()}
    found: dict[str, set[str]] = {}
    with tarfile.open(tarball) as tar:
        for member in tar.getmembers():
            if not member.isfile() or not member.name.endswith(SCANNED) or member.name in ("MANIFEST.json", "FILES.json"):
                continue
            text = tar.extractfile(member).read().decode("utf-8", "replace")
            for prefix, ns, coll in USAGE.findall(text):
                if member.name.endswith(".py") and ns == "ansible" and coll in core_packages and not prefix:
                    continue
                if (ns, coll) in known and (ns, coll) not in NOT_COLLECTIONS:
                    found.setdefault(f"{ns}.{coll}", set()).add(member.name)
    return found


def bounds(spec: str) -> tuple[str | None, str | None]:
    lower = upper = None
    for part in spec.replace(" ", "").split(","):
        if part.startswith(">="):
            lower = part[2:]
        elif part.startswith("<") and not part.startswith("<="):
            upper = part[1:]
    return lower, upper


def numbers(version: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", version)[:3])


def check(tarball: Path, end: str) -> list[str]:
    problems = []
    want = declared()
    uses = used(tarball)
    for fqcn in sorted(set(uses) - set(want)):
        problems.append(f"{fqcn} is used by {', '.join(sorted(uses[fqcn]))} but not declared in galaxy.yml dependencies")
    for fqcn in sorted(set(want) - set(uses)):
        problems.append(f"{fqcn} is declared in galaxy.yml but no shipped file uses it: remove it")
    for fqcn, spec in sorted(want.items()):
        lower, upper = bounds(str(spec))
        if not lower or not upper:
            problems.append(f"{fqcn}: {spec!r} needs a lower (>=) and an upper (<) bound, e.g. '>=2.1.0,<3.0.0'")
            continue
        have = carried_version(fqcn)
        if have is None:
            problems.append(f"{fqcn}: the ansible package of {sys.executable} does not carry it")
            continue
        if not meets_requirements(have, str(spec).replace(" ", "")):
            problems.append(f"{fqcn}: {spec!r} excludes {have}, the version ansible-core {core_version}'s ansible package carries")
        elif end == "lower" and numbers(lower)[:2] < numbers(have)[:2]:
            problems.append(f"{fqcn}: lower bound {lower} is older than the tested {have}: raise it to {'.'.join(map(str, numbers(have)[:2]))}.0")
        elif end == "upper" and numbers(upper) != (numbers(have)[0] + 1, 0, 0):
            problems.append(f"{fqcn}: upper bound {upper} is not the next major after the tested {have}: use <{numbers(have)[0] + 1}.0.0")
    requires = yaml.safe_load((REPO / "meta" / "runtime.yml").read_text()).get("requires_ansible", "")
    if not meets_requirements(core_version, requires.replace(" ", "")):
        problems.append(f"meta/runtime.yml requires_ansible {requires!r} excludes ansible-core {core_version}, which is tested")
    for fqcn, spec in sorted(want.items()):
        print(f"{fqcn} {spec}: carried {carried_version(fqcn)} (ansible-core {core_version}), used by {len(uses.get(fqcn, ()))} file(s)")
    return problems


def requirements(out: Path, tarball: Path | None) -> None:
    entries = [{"name": str(tarball.resolve()), "type": "file"}] if tarball else []
    for fqcn in sorted(declared()):
        entries.append({"name": str(bundled_root().joinpath(*fqcn.split("."))), "type": "dir"})
    out.write_text("---\n" + yaml.safe_dump({"collections": entries}, sort_keys=False))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("check")
    c.add_argument("tarball", type=Path)
    c.add_argument("--end", choices=["lower", "upper"], required=True)
    r = sub.add_parser("requirements")
    r.add_argument("out", type=Path)
    r.add_argument("--tarball", type=Path)
    args = parser.parse_args()
    if args.command == "requirements":
        requirements(args.out, args.tarball)
        return 0
    problems = check(args.tarball, args.end)
    for problem in problems:
        print(f"ERROR: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
