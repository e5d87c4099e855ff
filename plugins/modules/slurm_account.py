#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: slurm_account
short_description: Manage Slurm accounts (and their associations) in bulk with sacctmgr
version_added: 0.1.0
description:
  - Creates, updates and removes Slurm accounting accounts, their place in the account tree
    (O(accounts[].parent)), fair-share, QOS and limits.
  - Reads the current state with two C(sacctmgr show) calls, then runs one command per group of
    accounts needing the same change (C(sacctmgr add account name=a,b,c ...)), parents first.
  - Only the options given for an account are managed.
author:
  - hpcstack developers (@hpcstack)
extends_documentation_fragment:
  - hpcstack.cluster.slurm.sacctmgr
  - hpcstack.cluster.slurm.cluster
  - hpcstack.cluster.attributes
  - hpcstack.cluster.attributes.sacctmgr_group
options:
  accounts:
    description:
      - The accounts.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Account name.
        type: str
        required: true
      parent:
        description: Parent account. New accounts default to C(root).
        type: str
      description:
        description: Description (Slurm stores it in lower case).
        type: str
      organization:
        description: Organization (Slurm stores it in lower case).
        type: str
      fairshare:
        description: Fair-share shares of the association (C(Fairshare)); a number or C(parent).
        type: str
      default_qos:
        description: Default QOS of the association (C(DefaultQOS)).
        type: str
      qos:
        description: QOS the association may use (C(QOS)); the exact list.
        type: list
        elements: str
      limits:
        description:
          - Association limits. Only the limits given are managed; C(-1) (or C(-1) as a TRES count,
            for example C(mem=-1)) removes a limit.
          - TRES limits are merged by Slurm, so C(cpu=8) leaves a C(mem) limit in place.
        type: dict
        suboptions:
          max_jobs:
            description: Running jobs at a time (C(MaxJobs)).
            type: int
          max_submit_jobs:
            description: Running plus pending jobs (C(MaxSubmitJobs)).
            type: int
          max_wall:
            description: Wall time per job (C(MaxWall)), Slurm time format such as C(1-00:00:00) or minutes.
            type: str
          max_tres_per_job:
            description: TRES per job (C(MaxTRES)), for example C(cpu=64,mem=128G,gres/gpu=2).
            type: str
          max_tres_per_node:
            description: TRES per node of a job (C(MaxTRESPerNode)).
            type: str
          max_tres_mins_per_job:
            description: TRES minutes per job (C(MaxTRESMins)).
            type: str
          grp_jobs:
            description: Running jobs of the whole association tree (C(GrpJobs)).
            type: int
          grp_submit_jobs:
            description: Running plus pending jobs of the tree (C(GrpSubmitJobs)).
            type: int
          grp_tres:
            description: TRES in use by the tree (C(GrpTRES)), for example C(cpu=256).
            type: str
          grp_tres_mins:
            description: TRES minutes of the tree (C(GrpTRESMins)).
            type: str
          grp_wall:
            description: Wall time of running jobs of the tree (C(GrpWall)).
            type: str
  state:
    description:
      - V(present) creates or updates the accounts, V(absent) deletes them (on O(cluster) if set).
    type: str
    choices: [present, absent]
    default: present
  batch_size:
    description:
      - Most accounts named in one sacctmgr command.
    type: int
    default: 500
notes:
  - RV(commands) lists what was run, or in check mode what would be run.
seealso:
  - module: hpcstack.cluster.slurm_user
  - module: hpcstack.cluster.slurm_qos
"""

EXAMPLES = r"""
- name: Account tree with limits
  hpcstack.cluster.slurm_account:
    accounts:
      - name: science
        description: Science faculty
        organization: example
        fairshare: 100
      - name: physics
        parent: science
        qos: [normal, long]
        default_qos: normal
        limits:
          grp_tres: cpu=512,mem=2T
          max_wall: 2-00:00:00
      - name: chemistry
        parent: science
        limits:
          max_jobs: 50

- name: Remove an account
  hpcstack.cluster.slurm_account:
    accounts:
      - name: oldproject
    state: absent
"""

RETURN = r"""
commands:
  description: sacctmgr command lines run (in check mode, that would be run).
  returned: always
  type: list
  elements: str
  sample: ["sacctmgr --immediate --parsable2 --noheader add account name=physics,chemistry Parent=science"]
sacctmgr_calls:
  description: Number of sacctmgr invocations, reads included.
  returned: always
  type: int
  sample: 3
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hpcstack.cluster.plugins.module_utils._sacctmgr import Sacctmgr, plan_accounts
from ansible_collections.hpcstack.cluster.plugins.module_utils._slurm_module import (
    ACCOUNT_ENTRY_SPEC, SACCTMGR_ARGS, apply_plan, check_values, fail, runner)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            accounts=dict(type="list", elements="dict", required=True, options=ACCOUNT_ENTRY_SPEC),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            batch_size=dict(type="int", default=500),
            cluster=dict(type="str"),
            **SACCTMGR_ARGS
        ),
        supports_check_mode=True,
    )
    params = module.params
    check_values(module, "account", params["accounts"])
    sacctmgr = Sacctmgr(runner(module), params["sacctmgr_path"])
    try:
        plan = plan_accounts(params["accounts"], sacctmgr.accounts(), sacctmgr.associations(params["cluster"]),
                             params["state"], params["cluster"], params["batch_size"])
    except Exception as exc:  # SlurmCommandError, ValueError from a malformed limit
        fail(module, exc, commands=sacctmgr.commands)
    apply_plan(module, sacctmgr, plan)


if __name__ == "__main__":
    main()
