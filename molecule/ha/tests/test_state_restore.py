"""playbooks/restore.yml with restore_state_file (irreversible: it replaces the controllers' state).

Restores the newest StateSaveLocation archive (the upgrade test's, taken with every controller
stopped): both controllers come back, the state before the restore is kept as one more archive,
and the cluster runs jobs again."""

import pytest

from conftest import run_playbook
from hpcstack_harness import all_completed, submit, wait_for

BACKUPS = "/var/backups/hpcstack"


def statesave_archives(target):
    return sorted(target.run("ls -1 %s/ha-statesave-*", BACKUPS).stdout.split())


@pytest.mark.irreversible
def test_state_restore(primary, client, backup_run):
    before = statesave_archives(primary)
    assert before, "no StateSaveLocation archive to restore"
    result = run_playbook("restore.yml", "-e", "restore_state_file=" + before[-1])
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    print("\n" + result.stdout.split("PLAY RECAP", 1)[1])

    ping = primary.check_output("scontrol ping")
    assert "Slurmctld(primary) at hactl1 is UP" in ping and "Slurmctld(backup) at hactl2 is UP" in ping
    after = statesave_archives(primary)
    assert set(before) < set(after) and len(after) == len(before) + 1, "the replaced state was not archived"
    state = primary.file("/var/lib/slurm/slurmctld/job_state")
    assert (state.user, state.group) == ("slurm", "slurm")

    wait_for("the nodes are back", lambda: "idle" in client.run("sinfo --noheader --format=%T").stdout, 120, 2)
    job = submit(client, "--wait --nodes=1 --time=5 --wrap=true")
    wait_for("a job after the restore is in accounting", lambda: all_completed(client, [job]), 120, 3)
