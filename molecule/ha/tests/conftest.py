"""Hosts of the HA scenario as testinfra hosts, and helpers to run Slurm commands and playbooks."""

import os
import subprocess
import sys
import time

import pytest
import testinfra

INVENTORY = os.environ.get("HPCSTACK_TEST_INVENTORY") or os.path.dirname(os.environ["MOLECULE_INVENTORY_FILE"])
PROJECT = os.environ.get("MOLECULE_PROJECT_DIRECTORY", os.getcwd())
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
USER = "alice"


def host(name):
    return testinfra.get_host("ansible://" + name, ansible_inventory=INVENTORY)


@pytest.fixture(scope="session")
def primary():
    return host("hactl1")


@pytest.fixture(scope="session")
def backup():
    return host("hactl2")


@pytest.fixture(scope="session")
def computes():
    return [host("hac1"), host("hac2")]


@pytest.fixture(scope="session")
def client():
    """Where the tests run Slurm commands as the lab user (a compute node: no login node here)."""
    return host("hac1")


def as_user(target, command):
    return target.run("cd /tmp && runuser -u %s -- %s" % (USER, command))


def submit(target, options):
    """Submit a batch job as the lab user; return its id."""
    job = as_user(target, "sbatch --parsable --output=/dev/null " + options)
    assert job.rc == 0, job.stderr
    return job.stdout.strip().split(";")[0]


def wait_for(what, check, timeout, interval=1.0):
    """Poll check() until it returns something true; return (value, seconds). Fail after timeout."""
    start = time.monotonic()
    while True:
        value = check()
        if value:
            return value, time.monotonic() - start
        if time.monotonic() - start > timeout:
            pytest.fail("%s: not reached within %d s" % (what, timeout))
        time.sleep(interval)


def job_states(target, jobs):
    """Job id -> state as accounting records it (empty for jobs it does not know)."""
    out = target.run("sacct --noheader --parsable2 --allocations --allusers --format=JobID,State --jobs=%s",
                     ",".join(jobs))
    states = dict(line.split("|", 1) for line in out.stdout.splitlines() if "|" in line)
    return {job: states.get(job, "").split(" ")[0] for job in jobs}


def all_completed(target, jobs):
    return all(state == "COMPLETED" for state in job_states(target, jobs).values())


def run_playbook(playbook, *args, timeout=900):
    """Run a playbook of this collection against the scenario's inventory; return the process."""
    command = [ANSIBLE_PLAYBOOK, "-i", INVENTORY, os.path.join(PROJECT, "playbooks", playbook)] + list(args)
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    return subprocess.run(command, capture_output=True, text=True, env=env, check=False, timeout=timeout)
