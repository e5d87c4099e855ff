"""Hosts of the Molecule cluster as testinfra hosts, by role."""

import json
import os
import subprocess
import sys

import pytest
import testinfra

INVENTORY = os.environ.get("MOLECULE_INVENTORY_FILE")


def _host(name):
    return testinfra.get_host("ansible://" + name, ansible_inventory=INVENTORY)


@pytest.fixture(scope="session")
def login():
    return _host("login1")


@pytest.fixture(scope="session")
def computes():
    return [_host("c1"), _host("c2")]


@pytest.fixture(scope="session")
def all_hosts():
    return [_host(name) for name in ("ctl1", "c1", "c2", "login1")]


@pytest.fixture(scope="session")
def as_user():
    """Run a command on a host as the unprivileged lab user, from /tmp."""

    def run(host, command):
        return host.run("cd /tmp && runuser -u alice -- " + command)

    return run


ANSIBLE = os.path.join(os.path.dirname(sys.executable), "ansible")


@pytest.fixture(scope="session")
def slurm_node():
    """Run hpcstack.cluster.slurm_node on ctl1 through the Molecule inventory; return its result."""
    return _slurm_node


def _slurm_node(*args, check=False):
    """Run hpcstack.cluster.slurm_node on ctl1 through the Molecule inventory; return its result."""
    command = [ANSIBLE, "-i", os.path.dirname(os.environ["MOLECULE_INVENTORY_FILE"]), "ctl1",
               "-m", "hpcstack.cluster.slurm_node", "-a", " ".join(args), "-o"]
    if check:
        command.append("--check")
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", ANSIBLE_LOAD_CALLBACK_PLUGINS="1",
               ANSIBLE_STDOUT_CALLBACK="ansible.builtin.minimal")
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith("ctl1 | "))
    return json.loads(line.split("=>", 1)[1])
