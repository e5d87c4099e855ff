"""slurm_node drains and resumes for real, is idempotent, and honours check mode."""

from hpcstack_harness import node_state, wait_node_state


def test_drain_check_mode_changes_nothing(login, slurm_node):
    result = slurm_node("name=c2", "state=drain", "reason=molecule-check", check=True)
    assert result["changed"] is True
    assert node_state(login, "c2")[0] in ("idle", "idle*")


def test_drain_waits_until_drained_and_is_idempotent(login, slurm_node):
    first = slurm_node("name=c2", "state=drain", "reason=molecule-test", "wait=true", "wait_timeout=60")
    assert first["changed"] is True
    assert first["changed_nodes"] == ["c2"]
    assert wait_node_state(login, "c2", "drained")[0] == "drained"
    assert "molecule-test" in login.check_output("sinfo --noheader --list-reasons --format=%E")
    again = slurm_node("name=c2", "state=drain", "reason=molecule-test")
    assert again["changed"] is False


def test_resume_returns_the_node_to_service(login, slurm_node):
    result = slurm_node("name=c2", "state=resume")
    assert result["changed"] is True
    assert wait_node_state(login, "c2", "idle")[0] == "idle"
