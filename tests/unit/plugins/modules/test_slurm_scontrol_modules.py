# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""slurm_node, slurm_reservation and slurm_info modules."""

from __future__ import annotations

from unittest import mock

import pytest

from ansible_collections.hpcstack.cluster.plugins.modules import slurm_info, slurm_node, slurm_reservation
from slurm_fixtures import VERSIONS, FakeRunner, result, rule

VERSION_OUT = {"22.05": (0, "slurm-wlm 22.05.8\n", ""), "24.11": (0, "slurm-wlm 24.11.5\n", "")}


def nodes_runner(version, *answers):
    """scontrol whose 'show node' answers are the given fixtures in turn (the last repeats)."""
    queue = [result(version, "scontrol/" + a) for a in answers]
    return FakeRunner([(("--version",), VERSION_OUT[version]),
                       (("show", "-o", "node"), lambda: queue.pop(0) if len(queue) > 1 else queue[0]),
                       (("--json", "show", "node"), lambda: queue.pop(0) if len(queue) > 1 else queue[0])])


@pytest.mark.parametrize("version", VERSIONS)
def test_drain_changes_only_nodes_not_drained(run_module, version):
    runner = nodes_runner(version, "show_node_idle", "show_node_draining")
    if version == "24.11":
        runner = nodes_runner(version, "show_node_idle_json", "show_node_draining_json")
    out = run_module(slurm_node, dict(name=["rec"], state="drain", reason="disk"), runner, diff=True)
    assert out["changed"] and out["changed_nodes"] == ["rec"]
    assert out["commands"] == ["scontrol update nodename=rec state=drain reason=disk"]
    assert out["diff"] == {"before": {"rec": "idle"}, "after": {"rec": "drain"}}
    assert out["nodes"][0]["draining"]
    runner = nodes_runner("22.05", "show_node_draining")
    out = run_module(slurm_node, dict(name=["rec"], state="drain", reason="disk"), runner)
    assert not out["changed"] and runner.changes() == []


def test_drain_wait_until_drained(run_module):
    runner = nodes_runner("22.05", "show_node_idle", "show_node_draining", "show_node_drained")
    with mock.patch("time.sleep") as sleep:
        out = run_module(slurm_node, dict(name="rec", state="drain", reason="x", wait=True, wait_sleep=1), runner)
    assert out["changed"] and out["nodes"][0]["drained"] and sleep.call_count == 1


def test_drain_wait_timeout_fails(run_module):
    runner = nodes_runner("22.05", "show_node_draining")
    with mock.patch("time.sleep"):
        out = run_module(slurm_node, dict(name="rec", state="drain", reason="x", wait=True, wait_timeout=0), runner)
    assert out["failed"] and "rec is mixed+drain (draining)" in out["msg"]


def test_check_mode_runs_no_change(run_module):
    runner = nodes_runner("22.05", "show_node_drained")
    out = run_module(slurm_node, dict(name="rec", state="resume"), runner, check_mode=True)
    assert out["changed"] and out["commands"] == ["scontrol update nodename=rec state=resume"]
    assert runner.changes() == []


def test_reboot_skips_nodes_with_reboot_pending(run_module):
    runner = nodes_runner("24.11", "show_node_reboot")
    runner.rules.insert(0, (("--version",), VERSION_OUT["22.05"]))
    out = run_module(slurm_node, dict(name="rec", state="reboot", asap=True, next_state="resume"), runner)
    assert not out["changed"]


def test_drain_requires_reason(run_module):
    out = run_module(slurm_node, dict(name="rec", state="drain"), FakeRunner())
    assert out["failed"] and "reason" in out["msg"]


@pytest.mark.parametrize("version", VERSIONS)
def test_info_through_scontrol(run_module, version):
    suffix = "_json" if version == "24.11" else ""
    runner = FakeRunner([(("--version",), VERSION_OUT[version]), rule(version, "scontrol/show_config"),
                         rule(version, "scontrol/show_node_draining" + suffix),
                         rule(version, "scontrol/show_partition" + suffix), rule(version, "scontrol/show_job" + suffix)])
    out = run_module(slurm_info, dict(gather=["config", "partitions", "jobs"]), runner)
    assert out["source"] == ("scontrol-json" if suffix else "scontrol")
    assert out["config"]["ClusterName"] == "rec"
    assert [p["name"] for p in out["partitions"]] == ["debug", "long"]
    assert [j["user"] for j in out["jobs"] if j["state"] == "running"] == ["bob"]
    assert "nodes" not in out


def test_info_rest_needs_url_for_diag(run_module):
    out = run_module(slurm_info, dict(gather=["diag"]), FakeRunner())
    assert out["failed"] and "needs slurmrestd" in out["msg"]


@pytest.mark.parametrize("version", VERSIONS)
def test_reservation_lifecycle(run_module, version):
    runner = FakeRunner([(("show", "-o", "reservation"), result(version, "scontrol/show_reservation_unknown"))])
    args = dict(name="maint", start_time="2030-01-01T08:00:00", duration="120", nodes="rec",
                users=["root", "alice"], flags=["MAINT", "IGNORE_JOBS"])
    out = run_module(slurm_reservation, args, runner, check_mode=True, diff=True)
    assert out["commands"] == ["scontrol create reservation ReservationName=maint StartTime=2030-01-01T08:00:00 "
                               "Duration=120 Nodes=rec Users=root,alice Flags=MAINT,IGNORE_JOBS"]
    assert out["diff"]["before"] == {} and out["diff"]["after"]["nodes"] == "rec"
    runner = FakeRunner([rule(version, "scontrol/show_reservation")])
    out = run_module(slurm_reservation, args, runner)
    assert not out["changed"] and out["reservation"]["duration"] == 120
    out = run_module(slurm_reservation, dict(name="maint", state="absent"), runner)
    assert out["commands"] == ["scontrol delete reservation=maint"] and runner.changes()


@pytest.mark.parametrize("prefix, changed", [("rec", True), ("hpcstack-maintenance:", False)])
def test_resume_with_reason_prefix_leaves_other_reasons_alone(run_module, prefix, changed):
    runner = nodes_runner("22.05", "show_node_drained")  # drained with reason "rec"
    out = run_module(slurm_node, dict(name="rec", state="resume", reason_prefix=prefix), runner)
    assert out["changed"] is changed
    assert out["skipped_nodes"] == ([] if changed else ["rec"])
    assert bool(runner.changes()) is changed


def test_resume_wait_ignores_skipped_nodes(run_module):
    runner = nodes_runner("22.05", "show_node_drained")
    with mock.patch("time.sleep") as sleep:
        out = run_module(slurm_node, dict(name="rec", state="resume", reason_prefix="other", wait=True, wait_timeout=0), runner)
    assert not out.get("failed") and out["skipped_nodes"] == ["rec"] and sleep.call_count == 0
