# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The per-job cgroup exporter on fake cgroup v1 (hybrid, with and without cpuacct) and v2 trees."""

from __future__ import annotations

import os
import subprocess
import sys

import prometheus_client

from ansible_collections.hpcstack.cluster.plugins.plugin_utils import _zipapp
from ansible_collections.hpcstack.cluster.programs.hpcstack_exporters import job_collector as job
from ansible_collections.hpcstack.cluster.programs.hpcstack_exporters.catalogue import JOB_METRICS


def write(root, path, text):
    full = os.path.join(str(root), path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w") as handle:
        handle.write(text + "\n")


def v1_tree(root, cpuacct):
    base = "system.slice/slurmd.service/slurm/uid_2001/job_42/"  # slurmd below the container's root cgroup
    write(root, "memory/" + base + "memory.usage_in_bytes", "52428800")
    write(root, "memory/" + base + "memory.limit_in_bytes", "104857600")
    write(root, "cpuset/" + base + "cpuset.cpus", "0-1,3")
    write(root, "memory/slurm/uid_0/job_7/memory.usage_in_bytes", "4096")
    write(root, "memory/slurm/uid_0/job_7/memory.limit_in_bytes", "9223372036854771712")  # unlimited
    os.makedirs(os.path.join(str(root), "cpu,cpuacct"))  # present but not mounted, as in the lab containers
    if cpuacct:
        write(root, "cpuacct/cpuacct.usage", "99000000000")
        write(root, "cpuacct/" + base + "cpuacct.usage", "2500000000")


def scrape(root, squeue):
    registry = prometheus_client.CollectorRegistry()
    registry.register(job.JobCollector(job.CgroupReader(str(root)), "c1", squeue=squeue))
    return prometheus_client.generate_latest(registry).decode()


def value(text, prefix):
    lines = [line for line in text.splitlines() if line.startswith(prefix)]
    assert len(lines) == 1, (prefix, text)
    return float(lines[0].rsplit(" ", 1)[1])


def test_cgroup_v1_without_cpuacct(tmp_path):
    v1_tree(tmp_path, cpuacct=False)
    text = scrape(tmp_path, lambda node: {"42": ("alice", "physics")})
    labels = '{account="physics",jobid="42",user="alice"}'
    assert value(text, "slurm_job_memory_usage_bytes" + labels) == 52428800
    assert value(text, "slurm_job_memory_limit_bytes" + labels) == 104857600
    assert value(text, "slurm_job_cpus_allowed" + labels) == 3
    assert "slurm_job_cpu_seconds_total{" not in text
    assert value(text, "slurm_job_exporter_cpu_accounting") == 0
    assert value(text, "slurm_job_exporter_jobs") == 2
    # job 7 is not in squeue's answer: its user comes from the uid in the path; no limit when unlimited
    assert value(text, 'slurm_job_memory_usage_bytes{account="",jobid="7",user="root"}') == 4096
    assert 'slurm_job_memory_limit_bytes{account="",jobid="7"' not in text


def test_cgroup_v1_with_cpuacct(tmp_path):
    v1_tree(tmp_path, cpuacct=True)
    text = scrape(tmp_path, lambda node: None)  # squeue failed
    assert value(text, 'slurm_job_cpu_seconds_total{account="",jobid="42",user="2001"}') == 2.5
    assert value(text, "slurm_job_exporter_cpu_accounting") == 1
    assert value(text, "slurm_job_exporter_squeue_success") == 0


def test_cgroup_v2(tmp_path):
    write(tmp_path, "cgroup.controllers", "cpuset cpu io memory pids")
    base = "system.slice/slurmstepd.scope/job_9/"
    write(tmp_path, base + "memory.current", "1048576")
    write(tmp_path, base + "memory.max", "max")
    write(tmp_path, base + "cpuset.cpus.effective", "2-3")
    write(tmp_path, base + "cpu.stat", "usage_usec 1500000\nuser_usec 1000000")
    text = scrape(tmp_path, lambda node: {"9": ("bob", "chemistry")})
    labels = '{account="chemistry",jobid="9",user="bob"}'
    assert value(text, "slurm_job_memory_usage_bytes" + labels) == 1048576
    assert "slurm_job_memory_limit_bytes{" not in text
    assert value(text, "slurm_job_cpus_allowed" + labels) == 2
    assert value(text, "slurm_job_cpu_seconds_total" + labels) == 1.5


def test_no_jobs_no_squeue(tmp_path):
    os.makedirs(os.path.join(str(tmp_path), "memory"))
    calls = []
    text = scrape(tmp_path, calls.append)
    assert value(text, "slurm_job_exporter_jobs") == 0
    assert calls == []


def test_squeue_output_is_parsed(tmp_path):
    fake = tmp_path / "squeue"
    fake.write_text("#!/bin/sh\nprintf '42|alice|physics\\n43|bob|chem\\n'\n")
    fake.chmod(0o755)
    assert job.squeue_labels("c1", command=str(fake)) == {"42": ("alice", "physics"), "43": ("bob", "chem")}
    assert job.squeue_labels("c1", command=str(tmp_path / "missing")) is None


def test_list_metrics_names_every_family(tmp_path):
    """The zipapp a compute node runs, without prometheus_client or the collection on the path."""
    program = str(tmp_path / "hpcstack-exporters.pyz")
    _zipapp.write("hpcstack_exporters", program)
    output = subprocess.run([sys.executable, "-S", program, "job", "--list-metrics"], capture_output=True, text=True,
                            check=True, env=dict(os.environ, PYTHONPATH=""), timeout=60).stdout
    assert output.splitlines() == ["%s %s %s" % (name, kind, ",".join(labels)) for name, kind, labels, dummy in JOB_METRICS]
    assert output.splitlines()[0] == "slurm_job_memory_usage_bytes gauge jobid,user,account"
