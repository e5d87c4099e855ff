# -*- coding: utf-8 -*-
# Copyright (c) hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Prometheus exporter of the cgroups of the Slurm jobs running on this node.

    hpcstack_job_exporter.py [--listen-address 0.0.0.0:9306] [--cgroup-root /sys/fs/cgroup]

Finds each job's cgroup (cgroup v1: <controller>/slurm/uid_<uid>/job_<id>; cgroup v2:
.../slurmstepd.scope/job_<id>) and reports its memory use and limit, the CPUs it may use and, where
the cpuacct (v1) or cpu (v2) controller exists, its CPU time. User and account come from one
`squeue -w <this node>` per scrape (the uid in the v1 path is the fallback for the user).
`--list-metrics` prints the metric names.
"""

from __future__ import absolute_import, division, print_function

import argparse
import glob
import logging
import os
import pwd
import re
import signal
import socket
import subprocess
import sys
import threading
import time

try:
    import prometheus_client
    from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
except ImportError:  # only --list-metrics works without it
    prometheus_client = None

LOG = logging.getLogger("hpcstack_job_exporter")
JOB_LABELS = ("jobid", "user", "account")
METRICS = (
    ("slurm_job_memory_usage_bytes", "gauge", JOB_LABELS, "Memory used by the job's cgroup (page cache included)."),
    ("slurm_job_memory_limit_bytes", "gauge", JOB_LABELS, "Memory limit of the job's cgroup (absent when unlimited)."),
    ("slurm_job_cpus_allowed", "gauge", JOB_LABELS, "CPUs the job's cgroup may run on (cpuset)."),
    ("slurm_job_cpu_seconds_total", "counter", JOB_LABELS, "CPU time of the job (only where the cpuacct/cpu controller exists)."),
    ("slurm_job_exporter_jobs", "gauge", (), "Jobs with a cgroup on this node."),
    ("slurm_job_exporter_squeue_success", "gauge", (), "1 when the last squeue for user and account labels worked, else 0."),
    ("slurm_job_exporter_cpu_accounting", "gauge", (), "1 when the node has a CPU accounting controller (cpuacct or cpu), else 0."),
    ("slurm_job_exporter_scrape_duration_seconds", "gauge", (), "Time this scrape took."),
)
V1_JOB = re.compile(r"/slurm[^/]*/uid_(\d+)/job_(\d+)$")
V2_JOB = re.compile(r"/job_(\d+)$")


def read(path):
    try:
        with open(path) as handle:
            return handle.read().strip()
    except (IOError, OSError):
        return None


def number(text):
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def count_cpus(cpuset):
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

    def __init__(self, root="/sys/fs/cgroup"):
        self.root = root
        self.v2 = os.path.exists(os.path.join(root, "cgroup.controllers"))

    @staticmethod
    def _glob(top, pattern, depth=4):
        """Paths matching pattern at most depth directories below top (slurmd may sit in a sub-cgroup)."""
        paths = []
        for level in range(depth + 1):
            paths.extend(glob.glob(os.path.join(top, *(["*"] * level + [pattern]))))
        return paths

    def _v1_jobs(self, controller):
        jobs = {}
        for path in self._glob(os.path.join(self.root, controller), os.path.join("slurm*", "uid_*", "job_*")):
            match = V1_JOB.search(path)
            if match:
                jobs[match.group(2)] = (int(match.group(1)), path)
        return jobs

    def cpu_accounting(self):
        if self.v2:
            return "cpu" in (read(os.path.join(self.root, "cgroup.controllers")) or "").split()
        # The directories exist (empty) even where the controller is not mounted, as in containers here.
        return any(os.path.exists(os.path.join(self.root, name, "cpuacct.usage")) for name in ("cpuacct", "cpu,cpuacct"))

    def jobs(self):
        """job id -> dict(uid, memory, limit, cpus, cpu_seconds) (missing values None)."""
        return self._v2() if self.v2 else self._v1()

    def _v1(self):
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

    def _v2(self):
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


def squeue_labels(node, timeout=5.0, command="squeue"):
    """job id -> (user, account) of the jobs on node, from one squeue call; None when it fails."""
    try:
        output = subprocess.run([command, "-h", "-w", node, "-t", "running,completing,suspended", "-o", "%A|%u|%a"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout, check=True,
                                universal_newlines=True).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        LOG.warning("squeue failed: %s", exc)
        return None
    labels = {}
    for line in output.splitlines():
        parts = line.strip().split("|")
        if len(parts) == 3:
            labels[parts[0]] = (parts[1], parts[2])
    return labels


def user_name(uid):
    if uid is None:
        return ""
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


class JobCollector:
    def __init__(self, reader, node, squeue=squeue_labels):
        self.reader = reader
        self.node = node
        self.squeue = squeue
        self.lock = threading.Lock()

    def collect(self):
        with self.lock:  # one cgroup walk and squeue at a time, whatever the number of scrapers
            started = time.time()
            jobs = self.reader.jobs()
            labels = self.squeue(self.node) if jobs else {}
            families = {name: (GaugeMetricFamily if kind == "gauge" else CounterMetricFamily)(
                name[:-len("_total")] if kind == "counter" else name, text, labels=list(names))
                for name, kind, names, text in METRICS}
            for jobid in sorted(jobs, key=int):
                entry = jobs[jobid]
                user, account = (labels or {}).get(jobid, (user_name(entry["uid"]), ""))
                values = [jobid, user, account]
                for name, key in (("slurm_job_memory_usage_bytes", "memory"), ("slurm_job_memory_limit_bytes", "limit"),
                                  ("slurm_job_cpus_allowed", "cpus"), ("slurm_job_cpu_seconds_total", "cpu_seconds")):
                    if entry[key] is not None:
                        families[name].add_metric(values, entry[key])
            families["slurm_job_exporter_jobs"].add_metric([], len(jobs))
            families["slurm_job_exporter_squeue_success"].add_metric([], 0 if labels is None else 1)
            families["slurm_job_exporter_cpu_accounting"].add_metric([], 1 if self.reader.cpu_accounting() else 0)
            families["slurm_job_exporter_scrape_duration_seconds"].add_metric([], time.time() - started)
            return list(families.values())


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Prometheus exporter of the cgroups of Slurm jobs on this node.")
    parser.add_argument("--listen-address", default="0.0.0.0:9306", help="host:port to serve /metrics on")
    parser.add_argument("--cgroup-root", default="/sys/fs/cgroup")
    parser.add_argument("--node", default=socket.gethostname().split(".")[0], help="Slurm node name (default: short host name)")
    parser.add_argument("--log-level", default="INFO")
    parser.add_argument("--list-metrics", action="store_true", help="print the metric names and exit")
    parser.add_argument("--once", action="store_true", help="print one scrape to stdout and exit")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.list_metrics:
        sys.stdout.write("".join("%s %s %s\n" % (name, kind, ",".join(labels)) for name, kind, labels, dummy in METRICS))
        return 0
    logging.basicConfig(level=getattr(logging, args.log_level.upper(), logging.INFO), format="%(levelname)s %(message)s")
    if prometheus_client is None:
        sys.stderr.write("hpcstack_job_exporter: the Python package prometheus_client is required\n")
        return 2
    registry = prometheus_client.CollectorRegistry()
    registry.register(JobCollector(CgroupReader(args.cgroup_root), args.node))
    if args.once:
        sys.stdout.write(prometheus_client.generate_latest(registry).decode("utf-8"))
        return 0
    host, dummy, port = args.listen_address.rpartition(":")
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *a: stop.set())
    server, dummy = prometheus_client.start_http_server(int(port), addr=host.strip("[]") or "0.0.0.0", registry=registry)
    LOG.info("serving job cgroup metrics of node %s on %s", args.node, args.listen_address)
    stop.wait()
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
