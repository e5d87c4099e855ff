#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: slurm_reservation
short_description: Create, update and delete Slurm reservations with scontrol
version_added: 0.1.0
description:
  - Manages an advance reservation (C(scontrol create/update/delete reservation)). Only the
    options given are compared and changed.
author:
  - hpcstack developers (@hpcstack)
extends_documentation_fragment:
  - hpcstack.cluster.slurm.scontrol
  - hpcstack.cluster.attributes
  - hpcstack.cluster.attributes.scontrol_group
options:
  name:
    description: Reservation name.
    type: str
    required: true
  state:
    description: V(present) creates or updates, V(absent) deletes.
    type: str
    choices: [present, absent]
    default: present
  start_time:
    description:
      - Start, C(YYYY-MM-DDTHH:MM:SS) (compared as given) or C(now) (only used when creating).
      - Required to create a reservation.
    type: str
  end_time:
    description: End, C(YYYY-MM-DDTHH:MM:SS). Give this or O(duration).
    type: str
  duration:
    description: Length, in minutes or Slurm time format such as C(1-00:00:00) or C(UNLIMITED).
    type: str
  nodes:
    description: Nodes, as a hostlist expression (compared as Slurm prints it) or C(ALL).
    type: str
  partition:
    description: Partition the nodes are taken from.
    type: str
  users:
    description: Users allowed to use the reservation (the exact list).
    type: list
    elements: str
  accounts:
    description: Accounts allowed to use the reservation (the exact list).
    type: list
    elements: str
  flags:
    description:
      - Flags such as C(MAINT), C(IGNORE_JOBS), C(DAILY). Missing ones are added; flags Slurm set
        itself (for example C(SPEC_NODES)) are left alone.
    type: list
    elements: str
"""

EXAMPLES = r"""
- name: Maintenance window for the whole cluster
  hpcstack.cluster.slurm_reservation:
    name: maint-2030-01
    start_time: "2030-01-01T08:00:00"
    duration: "04:00:00"
    nodes: ALL
    users: [root]
    flags: [MAINT, IGNORE_JOBS]

- name: Remove it
  hpcstack.cluster.slurm_reservation:
    name: maint-2030-01
    state: absent
"""

RETURN = r"""
commands:
  description: scontrol command lines run (in check mode, that would be run).
  returned: always
  type: list
  elements: str
  sample: ["scontrol create reservation ReservationName=maint StartTime=2030-01-01T08:00:00 Duration=240"]
reservation:
  description: The reservation at the end; absent after deletion.
  returned: when the reservation exists
  type: dict
  sample: {"name": "maint", "start_time": "2030-01-01T08:00:00", "duration": 240, "nodes": "node[01-16]",
           "flags": ["MAINT"], "users": ["root"], "accounts": [], "state": "inactive"}
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hpcstack.cluster.plugins.module_utils._scontrol import Scontrol, reservation_changes
from ansible_collections.hpcstack.cluster.plugins.module_utils._slurm_module import SCONTROL_ARGS, fail, runner

WANTED = ("start_time", "end_time", "duration", "nodes", "partition", "users", "accounts", "flags")


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            start_time=dict(type="str"),
            end_time=dict(type="str"),
            duration=dict(type="str"),
            nodes=dict(type="str"),
            partition=dict(type="str"),
            users=dict(type="list", elements="str"),
            accounts=dict(type="list", elements="str"),
            flags=dict(type="list", elements="str"),
            **SCONTROL_ARGS
        ),
        mutually_exclusive=[("end_time", "duration")],
        supports_check_mode=True,
    )
    p = module.params
    scontrol = Scontrol(runner(module), p["scontrol_path"])
    result = dict(changed=False, commands=scontrol.commands)
    try:
        current = before = scontrol.reservation(p["name"])
        args = None
        if p["state"] == "absent" and current:
            args = ["delete", "reservation=%s" % p["name"]]
        elif p["state"] == "present":
            settings = reservation_changes(current, dict((k, p[k]) for k in WANTED))
            if not current:
                if not p["start_time"]:
                    module.fail_json(msg="start_time is required to create reservation %s" % p["name"])
                args = ["create", "reservation", "ReservationName=%s" % p["name"]] + list(settings)
            elif settings:
                args = ["update", "ReservationName=%s" % p["name"]] + list(settings)
        if args:
            result["changed"] = True
            if module.check_mode:
                scontrol.commands.append(scontrol.line(args))
            else:
                scontrol.execute(args, change=True)
                current = scontrol.reservation(p["name"]) if p["state"] == "present" else None
        if args and module.check_mode and p["state"] == "present":
            current = dict(before or {}, **dict((k, p[k]) for k in WANTED if p[k] is not None))
        elif args and module.check_mode:
            current = None
        if module._diff:
            result["diff"] = dict(before=before or {}, after=current or {})
        if current and p["state"] == "present":
            result["reservation"] = current
    except Exception as exc:  # SlurmCommandError, OSError when scontrol is missing
        fail(module, exc, **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
