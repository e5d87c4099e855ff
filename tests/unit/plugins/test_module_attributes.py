# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every module documents check mode, diff mode, platform and its action groups from the one fragment."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from ansible.plugins.loader import fragment_loader
from ansible.utils.plugin_docs import get_docstring

COLLECTION = Path(__file__).resolve().parents[3]
MODULES = sorted((COLLECTION / "plugins" / "modules").glob("[!_]*.py"))
GROUPS = yaml.safe_load((COLLECTION / "meta" / "runtime.yml").read_text())["action_groups"]


def raw_doc(path: Path) -> dict:
    return yaml.safe_load(re.search(r'DOCUMENTATION = r"""(.*?)"""', path.read_text(), re.S).group(1))


@pytest.mark.parametrize("path", MODULES, ids=[p.stem for p in MODULES])
def test_attributes_come_from_the_fragment(path):
    raw = raw_doc(path)
    assert "attributes" not in raw, "attributes come from hpcstack.cluster.attributes, not the module"
    assert any(f.startswith("hpcstack.cluster.attributes") for f in raw["extends_documentation_fragment"])
    doc = get_docstring(str(path), fragment_loader, collection_name="hpcstack.cluster")[0]
    attributes = doc["attributes"]
    assert {"check_mode", "diff_mode", "platform"} <= set(attributes)
    assert attributes["platform"]["platforms"] == "posix"
    # check_mode support as documented is what the module tells Ansible.
    declares_check_mode = "supports_check_mode=True" in path.read_text()
    assert (attributes["check_mode"]["support"] == "full") == declares_check_mode


@pytest.mark.parametrize("path", MODULES, ids=[p.stem for p in MODULES])
def test_action_group_membership_matches_runtime_yml(path):
    doc = get_docstring(str(path), fragment_loader, collection_name="hpcstack.cluster")[0]
    documented = doc["attributes"].get("action_group", {}).get("membership", [])
    actual = sorted(f"hpcstack.cluster.{group}" for group, members in GROUPS.items() if path.stem in members)
    assert sorted(documented) == actual


def test_every_group_member_is_a_module():
    names = {p.stem for p in MODULES}
    assert {m for members in GROUPS.values() for m in members} <= names
