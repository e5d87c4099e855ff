# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import os
import sys

import pytest

from ansible.plugins.loader import init_plugin_loader
from ansible.utils.collection_loader import AnsibleCollectionConfig

if AnsibleCollectionConfig.collection_finder is None:
    init_plugin_loader()

from ansible_collections.hpcstack.cluster.plugins.module_utils import _scontrol as sc
from ansible_collections.hpcstack.cluster.plugins.module_utils import _slurm_data as data
from ansible_collections.hpcstack.cluster.plugins.module_utils._slurm_cmd import SlurmCommandError

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "slurm"))
from slurm_fixtures import VERSIONS, FakeRunner, load, result, rule  # noqa: E402

VERSION_OUT = {"22.05": (0, "slurm-wlm 22.05.8\n", ""), "24.11": (0, "slurm-wlm 24.11.5\n", "")}


def text_node(version, name):
    return data.normalise_node(data.parse_scontrol_records(load(version, "scontrol/" + name)["stdout"])[0])


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("fixture,base,flags,drained,draining", [
    ("show_node_draining", "mixed", ["drain"], False, True),
    ("show_node_drained", "idle", ["drain"], True, False),
    ("show_node_down", "down", ["not_responding"], False, False),
    ("show_node_reboot", "idle", ["drain", "not_responding", "reboot_requested"], True, False),
])
def test_recorded_node_states(version, fixture, base, flags, drained, draining):
    node = text_node(version, fixture)
    assert (node["state"], node["flags"], node["drained"], node["draining"]) == (base, flags, drained, draining)
    assert not node["reason"].endswith("]")  # the "[root@time]" suffix is dropped


@pytest.mark.parametrize("version", VERSIONS)
def test_desired_state_checks(version):
    draining, drained = text_node(version, "show_node_draining"), text_node(version, "show_node_drained")
    down, reboot = text_node(version, "show_node_down"), text_node(version, "show_node_reboot")
    assert sc.node_in_state(draining, "drain") and not sc.node_settled(draining, "drain")
    assert sc.node_settled(drained, "drain")
    assert not sc.node_in_state(drained, "resume") and not sc.node_in_state(down, "resume")
    assert sc.node_in_state(down, "undrain") and sc.node_in_state(down, "down")
    assert sc.node_in_state(reboot, "reboot") and not sc.node_settled(reboot, "reboot")
    assert sc.node_summary(draining) == "mixed+drain (draining)"


def test_json_and_text_give_the_same_nodes_on_24_11():
    import json
    for name in ("show_node_draining", "show_node_drained"):
        from_json = data.normalise_node(json.loads(load("24.11", "scontrol/%s_json" % name)["stdout"])["nodes"][0])
        assert from_json == text_node("24.11", name)


@pytest.mark.parametrize("version,json_used", [("22.05", False), ("24.11", True)])
def test_show_picks_json_by_version(version, json_used):
    runner = FakeRunner([(("--version",), VERSION_OUT[version]),
                         rule(version, "scontrol/show_node_idle_json" if json_used else "scontrol/show_node_idle"),
                         rule(version, "scontrol/show_partition_json" if json_used else "scontrol/show_partition")])
    tool = sc.Scontrol(runner)
    nodes, parts = tool.show("node"), tool.show("partition")
    assert [(n["name"], n["state"], n["cpus"]) for n in nodes] == [("rec", "idle", 2)]
    assert [(p["name"], p["max_time"]) for p in parts] == [("debug", None), ("long", 10080)]
    assert ("--json" in runner.calls[1]) is json_used


def test_config_parsing():
    config = data.parse_scontrol_config(load("22.05", "scontrol/show_config")["stdout"])
    assert config["ClusterName"] == "rec" and config["AccountingStorageBackupHost"] is None
    assert config["SLURM_VERSION"] == "22.05.8"


def test_hostnames_expands_only_expressions():
    runner = FakeRunner([rule("24.11", "scontrol/show_hostnames")])
    tool = sc.Scontrol(runner)
    assert tool.hostnames(["a", "b"]) == ["a", "b"] and runner.calls == []
    assert tool.hostnames("n[01-03],x1") == ["n01", "n02", "n03", "x1"]


def test_unknown_node_is_reported():
    runner = FakeRunner([(("--version",), VERSION_OUT["22.05"]), (("show", "-o", "node"), result("22.05", "scontrol/show_node_drained"))])
    with pytest.raises(SlurmCommandError, match="unknown node.*: nope"):
        sc.Scontrol(runner).nodes(["rec", "nope"])


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("fixture,message", [
    ("error_ctld_down", "slurmctld is not reachable"),
    ("update_node_unknown", "unknown node name"),
    ("update_node_resume_not_drained", "Slurm refused this state change"),
    ("create_reservation_exists", "a reservation of that name already exists"),
])
def test_recorded_errors(version, fixture, message):
    tool = sc.Scontrol(FakeRunner([((), result(version, "scontrol/" + fixture))]))
    with pytest.raises(SlurmCommandError) as info:
        tool.execute(["show", "-o", "node"])
    assert info.value.message.startswith(message)


def test_node_commands():
    assert sc.Scontrol.node_command(["a", "b"], "drain", "disk") == ["update", "nodename=a,b", "state=drain", "reason=disk"]
    assert sc.Scontrol.node_command(["a"], "resume", "ignored") == ["update", "nodename=a", "state=resume"]
    assert sc.Scontrol.node_command(["a", "b"], "reboot", "kernel", "resume", True) == [
        "reboot", "ASAP", "nextstate=resume", "reason=kernel", "a,b"]


def test_wait_nodes_until_drained_and_timeout():
    answers = [result("22.05", "scontrol/show_node_draining")] * 2 + [result("22.05", "scontrol/show_node_drained")]
    runner = FakeRunner([(("--version",), VERSION_OUT["22.05"]), (("show", "-o", "node"), lambda: answers.pop(0))])
    clock = [0.0]
    sleeps = []

    def sleep(seconds):
        sleeps.append(seconds)
        clock[0] += seconds
    settled, nodes = sc.Scontrol(runner).wait_nodes(["rec"], "drain", 60, 5, sleep, lambda: clock[0])
    assert settled and nodes[0]["drained"] and sleeps == [5, 5]
    runner = FakeRunner([(("--version",), VERSION_OUT["22.05"]), (("show", "-o", "node"), result("22.05", "scontrol/show_node_draining"))])
    settled, nodes = sc.Scontrol(runner).wait_nodes(["rec"], "drain", 12, 5, sleep, lambda: clock[0])
    assert not settled and nodes[0]["draining"]


@pytest.mark.parametrize("version", VERSIONS)
def test_reservation_read_and_changes(version):
    runner = FakeRunner([rule(version, "scontrol/show_reservation"), rule(version, "scontrol/show_reservation_unknown")])
    tool = sc.Scontrol(runner)
    assert tool.reservation("nosuch") is None
    current = tool.reservation("maint")
    assert current["duration"] == 120 and current["users"] == ["root", "alice"]
    same = dict(start_time="2030-01-01T08:00:00", duration="02:00:00", nodes="rec", users=["alice", "root"],
                flags=["maint", "IGNORE_JOBS"])
    assert sc.reservation_changes(current, same) == []
    changed = dict(same, duration="1-00:00:00", users=[], accounts=["physics"], flags=["MAINT", "DAILY"])
    assert sc.reservation_changes(current, changed) == ["Duration=1440", "Users=", "Accounts=physics", "Flags+=DAILY"]
    assert sc.reservation_changes(None, dict(start_time="now", duration=60, nodes="ALL", users=["root"], flags=["MAINT"])) == [
        "StartTime=now", "Duration=60", "Nodes=ALL", "Users=root", "Flags=MAINT"]
