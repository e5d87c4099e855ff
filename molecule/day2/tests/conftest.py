"""Hosts of the day2 cluster, jobs that wait for a release, and playbook runs against its inventory."""

import os
import subprocess
import sys
import time

import pytest
import testinfra

# Molecule's inventory directory; HPCSTACK_TEST_INVENTORY runs the same tests against another one.
INVENTORY = os.environ.get("HPCSTACK_TEST_INVENTORY") or os.path.dirname(os.environ["MOLECULE_INVENTORY_FILE"])
PROJECT = os.environ.get("MOLECULE_PROJECT_DIRECTORY") or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCENARIO = os.path.join(PROJECT, "molecule", "day2")
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
CONTROLLER = "d2ctl1"
NODES = ("d2c1", "d2c2")
# The -vvv log of the re-converge in test_1_jobs_survive.py, read by test_2_secrets.py.
CONVERGE_LOG = "/tmp/hpcstack-day2-converge-vvv.log"


def host(name):
    return testinfra.get_host("ansible://" + name, ansible_inventory=INVENTORY)


@pytest.fixture(scope="session")
def ctl():
    return host(CONTROLLER)


def playbook(name, *args, inventory=INVENTORY, log=None, may_fail=False):
    """Run playbooks/<name> against the scenario; returns (CompletedProcess, seconds)."""
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0",
               ANSIBLE_CONFIG=os.path.join(PROJECT, "ansible.cfg"),
               ANSIBLE_COLLECTIONS_PATH=os.path.join(PROJECT, ".cache", "collections"))
    command = [ANSIBLE_PLAYBOOK, "-i", inventory, os.path.join(PROJECT, "playbooks", name)] + list(args)
    start = time.monotonic()
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False, timeout=1800)
    seconds = time.monotonic() - start
    if log:
        with open(log, "w") as handle:
            handle.write(result.stdout + result.stderr)
    assert result.returncode == 0 or may_fail, result.stdout[-6000:] + result.stderr[-3000:]
    return result, seconds


class Job:
    """A batch job of the lab user on one node that runs until released (a file on that node)."""

    def __init__(self, ctl, node, tag):
        self.ctl, self.node, self.tag = ctl, node, tag
        self.release_file = "/tmp/hpcstack-release-" + tag
        host(node).run("rm -f " + self.release_file)
        wait = "while [ ! -e %s ]; do sleep 1; done" % self.release_file
        out = ctl.check_output("cd /tmp && runuser -u alice -- sbatch --parsable -J %s -w %s -t 30 -o /dev/null --wrap '%s'"
                               % (tag, node, wait))
        self.id = out.strip().split(";")[0]
        self.wait_for("RUNNING")

    def state(self):
        return self.ctl.check_output("squeue -h -j %s -o %%T || true" % self.id).strip()

    def wait_for(self, state, timeout=120):
        deadline = time.monotonic() + timeout
        while self.state() != state:
            assert time.monotonic() < deadline, "job %s (%s) is %r, not %s" % (self.id, self.tag, self.state(), state)
            time.sleep(1)

    def release(self):
        """End the job and return its accounting record 'State|ExitCode'."""
        host(self.node).check_output("touch " + self.release_file)
        deadline = time.monotonic() + 120
        while True:
            record = self.ctl.check_output("sacct -n -X -P -j %s -o State,ExitCode" % self.id).strip()
            if record and not record.startswith(("RUNNING", "PENDING", "COMPLETING")):
                return record
            assert time.monotonic() < deadline, "job %s still %r" % (self.id, record)
            time.sleep(2)


@pytest.fixture(scope="session")
def job(ctl):
    """job(node, tag) starts a releasable job on node and waits until it runs."""
    return lambda node, tag: Job(ctl, node, tag)


def node_state(ctl, name):
    """(state with flags, reason) of a node, e.g. ('IDLE+DRAIN', 'disk')."""
    out = ctl.check_output("sinfo -h -N -n %s -o '%%T|%%E'" % name).strip().splitlines()[0]
    state, reason = out.split("|", 1)
    return state, reason


@pytest.fixture(scope="session", autouse=True)
def _no_stale_converge_log():
    """test_2_secrets.py must read this run's log, never an older one."""
    if os.path.exists(CONVERGE_LOG):
        os.remove(CONVERGE_LOG)


def wait_node_state(ctl, name, state, timeout=90):
    """Wait until sinfo shows the node in ``state`` (e.g. idle); return (state, reason)."""
    deadline = time.monotonic() + timeout
    while True:
        current = node_state(ctl, name)
        if current[0] == state or time.monotonic() > deadline:
            return current
        time.sleep(2)
