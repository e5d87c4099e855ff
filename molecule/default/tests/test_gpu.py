"""GPU scheduling on the lab's GPU node c2 (gres gpu:lab:2; stand-in /dev/nvidia0-1, no GPU here).

What runs for real: slurmd registering the GRES from gres.conf, the scheduler handing out GPU
indices, CUDA_VISIBLE_DEVICES in the job, device confinement in cgroup.conf, submit-time
rejection, and the Slurm exporter's GPU figures. What cannot run here: a CUDA program (no GPU).
"""

import time

import pytest

from conftest import slurm_conf_text
from hpcstack_harness import host as _host, scontrol_fields
from test_monitoring import values, wait_for

SRUN = "srun --time=1 --partition=debug "


def test_gres_conf_is_derived_from_the_model(computes):
    """The controller's file as written; the compute nodes' own (c2) or fetched from it (configless c1)."""
    for host in [_host("ctl1")] + computes:
        lines = [line for line in slurm_conf_text(host, "gres.conf").splitlines() if not line.startswith("#")]
        assert lines == ["NodeName=c2 Name=gpu Type=lab File=/dev/nvidia[0-1]"]


def test_devices_are_confined_on_a_cluster_with_gpus(computes):
    conf = slurm_conf_text(computes[1], "cgroup.conf").splitlines()
    if "ConstrainDevices=no" in conf:
        pytest.skip("containers refuse device cgroup writes (devices.allow: Operation not permitted): the lab turns "
                    "ConstrainDevices off (slurm_cgroup_config_extra), so GPU confinement is not verified here")
    assert "ConstrainDevices=yes" in conf


def test_gpu_node_registers_its_gres(login):
    assert login.check_output("sinfo --noheader --Node --nodes=c2 --format=%G") == "gpu:lab:2"
    assert scontrol_fields(login, "node", "c2")["Gres"] == "gpu:lab:2"


def test_one_gpu_job_sees_one_device(login, as_user):
    result = as_user(login, SRUN + "--gres=gpu:1 sh -c 'echo $SLURMD_NODENAME $CUDA_VISIBLE_DEVICES'")
    assert result.rc == 0, result.stderr
    assert result.stdout.split() == ["c2", "0"]


def test_gpus_option_works_too(login, as_user):
    result = as_user(login, SRUN + "--gpus=2 sh -c 'echo $CUDA_VISIBLE_DEVICES'")
    assert result.rc == 0, result.stderr
    assert result.stdout.strip() == "0,1"


def test_two_one_gpu_jobs_share_the_node_with_different_gpus(login, as_user):
    script = "echo $CUDA_VISIBLE_DEVICES $SLURM_JOB_GPUS; sleep 8"
    job_ids = []
    for _attempt in range(2):
        out = as_user(login, "sbatch --parsable --time=1 --gres=gpu:1 --cpus-per-task=1 --mem=100 "
                             "--output=/dev/null --wrap %s" % repr(script))
        assert out.rc == 0, out.stderr
        job_ids.append(out.stdout.strip())
    deadline = time.time() + 60
    while time.time() < deadline:
        states = login.check_output("squeue --noheader --format=%%T --jobs=%s", ",".join(job_ids)).split()
        if states == ["RUNNING", "RUNNING"]:
            break
        time.sleep(1)
    assert states == ["RUNNING", "RUNNING"], "both one-GPU jobs should run at once on c2"
    indices = [scontrol_fields(login, "job", job, detail=True)["GRES"] for job in job_ids]
    assert sorted(indices) == ["gpu:lab:1(IDX:0)", "gpu:lab:1(IDX:1)"]
    for job in job_ids:
        login.run("scancel %s", job)


def test_more_gpus_than_a_node_has_is_rejected_at_submit(login, as_user):
    result = as_user(login, "sbatch --time=1 --gres=gpu:3 --wrap true")
    assert result.rc != 0
    assert "Requested node configuration is not available" in result.stderr


def test_slurm_exporter_shows_gpu_totals_and_allocation(login, as_user):
    mon = _host("mon1")
    wait_for("2 GPUs in partition debug", lambda: values(mon, 'slurm_partition_gpus{partition="debug"}') == [2.0])
    job = as_user(login, "sbatch --parsable --time=1 --gres=gpu:1 --mem=100 --output=/dev/null --wrap 'sleep 60'")
    assert job.rc == 0, job.stderr
    try:
        wait_for("1 GPU in use", lambda: values(mon, 'slurm_partition_gpus_used{partition="debug"}') == [1.0], timeout=60)
    finally:
        login.run("scancel %s", job.stdout.strip())
