# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One test per complaint of the users of aws-parallelcluster, cluster-toolkit and cyclecloud-slurm
(issue 15, "What their users complain about"): none of these may happen here."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time

import pytest
from botocore.stub import ANY, Stubber
from elastic_helpers import CLOUD_VERSIONS, Clock, FakeProvider, FakeSlurm, build_zipapp, make_config
from test_elastic_slurm_recorded import PHASES, slurm_answering

from ansible_collections.hpcstack.cluster.programs.hpcstack_elastic import nodestate
from ansible_collections.hpcstack.cluster.programs.hpcstack_elastic.providers import Providers, ProviderError
from ansible_collections.hpcstack.cluster.programs.hpcstack_elastic.providers.aws import AwsClients, Backoff
from ansible_collections.hpcstack.cluster.programs.hpcstack_elastic.providers.ec2 import Ec2Provider
from ansible_collections.hpcstack.cluster.programs.hpcstack_elastic.reconcile import Reconciler
from ansible_collections.hpcstack.cluster.programs.hpcstack_elastic.resume import Resumer
from ansible_collections.hpcstack.cluster.programs.hpcstack_elastic.resume_file import JobNodes
from ansible_collections.hpcstack.cluster.programs.hpcstack_elastic.slurm import Slurm
from ansible_collections.hpcstack.cluster.programs.hpcstack_elastic.state import StateDir

DOCKER = {"image": "i", "network": "n", "conf_servers": ["ctl1"]}
POWERING_UP = {"state": "allocated", "flags": ("cloud", "powering_up", "not_responding")}
CAPACITY = "We currently do not have sufficient c5.large capacity in the Availability Zone you requested (eu-west-1a)."


def lab(tmp_path, nodes, clock, provider, version="24.11"):
    config = make_config(tmp_path, {"lab": {"nodes": "c[1-4]", "provider": "docker", "docker": DOCKER}})
    fake = FakeSlurm(nodes, version)
    providers = Providers(config, lambda c, k: provider)
    state = StateDir(config.state_dir, clock)
    return (Resumer(config, Slurm(fake), providers, state, sleep=clock.sleep, clock=clock),
            Reconciler(config, Slurm(fake), providers, state, clock, hostname="rec"), fake)


def test_capacity_error_does_not_leave_the_node_down_until_an_admin_steps_in(tmp_path):
    clock, provider = Clock(), FakeProvider()
    provider.errors["c1"] = ProviderError("InsufficientInstanceCapacity", CAPACITY)
    resumer, reconciler, slurm = lab(tmp_path, {"c1": POWERING_UP}, clock, provider)
    resumer.run(["c1"], [], attempt="r1")
    assert slurm.nodes["c1"]["reason"] == "elastic: (Code:InsufficientInstanceCapacity) " + CAPACITY
    slurm.finish_power_down()  # SuspendTimeout later: DOWN+CLOUD+POWERED_DOWN (fixture failed_powered_down)
    clock.now += 600
    reconciler.run()
    node = slurm.nodes["c1"]
    assert (node["state"], nodestate.phase(node)) == ("idle", nodestate.POWERED_DOWN)
    # IDLE+CLOUD+POWERED_DOWN+NOT_RESPONDING is how Slurm returns it; recorded: the next job powers it up.
    assert node["flags"] == {"cloud", "powered_down", "not_responding"}
    for version in CLOUD_VERSIONS:
        scheduled = slurm_answering(version, "returned_scheduled").nodes()["cloud3"]
        assert nodestate.phase(scheduled) == nodestate.POWERING_UP
    before = len(slurm.calls)
    reconciler.run()
    assert [c for c in slurm.calls[before:] if "update" in c] == []  # and reconcile leaves it alone


def test_a_resume_failure_is_not_silent_and_does_not_wait_for_resume_timeout(tmp_path, caplog):
    clock, provider = Clock(), FakeProvider()
    provider.errors["c2"] = ProviderError("Unsupported", "c5.large is not supported in eu-west-1c")
    resumer, dummy, slurm = lab(tmp_path, {"c1": POWERING_UP, "c2": POWERING_UP}, clock, provider)
    with caplog.at_level(logging.INFO, logger="hpcstack-elastic"):
        resumer.run(["c1", "c2"], [], attempt="r1")
    assert clock.now == 1000.0  # right away, no waiting
    assert slurm.nodes["c2"]["state"] == "down" and "powering_up" not in slurm.nodes["c2"]["flags"]
    assert slurm.nodes["c2"]["reason"] == "elastic: (Code:Unsupported) c5.large is not supported in eu-west-1c"
    assert 'launch-failed node=c2 reason="elastic: (Code:Unsupported) c5.large is not supported' in caplog.text
    assert "launched node=c1 instance=i-0001 address=10.0.0.1" in caplog.text


FAKE_SCONTROL = '''\
#!{python}
import json, sys, time
args = sys.argv[1:]
with open({log!r}, "a") as log:
    log.write(json.dumps([time.time()] + args) + "\\n")
if args == ["--version"]:
    print("slurm 24.11.5")
elif args[:2] == ["show", "hostnames"]:
    time.sleep({slow})  # a slow controller: the worker takes its time, the program must not
    print("c1")
elif args == ["--json", "show", "node"]:
    print(json.dumps({{"nodes": []}}))
'''


def test_a_slow_resume_does_not_block_slurmscriptd(tmp_path):
    """Slurm waits for the program and reads its stdout/stderr to the end: both must come back at once."""
    log = tmp_path / "scontrol.log"
    scontrol = tmp_path / "scontrol"
    scontrol.write_text(FAKE_SCONTROL.format(python=sys.executable, log=str(log), slow=1))
    scontrol.chmod(0o755)
    config = tmp_path / "elastic.json"
    config.write_text(json.dumps({"version": 1, "cluster": "hpc", "state_dir": str(tmp_path / "state"),
                                  "scontrol": str(scontrol), "classes": {"lab": {
                                      "nodes": "c[1-1]", "provider": "docker",
                                      "docker": {**DOCKER, "socket": str(tmp_path / "no-docker.sock")}}}}))
    pyz = build_zipapp(tmp_path / "hpcstack-elastic.pyz")
    start = time.time()
    done = subprocess.run([sys.executable, pyz, "--config", str(config), "resume", "c[1-1]"],
                          capture_output=True, text=True, timeout=30, check=False)
    returned = time.time()
    assert done.returncode == 0 and returned - start < 1.5, (returned - start, done.stderr)
    deadline = time.time() + 20
    while time.time() < deadline and "power_down_force" not in (log.read_text() if log.exists() else ""):
        time.sleep(0.2)
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    calls = [line[1:] for line in lines]
    assert lines[-1][0] - returned > 0.5  # the worker went on well after the program returned
    assert calls[-2][:3] == ["update", "nodename=c1", "state=down"]
    assert calls[-2][3].startswith("reason=elastic: (Code:DockerEngineUnreachable) cannot reach the Docker engine")
    assert calls[-1] == ["update", "nodename=c1", "state=power_down_force"]


@pytest.mark.parametrize("version", CLOUD_VERSIONS)
def test_stale_node_addr_of_a_reused_ip_is_reset(tmp_path, version):
    clock, provider = Clock(), FakeProvider()
    nodes = {"c1": {"state": "idle", "flags": ("cloud", "powering_down"), "address": "10.0.0.1"},
             "c2": POWERING_UP}
    resumer, dummy, slurm = lab(tmp_path, nodes, clock, provider, version)
    resumer.run(["c2"], [], attempt="r1")  # the new instance gets 10.0.0.1, still c1's NodeAddr
    assert slurm.nodes["c2"]["address"] == "10.0.0.1"
    assert slurm.nodes["c1"]["address"] == "c1"
    assert slurm.updates()[-1] == ["update", "nodename=c2,c1", "nodeaddr=10.0.0.1,c1", "nodehostname=h-c2,c1"]


@pytest.mark.parametrize("fixture,node,expected,down", PHASES)
def test_node_state_strings_changing_between_versions_do_not_break_detection(fixture, node, expected, down):
    """Same phase from every recorded version, and from 24.11's text and JSON alike."""
    seen = {version: nodestate.phase(slurm_answering(version, fixture).nodes()[node]) for version in CLOUD_VERSIONS}
    assert set(seen.values()) == {expected}, seen


def stubbed_lab_ec2(tmp_path, clock, all_or_nothing=False):
    config = make_config(tmp_path, {"aws": {"nodes": "a[1-4]", "provider": "ec2", "all_or_nothing": all_or_nothing,
                                            "ec2": {"region": "eu-west-1", "launch_template": {"name": "hpc-compute"},
                                                    "instance_types": ["c5.large", "c5a.large"]}}})
    aws = Ec2Provider("hpc", "aws", config.classes["aws"].settings, AwsClients(timeout=5),
                      backoff=lambda: Backoff(sleep=clock.sleep))
    stub = Stubber(aws.ec2)
    stub.activate()
    slurm = FakeSlurm({"a1": POWERING_UP, "a2": POWERING_UP})
    resumer = Resumer(config, Slurm(slurm), Providers(config, lambda c, k: aws), StateDir(config.state_dir, clock),
                      sleep=clock.sleep, clock=clock)
    return resumer, stub, slurm


@pytest.fixture
def fake_aws(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")


def test_ec2_eventual_consistency_is_not_a_boot_failure(tmp_path, fake_aws):
    clock = Clock()
    resumer, stub, slurm = stubbed_lab_ec2(tmp_path, clock)
    stub.add_response("create_fleet", {"Instances": [{"InstanceIds": ["i-0000000000000000a"]}]})
    stub.add_client_error("describe_instances", "RequestLimitExceeded", "Request limit exceeded.")
    stub.add_response("describe_instances", {"Reservations": []})  # not visible yet
    stub.add_response("describe_instances", {"Reservations": [{"Instances": [
        {"InstanceId": "i-0000000000000000a", "State": {"Name": "pending"}}]}]})  # visible, no address yet
    stub.add_response("describe_instances", {"Reservations": [{"Instances": [
        {"InstanceId": "i-0000000000000000a", "State": {"Name": "pending"}, "PrivateIpAddress": "10.0.3.4",
         "PrivateDnsName": "ip-10-0-3-4.eu-west-1.compute.internal"}]}]})
    result = resumer.run(["a1"], [], attempt="r1")
    assert result.failed == {} and slurm.nodes["a1"]["address"] == "10.0.3.4"
    assert slurm.nodes["a1"]["hostname"] == "ip-10-0-3-4"
    stub.assert_no_pending_responses()


def test_a_partial_allocation_is_not_left_running_and_billed(tmp_path, fake_aws):
    clock = Clock()
    resumer, stub, slurm = stubbed_lab_ec2(tmp_path, clock, all_or_nothing=True)
    stub.add_response("create_fleet", {"Instances": [{"InstanceIds": ["i-0000000000000000a"]}], "Errors": [
        {"ErrorCode": "InsufficientInstanceCapacity", "ErrorMessage": CAPACITY}]}, {
        "Type": "instant", "ClientToken": ANY, "LaunchTemplateConfigs": ANY, "TagSpecifications": ANY,
        "TargetCapacitySpecification": {"TotalTargetCapacity": 2, "DefaultTargetCapacityType": "on-demand"},
        "OnDemandOptions": {"AllocationStrategy": "prioritized", "MinTargetCapacity": 2,
                            "SingleAvailabilityZone": True}})
    stub.add_response("terminate_instances", {}, {"InstanceIds": ["i-0000000000000000a"]})
    result = resumer.run(["a1", "a2"], [JobNodes(42, "a[1-2]")], attempt="r1")
    stub.assert_no_pending_responses()  # the one instance that started was terminated
    assert sorted(result.failed) == ["a1", "a2"]
    assert result.failed["a1"].startswith("elastic: (Code:PartialAllocation) EC2 started 1 of 2 instances")
    assert {slurm.nodes[n]["state"] for n in ("a1", "a2")} == {"down"}
