"""Hosts of the day2 cluster, jobs that wait for a release, and the re-converge with a job running."""

import os

import pytest

import hpcstack_harness
from hpcstack_harness import PROJECT, Job, host, run_playbook

# The harness's pytest hooks (markers; irreversible tests run last).
pytest_configure = hpcstack_harness.pytest_configure
pytest_collection_modifyitems = hpcstack_harness.pytest_collection_modifyitems

SCENARIO = os.path.join(PROJECT, "molecule", "day2")
CONTROLLER = "d2ctl1"
NODES = ("d2c1", "d2c2")
JOB_NODE = "d2c1"


@pytest.fixture(scope="session")
def ctl():
    return host(CONTROLLER)


@pytest.fixture(scope="session")
def job(ctl):
    """job(node, tag) starts a releasable job on node and waits until it runs."""
    return lambda node, tag: Job(ctl, node, tag)


@pytest.fixture(scope="session")
def reconverge(job, tmp_path_factory):
    """site.yml re-converged with -vvv while a job runs on JOB_NODE.

    Returns (process, seconds, path of the whole -vvv log, the job's accounting record after release).
    test_jobs_survive checks the job, test_secrets reads the log: whichever runs first runs the converge.
    """
    log = str(tmp_path_factory.mktemp("reconverge") / "site-vvv.log")
    running = job(JOB_NODE, "reconverge")
    result, seconds = run_playbook("site.yml", "-vvv", log=log)
    running.wait_for("RUNNING", timeout=5)
    return result, seconds, log, running.release()
