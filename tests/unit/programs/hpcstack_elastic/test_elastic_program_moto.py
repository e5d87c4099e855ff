# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The program (resume worker, suspend, reconcile) with the real ec2 provider against moto's server."""

from __future__ import annotations

import time

import boto3
from elastic_helpers import FakeSlurm, make_config

from ansible_collections.hpcstack.cluster.programs.hpcstack_elastic.providers import Providers, default_factory
from ansible_collections.hpcstack.cluster.programs.hpcstack_elastic.providers.aws import AwsClients
from ansible_collections.hpcstack.cluster.programs.hpcstack_elastic.reconcile import Reconciler
from ansible_collections.hpcstack.cluster.programs.hpcstack_elastic.resume import Resumer
from ansible_collections.hpcstack.cluster.programs.hpcstack_elastic.slurm import Slurm
from ansible_collections.hpcstack.cluster.programs.hpcstack_elastic.state import StateDir
from ansible_collections.hpcstack.cluster.programs.hpcstack_elastic.suspend import Suspender

POWERING_UP = {"state": "allocated", "flags": ("cloud", "powering_up", "not_responding")}


def states(client):
    found = {}
    for page in client.get_paginator("describe_instances").paginate():
        for reservation in page["Reservations"]:
            for raw in reservation["Instances"]:
                tags = {t["Key"]: t["Value"] for t in raw.get("Tags", [])}
                found.setdefault(tags.get("hpcstack:node"), []).append(raw["State"]["Name"])
    return found


def test_resume_suspend_and_reconcile_against_moto(tmp_path, moto):
    client = boto3.client("ec2", region_name="eu-west-1", endpoint_url=moto)
    client.create_launch_template(LaunchTemplateName="hpc-compute",
                                  LaunchTemplateData={"ImageId": "ami-12c6146b", "InstanceType": "c5.large"})
    config = make_config(tmp_path, {"aws": {"nodes": "aws-[1-3]", "provider": "ec2", "ec2": {
        "region": "eu-west-1", "launch_template": {"name": "hpc-compute"}, "endpoint_url": moto}}})
    slurm = FakeSlurm({"aws-1": POWERING_UP, "aws-2": POWERING_UP, "aws-3": POWERING_UP})
    providers = Providers(config, default_factory(aws=AwsClients(timeout=10)))
    later = {"now": time.time()}
    state = StateDir(config.state_dir, lambda: later["now"])

    result = Resumer(config, Slurm(slurm), providers, state).run(["aws-1", "aws-2", "aws-3"], [], attempt="r1")
    assert sorted(result.started) == ["aws-1", "aws-2", "aws-3"]
    assert slurm.nodes["aws-1"]["address"] == result.started["aws-1"].address.ip
    assert states(client) == {"aws-1": ["running"], "aws-2": ["running"], "aws-3": ["running"]}

    Suspender(config, Slurm(slurm), providers, state).run(["aws-3"])
    assert states(client)["aws-3"] == ["terminated"] and slurm.nodes["aws-3"]["address"] == "aws-3"

    # aws-1: Slurm powered it down but its instance still runs (an orphan);
    # aws-2: registered and running, but its instance is terminated behind Slurm's back (vanished).
    slurm.nodes["aws-1"].update(state="idle", flags={"cloud", "powered_down"})
    slurm.nodes["aws-2"].update(state="idle", flags={"cloud"})
    client.terminate_instances(InstanceIds=[result.started["aws-2"].id])
    reconciler = Reconciler(config, Slurm(slurm), providers, state, lambda: later["now"], hostname="rec")
    later["now"] += config.timeouts.orphan_grace + 1
    counts = reconciler.run()
    assert counts["orphans_terminated"] == 1 and states(client)["aws-1"] == ["terminated"]
    assert slurm.nodes["aws-2"]["state"] == "idle"  # missing once: could be eventual consistency
    later["now"] += config.timeouts.vanished_grace
    reconciler.run()
    assert slurm.nodes["aws-2"]["state"] == "down"
    assert slurm.nodes["aws-2"]["reason"] == "elastic: (Code:InstanceVanished) the node's instance no longer exists"
    assert "powering_down" in slurm.nodes["aws-2"]["flags"]
