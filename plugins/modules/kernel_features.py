#!/usr/bin/python
# Copyright (c) 2026, hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: kernel_features
short_description: Check that the running kernel has the filesystems, devices and user namespaces a role needs
version_added: 0.1.0
description:
  - Reads C(/proc/filesystems), asks C(modprobe --dry-run) whether a missing filesystem is a
    loadable module (the C(fs-NAME) alias the kernel itself requests on mount), checks device
    nodes and user namespaces.
  - Never changes anything. Returns what is missing as readable sentences, so that a role can
    stop with a clear message instead of a cryptic mount or runtime failure later.
options:
  filesystems:
    description:
      - Filesystem types that must be usable, as in C(/proc/filesystems) (for example C(nfs4),
        C(lustre), C(overlay), C(squashfs)).
      - A type counts as usable when it is registered or when C(modprobe --dry-run fs-TYPE) finds a module.
    type: list
    elements: str
    default: []
  devices:
    description: Device nodes that must exist (for example C(/dev/fuse)).
    type: list
    elements: path
    default: []
  user_namespaces:
    description:
      - Whether unprivileged user namespaces must be available, that is
        C(/proc/sys/user/max_user_namespaces) above 0 and, where the file exists,
        C(/proc/sys/kernel/unprivileged_userns_clone) set to 1.
    type: bool
    default: false
extends_documentation_fragment:
  - hpcstack.cluster.attributes.info_module
author:
  - hpcstack developers (@hpcstack)
"""

EXAMPLES = r"""
- name: Check enroot's kernel prerequisites
  hpcstack.cluster.kernel_features:
    filesystems: [overlay, squashfs]
    devices: [/dev/fuse]
    user_namespaces: true
  register: __kernel

- name: Stop with a clear message when something is missing
  ansible.builtin.assert:
    that: __kernel.missing | length == 0
    fail_msg: "enroot cannot run on this kernel: {{ __kernel.missing | join('; ') }}"
"""

RETURN = r"""
missing:
  description: One sentence per missing feature; empty when everything is there.
  returned: always
  type: list
  elements: str
  sample: ["filesystem nfs4: not in /proc/filesystems and no loadable module (modprobe: FATAL: Module fs-nfs4 not found)"]
filesystems:
  description: Filesystem types registered in the running kernel (C(/proc/filesystems)).
  returned: always
  type: list
  elements: str
  sample: [ext4, overlay, squashfs, fuse]
kernel:
  description: Release of the running kernel.
  returned: always
  type: str
  sample: 6.1.0-28-amd64
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hpcstack.cluster.plugins.module_utils._host_files import read_text

PROC_FILESYSTEMS = "/proc/filesystems"
MAX_USER_NAMESPACES = "/proc/sys/user/max_user_namespaces"
UNPRIVILEGED_USERNS_CLONE = "/proc/sys/kernel/unprivileged_userns_clone"


def registered_filesystems():
    """Types in /proc/filesystems (its lines are "nodev\ttype" or "\ttype")."""
    return [line.split()[-1] for line in (read_text(PROC_FILESYSTEMS) or "").splitlines() if line.strip()]


def loadable_module(module, fstype):
    """(True, '') when modprobe finds a module for the type, else (False, why)."""
    modprobe = module.get_bin_path("modprobe")
    if modprobe is None:
        return False, "modprobe is not installed"
    rc, out, err = module.run_command([modprobe, "--dry-run", "--quiet", "fs-" + fstype])
    if rc == 0:
        return True, ""
    return False, (err or out).strip() or "modprobe fs-%s failed with %d" % (fstype, rc)


def user_namespace_problems():
    problems = []
    limit = (read_text(MAX_USER_NAMESPACES) or "").strip()
    if not limit.isdigit() or int(limit) == 0:
        problems.append("user namespaces: %s is %s (must be above 0)"
                        % (MAX_USER_NAMESPACES, limit or "absent"))
    clone = read_text(UNPRIVILEGED_USERNS_CLONE)
    if clone is not None and clone.strip() != "1":
        problems.append("user namespaces: %s is %s (must be 1)" % (UNPRIVILEGED_USERNS_CLONE, clone.strip()))
    return problems


def missing_features(module, filesystems, devices, user_namespaces):
    registered = registered_filesystems()
    missing = []
    for fstype in filesystems:
        if fstype in registered:
            continue
        loadable, why = loadable_module(module, fstype)
        if not loadable:
            missing.append("filesystem %s: not in %s and no loadable module (%s)" % (fstype, PROC_FILESYSTEMS, why))
    missing.extend("device %s: does not exist" % device for device in devices if not os.path.exists(device))
    if user_namespaces:
        missing.extend(user_namespace_problems())
    return missing, registered


def main():
    module = AnsibleModule(
        argument_spec=dict(
            filesystems=dict(type="list", elements="str", default=[]),
            devices=dict(type="list", elements="path", default=[]),
            user_namespaces=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    missing, registered = missing_features(
        module, module.params["filesystems"], module.params["devices"], module.params["user_namespaces"])
    module.exit_json(changed=False, missing=missing, filesystems=registered, kernel=os.uname().release)


if __name__ == "__main__":
    main()
