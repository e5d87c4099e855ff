"""The lab cluster's hosts by role (Molecule's default scenario, or inventories/lab via `make lab-check`)."""

import pytest

import hpcstack_harness
from hpcstack_harness import as_user as _as_user, host, run_module

# The harness's pytest hooks (markers; irreversible tests run last).
pytest_configure = hpcstack_harness.pytest_configure
pytest_collection_modifyitems = hpcstack_harness.pytest_collection_modifyitems

CONTROLLER = "ctl1"


@pytest.fixture(scope="session")
def controller():
    return host(CONTROLLER)


@pytest.fixture(scope="session")
def login():
    return host("login1")


@pytest.fixture(scope="session")
def computes():
    return [host("c1"), host("c2")]


@pytest.fixture(scope="session")
def all_hosts():
    return [host(name) for name in ("ctl1", "c1", "c2", "login1")]


@pytest.fixture(scope="session")
def as_user():
    """as_user(host, command): run a command on a host as the unprivileged lab user, from /tmp."""
    return _as_user


# Where a configless host (slurmd --conf-server, sackd) keeps the configuration the controller sent.
CONFIGLESS_DIR = "/run/slurm/conf"


def slurm_conf_path(target, name="slurm.conf"):
    """The Slurm configuration file this host's daemons and commands read: its own, or the fetched copy."""
    own = "/etc/slurm/" + name
    return own if target.file(own).exists else CONFIGLESS_DIR + "/" + name


def slurm_conf_text(target, name="slurm.conf"):
    return target.file(slurm_conf_path(target, name)).content_string


@pytest.fixture(scope="session")
def slurm_module():
    """slurm_module(module, *args, check=False, may_fail=False): a hpcstack.cluster module on the controller."""
    return lambda module, *args, **kwargs: run_module(CONTROLLER, module, *args, **kwargs)


@pytest.fixture(scope="session")
def slurm_node():
    """Run hpcstack.cluster.slurm_node on the controller; return its result."""
    return lambda *args, check=False: run_module(CONTROLLER, "slurm_node", *args, check=check)
