#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: slurm_cluster
short_description: Register Slurm clusters in the accounting database with sacctmgr
version_added: 0.1.0
description:
  - Adds or removes clusters in slurmdbd (C(sacctmgr add cluster)). slurmctld registers its
    cluster itself on first contact; adding it beforehand lets accounts and users be created
    before the controller starts.
author:
  - hpcstack developers (@hpcstack)
options:
  name:
    description:
      - Cluster names (C(ClusterName) of slurm.conf).
    type: list
    elements: str
    required: true
    aliases: [names]
  state:
    description:
      - V(present) adds missing clusters, V(absent) deletes them with their associations.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - hpcstack.cluster.slurm.sacctmgr
  - hpcstack.cluster.attributes
  - hpcstack.cluster.attributes.sacctmgr_group
"""

EXAMPLES = r"""
- name: Register the cluster before slurmctld first starts
  hpcstack.cluster.slurm_cluster:
    name: hpc
"""

RETURN = r"""
commands:
  description: sacctmgr command lines run (in check mode, that would be run).
  returned: always
  type: list
  elements: str
  sample: ["sacctmgr --immediate --parsable2 --noheader add cluster name=hpc"]
sacctmgr_calls:
  description: Number of sacctmgr invocations, reads included.
  returned: always
  type: int
  sample: 3
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hpcstack.cluster.plugins.module_utils._sacctmgr import Sacctmgr, plan_clusters
from ansible_collections.hpcstack.cluster.plugins.module_utils._slurm_module import SACCTMGR_ARGS, apply_plan, fail, runner


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type="list", elements="str", required=True, aliases=["names"]),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            **SACCTMGR_ARGS
        ),
        supports_check_mode=True,
    )
    params = module.params
    sacctmgr = Sacctmgr(runner(module), params["sacctmgr_path"])
    try:
        plan = plan_clusters(params["name"], sacctmgr.clusters(), params["state"])
    except Exception as exc:  # SlurmCommandError
        fail(module, exc, commands=sacctmgr.commands)
    apply_plan(module, sacctmgr, plan)


if __name__ == "__main__":
    main()
