# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reconcile with a fake provider and a Slurm rendering recorded node records."""

from __future__ import annotations

import json
import logging
import os

import pytest
from elastic_helpers import CLOUD_VERSIONS, Clock, FakeProvider, FakeSlurm, make_config

from ansible_collections.hpcstack.cluster.programs.hpcstack_elastic.providers import Providers, ProviderError
from ansible_collections.hpcstack.cluster.programs.hpcstack_elastic.reconcile import Reconciler
from ansible_collections.hpcstack.cluster.programs.hpcstack_elastic.slurm import Slurm
from ansible_collections.hpcstack.cluster.programs.hpcstack_elastic.state import StateDir

DOCKER = {"image": "i", "network": "n", "conf_servers": ["ctl1"]}
UP = ("cloud",)


def setup(tmp_path, nodes, version="24.11"):
    config = make_config(tmp_path, {"lab": {"nodes": "c[1-4]", "provider": "docker", "docker": DOCKER}},
                         timeouts={"orphan_grace": 300, "vanished_grace": 120, "failure_cooldown": 600, "address": 120})
    fake = FakeSlurm(nodes, version)
    clock = Clock(10000.0)
    provider = FakeProvider(clock=clock)
    state = StateDir(config.state_dir, clock)
    reconciler = Reconciler(config, Slurm(fake), Providers(config, lambda c, k: provider), state, clock, hostname="rec")
    return reconciler, fake, provider, clock


def powered_down(**extra):
    return {"state": "idle", "flags": ("cloud", "powered_down"), **extra}


@pytest.mark.parametrize("version", CLOUD_VERSIONS)
def test_orphan_of_a_powered_down_node_is_terminated_after_the_grace(tmp_path, version, caplog):
    rec, fake, provider, clock = setup(tmp_path, {"c1": powered_down(), "c2": powered_down()}, version)
    old = provider.add("c1", launched=clock.now - 301, address="10.0.0.1")
    young = provider.add("c2", launched=clock.now - 10, address="10.0.0.2")
    stray = provider.add("gone7", launched=clock.now - 4000, address="10.0.0.3")
    with caplog.at_level(logging.INFO, logger="hpcstack-elastic"):
        counts = rec.run()
    assert counts["orphans_terminated"] == 2 and list(provider.instances) == [young.id]
    assert "terminate instance=%s node=c1 why=\"orphan: node c1 is powered down\"" % old.id in caplog.text
    assert "instance=%s node=gone7 why=\"orphan: no node gone7 in class lab\"" % stray.id in caplog.text
    assert fake.updates() == []
    assert json.load(open(os.path.join(rec.state.path, "last_reconcile.json")))["counts"]["orphans_terminated"] == 2


def test_a_vanished_instance_downs_the_node_after_the_grace(tmp_path):
    rec, fake, provider, clock = setup(tmp_path, {"c1": {"state": "allocated", "flags": UP, "address": "10.0.0.1"}})
    rec.run()
    assert fake.updates() == []  # first seen missing: maybe EC2's eventual consistency
    clock.now += 121
    rec.run()
    assert fake.updates() == [
        ["update", "nodename=c1", "state=down", "reason=elastic: (Code:InstanceVanished) the node's instance no "
                                                "longer exists"],
        ["update", "nodename=c1", "state=power_down_force"]]


def test_a_failed_listing_never_makes_nodes_vanish(tmp_path):
    rec, fake, provider, clock = setup(tmp_path, {"c1": {"state": "allocated", "flags": UP, "address": "10.0.0.1"}})

    def broken():
        raise ProviderError("RequestLimitExceeded", "slow down")
    provider.list = broken
    rec.run()
    clock.now += 1000
    rec.run()
    assert fake.updates() == []


def test_failed_nodes_return_to_service_after_the_cooldown(tmp_path):
    reason = "elastic: (Code:InsufficientInstanceCapacity) none"
    rec, fake, provider, clock = setup(tmp_path, {
        "c1": {"state": "down", "flags": ("cloud", "powered_down"), "reason": reason},
        "c2": {"state": "down", "flags": ("cloud", "powered_down"), "reason": "ResumeTimeout reached"},
        "c3": {"state": "down", "flags": ("cloud", "powered_down"), "reason": "disk replaced by admin"}})
    rec.state.record_failures({"c1": reason})
    clock.now += 599
    rec.run()
    assert fake.updates() == []  # c1 cooling down; c2's clock starts now; c3 is the admin's
    clock.now += 1
    rec.run()
    assert fake.updates() == [["update", "nodename=c1", "state=resume"]]
    clock.now += 600
    rec.run()
    assert fake.updates()[-1] == ["update", "nodename=c2", "state=resume"]
    assert fake.nodes["c3"]["state"] == "down" and rec.state.failures() == {}


def test_a_worker_that_died_before_telling_slurm_is_finished(tmp_path):
    rec, fake, provider, clock = setup(tmp_path, {
        "c1": {"state": "allocated", "flags": ("cloud", "powering_up", "not_responding")},
        "c2": {"state": "allocated", "flags": ("cloud", "powering_up", "not_responding")},
        "c3": {"state": "allocated", "flags": ("cloud", "powering_up", "not_responding")}})
    provider.add("c1", launched=clock.now - 5, address="10.0.0.1")
    provider.add("c2", launched=clock.now - 5)  # no address yet: wait
    late = provider.add("c3", launched=clock.now - 121)  # no address, too long
    rec.run()
    assert fake.nodes["c1"]["address"] == "10.0.0.1"
    assert "powering_up" in fake.nodes["c2"]["flags"] and fake.nodes["c2"]["state"] == "allocated"
    assert fake.nodes["c3"]["state"] == "down" and late.id not in provider.instances
    assert fake.nodes["c3"]["reason"] == "elastic: (Code:NoAddress) instance %s had no address after 120 s" % late.id


def test_nodes_being_launched_are_left_alone(tmp_path):
    rec, fake, provider, clock = setup(tmp_path, {"c1": powered_down()})
    provider.add("c1", launched=clock.now - 4000)
    rec.state.mark_inflight(["c1"])
    rec.run()
    assert len(provider.instances) == 1


def test_a_wrong_node_address_is_corrected_and_a_second_instance_terminated(tmp_path):
    rec, fake, provider, clock = setup(tmp_path, {"c1": {"state": "idle", "flags": UP, "address": "10.0.0.99"}})
    first = provider.add("c1", launched=clock.now - 1000, address="10.0.0.1")
    second = provider.add("c1", launched=clock.now - 900, address="10.0.0.2")
    rec.run()
    assert fake.nodes["c1"]["address"] == "10.0.0.2" and list(provider.instances) == [second.id]
    assert first.id not in provider.instances


def test_only_one_reconcile_runs_at_a_time(tmp_path):
    rec, fake, provider, clock = setup(tmp_path, {"c1": powered_down()})
    with rec.state.lock("reconcile"):
        assert rec.run() is None
    assert rec.run() is not None


def test_only_the_controller_in_charge_reconciles(tmp_path):
    rec, fake, provider, clock = setup(tmp_path, {"c1": powered_down()})
    provider.add("c1", launched=clock.now - 4000)
    rec.hostname = "ctl2"  # a backup controller: recorded ping says rec is in charge
    assert rec.run() is None and len(provider.instances) == 1
    fake.ping = {"rc": 1, "stdout": "Slurmctld(primary) at rec is DOWN\nSlurmctld(backup) at ctl2 is UP\n",
                 "stderr": ""}
    assert rec.run() is not None and provider.instances == {}


FAILED_REASON = "elastic: (Code:InsufficientInstanceCapacity) none"


def failed(**extra):
    return {"state": "down", "flags": ("cloud", "powered_down"), "reason": FAILED_REASON, **extra}


def test_an_admin_resume_between_plan_and_update_is_left_alone(tmp_path, caplog):
    """The admin resumes c1 while reconcile is planning: its own resume of c1 fails, c2 still returns."""
    rec, fake, provider, clock = setup(tmp_path, {"c1": failed(), "c2": failed()})
    rec.state.record_failures({"c1": FAILED_REASON, "c2": FAILED_REASON})
    clock.now += 600
    plan = rec.plan()
    assert plan.back == ["c1", "c2"]
    fake.nodes["c1"].update(state="idle", reason="")  # scontrol update nodename=c1 state=resume, by the admin
    with caplog.at_level(logging.INFO, logger="hpcstack-elastic"):
        counts = rec.apply(plan)
    # Slurm resumed c2 and refused c1; nothing is left to resume.
    assert fake.updates() == [["update", "nodename=c1,c2", "state=resume"]]
    assert (fake.nodes["c1"]["state"], fake.nodes["c2"]["state"]) == ("idle", "idle")
    assert counts["returned"] == 2 and "slurm_errors" not in counts
    assert "return-to-service-raced node=c1 state=IDLE+CLOUD+POWERED_DOWN why=\"the resume was answered with" in caplog.text
    assert "return-to-service-raced node=c2 state=IDLE+CLOUD+NOT_RESPONDING+POWERED_DOWN" in caplog.text
    assert rec.state.failures() == {}


def test_a_failed_resume_of_one_node_is_retried_for_the_others(tmp_path):
    """Slurm stops at an unknown node name: the nodes still failed are resumed again, the vanished one is skipped."""
    rec, fake, provider, clock = setup(tmp_path, {"c1": failed(), "c2": failed()})
    rec.state.record_failures({"c1": FAILED_REASON, "c2": FAILED_REASON})
    clock.now += 600
    plan = rec.plan()
    del fake.nodes["c1"]  # removed from slurm.conf meanwhile: Slurm refuses the whole update
    counts = rec.apply(plan)
    assert fake.updates() == [["update", "nodename=c1,c2", "state=resume"], ["update", "nodename=c2", "state=resume"]]
    assert fake.nodes["c2"]["state"] == "idle" and counts["returned"] == 2


def test_a_resume_that_fails_for_another_reason_is_an_error(tmp_path):
    rec, fake, provider, clock = setup(tmp_path, {"c1": failed()})
    rec.state.record_failures({"c1": FAILED_REASON})
    clock.now += 600
    fake.fail_updates = True
    counts = rec.run()
    assert counts["slurm_errors"] == 1 and list(rec.state.failures()) == ["c1"]


def test_a_node_an_admin_downs_after_an_old_failure_is_never_resumed(tmp_path):
    """c1 failed once and was resumed by an admin; the admin later sets it DOWN for a repair: the admin's node."""
    rec, fake, provider, clock = setup(tmp_path, {"c1": powered_down()})
    rec.state.record_failures({"c1": FAILED_REASON})
    rec.run()
    assert rec.state.failures() == {}  # back in service another way: the record is forgotten
    fake.nodes["c1"].update(state="down", reason="DIMM replaced, burn-in first")
    clock.now += 10000
    rec.run()
    assert fake.updates() == [] and fake.nodes["c1"]["state"] == "down"


def test_each_pass_writes_its_counts_for_the_textfile_collector(tmp_path):
    rec, fake, provider, clock = setup(tmp_path, {"c1": powered_down(), "c2": failed()})
    rec.metrics_file = str(tmp_path / "hpcstack_elastic.prom")
    provider.add("c1", launched=clock.now - 301)
    provider.add("gone7", launched=clock.now - 4000)
    rec.state.record_failures({"c2": FAILED_REASON})
    clock.now += 600
    rec.run()
    clock.now += 10
    rec.run()
    assert (tmp_path / "hpcstack_elastic.prom").read_text() == (
        "# HELP hpcstack_elastic_reconcile_last_run_timestamp_seconds When hpcstack-elastic reconcile last finished "
        "a pass (Unix time).\n"
        "# TYPE hpcstack_elastic_reconcile_last_run_timestamp_seconds gauge\n"
        "hpcstack_elastic_reconcile_last_run_timestamp_seconds 10610.0\n"
        "# HELP hpcstack_elastic_reconcile_orphans Orphan instances the last reconcile pass found (terminated, or still "
        "there when terminating failed).\n"
        "# TYPE hpcstack_elastic_reconcile_orphans gauge\n"
        "hpcstack_elastic_reconcile_orphans 0.0\n"
        "# HELP hpcstack_elastic_reconcile_orphans_terminated_total Orphan instances reconcile has terminated.\n"
        "# TYPE hpcstack_elastic_reconcile_orphans_terminated_total counter\n"
        "hpcstack_elastic_reconcile_orphans_terminated_total 2.0\n"
        "# HELP hpcstack_elastic_reconcile_nodes_downed_total Nodes reconcile set DOWN (vanished instance, no address).\n"
        "# TYPE hpcstack_elastic_reconcile_nodes_downed_total counter\n"
        "hpcstack_elastic_reconcile_nodes_downed_total 0.0\n"
        "# HELP hpcstack_elastic_reconcile_nodes_returned_total Failed nodes reconcile returned to service after their "
        "cool-down.\n"
        "# TYPE hpcstack_elastic_reconcile_nodes_returned_total counter\n"
        "hpcstack_elastic_reconcile_nodes_returned_total 1.0\n")
    assert sorted(os.listdir(tmp_path)) == ["hpcstack_elastic.prom", "state"]


def test_a_pass_that_terminates_orphans_reports_them(tmp_path):
    rec, fake, provider, clock = setup(tmp_path, {"c1": powered_down()})
    rec.metrics_file = str(tmp_path / "m.prom")
    provider.add("c1", launched=clock.now - 301)

    def broken(ids):
        raise ProviderError("DockerEngineError", "busy")
    provider.terminate = broken
    rec.run()
    text = (tmp_path / "m.prom").read_text()
    assert "hpcstack_elastic_reconcile_orphans 1.0\n" in text
    assert "hpcstack_elastic_reconcile_orphans_terminated_total 0.0\n" in text


def test_a_controller_not_in_charge_still_marks_its_pass(tmp_path):
    rec, fake, provider, clock = setup(tmp_path, {"c1": powered_down()})
    rec.metrics_file = str(tmp_path / "m.prom")
    rec.hostname = "ctl2"
    assert rec.run() is None
    text = (tmp_path / "m.prom").read_text()
    assert "hpcstack_elastic_reconcile_last_run_timestamp_seconds 10000.0\n" in text
    assert "hpcstack_elastic_reconcile_orphans 0.0\n" in text
