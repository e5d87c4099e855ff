#!/usr/bin/python
# Copyright (c) 2026, hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: program
short_description: Install one of the collection's host programs as a single-file zipapp
version_added: 0.1.0
description:
  - Builds the Python package C(programs/<name>) of this collection into one zipapp on the
    controller, with the C(plugins/module_utils) files it imports, and copies it to the host.
  - The archive is reproducible (sorted entries, fixed timestamps), so a file already in place is
    left alone (changed=false); the code on the host is the code the unit tests import.
  - Runs as an action plugin. The build happens on the controller, the copy through
    M(ansible.builtin.copy) (check mode and diff as there).
options:
  name:
    description: The package under C(programs/), for example C(hpcstack_exporters).
    type: str
    required: true
  dest:
    description: Path of the zipapp on the host; run it as C(python3 DEST ...).
    type: path
    required: true
  interpreter:
    description: Interpreter of the archive's C(#!) line.
    type: str
    default: /usr/bin/python3
  owner:
    description: Owner of O(dest).
    type: str
  group:
    description: Group of O(dest).
    type: str
  mode:
    description: Mode of O(dest).
    type: raw
    default: "0755"
extends_documentation_fragment:
  - hpcstack.cluster.attributes
author:
  - hpcstack developers (@hpcstack)
"""

EXAMPLES = r"""
- name: Install the exporters
  hpcstack.cluster.program:
    name: hpcstack_exporters
    dest: /opt/hpcstack/slurm_exporter/hpcstack-exporters.pyz
    owner: root
    group: root
    mode: "0755"
"""

RETURN = r"""
dest:
  description: Path of the zipapp on the host.
  returned: success
  type: str
  sample: /opt/hpcstack/slurm_exporter/hpcstack-exporters.pyz
checksum:
  description: SHA-1 of the zipapp.
  returned: success
  type: str
  sample: 6f2e3d86d7b1a1e43ac1cd3a2b6d1a8e3d1f6b41
files:
  description: Number of files in the archive.
  returned: always
  type: int
  sample: 18
"""

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec=dict(
        name=dict(type="str", required=True), dest=dict(type="path", required=True),
        interpreter=dict(type="str", default="/usr/bin/python3"), owner=dict(type="str"), group=dict(type="str"),
        mode=dict(type="raw", default="0755")), supports_check_mode=True)
    module.fail_json(msg="hpcstack.cluster.program runs as an action plugin on the controller; it has no module side")


if __name__ == "__main__":
    main()
