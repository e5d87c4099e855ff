#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: slurm_user
short_description: Manage Slurm users and their associations in bulk with sacctmgr
version_added: 0.1.0
description:
  - Creates, updates and removes Slurm users and their associations (user, account, partition),
    with default account, admin level, fair-share, QOS and limits.
  - Scales to thousands of users. The current state is read with two C(sacctmgr show) calls, then
    users needing the same change are handled by one command (C(sacctmgr add user name=a,b,c
    account=x ...)), so 1,000 users in 20 accounts cost about 20 commands, and none when nothing changed.
  - A user in several accounts is listed once per account. Only the options given are managed.
author:
  - hpcstack developers (@hpcstack)
extends_documentation_fragment:
  - hpcstack.cluster.slurm.sacctmgr
  - hpcstack.cluster.slurm.cluster
  - hpcstack.cluster.attributes
  - hpcstack.cluster.attributes.sacctmgr_group
options:
  users:
    description:
      - The users, one entry per association.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: User name (a login name known on the cluster).
        type: str
        required: true
      account:
        description:
          - Account of the association. Required with O(state=present).
          - With O(state=absent), only this association is removed; without it, the whole user.
        type: str
      partition:
        description: Partition of the association, for partition-specific associations.
        type: str
      default_account:
        description: Default account of the user. New users default to O(users[].account).
        type: str
      admin_level:
        description: Slurm administrator level of the user.
        type: str
        choices: [none, operator, administrator]
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
      - V(present) creates or updates, V(absent) removes associations or users.
    type: str
    choices: [present, absent]
    default: present
  batch_size:
    description:
      - Most users named in one sacctmgr command.
    type: int
    default: 500
notes:
  - RV(commands) lists what was run, or in check mode what would be run.
seealso:
  - module: hpcstack.cluster.slurm_account
"""

EXAMPLES = r"""
- name: Users of the physics account, with limits
  hpcstack.cluster.slurm_user:
    users:
      - name: alice
        account: physics
        qos: [normal, long]
        limits:
          max_jobs: 20
          grp_tres: cpu=64
      - name: alice
        account: chemistry
        partition: gpu
      - name: bob
        account: physics
        admin_level: operator

- name: Many users from a variable, grouped into few sacctmgr calls
  hpcstack.cluster.slurm_user:
    users: "{{ cluster_users | map('combine', {'limits': {'max_jobs': 10}}) }}"

- name: Remove bob from chemistry only
  hpcstack.cluster.slurm_user:
    users:
      - name: bob
        account: chemistry
    state: absent
"""

RETURN = r"""
commands:
  description: sacctmgr command lines run (in check mode, that would be run).
  returned: always
  type: list
  elements: str
  sample: ["sacctmgr --immediate --parsable2 --noheader add user name=alice,bob account=physics DefaultAccount=physics"]
sacctmgr_calls:
  description: Number of sacctmgr invocations, reads included.
  returned: always
  type: int
  sample: 3
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hpcstack.cluster.plugins.module_utils._sacctmgr import Sacctmgr, plan_users
from ansible_collections.hpcstack.cluster.plugins.module_utils._slurm_module import (
    USER_ENTRY_SPEC, SACCTMGR_ARGS, users_without_account, apply_plan, check_values, fail, runner)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            users=dict(type="list", elements="dict", required=True, options=USER_ENTRY_SPEC),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            batch_size=dict(type="int", default=500),
            cluster=dict(type="str"),
            **SACCTMGR_ARGS
        ),
        supports_check_mode=True,
    )
    params = module.params
    if params["state"] == "present":
        missing = users_without_account(params["users"])
        if missing:
            module.fail_json(msg="users[].account is required with state=present; missing for: %s" % ", ".join(missing))
    check_values(module, "user", params["users"])
    sacctmgr = Sacctmgr(runner(module), params["sacctmgr_path"])
    try:
        plan = plan_users(params["users"], sacctmgr.users(), sacctmgr.associations(params["cluster"], users=True),
                          params["state"], params["cluster"], params["batch_size"])
    except Exception as exc:  # SlurmCommandError, ValueError from a malformed limit
        fail(module, exc, commands=sacctmgr.commands)
    apply_plan(module, sacctmgr, plan)


if __name__ == "__main__":
    main()
