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
