#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: slurm_info
short_description: Read Slurm configuration, nodes, partitions and jobs
version_added: 0.1.0
description:
  - Gathers Slurm state as structured data, the same on every Slurm version.
  - Without O(url), runs C(scontrol) on the target; C(scontrol --json) where the installed Slurm
    has it (23.11 and later), C(scontrol show -o) text otherwise (for example Slurm 22.05).
  - With O(url), asks slurmrestd, negotiating the newest API version both sides know that the server
    does not mark deprecated (v0.0.38 on Slurm 22.05, v0.0.42 on 24.11, v0.0.45 on 26.05).
author:
  - hpcstack developers (@hpcstack)
extends_documentation_fragment:
  - hpcstack.cluster.slurm.scontrol
  - hpcstack.cluster.slurm.rest
  - hpcstack.cluster.attributes.info_module
  - hpcstack.cluster.attributes.scontrol_group
options:
  gather:
    description:
      - What to read. V(config) needs scontrol; V(ping) and V(diag) need slurmrestd (O(url)).
    type: list
    elements: str
    choices: [config, nodes, partitions, jobs, ping, diag]
    default: [nodes, partitions]
"""

EXAMPLES = r"""
- name: Nodes and partitions through scontrol on the controller
  hpcstack.cluster.slurm_info:
  register: slurm

- name: Drained nodes
  ansible.builtin.debug:
    msg: "{{ slurm.nodes | selectattr('drained') | map(attribute='name') }}"

- name: Everything through slurmrestd
  hpcstack.cluster.slurm_info:
    url: http://ctl1:6820
    user: root
    token: "{{ slurm_jwt }}"
    gather: [nodes, partitions, jobs, ping, diag]
  delegate_to: localhost
"""

RETURN = r"""
source:
  description: Where the data came from, C(scontrol), C(scontrol-json) or C(slurmrestd).
  returned: always
  type: str
  sample: scontrol-json
api_versions:
  description: slurmrestd API versions used for C(/slurm) and C(/slurmdb).
  returned: with O(url)
  type: dict
  sample: {"slurm": "v0.0.42", "slurmdb": "v0.0.42"}
config:
  description: C(scontrol show config) as a dict; C((null)) values are null.
  returned: when V(config) is gathered
  type: dict
  sample: {"ClusterName": "hpc", "SLURM_VERSION": "24.11.5"}
nodes:
  description: Nodes. C(state) is the base state in lower case, C(flags) the rest (for example
    C(drain)); C(drained) means drain flag and no jobs left, C(draining) drain flag with jobs.
  returned: when V(nodes) is gathered
  type: list
  elements: dict
  sample: [{"name": "c1", "state": "mixed", "flags": ["drain"], "reason": "disk", "cpus": 64,
            "alloc_cpus": 8, "real_memory": 257000, "alloc_memory": 16000, "gres": "", "features": [],
            "partitions": ["batch"], "next_state": null, "drained": false, "draining": true}]
partitions:
  description: Partitions; C(max_time) in minutes, null when unlimited; C(default) is null when
    slurmrestd answers with API v0.0.40 to v0.0.44 (they do not report it; v0.0.45 and
    C(scontrol) do).
  returned: when V(partitions) is gathered
  type: list
  elements: dict
  sample: [{"name": "batch", "state": "up", "nodes": "c[1-4]", "total_cpus": 256, "total_nodes": 4,
            "default": true, "max_time": 2880}]
jobs:
  description: Jobs; C(time_limit) in minutes, C(start_time) in seconds since the epoch.
  returned: when V(jobs) is gathered
  type: list
  elements: dict
  sample: [{"job_id": 3, "name": "sim", "user": "bob", "account": "physics", "partition": "batch",
            "state": "running", "nodes": "c1", "reason": "None", "time_limit": 2880,
            "start_time": 1795611154, "cpus": 1, "qos": "normal"}]
ping:
  description: slurmctld answers to slurmrestd's ping. C(mode) is C(primary), C(backup) (two
    controllers) or C(backup<n>); API v0.0.45 no longer reports it, then it comes from the
    controller's position in the answer, as slurmrestd numbers them.
  returned: when V(ping) is gathered
  type: list
  elements: dict
  sample: [{"hostname": "ctl1", "up": true, "mode": "primary", "latency": 598}]
diag:
  description: slurmctld statistics (C(sdiag)) from slurmrestd, the numbers only (lists such as
    the RPC counts are left out). API v0.0.45 no longer reports C(parts_packed).
  returned: when V(diag) is gathered
  type: dict
  sample: {"jobs_running": 1, "server_thread_count": 1}
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hpcstack.cluster.plugins.module_utils._scontrol import Scontrol
from ansible_collections.hpcstack.cluster.plugins.module_utils._slurm_rest import SlurmRestClient, SlurmRestError
from ansible_collections.hpcstack.cluster.plugins.module_utils._slurm_module import (
    REST_ARGS, SCONTROL_ARGS, fail, runner)

SCONTROL_ENTITIES = {"nodes": "node", "partitions": "partition", "jobs": "job"}


def gather_scontrol(scontrol, gather):
    result = dict(source="scontrol-json" if scontrol.use_json() else "scontrol")
    for item in gather:
        if item == "config":
            result["config"] = scontrol.config()
        else:
            result[item] = scontrol.show(SCONTROL_ENTITIES[item])
    return result


def gather_rest(client, gather):
    result = dict(source="slurmrestd", api_versions=client.negotiate())
    for item in gather:
        result[item] = getattr(client, item)()
    return result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            gather=dict(type="list", elements="str", default=["nodes", "partitions"],
                        choices=["config", "nodes", "partitions", "jobs", "ping", "diag"]),
            **dict(SCONTROL_ARGS, **REST_ARGS)
        ),
        supports_check_mode=True,
    )
    p = module.params
    gather = list(dict.fromkeys(p["gather"]))
    if p["url"]:
        if "config" in gather:
            module.fail_json(msg="gather=config needs scontrol; slurmrestd does not serve slurm.conf (drop url)")
        try:
            client = SlurmRestClient(p["url"], user=p["user"], token=p["token"], timeout=p["timeout"],
                                     validate_certs=p["validate_certs"])
            result = gather_rest(client, gather)
        except SlurmRestError as exc:
            module.fail_json(msg=str(exc), status=exc.status, errors=exc.errors)
    else:
        unsupported = [g for g in gather if g in ("ping", "diag")]
        if unsupported:
            module.fail_json(msg="gather=%s needs slurmrestd: set url and token" % ",".join(unsupported))
        scontrol = Scontrol(runner(module), p["scontrol_path"])
        try:
            result = gather_scontrol(scontrol, gather)
        except Exception as exc:  # SlurmCommandError, OSError when scontrol is missing
            fail(module, exc)
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
