"""slurm_node drains and resumes for real, is idempotent, and honours check mode."""

import json
import os
import subprocess
import sys

ANSIBLE = os.path.join(os.path.dirname(sys.executable), "ansible")


def slurm_node(*args, check=False):
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


def node_state(host, node):
    return host.check_output("sinfo --noheader --nodes=%s --format=%%T", node)


def test_drain_check_mode_changes_nothing(login):
    result = slurm_node("name=c2", "state=drain", "reason=molecule-check", check=True)
    assert result["changed"] is True
    assert node_state(login, "c2") == "idle"


def test_drain_waits_until_drained_and_is_idempotent(login):
    first = slurm_node("name=c2", "state=drain", "reason=molecule-test", "wait=true", "wait_timeout=60")
    assert first["changed"] is True
    assert first["changed_nodes"] == ["c2"]
    assert node_state(login, "c2") == "drained"
    assert "molecule-test" in login.check_output("sinfo --noheader --list-reasons --format=%E")
    again = slurm_node("name=c2", "state=drain", "reason=molecule-test")
    assert again["changed"] is False


def test_resume_returns_the_node_to_service(login):
    result = slurm_node("name=c2", "state=resume")
    assert result["changed"] is True
    assert node_state(login, "c2") == "idle"
