"""Hosts of the HA scenario: two controllers sharing the StateSaveLocation, two compute nodes."""

import pytest

import hpcstack_harness
from hpcstack_harness import all_completed, host, run_playbook as _run_playbook, submit, wait_for

# The harness's pytest hooks (markers; irreversible tests run last).
pytest_configure = hpcstack_harness.pytest_configure
pytest_collection_modifyitems = hpcstack_harness.pytest_collection_modifyitems


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


def run_playbook(playbook, *args, timeout=900):
    """Run a playbook of this collection against the scenario; return the process (its exit status unchecked)."""
    return _run_playbook(playbook, *args, may_fail=True, timeout=timeout)[0]


@pytest.fixture(scope="session")
def backup_run(primary, client):
    """backup.yml run twice after a job (the second with backup_keep=1): (both outputs, the job id)."""
    job = submit(client, "--wait --nodes=1 --time=5 --wrap=true")
    wait_for("the job is in accounting", lambda: all_completed(client, [job]), 120, 3)
    first = run_playbook("backup.yml", "-v")
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr
    second = run_playbook("backup.yml", "-v", "-e", "backup_keep=1")
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr
    return first.stdout + second.stdout, job
