"""Generate every role's README.md from its meta/argument_specs.yml and meta/main.yml.

The README is derived, never edited: a role's purpose is the short_description and description
of its entry points in meta/argument_specs.yml (which `ansible-doc -t role` shows too), its
variables are the entry points' options. Edit those, then run `make role-readmes`.

    python tools/role_readme.py [--check] [ROLES_DIR]

--check writes nothing and exits 1 when a README differs from what would be generated (the drift
check of `make test`), printing a unified diff.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from pathlib import Path
from typing import Any

import yaml

NAMESPACE = "hpcstack.cluster"
GENERATOR = "tools/role_readme.py"

# Ansible doc markup (classic and semantic) -> Markdown. The text of C(...) etc. ends at the
# first ")" as in ansible-doc.
_MARKUP = [
    (re.compile(r"\bL\(([^)]+?),\s*([^)]+)\)"), lambda m: f"[{m.group(1)}]({m.group(2)})"),
    (re.compile(r"\bU\(([^)]+)\)"), lambda m: f"<{m.group(1)}>"),
    (re.compile(r"\bB\(([^)]+)\)"), lambda m: f"**{m.group(1)}**"),
    (re.compile(r"\bR\(([^,)]+),[^)]*\)"), lambda m: m.group(1)),
    (re.compile(r"\b(?:C|V|I|O|E|RV|M|P)\(([^)]+)\)"), lambda m: _code(m.group(1))),
    (re.compile(r"HORIZONTALLINE"), lambda m: "\n\n---\n\n"),
]


def _code(text: str) -> str:
    fence = "``" if "`" in text else "`"
    pad = " " if fence == "``" else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def markup(text: str) -> str:
    """Ansible markup to Markdown; one paragraph, whitespace collapsed."""
    text = " ".join(text.split())
    for pattern, repl in _MARKUP:
        text = pattern.sub(repl, text)
    return text


def paragraphs(value: str | list[str] | None) -> list[str]:
    if not value:
        return []
    items = [value] if isinstance(value, str) else value
    return [markup(str(p)) for p in items]


def cell(text: str) -> str:
    """A Markdown table cell: no line breaks, pipes escaped (also inside code spans, as GFM asks)."""
    return text.replace("\n", " ").replace("|", "\\|")


def show_value(value: Any) -> str:
    if isinstance(value, str):
        return _code(value) if value else '`""`'
    dumped = yaml.safe_dump(value, default_flow_style=True, width=10**6, sort_keys=False)
    dumped = dumped.strip()
    dumped = dumped.removesuffix("...").strip()
    return _code(dumped)


def show_type(spec: dict[str, Any]) -> str:
    kind = spec.get("type", "str")
    if kind == "list" and spec.get("elements"):
        return f"list of {spec['elements']}"
    return str(kind)


def option_rows(options: dict[str, Any], prefix: str = "") -> list[str]:
    rows = []
    for name, spec in options.items():
        spec = spec or {}
        full = f"{prefix}{name}"
        if spec.get("required"):
            default = "**required**"
        elif "default" in spec:
            default = show_value(spec["default"])
        else:
            default = ""
        notes = paragraphs(spec.get("description"))
        if spec.get("choices"):
            notes.append("Choices: " + ", ".join(show_value(c) for c in spec["choices"]) + ".")
        if spec.get("no_log"):
            notes.append("Secret: `no_log`, never printed.")
        rows.append(f"| `{cell(full)}` | {cell(show_type(spec))} | {cell(default)} | {cell(' '.join(notes))} |")
        if spec.get("options"):
            sub = "[]." if spec.get("type") == "list" else "."
            rows.extend(option_rows(spec["options"], f"{full}{sub}"))
    return rows


def entry_point_section(role: str, name: str, spec: dict[str, Any], main: bool) -> list[str]:
    lines: list[str] = []
    if not main:
        lines += [f"## Entry point `{name}`", ""]
        if spec.get("short_description"):
            lines += [markup(spec["short_description"]) + ("" if spec["short_description"].endswith(".") else "."), ""]
        for par in paragraphs(spec.get("description")):
            lines += [par, ""]
        lines += [
            "```yaml",
            "- ansible.builtin.include_role:",
            f"    name: {NAMESPACE}.{role}",
            f"    tasks_from: {name}",
            "```",
            "",
        ]
    options = spec.get("options") or {}
    heading = "## Variables" if main else f"### Variables of `{name}`"
    lines += [heading, ""]
    if options:
        lines += [
            "| Variable | Type | Default | Description |",
            "|---|---|---|---|",
            *option_rows(options),
            "",
        ]
    else:
        lines += ["None.", ""]
    return lines


def render(role_dir: Path) -> str:
    role = role_dir.name
    specs = yaml.safe_load((role_dir / "meta" / "argument_specs.yml").read_text())["argument_specs"]
    meta_file = role_dir / "meta" / "main.yml"
    meta = yaml.safe_load(meta_file.read_text()) if meta_file.exists() else {}
    main = specs.get("main", {})
    lines = [
        f"# {NAMESPACE}.{role}",
        "",
        f"<!-- Generated by {GENERATOR} from meta/argument_specs.yml: edit that file, then run `make role-readmes`. -->",
        "",
    ]
    # A role of entry points only (no main) is titled by its meta/main.yml description.
    description = main.get("short_description") or (meta.get("galaxy_info") or {}).get("description")
    if description:
        title = markup(description)
        lines += [f"**{title}**", ""]
    for par in paragraphs(main.get("description")):
        lines += [par, ""]
    platforms = (meta.get("galaxy_info") or {}).get("platforms") or []
    if platforms:
        shown = "; ".join(f"{p['name']} {', '.join(map(str, p.get('versions', [])))}".strip() for p in platforms)
        lines += [f"Platforms: {shown}.", ""]
    dependencies = meta.get("dependencies") or []
    if dependencies:
        names = [d if isinstance(d, str) else d.get("role") or d.get("name") for d in dependencies]
        lines += ["Depends on: " + ", ".join(f"`{n}`" for n in names) + ".", ""]
    use = (f"In a play: `roles: [{NAMESPACE}.{role}]`." if "main" in specs
           else "No `main` entry point: a play runs one of the entry points below with `include_role` and `tasks_from`.")
    lines += [
        f"{use} `ansible-doc -t role {NAMESPACE}.{role}` shows the same documentation.",
        "",
    ]
    if "main" in specs:
        lines += entry_point_section(role, "main", main, main=True)
    for name in sorted(n for n in specs if n != "main"):
        lines += entry_point_section(role, name, specs[name], main=False)
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when a README differs; write nothing")
    parser.add_argument("roles_dir", nargs="?", default=str(Path(__file__).resolve().parent.parent / "roles"))
    args = parser.parse_args()
    roles = sorted(p for p in Path(args.roles_dir).iterdir() if (p / "meta" / "argument_specs.yml").is_file())
    missing = sorted(p.name for p in Path(args.roles_dir).iterdir() if p.is_dir() and p not in roles)
    drift = []
    for role_dir in roles:
        readme = role_dir / "README.md"
        wanted = render(role_dir)
        current = readme.read_text() if readme.exists() else ""
        if current == wanted:
            continue
        if args.check:
            drift.append(readme)
            sys.stdout.writelines(difflib.unified_diff(
                current.splitlines(True), wanted.splitlines(True), str(readme), f"{readme} (generated)"))
        else:
            readme.write_text(wanted)
            print(f"wrote {readme}")
    for name in missing:
        print(f"roles/{name}: no meta/argument_specs.yml, so no README can be generated", file=sys.stderr)
    if drift:
        print(f"{len(drift)} role README(s) differ from {GENERATOR}'s output; run `make role-readmes` and commit",
              file=sys.stderr)
    return 1 if drift or missing else 0


if __name__ == "__main__":
    sys.exit(main())
