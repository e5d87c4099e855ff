"""Two controllers: one slurm.conf with both, the same keys, one shared StateSaveLocation."""

import os

import pytest

from conftest import run_playbook

STATE = "/var/lib/slurm/slurmctld"


def test_slurm_conf_names_both_controllers_in_order(primary, computes):
    for target in [primary] + computes:
        lines = target.file("/etc/slurm/slurm.conf").content_string.splitlines()
        hosts = [line.split("=", 1)[1].split("(")[0] for line in lines if line.startswith("SlurmctldHost=")]
        assert hosts == ["hactl1", "hactl2"]
        assert "SlurmctldTimeout=15" in lines


def test_both_controllers_answer(primary):
    ping = primary.check_output("scontrol ping")
    print(ping)
    assert "Slurmctld(primary) at hactl1 is UP" in ping
    assert "Slurmctld(backup) at hactl2 is UP" in ping


@pytest.mark.parametrize("path", ["/etc/munge/munge.key", "/etc/slurm/jwt_hs256.key"])
def test_keys_are_identical_on_both_controllers(primary, backup, path):
    assert primary.file(path).sha256sum == backup.file(path).sha256sum


def test_state_save_location_is_shared_and_private(primary, backup):
    for target in (primary, backup):
        directory = target.file(STATE)
        assert (directory.user, directory.group, directory.mode) == ("slurm", "slurm", 0o700)
        assert target.file(STATE + "/.hpcstack-shared-state").exists
    # Written by whichever controller is in control, seen by both.
    assert primary.file(STATE + "/job_state").exists and backup.file(STATE + "/job_state").exists


def test_second_run_of_the_controller_roles_changes_nothing():
    """Idempotence of the HA tasks (the scenario skips Molecule's idempotence step)."""
    playbook = os.path.join(os.path.dirname(__file__), "..", "controllers.yml")
    result = run_playbook(os.path.abspath(playbook))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    recap = result.stdout.split("PLAY RECAP", 1)[1]
    print(recap)
    for line in recap.splitlines():
        if line.startswith("hactl"):
            assert "changed=0" in line, recap
