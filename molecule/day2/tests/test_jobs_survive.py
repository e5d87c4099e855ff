"""A running job survives the changes an administrator makes to a live cluster.

Each test starts a job of the lab user on d2c1 that runs until the test releases it, makes the
change, checks the job is still running, releases it and checks its accounting record
(State COMPLETED, ExitCode 0:0).
"""

import json
import os
import re
import time

from conftest import JOB_NODE, SCENARIO
from hpcstack_harness import host, node_state, run_playbook as playbook, wait_node_state


def _finish(job):
    job.wait_for("RUNNING", timeout=5)
    assert job.release() == "COMPLETED|0:0"


def test_job_survives_a_full_reconverge(reconverge):
    result, seconds, _log, record = reconverge
    print("re-converge of site.yml with a job running: %.0f s" % seconds)
    assert "failed=0" in result.stdout
    assert record == "COMPLETED|0:0"


def test_job_survives_a_reconfigure(ctl, job):
    """A slurm.conf setting that needs no restart is applied with `scontrol reconfigure`."""
    before = ctl.check_output("systemctl show -p ActiveEnterTimestamp slurmctld")
    running = job(JOB_NODE, "reconfigure")
    result = playbook("site.yml", "-e", "slurm_return_to_service=1")[0]
    assert "RUNNING HANDLER [hpcstack.cluster.slurm_common : Reconfigure Slurm]" in result.stdout
    assert re.search(r"ReturnToService\s*=\s*1\b", ctl.check_output("scontrol show config"))
    assert ctl.check_output("systemctl show -p ActiveEnterTimestamp slurmctld") == before, "slurmctld was restarted"
    assert "ReturnToService=1" in host(JOB_NODE).file("/etc/slurm/slurm.conf").content_string
    _finish(running)


def test_job_survives_a_slurmd_restart(job):
    running = job(JOB_NODE, "slurmd-restart")
    host(JOB_NODE).check_output("systemctl restart slurmd")
    time.sleep(3)
    assert host(JOB_NODE).service("slurmd").is_running
    _finish(running)


def test_job_survives_the_maintenance_of_other_nodes(ctl, job, tmp_path):
    """Rolling maintenance of every node: d2c1 (admin-drained, running the job) is skipped and
    stays drained; d2c2 is drained, gets the action, and is resumed."""
    running = job(JOB_NODE, "maintenance")
    ctl.check_output("scontrol update nodename=%s state=drain reason='disk check by admin'" % JOB_NODE)
    marker_dir = str(tmp_path)
    action = os.path.join(SCENARIO, "tasks", "maintenance_marker.yml")
    extra = {"rolling_action": "tasks", "rolling_action_tasks": action, "rolling_reason": "day2 test",
             "marker_dir": marker_dir}
    result = playbook("rolling_maintenance.yml", "-e", json.dumps(extra))[0]
    assert "is drained for another reason (disk check by admin)" in result.stdout
    # The action ran on d2c2 only, while it was drained with the maintenance reason.
    assert sorted(os.listdir(marker_dir)) == ["d2c2"]
    with open(os.path.join(marker_dir, "d2c2")) as handle:
        assert handle.read().strip() == "drained|hpcstack-maintenance: day2 test"
    # A restarted slurmctld shows nodes as not responding ("idle*") until its next ping.
    assert wait_node_state(ctl, "d2c2", "idle") == ("idle", "none")
    assert node_state(ctl, JOB_NODE) == ("draining", "disk check by admin")
    ctl.check_output("scontrol update nodename=%s state=resume" % JOB_NODE)
    _finish(running)


def test_drain_timeout_stops_the_run_and_touches_no_other_node(ctl, job):
    running = job(JOB_NODE, "drain-timeout")
    result = playbook("rolling_maintenance.yml", "-e", "rolling_drain_timeout=4", "-e", "rolling_drain_poll=2",
                      may_fail=True)[0]
    assert result.returncode != 0
    assert "d2c1 still had jobs after 4 s" in result.stdout
    assert node_state(ctl, JOB_NODE)[1] == "hpcstack-maintenance: none"
    # Not drained (the next batch must not start); "idle*" for a moment under load is not a drain.
    assert wait_node_state(ctl, "d2c2", "idle") == ("idle", "none"), "the next batch must not start"
    # rolling_on_timeout=resume gives the node back and goes on with the others.
    result = playbook("rolling_maintenance.yml", "-e", "rolling_drain_timeout=4", "-e", "rolling_drain_poll=2",
                      "-e", "rolling_on_timeout=resume")[0]
    assert "resumed, NOT maintained" in result.stdout
    assert wait_node_state(ctl, JOB_NODE, "mixed") == ("mixed", "none")
    assert wait_node_state(ctl, "d2c2", "idle") == ("idle", "none")
    _finish(running)
