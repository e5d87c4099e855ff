"""Hosts of the Molecule cluster as testinfra hosts, by role."""

import os

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
