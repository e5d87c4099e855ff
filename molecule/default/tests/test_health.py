"""The node health check: slurmd runs it, a failure drains the node with a clear reason, a fixed node
is resumed, and a node an administrator drained stays drained."""

import re
import time
import uuid

import pytest

from hpcstack_harness import node_state

PROGRAM = "/usr/local/sbin/hpcstack-node-health"
CONFIG = "/etc/hpcstack/node-health.conf"
SAVED = CONFIG + ".test-saved"
MISSING = "/hpcstack-test-missing"
REASON = "hpcstack-health: %s not mounted" % MISSING
ADMIN_REASON = "admin maintenance (test)"


def state_and_reason(login, node="c2"):
    return node_state(login, node)


def wait_for(login, predicate, timeout, node="c2"):
    """c2's (state, reason) once predicate(state, reason) holds, or at the timeout."""
    deadline = time.monotonic() + timeout
    while True:
        current = node_state(login, node)
        if predicate(*current) or time.monotonic() > deadline:
            return current
        time.sleep(2)


def break_c2(c2, missing=MISSING):
    """Make c2's check fail: require a mount point that does not exist."""
    c2.check_output("test -e %s || cp -p %s %s", SAVED, CONFIG, SAVED)
    c2.check_output("echo %s >> %s", 'MOUNTS="$MOUNTS %s"' % missing, CONFIG)


def fix_c2(c2):
    c2.run("test -e %s && mv %s %s", SAVED, SAVED, CONFIG)


@pytest.fixture(name="c2")
def c2_restored(computes, login):
    """c2, given back healthy, idle and without a drain reason whatever the test did."""
    c2 = computes[1]
    yield c2
    fix_c2(c2)
    login.run("scontrol update nodename=c2 state=resume")
    state = wait_for(login, lambda state, reason: state == "idle", 60)[0]
    assert state == "idle"


def test_slurm_conf_runs_the_check(login):
    config = login.check_output("scontrol show config")
    assert re.search(r"^HealthCheckProgram\s*=\s*%s$" % PROGRAM, config, re.M)
    assert re.search(r"^HealthCheckInterval\s*=\s*\d+ sec", config, re.M)
    assert re.search(r"^HealthCheckNodeState\s*=\s*ANY", config, re.M)


def test_healthy_nodes_pass_quickly(computes):
    for host in computes:
        started = time.time()
        result = host.run("%s -n", PROGRAM)
        assert result.rc == 0, result.stdout + result.stderr
        assert "would run" not in result.stdout
        assert time.time() - started < 20


@pytest.mark.parametrize("setting, message", [
    ("MOUNTS=/hpcstack-test-missing", "/hpcstack-test-missing not mounted"),
    ("DISK_FREE_MB=/tmp:999999999", "/tmp has "),
    ("MIN_FREE_MEMORY_MB=999999999", "MB memory available, below 999999999 MB"),
    ("MAX_CLOCK_OFFSET=-1", "clock off by"),
])
def test_each_check_names_what_failed(c2, setting, message):
    """Dry run (-n) with one threshold out of reach: the drain it would do names the failure."""
    c2.check_output("cp %s /tmp/node-health-test.conf && echo %s >> /tmp/node-health-test.conf", CONFIG, setting)
    result = c2.run("HPCSTACK_NODE_HEALTH_CONFIG=/tmp/node-health-test.conf %s -n", PROGRAM)
    c2.run("rm -f /tmp/node-health-test.conf")
    assert result.rc == 1
    drain = "would run: scontrol update nodename=c2 state=drain reason=hpcstack-health: "
    lines = [line for line in result.stdout.splitlines() if line.startswith(drain)]
    assert len(lines) == 1 and message in lines[0], result.stdout


def test_slurmd_runs_the_check_and_drains_a_failing_node(login, c2):
    interval = int(re.search(r"^HealthCheckInterval\s*=\s*(\d+)", login.check_output("scontrol show config"), re.M).group(1))
    if interval == 0 or interval > 120:
        pytest.skip("HealthCheckInterval is %s s: too long to wait for slurmd in a test" % interval)
    # A mount point no other test uses: only slurmd's own run of the check can name it.
    missing = "%s-%s" % (MISSING, uuid.uuid4().hex[:8])
    break_c2(c2, missing)
    state, reason = wait_for(login, lambda state, reason: state.startswith("drain"), 2 * interval + 30)
    assert state.startswith("drain") and reason == "hpcstack-health: %s not mounted" % missing, (state, reason)
    assert missing in c2.check_output("journalctl -t hpcstack-node-health --since=-5min --no-pager")


def test_a_failing_node_is_drained_and_resumed_once_fixed(login, c2):
    break_c2(c2)
    assert c2.run(PROGRAM).rc == 1
    state, reason = wait_for(login, lambda state, reason: state.startswith("drain"), 10)
    assert state.startswith("drain") and reason == REASON, (state, reason)

    fix_c2(c2)
    assert c2.run(PROGRAM).rc == 0
    state, reason = wait_for(login, lambda state, reason: state == "idle", 30)
    assert (state, reason) == ("idle", "none")


def test_a_node_drained_by_an_admin_stays_drained(login, c2):
    login.check_output("scontrol update nodename=c2 state=drain reason=%s", ADMIN_REASON)
    assert c2.run(PROGRAM).rc == 0
    assert state_and_reason(login) == ("drained", ADMIN_REASON)

    # Failing checks do not overwrite the administrator's reason either.
    break_c2(c2)
    assert c2.run(PROGRAM).rc == 1
    assert state_and_reason(login) == ("drained", ADMIN_REASON)
