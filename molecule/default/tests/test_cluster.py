"""The converged Molecule cluster works the way users and admins rely on."""

import time

import pytest

from conftest import slurm_conf_path, slurm_conf_text
from hpcstack_harness import skip_without_cgroup_confinement


def test_munge_credential_from_login_node_decodes_on_compute_node(login, computes):
    credential = login.check_output("munge -n")
    decoded = computes[0].run("echo %s | unmunge", credential)
    assert decoded.rc == 0, decoded.stderr
    assert "STATUS:          Success (0)" in decoded.stdout


def test_munge_rejects_a_tampered_credential(login, computes):
    credential = login.check_output("munge -n")
    middle = len(credential) // 2
    tampered = credential[:middle] + ("A" if credential[middle] != "A" else "B") + credential[middle + 1:]
    assert computes[0].run("echo %s | unmunge", tampered).rc != 0


@pytest.mark.parametrize("path, owner, mode", [
    ("/etc/munge/munge.key", "munge", 0o400),
])
def test_secret_files_are_private_on_every_node(all_hosts, path, owner, mode):
    for host in all_hosts:
        secret = host.file(path)
        assert secret.exists, "%s missing on %s" % (path, host.backend.get_hostname())
        assert (secret.user, secret.group, secret.mode) == (owner, owner, mode)


def test_every_node_has_the_same_munge_key(all_hosts):
    digests = {host.check_output("sha256sum /etc/munge/munge.key | cut -d' ' -f1") for host in all_hosts}
    assert len(digests) == 1


def test_slurm_conf_is_identical_everywhere(all_hosts):
    """Written by Ansible on some hosts, fetched from ctl1 by the configless ones: the same file."""
    digests = {host.check_output("sha256sum %s | cut -d' ' -f1", slurm_conf_path(host)) for host in all_hosts}
    assert len(digests) == 1


def test_slurm_conf_has_model_node_and_partition_lines(login):
    conf = slurm_conf_text(login).splitlines()
    assert "NodeName=c1 CPUs=2 Sockets=1 CoresPerSocket=2 ThreadsPerCore=1 RealMemory=1000 State=UNKNOWN" in conf
    assert "NodeName=c2 CPUs=2 Sockets=1 CoresPerSocket=2 ThreadsPerCore=1 RealMemory=1000 Gres=gpu:lab:2 State=UNKNOWN" in conf
    assert "GresTypes=gpu" in conf
    assert "PartitionName=debug Nodes=c[1-2] Default=YES MaxTime=1:00:00 State=UP" in conf


def test_all_compute_nodes_idle(login):
    deadline = time.time() + 60
    while True:
        states = dict(line.split() for line in login.check_output("sinfo --noheader --Node --format='%N %T'").splitlines())
        if states == {"c1": "idle", "c2": "idle"} or time.time() > deadline:
            break
        time.sleep(2)
    assert states == {"c1": "idle", "c2": "idle"}


def test_srun_across_two_nodes_as_user(login, as_user):
    result = as_user(login, "srun --nodes=2 --time=1 hostname")
    assert result.rc == 0, result.stderr
    assert sorted(result.stdout.split()) == ["c1", "c2"]


def test_sbatch_job_completes(login, as_user):
    job_id = as_user(login, "sbatch --wait --parsable --nodes=2 --time=1 --output=/dev/null --wrap='srun true'")
    assert job_id.rc == 0, job_id.stderr
    state = login.check_output("scontrol show job --oneliner %s", job_id.stdout.strip())
    assert "JobState=COMPLETED" in state
    assert "UserId=alice(" in state


ALLOCATE_300M = "python3 -c 'b = bytearray(300 * 1024 * 1024); b[::4096] = b\"x\" * len(b[::4096])'"


def test_job_within_its_memory_limit_succeeds(login, as_user):
    result = as_user(login, "srun --mem=500M --time=1 " + ALLOCATE_300M)
    assert result.rc == 0, result.stderr


def test_job_over_its_memory_limit_is_killed(login, as_user):
    skip_without_cgroup_confinement(login)
    result = as_user(login, "srun --mem=50M --time=1 " + ALLOCATE_300M)
    assert result.rc != 0
    assert "oom" in (result.stdout + result.stderr).lower()


def test_job_is_confined_to_its_cores(login, as_user):
    allowed = as_user(login, "srun --ntasks=1 --cpus-per-task=1 --time=1 grep Cpus_allowed_list /proc/self/status")
    assert allowed.rc == 0, allowed.stderr
    cpus = allowed.stdout.split(":")[1].strip()
    assert cpus in ("0", "1"), "a 1-CPU job may use exactly one core, got %r" % cpus
