"""Write an offline intersphinx inventory of the docs.ansible.com targets the generated pages link to.

antsibull-docs' pages reference labels of the Ansible docs (common return values, configuration
settings, ANSIBLE_* environment variables). Sphinx resolves them through intersphinx, which would
download docs.ansible.com's objects.inv; this writes the few targets used, with their real URLs,
so the docs build offline and strict. A page that references another label fails the build
("undefined label"): add it to LABELS.

    python tools/ansible_docs_inventory.py OUT.inv
"""

from __future__ import annotations

import sys
import zlib
from pathlib import Path

import ansible.config
import yaml

BASE = "https://docs.ansible.com/projects/ansible/devel/"
LABELS = {
    "common_return_values": ("reference_appendices/common_return_values.html#common-return-values", "Return Values"),
    "ansible_configuration_settings": ("reference_appendices/config.html#ansible-configuration-settings",
                                       "Ansible Configuration Settings"),
    "action_plugins": ("plugins/action.html#action-plugins", "Action plugins"),
    "ansible_collections.ansible.builtin.copy_module": ("collections/ansible/builtin/copy_module.html",
                                                        "ansible.builtin.copy module"),
}


def envvars() -> list[str]:
    """Every ANSIBLE_* variable of ansible-core's configuration (reference_appendices/config.html)."""
    base = yaml.safe_load((Path(ansible.config.__file__).parent / "base.yml").read_text())
    names = {env["name"] for setting in base.values() for env in (setting.get("env") or []) if "name" in env}
    return sorted(names)


def main() -> int:
    lines = [f"{name} std:label -1 {uri} {title}" for name, (uri, title) in sorted(LABELS.items())]
    lines += [f"{name} std:envvar 1 reference_appendices/config.html#envvar-$ -" for name in envvars()]
    header = b"# Sphinx inventory version 2\n# Project: Ansible\n# Version: devel\n" \
             b"# The remainder of this file is compressed using zlib.\n"
    Path(sys.argv[1]).write_bytes(header + zlib.compress(("\n".join(lines) + "\n").encode()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
