#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: slurm_qos
short_description: Manage Slurm QOS in bulk with sacctmgr
version_added: 0.1.0
description:
  - Creates, updates and removes Slurm quality-of-service records with their priority, flags,
    preemption and limits. One C(sacctmgr show qos) reads the state; QOS needing the same change
    share one command. Only the options given are managed.
author:
  - hpcstack developers (@hpcstack)
extends_documentation_fragment:
  - hpcstack.cluster.slurm.sacctmgr
  - hpcstack.cluster.attributes
  - hpcstack.cluster.attributes.sacctmgr_group
options:
  qos:
    description:
      - The QOS.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: QOS name.
        type: str
        required: true
      description:
        description: Description.
        type: str
      priority:
        description: Priority added to jobs using the QOS (C(Priority)).
        type: int
      flags:
        description: QOS flags (C(Flags)), for example C(DenyOnLimit); the exact list, V([]) clears them.
        type: list
        elements: str
      preempt:
        description: QOS that jobs of this QOS may preempt (C(Preempt)); the exact list.
        type: list
        elements: str
      preempt_mode:
        description: Preemption mode (C(PreemptMode)), for example C(cluster), C(cancel), C(requeue).
        type: str
      usage_factor:
        description: Usage factor for fair-share (C(UsageFactor)).
        type: float
      max_wall:
        description: Wall time per job (C(MaxWall)), Slurm time format or minutes.
        type: str
      max_tres_per_job:
        description: TRES per job (C(MaxTRES)), for example C(cpu=64,gres/gpu=4).
        type: str
      max_tres_per_node:
        description: TRES per node of a job (C(MaxTRESPerNode)).
        type: str
      max_tres_per_user:
        description: TRES in use per user (C(MaxTRESPerUser)).
        type: str
      max_jobs_per_user:
        description: Running jobs per user (C(MaxJobsPerUser)); C(-1) removes the limit.
        type: int
      max_submit_jobs_per_user:
        description: Running plus pending jobs per user (C(MaxSubmitJobsPerUser)).
        type: int
      max_tres_per_account:
        description: TRES in use per account (C(MaxTRESPerAccount)).
        type: str
      max_jobs_per_account:
        description: Running jobs per account (C(MaxJobsPerAccount)).
        type: int
      grp_tres:
        description: TRES in use by all jobs of the QOS (C(GrpTRES)).
        type: str
      grp_jobs:
        description: Running jobs of the QOS (C(GrpJobs)).
        type: int
      grp_submit_jobs:
        description: Running plus pending jobs of the QOS (C(GrpSubmitJobs)).
        type: int
      grp_wall:
        description: Wall time of running jobs of the QOS (C(GrpWall)).
        type: str
      min_tres_per_job:
        description: Minimum TRES per job (C(MinTRESPerJob)).
        type: str
  state:
    description:
      - V(present) creates or updates, V(absent) deletes.
    type: str
    choices: [present, absent]
    default: present
  batch_size:
    description:
      - Most QOS named in one sacctmgr command.
    type: int
    default: 500
notes:
  - RV(commands) lists what was run, or in check mode what would be run.
  - New QOS get their O(qos[].preempt) list in a second command, so they may preempt each other.
"""

EXAMPLES = r"""
- name: Two QOS, the first may preempt the second
  hpcstack.cluster.slurm_qos:
    qos:
      - name: high
        priority: 1000
        preempt: [scavenger]
        max_wall: "1-00:00:00"
        max_tres_per_user: cpu=256
        max_jobs_per_user: 20
        flags: [DenyOnLimit]
      - name: scavenger
        priority: 0
        preempt_mode: requeue
"""

RETURN = r"""
commands:
  description: sacctmgr command lines run (in check mode, that would be run).
  returned: always
  type: list
  elements: str
  sample: ["sacctmgr --immediate --parsable2 --noheader add qos name=high Priority=1000"]
sacctmgr_calls:
  description: Number of sacctmgr invocations, reads included.
  returned: always
  type: int
  sample: 3
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hpcstack.cluster.plugins.module_utils._sacctmgr import Sacctmgr, plan_qos
from ansible_collections.hpcstack.cluster.plugins.module_utils._slurm_module import (
    QOS_ENTRY_SPEC, SACCTMGR_ARGS, apply_plan, check_values, fail, runner)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            qos=dict(type="list", elements="dict", required=True, options=QOS_ENTRY_SPEC),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            batch_size=dict(type="int", default=500),
            **SACCTMGR_ARGS
        ),
        supports_check_mode=True,
    )
    params = module.params
    check_values(module, "qos", params["qos"])
    sacctmgr = Sacctmgr(runner(module), params["sacctmgr_path"])
    try:
        plan = plan_qos(params["qos"], sacctmgr.qos(), params["state"], params["batch_size"])
    except Exception as exc:  # SlurmCommandError, ValueError from a malformed limit
        fail(module, exc, commands=sacctmgr.commands)
    apply_plan(module, sacctmgr, plan)


if __name__ == "__main__":
    main()
