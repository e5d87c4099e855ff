"""playbooks/upgrade.yml. Each Debian suite has one Slurm version, so the real run here is a
same-version "upgrade": it must back up, restart the daemons in Slurm's order (slurmdbd, the
controllers primary first, slurmd one batch at a time, slurmrestd) and keep running jobs. The
version-skip check is rehearsed with a simulated target that is too far ahead: it must stop
before any host changes."""

import pytest

from conftest import run_playbook
from hpcstack_harness import all_completed, job_states, submit, wait_for

DAEMONS = [("hactl1", "slurmdbd"), ("hactl1", "slurmctld"), ("hactl2", "slurmctld"),
           ("hac1", "slurmd"), ("hac2", "slurmd"), ("hactl1", "slurmrestd")]


def started_at(hosts):
    """When each daemon last entered `active`, on the host kernel's monotonic clock (one clock for
    every container, so the times compare across hosts)."""
    return {(name, unit): int(hosts[name].check_output(
        "systemctl show --property=ActiveEnterTimestampMonotonic --value %s", unit))
        for name, unit in DAEMONS}


@pytest.fixture(scope="module")
def hosts(primary, backup, computes):
    return {"hactl1": primary, "hactl2": backup, "hac1": computes[0], "hac2": computes[1]}


def test_too_far_a_target_stops_before_any_host_changes(primary, hosts):
    installed = primary.check_output("sinfo --version").split()[1]
    target = "25.11" if installed < "24" else "27.05"
    before = started_at(hosts)
    result = run_playbook("upgrade.yml", "-e", "slurm_upgrade_target_version=" + target)
    # The failure goes to stderr when the callback shows failures there (as under Molecule).
    output = result.stdout + result.stderr
    print("\n" + output[-1500:])
    assert result.returncode != 0
    assert "refused before any host was changed" in output
    assert "Upgrade to " in output and " first." in output
    recap = result.stdout.split("PLAY RECAP", 1)[1]
    assert "changed=0" in recap and "changed=1" not in recap
    assert started_at(hosts) == before


def test_same_version_upgrade_keeps_order_and_jobs(primary, hosts, client):
    job = submit(client, "--nodes=1 --time=10 --wrap='sleep 90'")
    wait_for("job %s running" % job,
             lambda: client.run("squeue --noheader --format=%%T --jobs=%s", job).stdout.strip() == "RUNNING", 60)
    before = started_at(hosts)
    backups = set(primary.run("ls -1 /var/backups/hpcstack").stdout.split())

    result = run_playbook("upgrade.yml", timeout=1200)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr
    print("\n" + result.stdout.split("PLAY RECAP", 1)[1])

    after = started_at(hosts)
    order = sorted(DAEMONS, key=lambda daemon: after[daemon])
    print("restart order:", order)
    assert all(after[daemon] > before[daemon] for daemon in DAEMONS), "a daemon was not restarted"
    assert order == DAEMONS
    new_backups = set(primary.run("ls -1 /var/backups/hpcstack").stdout.split()) - backups
    print("new backups:", sorted(new_backups))
    assert any("-accounting-" in name for name in new_backups)
    assert sum("-statesave-" in name for name in new_backups) >= 2   # before, and cold with slurmctld stopped

    # The job that ran through every restart finishes normally.
    assert client.run("squeue --noheader --format=%%T --jobs=%s", job).stdout.strip() in ("RUNNING", "")
    wait_for("the running job completes", lambda: all_completed(client, [job]), 180, 3)
    print("job through the upgrade:", job_states(client, [job]))
    assert "hactl1 is UP" in primary.check_output("scontrol ping")
