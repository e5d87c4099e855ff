# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Power-saving states per partition and node, from cloud nodes recorded through a whole power-saving cycle.

The nodes are Slurm's own answers (tests/unit/fixtures/slurm/VERSION/elastic, record_cloud.py): on 24.11 and 26.05
``scontrol --json show node``, which prints what slurmrestd's data_parser gives (REST v0.0.40+); on 22.05 the text
of ``scontrol show -o node`` (its REST v0.0.38 has the same flags as a list). Each is reduced as the exporter reduces
what slurmrestd sends (compact_node, i.e. the normaliser of _slurm_data).
"""

from __future__ import annotations

import json
import os

import pytest

from exporter_helpers import FIXTURES

from ansible_collections.hpcstack.cluster.plugins.module_utils import _slurm_data as data
from ansible_collections.hpcstack.cluster.programs.hpcstack_exporters.slurm_samples import (
    Samples, analyse_nodes, analyse_partitions, compact_node)

# recording -> the node it shows, and the power state the exporter reports for it
CYCLE = (
    ("powered_down", "cloud1", "powered_down"),
    ("powering_up", "cloud1", "powering_up"),
    ("up_allocated", "cloud1", None),
    ("up_idle", "cloud1", None),
    ("power_down_requested", "cloud1", "powering_down"),
    ("powering_down", "cloud1", "powering_down"),
    ("powered_down_after_suspend", "cloud1", "powered_down"),
    ("resume_timeout", "cloud2", "resume_failed"),
    ("failed_down", "cloud3", "resume_failed"),
    ("failed_powering_down", "cloud3", "resume_failed"),
    ("failed_powered_down", "cloud3", "resume_failed"),
    ("returned_to_service", "cloud3", "powered_down"),
    ("returned_scheduled", "cloud3", "powering_up"),
)


def recorded_node(version, name, node):
    """One node of a recording, as a raw REST/--json node (24.11, 26.05) or a parsed text record (22.05)."""
    json_path = os.path.join(FIXTURES, version, "elastic", name + "_json.json")
    if os.path.exists(json_path):
        with open(json_path) as handle:
            nodes = json.loads(json.load(handle)["stdout"])["nodes"]
    else:
        with open(os.path.join(FIXTURES, version, "elastic", name + ".json")) as handle:
            nodes = data.parse_scontrol_records(json.load(handle)["stdout"])
    found = [n for n in nodes if n.get("name", n.get("NodeName")) == node]
    assert len(found) == 1, (version, name)
    return found[0]


def renamed(raw, name):
    raw = dict(raw)
    raw["name" if "name" in raw else "NodeName"] = name
    return raw


@pytest.mark.parametrize("version", ["22.05", "24.11", "26.05"])
def test_each_recorded_phase_has_its_power_state(version):
    nodes = [compact_node(renamed(recorded_node(version, name, node), "n%02d" % i))
             for i, (name, node, dummy) in enumerate(CYCLE)]
    out = Samples()
    analyse_nodes(out, nodes)
    assert out.values["slurm_node_power_state_info"] == {
        ("n%02d" % i, power): 1.0 for i, (dummy, dummy, power) in enumerate(CYCLE) if power}


@pytest.mark.parametrize("version", ["22.05", "24.11", "26.05"])
def test_partitions_count_nodes_by_power_state(version):
    """The recorded partition "cloud" (PrivateData=cloud: 22.05 hides powered-down cloud nodes otherwise), plus an empty one."""
    nodes = [compact_node(recorded_node(version, "all_nodes_powered_down_private_cloud", name)) for name in ("cloud1", "cloud2")]
    nodes.append(compact_node(recorded_node(version, "failed_powered_down", "cloud3")))
    assert [n["partitions"] for n in nodes] == [["cloud"]] * 3
    partitions = [{"name": "cloud", "state": "up", "total_nodes": 3, "total_cpus": 3, "max_time": None},
                  {"name": "static", "state": "up", "total_nodes": 0, "total_cpus": 0, "max_time": None}]
    out = Samples()
    analyse_nodes(out, nodes)
    analyse_partitions(out, partitions, nodes, [], 0.0)
    assert out.values["slurm_partition_nodes_power"] == {
        ("cloud", "powered_down"): 2.0, ("cloud", "powering_up"): 0.0, ("cloud", "powering_down"): 0.0,
        ("cloud", "resume_failed"): 1.0,
        ("static", "powered_down"): 0.0, ("static", "powering_up"): 0.0, ("static", "powering_down"): 0.0,
        ("static", "resume_failed"): 0.0}
    # Powered-down and failed nodes have no CPUs to offer.
    assert out.values["slurm_partition_cpus_idle"][("cloud",)] == 0.0


def test_an_admins_down_is_not_a_failed_resume():
    raw = renamed(recorded_node("24.11", "failed_powered_down", "cloud3"), "c9")
    raw["reason"] = "disk replaced"
    out = Samples()
    analyse_nodes(out, [compact_node(raw)])
    assert out.values["slurm_node_power_state_info"] == {("c9", "powered_down"): 1.0}
