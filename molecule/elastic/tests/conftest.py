"""Hosts of the elastic scenario, the cloud containers the docker provider starts, and Slurm's view of the nodes."""

import json
import re
import subprocess

import pytest

import hpcstack_harness
from hpcstack_harness import host

# The harness's pytest hooks (markers; irreversible tests run last).
pytest_configure = hpcstack_harness.pytest_configure
pytest_collection_modifyitems = hpcstack_harness.pytest_collection_modifyitems

CONTROLLER = "hpcel-ctl1"
STATIC = "hpcel-c1"
CLOUD = ("lab1", "lab2")
CLUSTER = "hpcel"
IMAGE = "hpcel/compute:trixie"
CONFIG = "/etc/hpcstack/elastic.json"
METRICS = "/var/lib/prometheus/node-exporter/hpcstack_elastic.prom"


@pytest.fixture(scope="session")
def ctl():
    return host(CONTROLLER)


def docker(*args, check=True):
    """The host's docker CLI (the same engine the controller's program talks to)."""
    return subprocess.run(["docker", *args], capture_output=True, text=True, check=check, timeout=120)


def cloud_containers():
    """Container name -> state of the containers labelled as instances of this cluster."""
    out = docker("ps", "-a", "--filter", "label=org.hpcstack.elastic.cluster=" + CLUSTER, "--format", "{{.Names}} {{.State}}")
    return dict(line.split(" ", 1) for line in out.stdout.splitlines() if line.strip())


def node(ctl, name):
    """scontrol's fields of a node: State (base+flags), Reason, NodeAddr, ..."""
    line = hpcstack_harness.scontrol_show(ctl, "node", name)
    fields = hpcstack_harness.fields_of(line)
    fields["flags"] = set(fields.get("State", "").split("+"))
    reason = re.search(r"Reason=(.*?)(?: \[|$)", line)
    fields["Reason"] = reason.group(1) if reason else ""
    return fields


def job(ctl, job_id):
    """scontrol's fields of a job (it stays known for MinJobAge after it ends)."""
    return hpcstack_harness.scontrol_fields(ctl, "job", job_id)


def journal(ctl, since):
    """The program's journal lines since a time (epoch seconds) as (epoch seconds, message)."""
    out = ctl.check_output("journalctl -t hpcstack-elastic -o json --no-pager --since @%s", str(int(since)))
    entries = [json.loads(line) for line in out.splitlines() if line.strip()]
    return [(int(entry["__REALTIME_TIMESTAMP"]) / 1e6, entry.get("MESSAGE", "")) for entry in entries]
