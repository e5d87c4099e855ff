"""Hosts of the Molecule cluster as testinfra hosts, by role."""

import json
import os
import subprocess
import sys

import pytest
import testinfra

# Molecule's inventory directory; HPCSTACK_TEST_INVENTORY (a directory such as a copy of
# inventories/lab) runs the same tests against a lab instead.
INVENTORY = os.environ.get("HPCSTACK_TEST_INVENTORY") or os.path.dirname(os.environ["MOLECULE_INVENTORY_FILE"])


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


# Where a configless host (slurmd --conf-server, sackd) keeps the configuration the controller sent.
CONFIGLESS_DIR = "/run/slurm/conf"


def slurm_conf_path(host, name="slurm.conf"):
    """The Slurm configuration file this host's daemons and commands read: its own, or the fetched copy."""
    own = "/etc/slurm/" + name
    return own if host.file(own).exists else CONFIGLESS_DIR + "/" + name


def slurm_conf_text(host, name="slurm.conf"):
    return host.file(slurm_conf_path(host, name)).content_string


ANSIBLE = os.path.join(os.path.dirname(sys.executable), "ansible")


@pytest.fixture(scope="session")
def slurm_node():
    """Run hpcstack.cluster.slurm_node on ctl1; return its result."""
    return lambda *args, check=False: run_module("slurm_node", *args, check=check)


@pytest.fixture(scope="session")
def slurm_module():
    """Run any hpcstack.cluster module on ctl1 with key=value arguments; return its result."""
    return run_module


def run_module(module, *args, check=False, may_fail=False):
    """Run hpcstack.cluster.<module> on ctl1 through the Molecule inventory; return its result.

    Arguments are key=value strings, or one dict (sent as JSON).
    """
    arguments = json.dumps(args[0]) if len(args) == 1 and isinstance(args[0], dict) else " ".join(args)
    command = [ANSIBLE, "-i", INVENTORY, "ctl1",
               "-m", "hpcstack.cluster." + module, "-a", arguments, "-o"]
    if check:
        command.append("--check")
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", ANSIBLE_LOAD_CALLBACK_PLUGINS="1",
               ANSIBLE_STDOUT_CALLBACK="ansible.builtin.minimal")
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False, timeout=300)
    assert result.returncode == 0 or may_fail, result.stdout + result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith("ctl1 | "))
    data = json.loads(line.split("=>", 1)[1])
    data.setdefault("failed", " | FAILED" in line)
    return data
