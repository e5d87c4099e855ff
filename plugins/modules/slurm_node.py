#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: slurm_node
short_description: Drain, resume, down or reboot Slurm nodes with scontrol
version_added: 0.1.0
description:
  - Puts Slurm nodes into a state with C(scontrol update) or C(scontrol reboot), changing only
    the nodes not already in it, all in one command.
  - With O(wait=true) after V(drain), waits until the nodes are drained (no jobs left, Slurm's
    DRAINED rather than DRAINING), as a Kubernetes node drain does.
author:
  - hpcstack developers (@hpcstack)
extends_documentation_fragment:
  - hpcstack.cluster.slurm.scontrol
  - hpcstack.cluster.attributes
  - hpcstack.cluster.attributes.scontrol_group
options:
  name:
    description:
      - Nodes, as a list and/or Slurm hostlist expressions such as C(node[01-16]).
    type: list
    elements: str
    required: true
    aliases: [names, nodes]
  state:
    description:
      - V(drain) lets running jobs finish and starts no new ones; V(undrain) clears only the drain
        flag; V(resume) clears drain and down; V(down) kills jobs and marks the nodes down;
        V(reboot) reboots the nodes through Slurm's C(RebootProgram) (C(scontrol reboot)).
    type: str
    choices: [drain, undrain, resume, down, reboot]
    required: true
  reason:
    description:
      - Reason recorded by Slurm. Required for V(drain) and V(down).
    type: str
  asap:
    description:
      - With V(reboot), drain the nodes and reboot each as soon as it is idle (C(ASAP)).
    type: bool
    default: false
  next_state:
    description:
      - With V(reboot), the state after the reboot.
    type: str
    choices: [resume, down]
  wait:
    description:
      - Wait until the change has finished; for V(drain) until no job is left, for V(reboot)
        until the nodes are back. Other states are immediate.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait with O(wait=true); the module fails when they are over.
    type: int
    default: 600
  wait_sleep:
    description:
      - Seconds between two checks with O(wait=true).
    type: int
    default: 5
  reason_prefix:
    description:
      - With V(undrain) or V(resume), change only the nodes whose reason starts with this text;
        the others (for example drained by an administrator for another reason) are left as they
        are and listed in RV(skipped_nodes). Pairs with a O(reason) that starts with it when
        draining, as in C(playbooks/rolling_maintenance.yml).
    type: str
    version_added: 0.1.0
notes:
  - The diff shows the state before and after of each changed node.
seealso:
  - module: hpcstack.cluster.slurm_reservation
    description: Reserve nodes for a maintenance window instead of draining them now.
  - module: hpcstack.cluster.slurm_info
    description: Read node states and reasons.
  - name: scontrol update NodeName State
    description: The node states Slurm accepts and what they do.
    link: https://slurm.schedmd.com/scontrol.html#OPT_State_1
"""

EXAMPLES = r"""
- name: Drain a rack and wait until its jobs are gone
  hpcstack.cluster.slurm_node:
    name: node[01-16]
    state: drain
    reason: firmware update
    wait: true
    wait_timeout: 7200

- name: Reboot them when idle and resume afterwards
  hpcstack.cluster.slurm_node:
    name: node[01-16]
    state: reboot
    asap: true
    next_state: resume
    reason: kernel update

- name: Back into service
  hpcstack.cluster.slurm_node:
    name: [node01, node02]
    state: resume

- name: Resume only the nodes this maintenance drained, not those drained for another reason
  hpcstack.cluster.slurm_node:
    name: node[01-16]
    state: resume
    reason_prefix: "hpcstack-maintenance:"
"""

RETURN = r"""
commands:
  description: scontrol command lines run (in check mode, that would be run).
  returned: always
  type: list
  elements: str
  sample: ["scontrol update nodename=node01,node02 state=drain 'reason=firmware update'"]
changed_nodes:
  description: Nodes that were not in the requested state.
  returned: always
  type: list
  elements: str
  sample: [node01, node02]
skipped_nodes:
  description: Nodes left alone because their reason does not start with O(reason_prefix).
  returned: always
  type: list
  elements: str
  sample: [node03]
nodes:
  description: State of the nodes at the end (after waiting), as returned by M(hpcstack.cluster.slurm_info).
  returned: always
  type: list
  elements: dict
  sample: [{"name": "node01", "state": "idle", "flags": ["drain"], "drained": true, "draining": false, "reason": "firmware update"}]
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hpcstack.cluster.plugins.module_utils._scontrol import (
    Scontrol, node_in_state, node_summary)
from ansible_collections.hpcstack.cluster.plugins.module_utils._slurm_module import SCONTROL_ARGS, fail, runner


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type="list", elements="str", required=True, aliases=["names", "nodes"]),
            state=dict(type="str", required=True, choices=["drain", "undrain", "resume", "down", "reboot"]),
            reason=dict(type="str"),
            asap=dict(type="bool", default=False),
            next_state=dict(type="str", choices=["resume", "down"]),
            wait=dict(type="bool", default=False),
            wait_timeout=dict(type="int", default=600),
            wait_sleep=dict(type="int", default=5),
            reason_prefix=dict(type="str"),
            **SCONTROL_ARGS
        ),
        required_if=[("state", "drain", ["reason"]), ("state", "down", ["reason"])],
        supports_check_mode=True,
    )
    p = module.params
    scontrol = Scontrol(runner(module), p["scontrol_path"])
    result = dict(changed=False, commands=scontrol.commands, changed_nodes=[], skipped_nodes=[])
    try:
        names = scontrol.hostnames(p["name"])
        nodes = scontrol.nodes(names)
        todo = [n for n in nodes if not node_in_state(n, p["state"])]
        if p["reason_prefix"] is not None and p["state"] in ("undrain", "resume"):
            result["skipped_nodes"] = [n["name"] for n in todo if not n["reason"].startswith(p["reason_prefix"])]
            todo = [n for n in todo if n["name"] not in result["skipped_nodes"]]
        result["changed_nodes"] = [n["name"] for n in todo]
        if todo:
            args = scontrol.node_command(result["changed_nodes"], p["state"], p["reason"], p["next_state"], p["asap"])
            if module.check_mode:
                scontrol.commands.append(scontrol.line(args))
            else:
                scontrol.execute(args, change=True)
            result["changed"] = True
        if module._diff:
            result["diff"] = dict(before=dict((n["name"], node_summary(n)) for n in todo),
                                  after=dict((n["name"], p["state"]) for n in todo))
        waited = [n for n in names if n not in result["skipped_nodes"]]
        if p["wait"] and waited and not module.check_mode:
            settled, nodes = scontrol.wait_nodes(waited, p["state"], p["wait_timeout"], p["wait_sleep"])
            if not settled:
                result["nodes"] = nodes
                pending = ", ".join("%s is %s" % (n["name"], node_summary(n)) for n in nodes)
                module.fail_json(msg="timed out after %ss waiting for %s: %s" % (p["wait_timeout"], p["state"], pending),
                                 **result)
        elif todo and not module.check_mode:
            nodes = scontrol.nodes(names)
        result["nodes"] = nodes
    except Exception as exc:  # SlurmCommandError, OSError when scontrol is missing
        fail(module, exc, **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
