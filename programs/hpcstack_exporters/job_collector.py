# -*- coding: utf-8 -*-
# Copyright (c) hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The job exporter: the cgroups of the Slurm jobs running on this node.

    hpcstack-exporters job [--listen-address 0.0.0.0:9306] [--cgroup-root /sys/fs/cgroup]

Finds each job's cgroup (cgroup v1: <controller>/slurm/uid_<uid>/job_<id>; cgroup v2:
.../slurmstepd.scope/job_<id>) and reports its memory use and limit, the CPUs it may use and, where
the cpuacct (v1) or cpu (v2) controller exists, its CPU time. User and account come from one
`squeue -w <this node>` per scrape (the uid in the v1 path is the fallback for the user).
"""

from __future__ import annotations

import argparse
import glob
import logging
import os
import pwd
import re
import socket
import subprocess
import threading
import time
from collections.abc import Callable

from .catalogue import JOB_SPECS, families, job_listing

DEFAULT_PORT = 9306
LOG = logging.getLogger("hpcstack_exporters.job")

V1_JOB = re.compile(r"/slurm[^/]*/uid_(\d+)/job_(\d+)$")
V2_JOB = re.compile(r"/job_(\d+)$")


def read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read().strip()
    except OSError:
        return None


def number(text: str | None) -> int | None:
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def count_cpus(cpuset: str | None) -> int:
    """Number of CPUs in a cpuset list such as 0-3,8."""
    total = 0
    for part in (cpuset or "").split(","):
        if "-" in part:
            low, high = part.split("-", 1)
            total += int(high) - int(low) + 1
        elif part.strip():
            total += 1
    return total


class CgroupReader:
    """Jobs and their numbers from a cgroup v1 (hybrid) or v2 hierarchy under root."""

    def __init__(self, root: str = "/sys/fs/cgroup") -> None:
        self.root = root
        self.v2 = os.path.exists(os.path.join(root, "cgroup.controllers"))

    @staticmethod
    def _glob(top: str, pattern: str, depth: int = 4) -> list[str]:
        """Paths matching pattern at most depth directories below top (slurmd may sit in a sub-cgroup)."""
        paths = []
        for level in range(depth + 1):
            paths.extend(glob.glob(os.path.join(top, *(["*"] * level + [pattern]))))
        return paths

    def _v1_jobs(self, controller: str) -> dict[str, tuple[int, str]]:
        jobs = {}
        for path in self._glob(os.path.join(self.root, controller), os.path.join("slurm*", "uid_*", "job_*")):
            match = V1_JOB.search(path)
            if match:
                jobs[match.group(2)] = (int(match.group(1)), path)
        return jobs

    def cpu_accounting(self) -> bool:
        if self.v2:
            return "cpu" in (read(os.path.join(self.root, "cgroup.controllers")) or "").split()
        # The directories exist (empty) even where the controller is not mounted, as in containers here.
        return any(os.path.exists(os.path.join(self.root, name, "cpuacct.usage")) for name in ("cpuacct", "cpu,cpuacct"))

    def jobs(self) -> dict[str, dict]:
        """job id -> dict(uid, memory, limit, cpus, cpu_seconds) (missing values None)."""
        return self._v2() if self.v2 else self._v1()

    def _v1(self) -> dict[str, dict]:
        memory = self._v1_jobs("memory")
        cpuset = self._v1_jobs("cpuset")
        cpuacct = self._v1_jobs("cpuacct")
        cpuacct.update(self._v1_jobs("cpu,cpuacct"))
        result = {}
        for jobid in set(memory) | set(cpuset):
            uid = (memory.get(jobid) or cpuset.get(jobid))[0]
            entry = {"uid": uid, "memory": None, "limit": None, "cpus": None, "cpu_seconds": None}
            if jobid in memory:
                entry["memory"] = number(read(os.path.join(memory[jobid][1], "memory.usage_in_bytes")))
                entry["limit"] = number(read(os.path.join(memory[jobid][1], "memory.limit_in_bytes")))
            if jobid in cpuset:
                entry["cpus"] = count_cpus(read(os.path.join(cpuset[jobid][1], "cpuset.cpus")))
            if jobid in cpuacct:
                usage = number(read(os.path.join(cpuacct[jobid][1], "cpuacct.usage")))
                entry["cpu_seconds"] = usage / 1e9 if usage is not None else None
            if entry["limit"] is not None and entry["limit"] >= 2 ** 62:  # v1's "unlimited"
                entry["limit"] = None
            result[jobid] = entry
        return result

    def _v2(self) -> dict[str, dict]:
        result = {}
        for path in self._glob(self.root, "job_*"):
            match = V2_JOB.search(path)
            if not match or not os.path.isdir(path):
                continue
            limit = read(os.path.join(path, "memory.max"))
            usage_usec = None
            for line in (read(os.path.join(path, "cpu.stat")) or "").splitlines():
                key, dummy, value = line.partition(" ")
                if key == "usage_usec":
                    usage_usec = number(value)
            result[match.group(1)] = {
                "uid": None,
                "memory": number(read(os.path.join(path, "memory.current"))),
                "limit": None if limit in (None, "max") else number(limit),
                "cpus": count_cpus(read(os.path.join(path, "cpuset.cpus.effective"))) or None,
                "cpu_seconds": usage_usec / 1e6 if usage_usec is not None else None,
            }
        return result


def squeue_labels(node: str, timeout: float = 5.0, command: str = "squeue") -> dict[str, tuple[str, str]] | None:
    """job id -> (user, account) of the jobs on node, from one squeue call; None when it fails."""
    try:
        output = subprocess.run([command, "-h", "-w", node, "-t", "running,completing,suspended", "-o", "%A|%u|%a"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout, check=True,
                                text=True).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        LOG.warning("squeue failed: %s", exc)
        return None
    labels = {}
    for line in output.splitlines():
        parts = line.strip().split("|")
        if len(parts) == 3:
            labels[parts[0]] = (parts[1], parts[2])
    return labels


def user_name(uid: int | None) -> str:
    if uid is None:
        return ""
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


class JobCollector:
    """prometheus_client collector: one cgroup walk (and one squeue) per scrape."""

    def __init__(self, reader: CgroupReader, node: str,
                 squeue: Callable[[str], dict[str, tuple[str, str]] | None] = squeue_labels) -> None:
        self.reader = reader
        self.node = node
        self.squeue = squeue
        self.lock = threading.Lock()

    def collect(self) -> list:
        with self.lock:  # one cgroup walk and squeue at a time, whatever the number of scrapers
            started = time.time()
            jobs = self.reader.jobs()
            labels = self.squeue(self.node) if jobs else {}
            found = families(JOB_SPECS.values())
            for jobid in sorted(jobs, key=int):
                entry = jobs[jobid]
                user, account = (labels or {}).get(jobid, (user_name(entry["uid"]), ""))
                values = [jobid, user, account]
                for name, key in (("slurm_job_memory_usage_bytes", "memory"), ("slurm_job_memory_limit_bytes", "limit"),
                                  ("slurm_job_cpus_allowed", "cpus"), ("slurm_job_cpu_seconds_total", "cpu_seconds")):
                    if entry[key] is not None:
                        found[name].add_metric(values, entry[key])
            found["slurm_job_exporter_jobs"].add_metric([], len(jobs))
            found["slurm_job_exporter_squeue_success"].add_metric([], 0 if labels is None else 1)
            found["slurm_job_exporter_cpu_accounting"].add_metric([], 1 if self.reader.cpu_accounting() else 0)
            found["slurm_job_exporter_scrape_duration_seconds"].add_metric([], time.time() - started)
            return list(found.values())


# -- command line (served by .cli) -------------------------------------------------------------
DESCRIPTION = "Prometheus exporter of the cgroups of Slurm jobs on this node."
ENV_PREFIX = "JOB_EXPORTER_"


def add_arguments(parser: argparse.ArgumentParser, env: Callable[[str, str | None], str | None]) -> None:
    parser.add_argument("--cgroup-root", default=env("CGROUP_ROOT", "/sys/fs/cgroup"))
    parser.add_argument("--node", default=env("NODE", socket.gethostname().split(".")[0]),
                        help="Slurm node name (default: short host name)")


def build(args: argparse.Namespace) -> JobCollector:
    return JobCollector(CgroupReader(args.cgroup_root), args.node)


list_metrics = job_listing
