# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The elastic resume program launching 500 EC2 nodes against moto's server on loopback.

Runs ``hpcstack-elastic --foreground resume aws-[1-500]`` in-process (the detached worker's code)
with the real ec2 provider, once with one instance type (RunInstances) and once with two (EC2
Fleet, whose answers carry no address: one DescribeInstances per batch). moto runs in its own
process (ThreadedMotoServer is the tests' choice; here it would share the GIL and blur the
program's own CPU time). Slurm is a stand-in that answers ``scontrol`` and counts the updates.
Prints wall time, the program's CPU time and API calls by operation.

    .venv/bin/python benchmarks/elastic_resume.py [--nodes 500] [--batch-size 50] [--parallelism 16]

moto answers in microseconds where EC2 takes ~0.3-1 s per RunInstances: the numbers show the
program's own cost and its call count, not what a real launch of 500 instances takes.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import boto3
import hostlist

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", ".cache", "collections"))

from ansible_collections.hpcstack.cluster.programs.hpcstack_elastic import cli  # noqa: E402
from ansible_collections.hpcstack.cluster.programs.hpcstack_elastic.providers import default_factory  # noqa: E402
from ansible_collections.hpcstack.cluster.programs.hpcstack_elastic.providers.aws import AwsClients  # noqa: E402


class ScontrolStandIn:
    """Answers what the resume worker asks of scontrol (24.11 flavour); counts the updates."""

    def __init__(self) -> None:
        self.updates = 0
        self.calls = 0

    def __call__(self, argv):
        self.calls += 1
        words = list(argv[1:])
        if words == ["--version"]:
            return 0, "slurm 24.11.5\n", ""
        if words[:2] == ["show", "hostnames"]:
            return 0, "\n".join(hostlist.expand_hostlist(words[2])) + "\n", ""
        if words == ["--json", "show", "node"]:
            return 0, json.dumps({"nodes": []}), ""
        if words[:1] == ["update"]:
            self.updates += 1
            return 0, "", ""
        raise AssertionError("unexpected scontrol call %r" % argv)


def run(url: str, nodes: int, batch_size: int, parallelism: int, instance_types: list[str]) -> dict:
    work = tempfile.mkdtemp(prefix="elastic-bench-")
    config = os.path.join(work, "elastic.json")
    with open(config, "w") as handle:
        json.dump({"version": 1, "cluster": "bench", "state_dir": os.path.join(work, "state"),
                   "batch_size": batch_size, "launch_parallelism": parallelism,
                   "classes": {"aws": {"nodes": "aws-[1-%d]" % nodes, "provider": "ec2", "ec2": {
                       "region": "eu-west-1", "launch_template": {"name": "hpc-compute"},
                       "instance_types": instance_types, "endpoint_url": url}}}}, handle)
    clients = AwsClients(timeout=30, parallelism=parallelism)
    scontrol = ScontrolStandIn()
    env = cli.Environment(os.environ, runner=scontrol, factory=default_factory(aws=clients))
    start, cpu = time.monotonic(), time.process_time()
    status = cli.main(["--config", config, "--quiet", "--foreground", "resume", "aws-[1-%d]" % nodes], env)
    elapsed, cpu = time.monotonic() - start, time.process_time() - cpu
    pages = boto3.client("ec2", region_name="eu-west-1", endpoint_url=url).get_paginator("describe_instances").paginate(
        Filters=[{"Name": "tag:hpcstack:cluster", "Values": ["bench"]}])
    running = sum(len(r["Instances"]) for page in pages for r in page["Reservations"])
    return {"status": status, "seconds": elapsed, "cpu": cpu, "api_calls": clients.counter.total,
            "by_operation": dict(sorted(clients.counter.counts.items())), "scontrol_calls": scontrol.calls,
            "scontrol_updates": scontrol.updates, "instances": running}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--nodes", type=int, default=500)
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--parallelism", type=int, default=16)
    args = parser.parse_args()
    for key, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                       ("AWS_EC2_METADATA_DISABLED", "true")):
        os.environ[key] = value
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = "http://127.0.0.1:%d" % port
    for dummy in range(100):
        try:
            urllib.request.urlopen(url + "/moto-api/", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    try:
        boto3.client("ec2", region_name="eu-west-1", endpoint_url=url).create_launch_template(
            LaunchTemplateName="hpc-compute", LaunchTemplateData={"ImageId": "ami-12c6146b", "InstanceType": "c5.large"})
        print("load before: %.2f %.2f %.2f" % os.getloadavg())
        for label, types in (("RunInstances (one instance type)", ["c5.large"]),
                             ("CreateFleet instant (two instance types)", ["c5.large", "c5a.large"])):
            result = run(url, args.nodes, args.batch_size, args.parallelism, types)
            print("%s: %d nodes in %.2f s (%.1f nodes/s; program CPU %.2f s), %d AWS API calls %s, "
                  "%d scontrol calls (%d updates), %d instances, exit %d"
                  % (label, args.nodes, result["seconds"], args.nodes / result["seconds"], result["cpu"],
                     result["api_calls"],
                     json.dumps(result["by_operation"]), result["scontrol_calls"], result["scontrol_updates"],
                     result["instances"], result["status"]))
            urllib.request.urlopen(urllib.request.Request(url + "/moto-api/reset", method="POST"), timeout=30)
            boto3.client("ec2", region_name="eu-west-1", endpoint_url=url).create_launch_template(
                LaunchTemplateName="hpc-compute",
                LaunchTemplateData={"ImageId": "ami-12c6146b", "InstanceType": "c5.large"})
        print("load after: %.2f %.2f %.2f" % os.getloadavg())
    finally:
        server.terminate()
        server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
