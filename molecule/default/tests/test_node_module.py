"""slurm_node drains and resumes for real, is idempotent, and honours check mode."""

import time


def node_state(host, node, expected=None, timeout=60):
    """The node's state; with `expected`, wait up to `timeout` s for it (a busy controller may
    briefly mark a node not responding, shown as a trailing *)."""
    deadline = time.time() + timeout
    while True:
        state = host.check_output("sinfo --noheader --nodes=%s --format=%%T", node)
        if expected is None or state == expected or time.time() > deadline:
            return state
        time.sleep(2)


def test_drain_check_mode_changes_nothing(login, slurm_node):
    result = slurm_node("name=c2", "state=drain", "reason=molecule-check", check=True)
    assert result["changed"] is True
    assert node_state(login, "c2") in ("idle", "idle*")


def test_drain_waits_until_drained_and_is_idempotent(login, slurm_node):
    first = slurm_node("name=c2", "state=drain", "reason=molecule-test", "wait=true", "wait_timeout=60")
    assert first["changed"] is True
    assert first["changed_nodes"] == ["c2"]
    assert node_state(login, "c2", expected="drained") == "drained"
    assert "molecule-test" in login.check_output("sinfo --noheader --list-reasons --format=%E")
    again = slurm_node("name=c2", "state=drain", "reason=molecule-test")
    assert again["changed"] is False


def test_resume_returns_the_node_to_service(login, slurm_node):
    result = slurm_node("name=c2", "state=resume")
    assert result["changed"] is True
    assert node_state(login, "c2", expected="idle") == "idle"
