#!/usr/bin/python
# Copyright (c) 2026, hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: slurm_platform
short_description: Read what this host's Slurm and kernel offer (version, plugins, cgroup layout)
version_added: 0.1.0
description:
  - Reads the installed Slurm version (C(sinfo --version), with a minimal slurm.conf of its own), the plugins installed in Slurm's plugin
    directory and the cgroup layout of the host as Slurm's cgroup plugins see it.
  - The roles feed the result to the filter P(hpcstack.cluster.slurm_version_policy#filter), which
    chooses the settings that depend on the Slurm version and on the host (docs/slurm-versions.md).
  - Never changes anything.
options:
  plugin_dirs:
    description:
      - Shell patterns of directories that may hold Slurm's plugins; every existing match is read.
      - The defaults cover Debian's packages (C(/usr/lib/<multiarch>/slurm-wlm)), SchedMD's packages
        and builds installed under C(/usr) or C(/usr/local).
    type: list
    elements: str
    default: [/usr/lib/*/slurm-wlm, /usr/lib/*/slurm, /usr/lib64/slurm, /usr/lib/slurm, /usr/local/lib/slurm, /usr/local/lib64/slurm]
extends_documentation_fragment:
  - hpcstack.cluster.attributes.info_module
author:
  - hpcstack developers (@hpcstack)
"""

EXAMPLES = r"""
- name: Read this host's Slurm platform
  hpcstack.cluster.slurm_platform:
  register: __slurm_platform

- name: Choose the version- and host-dependent settings
  ansible.builtin.set_fact:
    __slurm_policy: "{{ __slurm_platform | hpcstack.cluster.slurm_version_policy({'mpi_default': 'auto'}) }}"
"""

RETURN = r"""
version:
  description: The installed Slurm version (C(major.minor.micro)), null when Slurm is not installed.
  returned: always
  type: str
  sample: 26.05.5
plugins:
  description: Names of the installed plugins (file name without C(.so)), sorted.
  returned: always
  type: list
  elements: str
  sample: [cgroup_v1, cgroup_v2, mpi_pmi2, mpi_pmix, proctrack_cgroup, task_affinity, task_cgroup]
plugin_dirs:
  description: The plugin directories that were read.
  returned: always
  type: list
  elements: str
  sample: [/usr/lib/x86_64-linux-gnu/slurm-wlm]
cgroup:
  description: The cgroup layout.
  returned: always
  type: dict
  contains:
    fstype:
      description: Filesystem type mounted on C(/sys/fs/cgroup) (C(cgroup2), C(tmpfs) for v1 or hybrid, null when nothing is).
      type: str
      sample: cgroup2
    proc_lines:
      description:
        - Lines of C(/proc/self/cgroup). One line starting with C(0::) means a pure cgroup v2 host;
          more mean v1 hierarchies exist too, which Slurm's cgroup/v2 plugin refuses ("Hybrid mode is not supported").
      type: int
      sample: 1
    controllers:
      description: The cgroup v2 controllers available at the root (C(/sys/fs/cgroup/cgroup.controllers)).
      type: list
      elements: str
      sample: [cpuset, cpu, io, memory, pids]
    v1_controllers:
      description: Controllers of the mounted cgroup v1 hierarchies.
      type: list
      elements: str
      sample: [cpu, cpuacct, cpuset, devices, freezer, memory, pids]
"""

import glob
import os
import re

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hpcstack.cluster.plugins.module_utils._host_files import read_text

CGROUP_ROOT = "/sys/fs/cgroup"
CGROUP_CONTROLLERS = CGROUP_ROOT + "/cgroup.controllers"
MOUNTS = "/proc/self/mounts"
PROC_CGROUP = "/proc/self/cgroup"
# A v1 mount names its controllers among its options (rw,nosuid,...,cpu,cpuacct).
V1_CONTROLLERS = frozenset("blkio cpu cpuacct cpuset devices freezer hugetlb memory misc net_cls net_prio perf_event pids rdma".split())


def slurm_version(module):
    """sinfo's version. sinfo reads a slurm.conf even for --version: it gets a minimal one, so that this works
    before the roles have written the real one (or on a configless host, where there is none)."""
    sinfo = module.get_bin_path("sinfo")
    if sinfo is None:
        return None
    conf = os.path.join(module.tmpdir, "slurm-version.conf")
    with open(conf, "w", encoding="utf-8") as handle:
        handle.write("ClusterName=version\nSlurmctldHost=localhost\n")
    rc, out, err = module.run_command([sinfo, "--version"], environ_update={"SLURM_CONF": conf})
    match = re.search(r"\b(\d+\.\d+\.\d+)", out)
    if rc != 0 or not match:
        module.fail_json(msg="sinfo --version did not tell the Slurm version (rc %d): %s" % (rc, (err or out).strip()))
    return match.group(1)


def installed_plugins(patterns):
    dirs = sorted({path for pattern in patterns for path in glob.glob(pattern) if os.path.isdir(path)})
    names = {name[:-3] for path in dirs for name in os.listdir(path) if name.endswith(".so")}
    return dirs, sorted(names)


def cgroup_layout():
    mounts = [line.split() for line in (read_text(MOUNTS) or "").splitlines()]
    fstype = next((fields[2] for fields in reversed(mounts) if len(fields) > 3 and fields[1] == CGROUP_ROOT), None)
    v1_controllers = {option for fields in mounts if len(fields) > 3 and fields[2] == "cgroup"
                      for option in fields[3].split(",") if option in V1_CONTROLLERS}
    controllers = (read_text(CGROUP_CONTROLLERS) or "").split() if fstype == "cgroup2" else []
    return {
        "fstype": fstype,
        "proc_lines": len([line for line in (read_text(PROC_CGROUP) or "").splitlines() if line.strip()]),
        "controllers": controllers,
        "v1_controllers": sorted(v1_controllers),
    }


def main():
    module = AnsibleModule(
        argument_spec=dict(plugin_dirs=dict(type="list", elements="str",
                                            default=["/usr/lib/*/slurm-wlm", "/usr/lib/*/slurm", "/usr/lib64/slurm", "/usr/lib/slurm",
                                                     "/usr/local/lib/slurm", "/usr/local/lib64/slurm"])),
        supports_check_mode=True,
    )
    dirs, plugins = installed_plugins(module.params["plugin_dirs"])
    module.exit_json(changed=False, version=slurm_version(module), plugins=plugins, plugin_dirs=dirs, cgroup=cgroup_layout())


if __name__ == "__main__":
    main()
