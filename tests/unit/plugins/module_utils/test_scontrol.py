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
from slurm_fixtures import VERSIONS, FakeRunner, load, result, rule, version_rule  # noqa: E402


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
    runner = FakeRunner([version_rule(version),
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


UNKNOWN = "unknown node(s): nosuch (Slurm has no node of that name; check the name and slurm.conf)"


@pytest.mark.parametrize("version, fixture, use_json", [
    ("24.11", "show_node_partly_unknown_json", True),  # rc 0 with only the known node
    ("24.11", "show_node_partly_unknown", False),  # rc 1, the known node's line and "Node nosuch not found"
    ("24.11", "show_node_unknown", False),  # rc 1, "Node nosuch not found"
    ("22.05", "show_node_unknown", False),
])
def test_unknown_node_is_reported(version, fixture, use_json):
    tool = sc.Scontrol(FakeRunner([version_rule(version), rule(version, "scontrol/" + fixture)]))
    tool.use_json = lambda: use_json  # 24.11's text answers stand for the text path 22.05 takes
    names = ["rec", "nosuch"] if "partly" in fixture else ["nosuch"]
    with pytest.raises(SlurmCommandError) as info:
        tool.nodes(names)
    assert info.value.message == UNKNOWN


def test_known_nodes_of_a_text_answer_with_unknown_ones_are_read():
    tool = sc.Scontrol(FakeRunner([rule("24.11", "scontrol/show_node_partly_unknown")]))
    tool.use_json = lambda: False
    with pytest.raises(SlurmCommandError):
        tool.nodes(["rec", "nosuch"])
    text = load("24.11", "scontrol/show_node_partly_unknown")["stdout"]
    assert [n["name"] for n in map(data.normalise_node, data.parse_scontrol_records(text))] == ["rec"]


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


# Every recorded node and reservation change: the command the module builds is the recorded one,
# and its recorded answer (success or error) comes out as None or the exact message.
NODE_CHANGES = [
    ("update_node_drain", (["rec"], "drain", "rec maintenance"), None),
    ("update_node_down", (["rec"], "down", "rec down"), None),
    ("update_node_resume", (["rec"], "resume"), None),
    ("update_node_undrain", (["rec"], "undrain"), None),
    ("reboot", (["rec"], "reboot", "rec reboot", "resume", True), None),
    ("update_node_resume_after_reboot", (["rec"], "resume"),
     "Slurm refused this state change for the node's current state [slurm_update error: Invalid node state specified]"),
    ("update_node_resume_not_drained", (["rec"], "resume"),
     "Slurm refused this state change for the node's current state [slurm_update error: Invalid node state specified]"),
    ("update_node_unknown", (["nosuch"], "drain", "x"),
     "unknown node name (not in slurm.conf) [slurm_update error: Invalid node name specified]"),
]
RESERVATION_CHANGES = [
    ("create_reservation", None),
    ("create_reservation_exists",
     "a reservation of that name already exists [Error creating the reservation: Duplicate reservation name]"),
    ("update_reservation", None),
    ("delete_reservation", None),
    ("delete_reservation_unknown",
     "unknown reservation [delete_reservation reservation=maint: Requested reservation is invalid]"),
    ("cancel_reboot", None),
]


def _replay(version, name, args, message):
    runner = FakeRunner([rule(version, "scontrol/" + name)])
    tool = sc.Scontrol(runner)
    if message is None:
        tool.execute(args, change=True)
    else:
        with pytest.raises(SlurmCommandError) as info:
            tool.execute(args, change=True)
        assert info.value.message == message
    assert runner.calls == [load(version, "scontrol/" + name)["cmd"]]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("name, node_args, message", NODE_CHANGES, ids=[c[0] for c in NODE_CHANGES])
def test_recorded_node_changes(version, name, node_args, message):
    args = sc.Scontrol.node_command(*node_args)
    assert args == load(version, "scontrol/" + name)["cmd"][1:]
    _replay(version, name, args, message)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("name, message", RESERVATION_CHANGES, ids=[c[0] for c in RESERVATION_CHANGES])
def test_recorded_reservation_changes(version, name, message):
    _replay(version, name, load(version, "scontrol/" + name)["cmd"][1:], message)


def test_node_commands():
    assert sc.Scontrol.node_command(["a", "b"], "drain", "disk") == ["update", "nodename=a,b", "state=drain", "reason=disk"]
    assert sc.Scontrol.node_command(["a"], "resume", "ignored") == ["update", "nodename=a", "state=resume"]
    assert sc.Scontrol.node_command(["a", "b"], "reboot", "kernel", "resume", True) == [
        "reboot", "ASAP", "nextstate=resume", "reason=kernel", "a,b"]


def test_wait_nodes_until_drained_and_timeout():
    answers = [result("22.05", "scontrol/show_node_draining")] * 2 + [result("22.05", "scontrol/show_node_drained")]
    runner = FakeRunner([version_rule("22.05"), (("show", "-o", "node"), lambda: answers.pop(0))])
    clock = [0.0]
    sleeps = []

    def sleep(seconds):
        sleeps.append(seconds)
        clock[0] += seconds
    settled, nodes = sc.Scontrol(runner).wait_nodes(["rec"], "drain", 60, 5, sleep, lambda: clock[0])
    assert settled and nodes[0]["drained"] and sleeps == [5, 5]
    runner = FakeRunner([version_rule("22.05"), (("show", "-o", "node"), result("22.05", "scontrol/show_node_draining"))])
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
