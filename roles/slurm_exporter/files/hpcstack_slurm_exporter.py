# -*- coding: utf-8 -*-
# Copyright (c) hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Prometheus exporter for Slurm, reading slurmrestd (Slurm 22.05 to 24.11+).

    hpcstack_slurm_exporter.py --url http://ctl:6820 --user slurm --token-file /etc/slurm/exporter.jwt

Talks to slurmrestd through ``_slurm_rest`` (installed next to this file), which negotiates the API
version (v0.0.38 for Slurm 22.05, v0.0.40-42 for 24.11) and normalises what differs; metric names
never depend on the version. Every scrape is served from one snapshot: slurmrestd is asked at most
once per ``--cache-seconds`` whatever the number of scrapers, and a circuit breaker stops asking
after repeated failures (the last good data is served, marked stale). ``--list-metrics`` prints
the metric reference (docs/metrics.md is that output).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import codecs
import collections
import json
import logging
import os
import re
import signal
import sys
import threading
import time

try:  # deployed: the module_utils are copied next to this file
    import _slurm_data as data
    import _slurm_rest as rest
except ImportError:
    try:  # tests: the collection is importable
        from ansible_collections.hpcstack.cluster.plugins.module_utils import _slurm_data as data
        from ansible_collections.hpcstack.cluster.plugins.module_utils import _slurm_rest as rest
    except ImportError:  # run from a checkout of the collection (benchmarks, --list-metrics)
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "plugins", "module_utils"))
        import _slurm_data as data
        import _slurm_rest as rest

try:
    import prometheus_client
    from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
    from prometheus_client.registry import Collector
except ImportError:  # only --list-metrics works without it
    prometheus_client = None
    Collector = object

EXPORTER_VERSION = "1.0.0"
DEFAULT_PORT = 9341
OTHER = "__other__"
MIB = 1024 * 1024
LOG = logging.getLogger("hpcstack_slurm_exporter")

# -- the metric catalogue: the single source of names, types, labels and help ------------------
G, C = "gauge", "counter"
CATALOGUE = (
    ("Controller and daemons", (
        ("slurm_up", G, (), "1 when slurmctld answered the last ping through slurmrestd, else 0."),
        ("slurm_controller_up", G, ("hostname", "mode"), "1 per slurmctld (primary/backup) that answered the last ping."),
        ("slurm_controller_latency_seconds", G, ("hostname",), "Ping latency of each slurmctld (only reported by Slurm 23.11+)."),
        ("slurm_slurmdbd_up", G, (), "1 when slurmdbd answered through slurmrestd's /slurmdb API; absent when slurmrestd serves no /slurmdb API."),
        ("slurm_slurmrestd_up", G, (), "1 when slurmrestd gave an HTTP answer on the last attempt (whatever slurmctld's state)."),
        ("slurm_info", G, ("cluster", "release"), "Always 1: Slurm release and cluster name as reported by slurmrestd."),
    )),
    ("Nodes", (
        ("slurm_nodes", G, ("state",), "Number of nodes by base state (idle, allocated, mixed, down, error, future, unknown)."),
        ("slurm_nodes_flag", G, ("flag",), "Number of nodes carrying a state flag (drain, completing, maint, reboot_requested, not_responding, ...)."),
        ("slurm_node_count", G, (), "Number of nodes known to slurmctld."),
        ("slurm_nodes_drained", G, (), "Nodes with the DRAIN flag and nothing running (fully drained)."),
        ("slurm_nodes_draining", G, (), "Nodes with the DRAIN flag still running jobs."),
        ("slurm_node_state_info", G, ("node", "state"), "Always 1: the base state of each node."),
        ("slurm_node_drain", G, ("node",), "1 when the node has the DRAIN flag (draining or drained), else 0."),
        ("slurm_node_reason_info", G, ("node", "reason"), "Always 1: the reason set on a node (only nodes with a reason; truncated to 100 characters)."),
        ("slurm_node_info", G, ("node", "arch", "slurmd_version", "features", "partitions"), "Always 1: static facts of each node."),
        ("slurm_node_cpus", G, ("node",), "CPUs of each node."),
        ("slurm_node_cpus_alloc", G, ("node",), "Allocated CPUs of each node."),
        ("slurm_node_cpus_idle", G, ("node",), "CPUs of each node not allocated."),
        ("slurm_node_cpu_load", G, ("node",), "Load average of each node as reported by slurmd."),
        ("slurm_node_memory_bytes", G, ("node",), "Configured memory (RealMemory) of each node."),
        ("slurm_node_memory_alloc_bytes", G, ("node",), "Memory allocated to jobs on each node."),
        ("slurm_node_memory_free_bytes", G, ("node",), "Free memory of each node as reported by slurmd."),
        ("slurm_node_gres", G, ("node", "gres", "model"), "Configured generic resources of each node (gres=gpu, model=a100 or empty)."),
        ("slurm_node_gres_used", G, ("node", "gres", "model"), "Generic resources of each node in use."),
        ("slurm_node_boot_timestamp_seconds", G, ("node",), "Boot time of each node (Unix time)."),
        ("slurm_node_last_busy_timestamp_seconds", G, ("node",), "Last time each node was busy (Unix time)."),
    )),
    ("Cluster resources", (
        ("slurm_cpus", G, (), "CPUs of all nodes."),
        ("slurm_cpus_alloc", G, (), "Allocated CPUs."),
        ("slurm_cpus_idle", G, (), "Unallocated CPUs on nodes that can run jobs (not down, drained, future, error)."),
        ("slurm_cpus_other", G, (), "Unallocated CPUs on nodes that cannot run jobs (down, drain, future, error)."),
        ("slurm_memory_bytes", G, (), "Configured memory of all nodes."),
        ("slurm_memory_alloc_bytes", G, (), "Memory allocated to jobs."),
        ("slurm_memory_free_bytes", G, (), "Free memory reported by all slurmds."),
        ("slurm_gres", G, ("gres", "model"), "Configured generic resources of all nodes."),
        ("slurm_gres_used", G, ("gres", "model"), "Generic resources in use."),
    )),
    ("Partitions", (
        ("slurm_partition_state_info", G, ("partition", "state"), "Always 1: the state of each partition (up, down, drain, inactive)."),
        ("slurm_partition_up", G, ("partition",), "1 when the partition is UP, else 0."),
        ("slurm_partition_nodes", G, ("partition",), "Nodes in each partition."),
        ("slurm_partition_nodes_state", G, ("partition", "state"), "Nodes of each partition by base state."),
        ("slurm_partition_cpus", G, ("partition",), "CPUs in each partition."),
        ("slurm_partition_cpus_alloc", G, ("partition",), "Allocated CPUs on the nodes of each partition (a node in two partitions counts in both)."),
        ("slurm_partition_cpus_idle", G, ("partition",), "Unallocated CPUs on usable nodes of each partition."),
        ("slurm_partition_gpus", G, ("partition",), "GPUs (gres/gpu) on the nodes of each partition."),
        ("slurm_partition_gpus_used", G, ("partition",), "GPUs in use on the nodes of each partition."),
        ("slurm_partition_max_time_seconds", G, ("partition",), "Maximum time limit of each partition (absent when unlimited)."),
        ("slurm_partition_jobs_pending", G, ("partition",), "Pending jobs per partition (a job pending in several partitions counts in each)."),
        ("slurm_partition_jobs_running", G, ("partition",), "Running jobs per partition."),
        ("slurm_partition_pending_longest_wait_seconds", G, ("partition",), "Time since submission of the oldest pending job of each partition (0 when none)."),
    )),
    ("Jobs", (
        ("slurm_jobs", G, ("state",), "Jobs known to slurmctld by base state (finished jobs stay until MinJobAge)."),
        ("slurm_job_count", G, (), "Jobs known to slurmctld."),
        ("slurm_jobs_cpus", G, ("state",), "CPUs of jobs by state (allocated when running, requested when pending)."),
        ("slurm_jobs_memory_bytes", G, ("state",), "Memory of jobs by state (allocated when running, requested when pending)."),
        ("slurm_jobs_gpus", G, ("state",), "GPUs of jobs by state (allocated when running, requested when pending)."),
        ("slurm_jobs_nodes", G, ("state",), "Nodes of jobs by state (allocated when running, requested when pending)."),
        ("slurm_jobs_pending_reason", G, ("reason",), "Pending jobs by the reason they wait (Priority, Resources, Dependency, ...)."),
        ("slurm_jobs_pending_longest_wait_seconds", G, (), "Time since submission of the oldest pending job (0 when none)."),
        ("slurm_qos_jobs", G, ("qos", "state"), "Jobs by QOS and state."),
        ("slurm_account_jobs", G, ("account", "state"), "Jobs by account and state (bounded: see --max-job-label-series; the rest is account=\"__other__\")."),
        ("slurm_account_cpus", G, ("account", "state"), "CPUs of jobs by account and state (bounded like slurm_account_jobs)."),
        ("slurm_account_gpus", G, ("account", "state"), "GPUs of jobs by account and state (bounded like slurm_account_jobs)."),
        ("slurm_user_jobs", G, ("user", "state"), "Jobs by user and state (bounded: see --max-job-label-series; the rest is user=\"__other__\")."),
        ("slurm_user_cpus", G, ("user", "state"), "CPUs of jobs by user and state (bounded like slurm_user_jobs)."),
        ("slurm_user_gpus", G, ("user", "state"), "GPUs of jobs by user and state (bounded like slurm_user_jobs)."),
    )),
    ("Scheduler (sdiag)", (
        ("slurm_scheduler_threads", G, (), "slurmctld server threads in use."),
        ("slurm_scheduler_agents", G, (), "slurmctld agents (RPC fan-out) in use."),
        ("slurm_scheduler_agent_threads", G, (), "Threads used by slurmctld agents."),
        ("slurm_scheduler_agent_queue_size", G, (), "RPCs queued for slurmctld agents (retries, node messages)."),
        ("slurm_scheduler_dbd_agent_queue_size", G, (), "Messages queued for slurmdbd (grows when slurmdbd is slow or down)."),
        ("slurm_scheduler_queue_length", G, (), "Length of the main scheduler's job queue."),
        ("slurm_scheduler_last_cycle_seconds", G, (), "Duration of the last main scheduling cycle."),
        ("slurm_scheduler_max_cycle_seconds", G, (), "Longest main scheduling cycle since the statistics were reset."),
        ("slurm_scheduler_mean_cycle_seconds", G, (), "Mean main scheduling cycle duration."),
        ("slurm_scheduler_mean_depth", G, (), "Mean number of jobs examined per main scheduling cycle."),
        ("slurm_scheduler_cycles_per_minute", G, (), "Main scheduling cycles per minute."),
        ("slurm_scheduler_cycles_total", C, (), "Main scheduling cycles since the statistics were reset."),
        ("slurm_scheduler_cycle_exits_total", C, ("reason",), "Why main scheduling cycles ended (Slurm 23.11+)."),
        ("slurm_scheduler_backfill_active", G, (), "1 while a backfill cycle runs."),
        ("slurm_scheduler_backfill_cycles_total", C, (), "Backfill cycles since the statistics were reset."),
        ("slurm_scheduler_backfill_last_cycle_seconds", G, (), "Duration of the last backfill cycle."),
        ("slurm_scheduler_backfill_max_cycle_seconds", G, (), "Longest backfill cycle since the statistics were reset."),
        ("slurm_scheduler_backfill_mean_cycle_seconds", G, (), "Mean backfill cycle duration."),
        ("slurm_scheduler_backfill_last_cycle_timestamp_seconds", G, (), "When the last backfill cycle ended (Unix time, 0 when never)."),
        ("slurm_scheduler_backfill_last_depth", G, (), "Jobs considered in the last backfill cycle (Slurm 23.11+)."),
        ("slurm_scheduler_backfill_last_depth_try", G, (), "Jobs tried (resources checked) in the last backfill cycle (Slurm 23.11+)."),
        ("slurm_scheduler_backfill_mean_depth", G, (), "Mean jobs considered per backfill cycle."),
        ("slurm_scheduler_backfill_mean_depth_try", G, (), "Mean jobs tried per backfill cycle."),
        ("slurm_scheduler_backfill_queue_length", G, (), "Jobs in the backfill queue in the last cycle."),
        ("slurm_scheduler_backfill_mean_queue_length", G, (), "Mean backfill queue length."),
        ("slurm_scheduler_backfill_table_size", G, (), "Time slots in the backfill table in the last cycle."),
        ("slurm_scheduler_backfill_last_backfilled_jobs", G, (), "Jobs started by backfill since the last cycle began."),
        ("slurm_scheduler_backfilled_jobs_total", C, (), "Jobs started by backfill since the statistics were reset."),
        ("slurm_scheduler_backfilled_het_jobs_total", C, (), "Heterogeneous job components started by backfill since the statistics were reset."),
        ("slurm_scheduler_backfill_exits_total", C, ("reason",), "Why backfill cycles ended (Slurm 23.11+)."),
        ("slurm_scheduler_jobs_submitted_total", C, (), "Jobs submitted since the statistics were reset."),
        ("slurm_scheduler_jobs_started_total", C, (), "Jobs started since the statistics were reset."),
        ("slurm_scheduler_jobs_completed_total", C, (), "Jobs completed since the statistics were reset."),
        ("slurm_scheduler_jobs_failed_total", C, (), "Jobs failed since the statistics were reset."),
        ("slurm_scheduler_jobs_canceled_total", C, (), "Jobs cancelled since the statistics were reset."),
        ("slurm_scheduler_stats_reset_timestamp_seconds", G, (), "When slurmctld's statistics were last reset (Unix time; counters restart then)."),
        ("slurm_scheduler_gettimeofday_latency_seconds", G, (), "Latency of gettimeofday() on the controller (high values slow everything)."),
        ("slurm_scheduler_rpc_calls_total", C, ("type",), "RPCs received by slurmctld by message type (the --top-rpc busiest types)."),
        ("slurm_scheduler_rpc_time_seconds_total", C, ("type",), "Time slurmctld spent on RPCs by message type (the --top-rpc busiest types)."),
        ("slurm_scheduler_rpc_average_time_seconds", G, ("type",), "Mean time per RPC by message type (the --top-rpc busiest types)."),
        ("slurm_scheduler_rpc_user_calls_total", C, ("user",), "RPCs received by slurmctld by user (the --top-rpc busiest users)."),
        ("slurm_scheduler_rpc_user_time_seconds_total", C, ("user",), "Time slurmctld spent on RPCs by user (the --top-rpc busiest users)."),
    )),
    ("Accounts and fair-share (slurmdbd; omitted when not available)", (
        ("slurm_accounts", G, (), "Accounts with an association on the cluster."),
        ("slurm_associations", G, (), "Associations (account and user) known to slurmdbd."),
        ("slurm_account_users", G, ("account",), "Users associated with each account."),
        ("slurm_account_shares", G, ("account", "parent"), "Raw fair-share shares configured for each account."),
        ("slurm_account_shares_normalized", G, ("account",), "Normalized shares of each account (sshare; Slurm 23.11+)."),
        ("slurm_account_usage_raw", G, ("account",), "Raw decayed usage of each account (sshare; Slurm 23.11+)."),
        ("slurm_account_usage_normalized", G, ("account",), "Normalized usage of each account (sshare; Slurm 23.11+)."),
        ("slurm_account_effective_usage", G, ("account",), "Effective usage of each account (sshare; Slurm 23.11+)."),
        ("slurm_account_fairshare_factor", G, ("account",), "Fair-share factor of each account (sshare; Slurm 23.11+)."),
        ("slurm_account_fairshare_level", G, ("account",), "Fair-tree level fair-share of each account (sshare; Slurm 23.11+)."),
    )),
    ("Exporter", (
        ("slurm_exporter_build_info", G, ("version", "python_version", "prometheus_client_version"), "Always 1: exporter build."),
        ("slurm_exporter_api_version_info", G, ("plugin", "version"), "Always 1: the slurmrestd API version in use for each plugin (slurm, slurmdb)."),
        ("slurm_exporter_scrape_duration_seconds", G, (), "Time this scrape took, including any refresh from slurmrestd."),
        ("slurm_exporter_refresh_duration_seconds", G, (), "Time the last refresh from slurmrestd took."),
        ("slurm_exporter_refreshes_total", C, ("result",), "Refreshes from slurmrestd by result (success, failure)."),
        ("slurm_exporter_cache_hits_total", C, (), "Scrapes answered from the cache without asking slurmrestd."),
        ("slurm_exporter_cache_age_seconds", G, (), "Age of the Slurm data served (absent before the first success)."),
        ("slurm_exporter_data_stale", G, (), "1 when the Slurm data served is from an earlier refresh because the last one failed."),
        ("slurm_exporter_last_success_timestamp_seconds", G, (), "When Slurm data was last refreshed successfully (Unix time)."),
        ("slurm_exporter_request_duration_seconds", G, ("endpoint",), "Duration of the last call to each slurmrestd endpoint (retries included)."),
        ("slurm_exporter_requests_total", C, ("endpoint",), "HTTP requests to each slurmrestd endpoint (retries included)."),
        ("slurm_exporter_request_errors_total", C, ("endpoint", "kind"),
         "Failed calls by endpoint and kind (unreachable, server, auth, version, refused, parse)."),
        ("slurm_exporter_circuit_breaker_state", G, ("state",), "1 for the breaker's state (closed, open, half_open), 0 for the others."),
        ("slurm_exporter_circuit_breaker_consecutive_failures", G, (), "Failed refreshes in a row."),
        ("slurm_exporter_circuit_breaker_backoff_seconds", G, (), "How long the breaker stays open when it opens next (doubles up to --breaker-max-backoff)."),
        ("slurm_exporter_circuit_breaker_trips_total", C, (), "Times the breaker opened."),
        ("slurm_exporter_circuit_breaker_skipped_total", C, (), "Refreshes not attempted because the breaker was open."),
        ("slurm_exporter_label_overflow_values", G, ("dimension",), "Label values (user, account) folded into \"__other__\" in the last refresh."),
        ("slurm_exporter_parse_errors_total", C, ("what",), "Items slurmrestd returned that could not be understood and were skipped."),
    )),
)
SPECS = collections.OrderedDict((m[0], m) for group in CATALOGUE for m in group[1])

BASE_JOB_STATES = ("pending", "running", "suspended", "completing", "completed", "cancelled", "failed",
                   "timeout", "node_fail", "preempted", "boot_fail", "deadline", "out_of_memory")
BREAKER_STATES = ("closed", "open", "half_open")
UNUSABLE_FLAGS = ("drain", "fail", "maint", "not_responding", "reboot_issued", "powered_down", "powering_down",
                  "power_down", "powering_up")

DIAG_GAUGES = (  # family, statistic, scale
    ("slurm_scheduler_threads", "server_thread_count", 1),
    ("slurm_scheduler_agents", "agent_count", 1),
    ("slurm_scheduler_agent_threads", "agent_thread_count", 1),
    ("slurm_scheduler_agent_queue_size", "agent_queue_size", 1),
    ("slurm_scheduler_dbd_agent_queue_size", "dbd_agent_queue_size", 1),
    ("slurm_scheduler_queue_length", "schedule_queue_length", 1),
    ("slurm_scheduler_last_cycle_seconds", "schedule_cycle_last", 1e-6),
    ("slurm_scheduler_max_cycle_seconds", "schedule_cycle_max", 1e-6),
    ("slurm_scheduler_mean_cycle_seconds", "schedule_cycle_mean", 1e-6),
    ("slurm_scheduler_mean_depth", "schedule_cycle_mean_depth", 1),
    ("slurm_scheduler_cycles_per_minute", "schedule_cycle_per_minute", 1),
    ("slurm_scheduler_cycles_total", "schedule_cycle_total", 1),
    ("slurm_scheduler_backfill_active", "bf_active", 1),
    ("slurm_scheduler_backfill_cycles_total", "bf_cycle_counter", 1),
    ("slurm_scheduler_backfill_last_cycle_seconds", "bf_cycle_last", 1e-6),
    ("slurm_scheduler_backfill_max_cycle_seconds", "bf_cycle_max", 1e-6),
    ("slurm_scheduler_backfill_mean_cycle_seconds", "bf_cycle_mean", 1e-6),
    ("slurm_scheduler_backfill_last_cycle_timestamp_seconds", "bf_when_last_cycle", 1),
    ("slurm_scheduler_backfill_last_depth", "bf_last_depth", 1),
    ("slurm_scheduler_backfill_last_depth_try", "bf_last_depth_try", 1),
    ("slurm_scheduler_backfill_mean_depth", "bf_depth_mean", 1),
    ("slurm_scheduler_backfill_mean_depth_try", "bf_depth_mean_try", 1),
    ("slurm_scheduler_backfill_queue_length", "bf_queue_len", 1),
    ("slurm_scheduler_backfill_mean_queue_length", "bf_queue_len_mean", 1),
    ("slurm_scheduler_backfill_table_size", "bf_table_size", 1),
    ("slurm_scheduler_backfill_last_backfilled_jobs", "bf_last_backfilled_jobs", 1),
    ("slurm_scheduler_backfilled_jobs_total", "bf_backfilled_jobs", 1),
    ("slurm_scheduler_backfilled_het_jobs_total", "bf_backfilled_het_jobs", 1),
    ("slurm_scheduler_jobs_submitted_total", "jobs_submitted", 1),
    ("slurm_scheduler_jobs_started_total", "jobs_started", 1),
    ("slurm_scheduler_jobs_completed_total", "jobs_completed", 1),
    ("slurm_scheduler_jobs_failed_total", "jobs_failed", 1),
    ("slurm_scheduler_jobs_canceled_total", "jobs_canceled", 1),
    ("slurm_scheduler_stats_reset_timestamp_seconds", "req_time_start", 1),
    ("slurm_scheduler_gettimeofday_latency_seconds", "gettimeofday_latency", 1e-6),
)


# -- parsing helpers -------------------------------------------------------------------------
_GRES_COUNT = re.compile(r"^(\d+(?:\.\d+)?)([KMGTP]?)$", re.IGNORECASE)
_SUFFIX = {"": 1, "K": 1024, "M": 1024 ** 2, "G": 1024 ** 3, "T": 1024 ** 4, "P": 1024 ** 5}
_NULLS = ("", "(null)", "n/a", "none", "null")


def split_top(text, sep=","):
    """Split on ``sep`` outside parentheses (``gpu:2(IDX:0,2),mps:100`` has two items)."""
    items, depth, start = [], 0, 0
    for index, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(depth - 1, 0)
        elif char == sep and depth == 0:
            items.append(text[start:index])
            start = index + 1
    items.append(text[start:])
    return [item.strip() for item in items if item.strip()]


def _count(text):
    match = _GRES_COUNT.match(text.strip())
    if not match:
        return None
    value = float(match.group(1)) * _SUFFIX[match.group(2).upper()]
    return int(value) if value == int(value) else value


def parse_gres(value):
    """A GRES string to ``[(name, model, count)]``; never raises.

    ``gpu:4``, ``gpu:a100:4``, ``gpu:a100:4(S:0-1)``, ``gpu:a100:2(IDX:0,2)``, ``gpu`` (one),
    ``gpu:a100`` (one), ``bandwidth:lustre:4G``, several separated by commas; empty, None,
    ``(null)`` and ``N/A`` give []. Items that make no sense are skipped.
    """
    if isinstance(value, (list, tuple)):
        value = ",".join(str(v) for v in value)
    if value is None or str(value).strip().lower() in _NULLS:
        return []
    result = []
    for item in split_top(str(value)):
        item = re.sub(r"\(.*\)?$", "", item).strip()
        if item.lower() in _NULLS:
            continue
        parts = [p.strip() for p in item.split(":")]
        if not parts[0] or not re.match(r"^[A-Za-z][\w.\-/]*$", parts[0]):
            continue
        count = _count(parts[-1]) if len(parts) > 1 else None
        if count is not None:
            model = ":".join(parts[1:-1])
        else:
            count, model = 1, ":".join(parts[1:])
            if len(parts) > 1 and re.match(r"^-?\d", parts[-1] or ""):  # "gpu:-1", "gpu:x:1.2.3"
                continue
        result.append((parts[0].lower(), model, count))
    return result


def gres_totals(value):
    """GRES string to ``{(name, model): count}``."""
    totals = {}
    for name, model, count in parse_gres(value):
        totals[(name, model)] = totals.get((name, model), 0) + count
    return totals


def parse_tres_counts(value):
    """``cpu=2,mem=4G,gres/gpu=1`` to ``{"cpu": 2, "mem": bytes, "gres/gpu": 1}``; never raises."""
    result = {}
    if not value or str(value).strip().lower() in _NULLS:
        return result
    for item in str(value).split(","):
        key, sep, raw = item.partition("=")
        key, raw = key.strip().lower(), raw.strip()
        if not sep or not key or not raw:
            continue
        suffix = raw[-1].upper()
        if suffix in _SUFFIX:
            raw = raw[:-1]
        else:
            suffix = ""
        if not raw[:1].isdigit():  # also refuses negative counts ("clear this limit")
            continue
        try:
            number = float(raw)
        except ValueError:
            continue
        result[key] = number * _SUFFIX[suffix or ("M" if key == "mem" else "")]
    return result


def gpus_of(tres):
    """GPUs in a TRES dict: ``gres/gpu`` when present, else the sum of ``gres/gpu:<model>``."""
    if "gres/gpu" in tres:
        return tres["gres/gpu"]
    return sum(v for k, v in tres.items() if k.startswith("gres/gpu:"))


def _num(value, default=None):
    value = data.number(value)
    if value is None or value == "infinite" or isinstance(value, (dict, list)):
        return default
    if isinstance(value, bool):
        return 1 if value else 0
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def _label(value):
    return sys.intern(str(value or ""))


# -- compact records built while the answer is read (see _StreamingClient) -------------------
Job = collections.namedtuple("Job", "state user account partitions qos reason cpus memory gpus nodes submit")


def compact_job(raw):
    """A REST job (any version) reduced to what the metrics need."""
    job = data.normalise_job(raw)
    state = job["state"].split("+")[0] or "unknown"
    tres = parse_tres_counts(raw.get("tres_alloc_str") if state != "pending" else None) \
        or parse_tres_counts(raw.get("tres_req_str"))
    gpus = gpus_of(tres)
    if not gpus:
        for key in ("tres_per_job", "tres_per_node", "tres_per_socket", "tres_per_task"):
            text = raw.get(key)
            if not text or "gpu" not in text:
                continue
            counts = [c for name, dummy, c in parse_gres(text.replace("gres/", "").replace("gres:", "")) if name == "gpu"]
            if counts:
                gpus = sum(counts)
                break
    partitions = tuple(_label(p) for p in str(job["partition"] or "").split(",") if p) or ("",)
    nodes = _num(raw.get("node_count"), None)
    return Job(state=_label(state), user=_label(job["user"]), account=_label(job["account"]),
               partitions=partitions, qos=_label(job["qos"]), reason=_label(job["reason"] or "None"),
               cpus=float(job["cpus"] or 0) if job["cpus"] not in (None, "infinite") else 0.0,
               memory=tres.get("mem", 0.0), gpus=float(gpus or 0), nodes=nodes if nodes is not None else tres.get("node", 0.0),
               submit=_num(raw.get("submit_time")))


def compact_node(raw):
    """A REST node (any version): the normalised node plus the figures only the exporter needs."""
    node = data.normalise_node(raw)
    node["free_memory"] = _num(raw.get("free_mem", raw.get("free_memory")))
    node["cpu_load"] = _num(raw.get("cpu_load"))
    node["gres_used"] = raw.get("gres_used") or ""
    node["boot_time"] = _num(raw.get("boot_time"))
    node["last_busy"] = _num(raw.get("last_busy"))
    node["arch"] = raw.get("architecture") or ""
    node["version"] = raw.get("version") or raw.get("slurmd_version") or ""
    return node


REDUCERS = {
    "nodes": {"nodes": compact_node},
    "partitions": {"partitions": data.normalise_partition},
    "jobs": {"jobs": compact_job},
    "associations": {"associations": data.normalise_association},
}


class _Decoded(object):
    __slots__ = ("body",)

    def __init__(self, body):
        self.body = body


class _Stream(object):
    """Incremental reader of one JSON answer: values are decoded as their bytes arrive."""

    _WS = re.compile(r"[ \t\n\r]*")

    def __init__(self, read, chunk=1 << 18):
        self._read = read
        self._chunk = chunk
        self._utf8 = codecs.getincrementaldecoder("utf-8")()
        self._decoder = json.JSONDecoder()
        self.buf = ""
        self.pos = 0
        self.eof = False

    def _more(self, size=None):
        if self.eof:
            raise ValueError("truncated JSON answer from slurmrestd")
        raw = self._read(size or self._chunk)
        text = self._utf8.decode(raw or b"", not raw)
        self.eof = not raw
        self.buf = self.buf[self.pos:] + text
        self.pos = 0

    def peek(self):
        while True:
            self.pos = self._WS.match(self.buf, self.pos).end()
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            self._more()

    def expect(self, chars):
        char = self.peek()
        if char not in chars:
            raise ValueError("unexpected %r in JSON answer from slurmrestd" % char)
        self.pos += 1
        return char

    def value(self):
        self.peek()
        size = self._chunk
        while True:
            try:
                obj, end = self._decoder.raw_decode(self.buf, self.pos)
            except ValueError:
                if self.eof:
                    raise
                self._more(size)
                size *= 2  # a big value: read geometrically more, so it is decoded O(log n) times
                continue
            if end >= len(self.buf) and not self.eof:  # a number may go on in the next chunk
                self._more(size)
                continue
            self.pos = end
            return obj


def decode_stream(read, reducers, chunk=1 << 18):
    """Decode a JSON object from ``read(n)``; lists under a key of ``reducers`` are reduced item by item.

    Only one item of such a list is ever held as decoded JSON, so memory does not grow with the
    size of the answer (10,000 jobs are ~50 MB of JSON).
    """
    stream = _Stream(read, chunk)
    body = {}
    stream.expect("{")
    if stream.peek() == "}":
        return body
    while True:
        key = stream.value()
        if not isinstance(key, str):
            raise ValueError("bad key in JSON answer from slurmrestd")
        stream.expect(":")
        reduce_item = reducers.get(key)
        if reduce_item is not None and stream.peek() == "[":
            stream.pos += 1
            items = body[key] = []
            if stream.peek() == "]":
                stream.pos += 1
            else:
                while True:
                    items.append(reduce_item(stream.value()))
                    if stream.expect(",]") == "]":
                        break
        else:
            body[key] = stream.value()
        if stream.expect(",}") == "}":
            return body


class _Skipped(object):
    """Marks an item its reducer could not understand."""


def _guarded(reducer, on_error, what):
    def reduce_item(raw):
        try:
            return reducer(raw)
        except Exception:  # pylint: disable=broad-except  # one odd item must not lose the scrape
            on_error(what)
            return _Skipped
    return reduce_item


class _StreamingClient(rest.SlurmRestClient):
    """SlurmRestClient whose successful answers are decoded while read, with per-list reducers.

    Negotiation, headers, retries, error classification are the base class's; only the decoding
    of a 200 answer changes (so a 50 MB job list never sits in memory as bytes, text and objects).
    """

    reducers = None

    def _once(self, method, path, body):
        conn = self._connection()
        try:
            payload = json.dumps(body).encode("utf-8") if body is not None else None
            conn.request(method, self._prefix + path, body=payload, headers=self._headers(body))
            response = conn.getresponse()
            if response.status != 200 or self.reducers is None:
                return response.status, response.read()
            return response.status, _Decoded(decode_stream(response.read, self.reducers))
        finally:
            conn.close()

    def _decode(self, raw):  # pylint: disable=arguments-differ
        if isinstance(raw, _Decoded):
            return raw.body, raw.body.get("errors") or []
        return super(_StreamingClient, self)._decode(raw)

    def get(self, plugin, tail, reducers=None):
        """GET /<plugin>/<negotiated version>/<tail>; returns the decoded (reduced) answer."""
        version = self.negotiate().get(plugin)
        if not version:
            raise rest.SlurmRestVersionError("slurmrestd serves no supported /%s API" % plugin)
        self.reducers = reducers or {}
        try:
            return self.request("GET", "/%s/%s/%s" % (plugin, version, tail)) or {}
        finally:
            self.reducers = None


def error_kind(exc):
    if isinstance(exc, rest.SlurmRestAuthError):
        return "auth"
    if isinstance(exc, rest.SlurmRestUnreachable):
        return "unreachable"
    if isinstance(exc, rest.SlurmRestServerError):
        return "server"
    if isinstance(exc, rest.SlurmRestVersionError):
        return "version"
    if isinstance(exc, rest.SlurmRestError):
        return "refused"
    return "parse"


# -- turning one refresh's data into samples ---------------------------------------------------
class Samples(object):
    """Samples of the Slurm families for one refresh: name -> {label values: value}."""

    def __init__(self):
        self.values = collections.defaultdict(dict)

    def set(self, name, labels, value):
        if value is None:
            return
        self.values[name][tuple(labels)] = float(value)

    def add(self, name, labels, value):
        if value is None:
            return
        series = self.values[name]
        labels = tuple(labels)
        series[labels] = series.get(labels, 0.0) + float(value)

    def ensure(self, name, labels):
        self.values[name].setdefault(tuple(labels), 0.0)


def bound_labels(weights, limit):
    """Keep the ``limit - 1`` heaviest keys when there are more than ``limit``; returns (mapping, folded)."""
    if limit <= 0 or len(weights) <= limit:
        return dict((k, k) for k in weights), 0
    ranked = sorted(weights, key=lambda k: (-weights[k], k))
    keep = set(ranked[:max(limit - 1, 0)])
    return dict((k, k if k in keep else OTHER) for k in weights), len(weights) - len(keep)


def _usable(node):
    return node["state"] not in ("down", "error", "future", "unknown") \
        and not any(f in UNUSABLE_FLAGS for f in node["flags"])


def analyse_nodes(out, nodes):
    for state in data.BASE_NODE_STATES:
        out.ensure("slurm_nodes", (state,))
    totals = collections.defaultdict(float)
    for node in nodes:
        name = node["name"]
        cpus = node["cpus"] or 0
        alloc = node["alloc_cpus"] or 0
        out.add("slurm_nodes", (node["state"],), 1)
        for flag in node["flags"]:
            out.add("slurm_nodes_flag", (flag,), 1)
        out.set("slurm_node_state_info", (name, node["state"]), 1)
        out.set("slurm_node_drain", (name,), 1 if "drain" in node["flags"] else 0)
        if node["reason"]:
            out.set("slurm_node_reason_info", (name, node["reason"][:100]), 1)
        out.set("slurm_node_info", (name, node["arch"], node["version"], ",".join(node["features"]),
                                    ",".join(node["partitions"])), 1)
        out.set("slurm_node_cpus", (name,), cpus)
        out.set("slurm_node_cpus_alloc", (name,), alloc)
        out.set("slurm_node_cpus_idle", (name,), max(cpus - alloc, 0))
        if node["cpu_load"] is not None:
            out.set("slurm_node_cpu_load", (name,), node["cpu_load"] / 100.0)
        out.set("slurm_node_memory_bytes", (name,), (node["real_memory"] or 0) * MIB)
        out.set("slurm_node_memory_alloc_bytes", (name,), (node["alloc_memory"] or 0) * MIB)
        if node["free_memory"] is not None:
            out.set("slurm_node_memory_free_bytes", (name,), node["free_memory"] * MIB)
            totals["free"] += node["free_memory"] * MIB
        if node["boot_time"]:
            out.set("slurm_node_boot_timestamp_seconds", (name,), node["boot_time"])
        if node["last_busy"]:
            out.set("slurm_node_last_busy_timestamp_seconds", (name,), node["last_busy"])
        configured = gres_totals(node["gres"])
        used = gres_totals(node["gres_used"])
        for (gres, model), count in configured.items():
            out.set("slurm_node_gres", (name, gres, model), count)
            out.set("slurm_node_gres_used", (name, gres, model), used.get((gres, model), 0))
            out.add("slurm_gres", (gres, model), count)
            out.add("slurm_gres_used", (gres, model), used.get((gres, model), 0))
        node["gpus"] = sum(c for (g, dummy), c in configured.items() if g == "gpu")
        node["gpus_used"] = sum(c for (g, dummy), c in used.items() if g == "gpu")
        totals["cpus"] += cpus
        totals["alloc"] += alloc
        totals["idle" if _usable(node) else "other"] += max(cpus - alloc, 0)
        totals["memory"] += (node["real_memory"] or 0) * MIB
        totals["alloc_memory"] += (node["alloc_memory"] or 0) * MIB
    out.set("slurm_node_count", (), len(nodes))
    out.set("slurm_nodes_drained", (), sum(1 for n in nodes if n["drained"]))
    out.set("slurm_nodes_draining", (), sum(1 for n in nodes if n["draining"]))
    for family, key in (("slurm_cpus", "cpus"), ("slurm_cpus_alloc", "alloc"), ("slurm_cpus_idle", "idle"),
                        ("slurm_cpus_other", "other"), ("slurm_memory_bytes", "memory"),
                        ("slurm_memory_alloc_bytes", "alloc_memory"), ("slurm_memory_free_bytes", "free")):
        out.set(family, (), totals[key])


def analyse_partitions(out, partitions, nodes, jobs, now):
    members = collections.defaultdict(list)
    for node in nodes:
        for name in node["partitions"]:
            members[name].append(node)
    for part in partitions:
        name = part["name"]
        state = (part["state"] or "unknown").split("+")[0]
        out.set("slurm_partition_state_info", (name, state), 1)
        out.set("slurm_partition_up", (name,), 1 if state == "up" else 0)
        out.set("slurm_partition_nodes", (name,), part["total_nodes"] if part["total_nodes"] is not None
                else len(members[name]))
        out.set("slurm_partition_cpus", (name,), part["total_cpus"] if part["total_cpus"] is not None
                else sum(n["cpus"] or 0 for n in members[name]))
        out.set("slurm_partition_cpus_alloc", (name,), sum(n["alloc_cpus"] or 0 for n in members[name]))
        out.set("slurm_partition_cpus_idle", (name,), sum(max((n["cpus"] or 0) - (n["alloc_cpus"] or 0), 0)
                                                          for n in members[name] if _usable(n)))
        out.set("slurm_partition_gpus", (name,), sum(n["gpus"] for n in members[name]))
        out.set("slurm_partition_gpus_used", (name,), sum(n["gpus_used"] for n in members[name]))
        for node in members[name]:
            out.add("slurm_partition_nodes_state", (name, node["state"]), 1)
        if part["max_time"] is not None:
            out.set("slurm_partition_max_time_seconds", (name,), part["max_time"] * 60)
        for family in ("slurm_partition_jobs_pending", "slurm_partition_jobs_running",
                       "slurm_partition_pending_longest_wait_seconds"):
            out.ensure(family, (name,))
    longest = 0.0
    waits = out.values["slurm_partition_pending_longest_wait_seconds"]
    for job in jobs:
        if job.state == "pending":
            wait = max(now - job.submit, 0.0) if job.submit else 0.0
            longest = max(longest, wait)
            for name in job.partitions:
                out.add("slurm_partition_jobs_pending", (name,), 1)
                waits[(name,)] = max(waits.get((name,), 0.0), wait)
        elif job.state == "running":
            for name in job.partitions:
                out.add("slurm_partition_jobs_running", (name,), 1)
    out.set("slurm_jobs_pending_longest_wait_seconds", (), longest)


def analyse_jobs(out, jobs, max_series):
    for state in BASE_JOB_STATES:
        for family in ("slurm_jobs", "slurm_jobs_cpus", "slurm_jobs_memory_bytes", "slurm_jobs_gpus", "slurm_jobs_nodes"):
            out.ensure(family, (state,))
    users, accounts = collections.Counter(), collections.Counter()
    for job in jobs:
        users[job.user] += 1
        accounts[job.account] += 1
    user_map, users_folded = bound_labels(users, max_series)
    account_map, accounts_folded = bound_labels(accounts, max_series)
    for job in jobs:
        state = job.state
        out.add("slurm_jobs", (state,), 1)
        out.add("slurm_jobs_cpus", (state,), job.cpus)
        out.add("slurm_jobs_memory_bytes", (state,), job.memory)
        out.add("slurm_jobs_gpus", (state,), job.gpus)
        out.add("slurm_jobs_nodes", (state,), job.nodes)
        if state == "pending":
            out.add("slurm_jobs_pending_reason", (job.reason,), 1)
        out.add("slurm_qos_jobs", (job.qos, state), 1)
        user, account = user_map[job.user], account_map[job.account]
        out.add("slurm_user_jobs", (user, state), 1)
        out.add("slurm_user_cpus", (user, state), job.cpus)
        out.add("slurm_user_gpus", (user, state), job.gpus)
        out.add("slurm_account_jobs", (account, state), 1)
        out.add("slurm_account_cpus", (account, state), job.cpus)
        out.add("slurm_account_gpus", (account, state), job.gpus)
    out.set("slurm_job_count", (), len(jobs))
    out.set("slurm_exporter_label_overflow_values", ("user",), users_folded)
    out.set("slurm_exporter_label_overflow_values", ("account",), accounts_folded)


def analyse_diag(out, stats, top):
    for family, key, scale in DIAG_GAUGES:
        value = _num(stats.get(key))
        if value is not None:
            out.set(family, (), value * scale)
    for family, key in (("slurm_scheduler_cycle_exits_total", "schedule_exit"),
                        ("slurm_scheduler_backfill_exits_total", "bf_exit")):
        for reason, value in sorted((stats.get(key) or {}).items()):
            out.set(family, (reason,), _num(value, 0))
    types = [r for r in stats.get("rpcs_by_message_type") or [] if isinstance(r, dict)]
    for rpc in sorted(types, key=lambda r: -(_num(r.get("count"), 0)))[:top]:
        label = (_label(rpc.get("message_type") or rpc.get("type_id")),)
        out.set("slurm_scheduler_rpc_calls_total", label, _num(rpc.get("count"), 0))
        out.set("slurm_scheduler_rpc_time_seconds_total", label, _num(rpc.get("total_time"), 0) * 1e-6)
        out.set("slurm_scheduler_rpc_average_time_seconds", label, _num(rpc.get("average_time"), 0) * 1e-6)
    by_user = [r for r in stats.get("rpcs_by_user") or [] if isinstance(r, dict)]
    for rpc in sorted(by_user, key=lambda r: -(_num(r.get("count"), 0)))[:top]:
        label = (_label(rpc.get("user") or rpc.get("user_id")),)
        out.set("slurm_scheduler_rpc_user_calls_total", label, _num(rpc.get("count"), 0))
        out.set("slurm_scheduler_rpc_user_time_seconds_total", label, _num(rpc.get("total_time"), 0) * 1e-6)


def analyse_associations(out, associations):
    accounts = set()
    for assoc in associations:
        if assoc is _Skipped:
            continue
        accounts.add(assoc["account"])
        if assoc["user"]:
            out.add("slurm_account_users", (assoc["account"],), 1)
        elif not assoc["partition"] and assoc["shares"] is not None:
            out.set("slurm_account_shares", (assoc["account"], assoc["parent"]), assoc["shares"])
    out.set("slurm_accounts", (), len(accounts))
    out.set("slurm_associations", (), sum(1 for a in associations if a is not _Skipped))


def analyse_shares(out, body):
    shares = body.get("shares") or {}
    rows = shares.get("shares") if isinstance(shares, dict) else shares
    for row in rows or []:
        kind = row.get("type") or []
        kind = [kind] if isinstance(kind, str) else kind
        if "USER" in [str(k).upper() for k in kind] or not row.get("name"):
            continue
        label = (_label(row["name"]),)
        fairshare = row.get("fairshare") or {}
        for family, value in (("slurm_account_shares_normalized", row.get("shares_normalized")),
                              ("slurm_account_usage_raw", row.get("usage")),
                              ("slurm_account_usage_normalized", row.get("usage_normalized")),
                              ("slurm_account_effective_usage", row.get("effective_usage")),
                              ("slurm_account_fairshare_factor", fairshare.get("factor")),
                              ("slurm_account_fairshare_level", fairshare.get("level"))):
            value = _num(value)
            if value is not None:
                out.set(family, label, value)


def slurm_meta(body):
    meta = body.get("meta") or {}
    slurm = meta.get("slurm") or meta.get("Slurm") or {}
    return slurm.get("cluster") or "", slurm.get("release") or ""


# -- the exporter: cache, circuit breaker, refresh --------------------------------------------
class Snapshot(object):
    """What one successful refresh produced; never modified afterwards (scrapes share it)."""

    def __init__(self, samples, wall_time, monotonic_time):
        self.samples = samples
        self.wall_time = wall_time
        self.monotonic_time = monotonic_time


class SlurmExporter(object):
    """Refreshes Slurm data from slurmrestd at most every ``cache_seconds``, behind a circuit breaker."""

    def __init__(self, client, cache_seconds=30, max_job_label_series=200, top_rpc=20,
                 breaker_threshold=3, breaker_backoff=30, breaker_max_backoff=600,
                 token_file=None, clock=time.monotonic, wall_clock=time.time):
        self.client = client
        self.cache_seconds = cache_seconds
        self.max_job_label_series = max_job_label_series
        self.top_rpc = top_rpc
        self.breaker_threshold = max(breaker_threshold, 1)
        self.breaker_backoff_initial = breaker_backoff
        self.breaker_max_backoff = max(breaker_max_backoff, breaker_backoff)
        self.token_file = token_file
        self._token_mtime = None
        self._clock = clock
        self._wall = wall_clock
        self._fixed_versions = bool(client.versions)
        self.lock = threading.Lock()
        self._refreshing = threading.Lock()
        self.snapshot = None
        self.last_attempt = None
        self.failing = False
        self.controllers = []
        self.up = 0
        self.rest_up = 0
        self.dbd_up = None
        self.info = None
        self.shares_supported = True
        self.failures = 0
        self.open_until = None
        self.backoff = breaker_backoff
        self.trips = 0
        self.skipped = 0
        self.cache_hits = 0
        self.refreshes = collections.Counter()
        self.requests = collections.Counter()
        self.errors = collections.Counter()
        self.durations = {}
        self.parse_errors = collections.Counter()
        self.refresh_duration = None

    # breaker -------------------------------------------------------------------------------
    def breaker_state(self, now=None):
        if self.open_until is None:
            return "closed"
        return "open" if (now if now is not None else self._clock()) < self.open_until else "half_open"

    def _record_result(self, ok, now):
        self.refreshes["success" if ok else "failure"] += 1
        self.failing = not ok
        if ok:
            if self.open_until is not None:
                LOG.warning("slurmrestd answers again: circuit breaker closed")
            self.failures, self.open_until, self.backoff = 0, None, self.breaker_backoff_initial
            return
        self.failures += 1
        if self.open_until is not None:  # the half-open trial failed: open again, for longer
            self.backoff = min(self.backoff * 2, self.breaker_max_backoff)
        elif self.failures < self.breaker_threshold:
            return
        self.open_until = now + self.backoff
        self.trips += 1
        LOG.warning("circuit breaker open for %ss after %d failed refresh(es)", self.backoff, self.failures)

    # refresh -------------------------------------------------------------------------------
    def _due(self):
        """Under self.lock: may slurmrestd be asked now? Counts cache hits and breaker skips."""
        now = self._clock()
        if self.last_attempt is not None and now - self.last_attempt < self.cache_seconds:
            self.cache_hits += 1
            return False
        if self.breaker_state(now) == "open":
            self.skipped += 1
            return False
        return True

    def refresh_if_due(self):
        """Refresh unless the cache is fresh or the breaker is open. Returns True if slurmrestd was asked.

        One refresh at a time. While one runs, other scrapes are answered at once from the previous
        snapshot (they only wait for it when there is none yet), so a slow slurmrestd does not pile
        up scrapes behind it.
        """
        with self.lock:
            due = self._due()
        if not due:
            if self.snapshot is None and self._refreshing.locked():  # the first refresh is running: wait for it
                with self._refreshing:
                    pass
            return False
        if not self._refreshing.acquire(self.snapshot is None):  # pylint: disable=consider-using-with
            with self.lock:
                self.cache_hits += 1
            return False
        try:
            with self.lock:
                if not self._due():  # another scrape refreshed while this one waited
                    return False
                self.last_attempt = self._clock()
            ok = self._refresh()
            with self.lock:
                self._record_result(ok, self._clock())
            return True
        finally:
            self._refreshing.release()

    def _load_token(self):
        if not self.token_file:
            return
        try:
            mtime = os.stat(self.token_file).st_mtime
            if mtime != self._token_mtime:
                with open(self.token_file) as handle:
                    self.client.token = handle.read().strip()
                self._token_mtime = mtime
        except (IOError, OSError) as exc:
            LOG.error("cannot read token file %s: %s", self.token_file, exc.strerror or exc)

    def _call(self, endpoint, func):
        """Run one slurmrestd call; returns (answer, None) or (None, exception), with accounting."""
        before, start = self.client.requests, self._clock()
        try:
            return func(), None
        except (rest.SlurmRestError, ValueError) as exc:
            with self.lock:
                self.errors[(endpoint, error_kind(exc))] += 1
            LOG.warning("slurmrestd %s: %s", endpoint, self._redact(exc))
            return None, exc
        finally:
            with self.lock:
                self.requests[endpoint] += self.client.requests - before
                self.durations[endpoint] = self._clock() - start

    def _parse_error(self, what):
        with self.lock:
            self.parse_errors[what] += 1

    def _redact(self, exc):
        text = str(exc)
        if self.client.token:
            text = text.replace(self.client.token, "***")
        return text

    @staticmethod
    def _answered(exc):
        return exc is None or not isinstance(exc, rest.SlurmRestUnreachable)

    def _renegotiate_on(self, exc):
        if isinstance(exc, rest.SlurmRestVersionError) and not self._fixed_versions:
            self.client.versions = None  # slurmrestd may have been upgraded: ask /openapi again
            self.shares_supported = True

    def _refresh(self):
        """Ask slurmrestd for everything; True when the core data (nodes, partitions, jobs) arrived."""
        start = self._clock()
        try:
            return self._refresh_inner()
        finally:
            self.refresh_duration = self._clock() - start

    def _refresh_inner(self):
        self._load_token()
        self.controllers = []
        client = self.client
        versions, exc = self._call("openapi", client.negotiate)
        self.rest_up = 1 if self._answered(exc) else 0
        if exc is not None:
            self.up = 0
            return False
        pings, exc = self._call("ping", lambda: client.get("slurm", "ping"))
        self.rest_up = 1 if self._answered(exc) else 0
        if exc is not None:
            self.up = 0
            self._renegotiate_on(exc)
            return False
        out = Samples()
        up, controllers = 0, []
        for item in pings.get("pings") or []:
            state = str(item.get("pinged", item.get("ping", ""))).upper() == "UP"
            up = max(up, 1 if state else 0)
            host = _label(item.get("hostname"))
            controllers.append(("slurm_controller_up", (host, _label(item.get("mode"))), 1 if state else 0))
            latency = _num(item.get("latency"))
            if latency is not None:
                controllers.append(("slurm_controller_latency_seconds", (host,), latency * 1e-6))
        self.up, self.controllers = up, controllers
        answers = {}
        for name in ("nodes", "partitions", "jobs"):
            reducers = dict((k, _guarded(f, self._parse_error, name)) for k, f in REDUCERS[name].items())
            answers[name], exc = self._call(name, lambda n=name, r=reducers: client.get("slurm", n, r))
            if exc is not None:
                self._renegotiate_on(exc)
                if isinstance(exc, (rest.SlurmRestServerError, rest.SlurmRestUnreachable)):
                    self.up = 0
                return False
        now = self._wall()
        nodes = [n for n in answers["nodes"].get("nodes") or [] if n is not _Skipped]
        jobs = [j for j in answers["jobs"].get("jobs") or [] if j is not _Skipped]
        partitions = [p for p in answers["partitions"].get("partitions") or [] if p is not _Skipped]
        analyse_nodes(out, nodes)
        analyse_partitions(out, partitions, nodes, jobs, now)
        analyse_jobs(out, jobs, self.max_job_label_series)
        cluster, release = slurm_meta(answers["nodes"])
        out.set("slurm_info", (cluster, release), 1)
        del answers, nodes, jobs, partitions
        diag, exc = self._call("diag", lambda: client.get("slurm", "diag"))
        if diag is not None:
            analyse_diag(out, diag.get("statistics") or {}, self.top_rpc)
        self._refresh_slurmdb(out)
        self.snapshot = Snapshot(out, now, self._clock())
        return True

    def _refresh_slurmdb(self, out):
        client = self.client
        if not (client.versions or {}).get("slurmdb"):
            self.dbd_up = None
            return
        reducers = {"associations": _guarded(data.normalise_association, self._parse_error, "associations")}
        body, exc = self._call("associations", lambda: client.get("slurmdb", "associations", reducers))
        if body is not None:
            self.dbd_up = 1
            analyse_associations(out, body.get("associations") or [])
        else:
            self.dbd_up = 0 if not isinstance(exc, rest.SlurmRestAuthError) else self.dbd_up
        if self.shares_supported and client.versions.get("slurm") != "v0.0.38":
            body, exc = self._call("shares", lambda: client.get("slurm", "shares"))
            if isinstance(exc, rest.SlurmRestVersionError) or type(exc) is rest.SlurmRestError:  # pylint: disable=unidiomatic-typecheck
                self.shares_supported = False  # not served, or refused (no priority/multifactor): stop asking
            elif body is not None:
                analyse_shares(out, body)

    # what a scrape sees --------------------------------------------------------------------
    def status(self):
        """A consistent copy of the exporter's state for one scrape."""
        with self.lock:
            return dict(
                snapshot=self.snapshot, stale=self.snapshot is not None and self.failing,
                controllers=list(self.controllers), up=self.up, rest_up=self.rest_up, dbd_up=self.dbd_up,
                versions=dict(self.client.versions or {}), breaker=self.breaker_state(),
                failures=self.failures, backoff=self.backoff, trips=self.trips, skipped=self.skipped,
                cache_hits=self.cache_hits, refreshes=dict(self.refreshes), requests=dict(self.requests),
                errors=dict(self.errors), durations=dict(self.durations), parse_errors=dict(self.parse_errors),
                refresh_duration=self.refresh_duration, now=self._clock())


def _family(name):
    name, kind, labels, text = SPECS[name][:4]
    cls = CounterMetricFamily if kind == C else GaugeMetricFamily
    return cls(name, text, labels=list(labels))


class SlurmCollector(Collector):
    """prometheus_client collector: one consistent snapshot per scrape."""

    def __init__(self, exporter):
        self.exporter = exporter

    def describe(self):
        return [_family(name) for name in SPECS]

    def collect(self):
        start = time.monotonic()
        self.exporter.refresh_if_due()
        state = self.exporter.status()
        families = collections.OrderedDict((name, _family(name)) for name in SPECS)
        snapshot = state["snapshot"]
        if snapshot is not None:
            for name, series in snapshot.samples.values.items():
                family = families[name]
                for labels, value in series.items():
                    family.add_metric(labels, value)

        def one(name, value, labels=()):
            families[name].add_metric(list(labels), value)
        one("slurm_up", state["up"])
        for name, labels, value in state["controllers"]:
            one(name, value, labels)
        one("slurm_slurmrestd_up", state["rest_up"])
        if state["dbd_up"] is not None:
            one("slurm_slurmdbd_up", state["dbd_up"])
        one("slurm_exporter_build_info", 1, (EXPORTER_VERSION, "%d.%d.%d" % sys.version_info[:3], _pc_version()))
        for plugin, version in sorted(state["versions"].items()):
            if version:
                one("slurm_exporter_api_version_info", 1, (plugin, version))
        if state["refresh_duration"] is not None:
            one("slurm_exporter_refresh_duration_seconds", state["refresh_duration"])
        for result in ("success", "failure"):
            one("slurm_exporter_refreshes_total", state["refreshes"].get(result, 0), (result,))
        one("slurm_exporter_cache_hits_total", state["cache_hits"])
        if snapshot is not None:
            one("slurm_exporter_cache_age_seconds", max(state["now"] - snapshot.monotonic_time, 0.0))
            one("slurm_exporter_last_success_timestamp_seconds", snapshot.wall_time)
        one("slurm_exporter_data_stale", 1 if state["stale"] else 0)
        for endpoint, seconds in sorted(state["durations"].items()):
            one("slurm_exporter_request_duration_seconds", seconds, (endpoint,))
        for endpoint, count in sorted(state["requests"].items()):
            one("slurm_exporter_requests_total", count, (endpoint,))
        for (endpoint, kind), count in sorted(state["errors"].items()):
            one("slurm_exporter_request_errors_total", count, (endpoint, kind))
        for breaker in BREAKER_STATES:
            one("slurm_exporter_circuit_breaker_state", 1 if breaker == state["breaker"] else 0, (breaker,))
        one("slurm_exporter_circuit_breaker_consecutive_failures", state["failures"])
        one("slurm_exporter_circuit_breaker_backoff_seconds", state["backoff"])
        one("slurm_exporter_circuit_breaker_trips_total", state["trips"])
        one("slurm_exporter_circuit_breaker_skipped_total", state["skipped"])
        for what, count in sorted(state["parse_errors"].items()):
            one("slurm_exporter_parse_errors_total", count, (what,))
        one("slurm_exporter_scrape_duration_seconds", time.monotonic() - start)
        return list(families.values())


_PC_VERSION = []


def _pc_version():
    if not _PC_VERSION:
        try:
            from importlib.metadata import version  # pylint: disable=import-outside-toplevel
            _PC_VERSION.append(version("prometheus_client"))
        except Exception:  # pylint: disable=broad-except
            _PC_VERSION.append("")
    return _PC_VERSION[0]


# -- documentation -----------------------------------------------------------------------------
DOC_HEAD = """# Slurm exporter metrics

<!-- Generated by `roles/slurm_exporter/files/hpcstack_slurm_exporter.py --list-metrics`; do not edit.
     tests/unit/exporter checks that this file equals that output. -->

`hpcstack_slurm_exporter.py` reads slurmrestd (Slurm 22.05 API v0.0.38, Slurm 23.11/24.11 API
v0.0.40 to v0.0.42) and serves these %(count)d metric families. Names and labels are the same
whatever the API version; a family whose data a Slurm version does not report is present without
samples. Units are base units (seconds, bytes); times are Unix seconds.

Behaviour worth knowing when writing alerts:

* Data is refreshed at most every `--cache-seconds` (default 30), whatever the number of scrapers.
* After `--breaker-threshold` failed refreshes in a row the exporter stops asking slurmrestd for
  `--breaker-backoff` seconds, doubling up to `--breaker-max-backoff`; meanwhile it serves the last
  good data with `slurm_exporter_data_stale 1`, `slurm_up 0` and growing `slurm_exporter_cache_age_seconds`.
* Per-user and per-account job families keep at most `--max-job-label-series` label values; the
  rest is summed into `user="__other__"` / `account="__other__"` (see `slurm_exporter_label_overflow_values`).
* Fair-share families need slurmrestd's `/slurmdb` API (associations) and, for usage and factors,
  the `/slurm/*/shares` endpoint (Slurm 23.11+); they stay empty when those are not available.

"""


def list_metrics():
    """The metric reference as markdown (docs/metrics.md)."""
    lines = [DOC_HEAD % {"count": len(SPECS)}]
    for title, metrics in CATALOGUE:
        lines.append("## %s\n\n| Metric | Type | Labels | Meaning |\n| --- | --- | --- | --- |\n" % title)
        for name, kind, labels, text in metrics:
            shown = ", ".join("`%s`" % label for label in labels) or "-"
            lines.append("| `%s` | %s | %s | %s |\n" % (name, kind, shown, text.replace("|", "\\|")))
        lines.append("\n")
    return "".join(lines).rstrip("\n") + "\n"


# -- command line ------------------------------------------------------------------------------
def _env(name, default=None):
    return os.environ.get("SLURM_EXPORTER_" + name, default)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="Prometheus exporter for Slurm via slurmrestd. Every option can also be set by the "
                    "environment variable SLURM_EXPORTER_<OPTION> (e.g. SLURM_EXPORTER_URL); the token "
                    "comes from --token-file or SLURM_JWT.")
    parser.add_argument("--listen-address", default=_env("LISTEN_ADDRESS", "0.0.0.0:%d" % DEFAULT_PORT),
                        help="host:port to serve /metrics on (default %(default)s)")
    parser.add_argument("--url", default=_env("URL", "http://127.0.0.1:6820"),
                        help="slurmrestd URL, http(s)://host:port or unix:/path/to/socket")
    parser.add_argument("--user", default=_env("USER"), help="X-SLURM-USER-NAME to send (optional with JWT)")
    parser.add_argument("--token-file", default=_env("TOKEN_FILE"),
                        help="file holding the JWT (re-read when it changes); default: env SLURM_JWT")
    parser.add_argument("--api-version", default=_env("API_VERSION"), help="force an API version (default: negotiate)")
    parser.add_argument("--cache-seconds", type=float, default=float(_env("CACHE_SECONDS", "30")))
    parser.add_argument("--timeout", type=float, default=float(_env("TIMEOUT", "10")),
                        help="seconds per HTTP request to slurmrestd")
    parser.add_argument("--retries", type=int, default=int(_env("RETRIES", "1")),
                        help="retries of a request on connection errors and 5xx")
    parser.add_argument("--max-job-label-series", type=int, default=int(_env("MAX_JOB_LABEL_SERIES", "200")),
                        help="maximum user (and account) label values in per-user/account job metrics")
    parser.add_argument("--top-rpc", type=int, default=int(_env("TOP_RPC", "20")),
                        help="RPC types and users reported from sdiag (the busiest)")
    parser.add_argument("--breaker-threshold", type=int, default=int(_env("BREAKER_THRESHOLD", "3")))
    parser.add_argument("--breaker-backoff", type=float, default=float(_env("BREAKER_BACKOFF", "30")))
    parser.add_argument("--breaker-max-backoff", type=float, default=float(_env("BREAKER_MAX_BACKOFF", "600")))
    parser.add_argument("--no-verify-tls", action="store_true", help="do not verify slurmrestd's certificate")
    parser.add_argument("--ca-path", default=_env("CA_PATH"), help="CA bundle for slurmrestd's certificate")
    parser.add_argument("--log-level", default=_env("LOG_LEVEL", "INFO"))
    parser.add_argument("--list-metrics", action="store_true", help="print the metric reference (markdown) and exit")
    parser.add_argument("--once", action="store_true", help="print one scrape to stdout and exit")
    return parser.parse_args(argv)


def split_listen_address(text):
    host, sep, port = text.rpartition(":")
    if not sep:
        host, port = "", text
    host = host.strip("[]") or "0.0.0.0"
    return host, int(port)


def build(args):
    """(exporter, registry) from parsed arguments."""
    token = None if args.token_file else os.environ.get("SLURM_JWT")
    client = _StreamingClient(args.url, user=args.user, token=token, timeout=args.timeout, retries=args.retries,
                              backoff=0.5, max_retry_time=args.timeout * (args.retries + 1),
                              api_version=args.api_version, validate_certs=not args.no_verify_tls,
                              ca_path=args.ca_path)
    exporter = SlurmExporter(client, cache_seconds=args.cache_seconds, max_job_label_series=args.max_job_label_series,
                             top_rpc=args.top_rpc, breaker_threshold=args.breaker_threshold,
                             breaker_backoff=args.breaker_backoff, breaker_max_backoff=args.breaker_max_backoff,
                             token_file=args.token_file)
    registry = prometheus_client.CollectorRegistry(auto_describe=True)
    registry.register(SlurmCollector(exporter))
    return exporter, registry


def main(argv=None):
    args = parse_args(argv)
    if args.list_metrics:
        sys.stdout.write(list_metrics())
        return 0
    logging.basicConfig(level=getattr(logging, str(args.log_level).upper(), logging.INFO),
                        format="%(asctime)s %(levelname)s %(message)s")
    if prometheus_client is None:
        sys.stderr.write("hpcstack_slurm_exporter: the Python package prometheus_client is required\n")
        return 2
    if not args.token_file and not os.environ.get("SLURM_JWT"):
        LOG.warning("no token (--token-file or SLURM_JWT): relying on slurmrestd's local authentication")
    try:
        dummy, registry = build(args)
    except rest.SlurmRestError as exc:
        sys.stderr.write("hpcstack_slurm_exporter: %s\n" % exc)
        return 2
    if args.once:
        sys.stdout.write(prometheus_client.generate_latest(registry).decode("utf-8"))
        return 0
    host, port = split_listen_address(args.listen_address)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *a: stop.set())
    server, dummy = prometheus_client.start_http_server(port, addr=host, registry=registry)
    LOG.info("serving Slurm metrics from %s on %s:%d", args.url, host, port)
    stop.wait()
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
