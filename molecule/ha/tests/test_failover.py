"""slurmctld failover to the backup controller and failback, with jobs running and pending.

The primary (hactl1) is stopped; the backup (hactl2) must take control within SlurmctldTimeout
(15 s in this scenario) plus its polling, keep the running and the pending job, accept new
jobs; then the primary starts again and takes control back. Both times are measured and printed.
"""

import time

from hpcstack_harness import all_completed, as_user, job_states, submit, wait_for

SLURMCTLD_TIMEOUT = 15


def answers(target):
    """The cluster answers a client command within a few seconds (some controller is in control)."""
    return target.run("timeout 4 squeue --noheader --format=%i").rc == 0


LOG = "/var/log/slurm/slurmctld.log"
IN_CONTROL = "Running as primary controller"
STANDING_BY = "running in background mode"


def log_length(target):
    return int(target.check_output("wc -l < %s", LOG))


def log_since(target, length):
    """The controller's log lines written after it had `length` lines."""
    return target.run("tail -n +%s %s", str(length + 1), LOG).stdout


def test_failover_and_failback(primary, backup, client):
    running = submit(client, "--nodes=1 --time=5 --wrap='sleep 45'")
    pending = submit(client, "--nodes=1 --time=5 --begin=now+30 --wrap='sleep 5'")
    wait_for("job %s running" % running,
             lambda: client.run("squeue --noheader --format=%%T --jobs=%s", running).stdout.strip() == "RUNNING", 60)
    assert client.run("squeue --noheader --format=%%r --jobs=%s", pending).stdout.strip() == "BeginTime"

    backup_log = log_length(backup)
    stopped = time.monotonic()
    primary.check_output("systemctl stop slurmctld")
    try:
        wait_for("the backup answers", lambda: answers(backup), 120)
        failover = time.monotonic() - stopped
        print("\nFAILOVER: backup in control %.1f s after the primary stopped (SlurmctldTimeout=%d)"
              % (failover, SLURMCTLD_TIMEOUT))
        print(backup.run("scontrol ping").stdout)
        assert IN_CONTROL in log_since(backup, backup_log)
        assert "Slurmctld(primary) at hactl1 is DOWN" in backup.run("scontrol ping").stdout
        assert failover < SLURMCTLD_TIMEOUT * 4

        # Both jobs survive the takeover; the backup schedules the pending one and accepts new work.
        during = submit(client, "--nodes=1 --time=5 --wrap='sleep 2'")
        wait_for("jobs finish under the backup", lambda: all_completed(client, [running, pending, during]), 180, 3)
    finally:
        primary_log, backup_log = log_length(primary), log_length(backup)
        restarted = time.monotonic()
        primary.check_output("systemctl start slurmctld")

    # Failback: the primary asks the backup to give up control and takes it.
    def primary_back():
        ping = primary.run("scontrol ping").stdout
        return "hactl1 is UP" in ping and IN_CONTROL in log_since(primary, primary_log) and answers(primary)

    wait_for("the primary takes control back", primary_back, 120)
    failback = time.monotonic() - restarted
    print("FAILBACK: primary in control %.1f s after it started" % failback)
    wait_for("the backup is standing by again", lambda: "hactl2 is UP" in primary.run("scontrol ping").stdout
             and STANDING_BY in log_since(backup, backup_log), 60)

    after = submit(client, "--nodes=1 --time=5 --wrap='sleep 1'")
    jobs = [running, pending, during, after]
    wait_for("every job is in accounting as COMPLETED", lambda: all_completed(client, jobs), 120, 3)
    print("sacct:", job_states(client, jobs))
    assert as_user(client, "sacct --noheader --allocations --format=JobID --jobs=" + ",".join(jobs)).rc == 0
