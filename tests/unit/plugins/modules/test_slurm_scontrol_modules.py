# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""slurm_node, slurm_reservation and slurm_info modules."""

from __future__ import annotations

import os
import sys
from unittest import mock

import pytest

from ansible_collections.hpcstack.cluster.plugins.modules import slurm_info, slurm_node, slurm_reservation
from slurm_fixtures import VERSIONS, FakeRunner, on, result, rule, version_rule

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "exporter"))
from exporter_helpers import FakeSlurmrestd, recorded_cluster  # noqa: E402  the exporter tests' slurmrestd stand-in


# The recorded answers of the node changes the modules make (rc 0, no output; errors in test_scontrol.py).
NODE_CHANGES = (("update", "state=drain"), "update_node_drain"), (("update", "state=resume"), "update_node_resume"), \
    (("update", "state=undrain"), "update_node_undrain"), (("update", "state=down"), "update_node_down"), \
    (("reboot",), "reboot")


def nodes_runner(version, *answers):
    """scontrol whose 'show node' answers are the given fixtures in turn (the last repeats); node
    changes get their recorded answers."""
    queue = [result(version, "scontrol/" + a) for a in answers]
    return FakeRunner([version_rule(version),
                       (("show", "-o", "node"), lambda: queue.pop(0) if len(queue) > 1 else queue[0]),
                       (("--json", "show", "node"), lambda: queue.pop(0) if len(queue) > 1 else queue[0])]
                      + [on(tokens, version, "scontrol/" + name) for tokens, name in NODE_CHANGES])


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
    runner.rules.insert(0, version_rule("22.05"))
    out = run_module(slurm_node, dict(name="rec", state="reboot", asap=True, next_state="resume"), runner)
    assert not out["changed"]


def test_drain_requires_reason(run_module):
    out = run_module(slurm_node, dict(name="rec", state="drain"), FakeRunner())
    assert out["failed"] and "reason" in out["msg"]


@pytest.mark.parametrize("version", VERSIONS)
def test_info_through_scontrol(run_module, version):
    suffix = "_json" if version == "24.11" else ""
    runner = FakeRunner([version_rule(version), rule(version, "scontrol/show_config"),
                         rule(version, "scontrol/show_node_draining" + suffix),
                         rule(version, "scontrol/show_partition" + suffix), rule(version, "scontrol/show_job" + suffix)])
    out = run_module(slurm_info, dict(gather=["config", "partitions", "jobs"]), runner)
    assert out["source"] == ("scontrol-json" if suffix else "scontrol")
    assert out["config"]["ClusterName"] == "rec"
    assert [p["name"] for p in out["partitions"]] == ["debug", "long"]
    assert [j["user"] for j in out["jobs"] if j["state"] == "running"] == ["bob"]
    assert "nodes" not in out


def info_through_slurmrestd(run_module, version, api):
    """slurm_info against the recorded slurmrestd of ``version`` (the fake fails on any path it was not given)."""
    fake = FakeSlurmrestd({path: answer for path, answer in recorded_cluster(version, api).items() if path != "*"})
    try:
        out = run_module(slurm_info, dict(url=fake.url, user="root", token="jwt-secret",
                                          gather=["nodes", "partitions", "jobs", "ping", "diag"]), FakeRunner())
    finally:
        fake.close()
    assert fake.unexpected == [] and not out.get("failed"), (fake.unexpected, out.get("msg"))
    return out


@pytest.mark.parametrize("version, api, defaults", [("24.11", "v0.0.42", [None, None]), ("26.05", "v0.0.45", [True, False])])
def test_info_through_slurmrestd(run_module, version, api, defaults):
    """The newest API version the server does not mark deprecated (26.05: v0.0.45, not v0.0.42), the same data."""
    out = info_through_slurmrestd(run_module, version, api)
    assert out["source"] == "slurmrestd" and out["api_versions"] == {"slurm": api, "slurmdb": api}
    assert [(n["name"], n["state"], n["flags"], n["draining"]) for n in out["nodes"]] == [("rec", "mixed", ["drain"], True)]
    assert [(p["name"], p["max_time"], p["default"]) for p in out["partitions"]] == \
        [("debug", None, defaults[0]), ("long", 10080, defaults[1])]
    assert [(j["user"], j["time_limit"]) for j in out["jobs"] if j["state"] == "running"] == [("bob", 2880)]
    assert [(p["hostname"], p["up"], p["mode"]) for p in out["ping"]] == [("rec", True, "primary")]
    assert out["diag"]["jobs_submitted"] == 1 and ("parts_packed" in out["diag"]) is (api != "v0.0.45")


def test_info_through_slurmrestd_has_one_shape(run_module):
    old, new = (info_through_slurmrestd(run_module, version, api) for version, api in (("24.11", "v0.0.42"), ("26.05", "v0.0.45")))
    for item in ("nodes", "partitions", "jobs", "ping"):
        assert [sorted(x) for x in old[item]][:1] == [sorted(x) for x in new[item]][:1], item
    assert set(old["diag"]) - set(new["diag"]) == {"parts_packed"}  # v0.0.45 dropped it


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
    runner.rules.append(rule(version, "scontrol/create_reservation"))
    out = run_module(slurm_reservation, args, runner)
    assert out["changed"] and not out.get("failed") and runner.changes()
    runner = FakeRunner([rule(version, "scontrol/show_reservation"), rule(version, "scontrol/delete_reservation")])
    out = run_module(slurm_reservation, args, runner)
    assert not out["changed"] and out["reservation"]["duration"] == 120
    out = run_module(slurm_reservation, dict(name="maint", state="absent"), runner)
    assert not out.get("failed") and out["changed"]
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


WANT_URL = "want http(s)://host:port or unix:/path"


@pytest.mark.parametrize("url, message", [
    ("ctl1:6820", "invalid slurmrestd URL 'ctl1:6820' (%s)" % WANT_URL),
    ("http://ctl1:rest", "invalid slurmrestd URL 'http://ctl1:rest' (the port is not a number from 0 to 65535; %s)"
     % WANT_URL),
    ("http://ctl1:70000", "invalid slurmrestd URL 'http://ctl1:70000' (the port is not a number from 0 to 65535; %s)"
     % WANT_URL),
    ("http://[fe80::1", "invalid slurmrestd URL 'http://[fe80::1' (not a URL; %s)" % WANT_URL),
])
def test_info_with_a_bad_url_fails_cleanly(run_module, url, message):
    runner = FakeRunner()
    out = run_module(slurm_info, dict(url=url, token="jwt-secret", gather=["nodes"]), runner)
    assert out["failed"] and out["msg"] == message and runner.calls == []


UNKNOWN = "unknown node(s): nosuch (Slurm has no node of that name; check the name and slurm.conf)"


@pytest.mark.parametrize("version, names, fixture", [
    ("24.11", ["nosuch"], "show_node_unknown_json"),  # --json: rc 0, no nodes, warning "No nodes to dump"
    ("24.11", ["rec", "nosuch"], "show_node_partly_unknown_json"),  # --json: rc 0, only rec
    ("22.05", ["nosuch"], "show_node_unknown"),  # text: rc 1, "Node nosuch not found"
])
@pytest.mark.parametrize("state", ["drain", "resume"])
def test_node_on_an_unknown_node_fails_clearly(run_module, version, names, fixture, state):
    runner = FakeRunner([version_rule(version), rule(version, "scontrol/" + fixture)])
    out = run_module(slurm_node, dict(name=names, state=state, reason="disk"), runner)
    assert out["failed"] and out["msg"] == UNKNOWN
    assert out["commands"] == [] and runner.changes() == []


def test_node_update_errors_keep_slurms_words(run_module):
    runner = nodes_runner("24.11", "show_node_idle_json")
    runner.rules.insert(0, rule("24.11", "scontrol/update_node_resume_not_drained"))
    out = run_module(slurm_node, dict(name="rec", state="down", reason="x"), runner)
    assert not out.get("failed")  # down: answered by update_node_down
    runner = nodes_runner("24.11", "show_node_drained_json")
    runner.rules.insert(0, rule("24.11", "scontrol/update_node_resume_after_reboot"))
    out = run_module(slurm_node, dict(name="rec", state="resume"), runner)
    assert out["failed"] and out["msg"] == ("Slurm refused this state change for the node's current state "
                                            "[slurm_update error: Invalid node state specified]")
    assert out["commands"] == ["scontrol update nodename=rec state=resume"]
