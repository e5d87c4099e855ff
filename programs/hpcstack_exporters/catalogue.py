# -*- coding: utf-8 -*-
# Copyright (c) hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The metric catalogues: the single source of names, types, labels and help of both exporters.

Collectors build their families from here (:func:`family`), ``--list-metrics`` prints from here
(docs/metrics.md is :func:`slurm_markdown`), and the tests check dashboards and alert rules
against these names.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

try:
    from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
except ImportError:  # only --list-metrics works without it
    CounterMetricFamily = GaugeMetricFamily = None

Spec = tuple  # (name, kind, labels, help)

# -- the Slurm exporter (slurmrestd) ------------------------------------------------------------
G, C = "gauge", "counter"
CATALOGUE = (
    ("Controller and daemons", (
        ("slurm_up", G, (), "1 when slurmctld answered the last ping through slurmrestd, 0 when it did not; absent when "
                            "the exporter cannot tell (slurmrestd unreachable, token rejected, no common API version)."),
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
        ("slurm_node_power_state_info", G, ("node", "power"),
         "Always 1: the power-saving state of each node that is not up (powered_down, powering_up, powering_down, "
         "resume_failed: DOWN after a failed power-up, ResumeTimeout or the elastic program's failure)."),
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
        ("slurm_partition_nodes_power", G, ("partition", "power"),
         "Nodes of each partition by power-saving state (powered_down, powering_up, powering_down, resume_failed; "
         "every state of every partition, 0 when none)."),
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
        ("slurm_exporter_api_version_supported", G, (),
         "1 when slurmrestd serves an API version the exporter supports, 0 when it serves none (or not the one --api-version forces)."),
        ("slurm_exporter_authenticated", G, (),
         "1 when slurmrestd accepted the exporter's token on the last refresh, 0 when it rejected it (absent until one answer told)."),
        ("slurm_exporter_scrape_duration_seconds", G, (), "Time this scrape took, including any refresh from slurmrestd."),
        ("slurm_exporter_refresh_duration_seconds", G, (), "Time the last refresh from slurmrestd took."),
        ("slurm_exporter_refreshes_total", C, ("result",), "Refreshes from slurmrestd by result (success, failure)."),
        ("slurm_exporter_cache_hits_total", C, (), "Scrapes answered from the cache without asking slurmrestd."),
        ("slurm_exporter_cache_age_seconds", G, (), "Age of the Slurm data served (absent before the first success)."),
        ("slurm_exporter_data_stale", G, (), "1 when the Slurm data served is from an earlier refresh because the last one failed."),
        ("slurm_exporter_last_success_timestamp_seconds", G, (), "When Slurm data was last refreshed successfully (Unix time)."),
        ("slurm_exporter_request_duration_seconds", G, ("endpoint",), "Duration of the last call to each slurmrestd endpoint (retries included)."),
        ("slurm_exporter_requests_total", C, ("endpoint",), "HTTP requests to each slurmrestd endpoint (retries included)."),
        ("slurm_exporter_unchanged_answers_total", C, ("endpoint",),
         "Answers of slurmrestd that nothing changed since the update_time sent (nodes, partitions, jobs): the "
         "records of its last complete answer were used."),
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
SPECS = OrderedDict((m[0], m) for group in CATALOGUE for m in group[1])

# -- the job exporter (cgroups of the jobs on one node) ----------------------------------------
JOB_LABELS = ("jobid", "user", "account")
JOB_METRICS = (
    ("slurm_job_memory_usage_bytes", G, JOB_LABELS, "Memory used by the job's cgroup (page cache included)."),
    ("slurm_job_memory_limit_bytes", G, JOB_LABELS, "Memory limit of the job's cgroup (absent when unlimited)."),
    ("slurm_job_cpus_allowed", G, JOB_LABELS, "CPUs the job's cgroup may run on (cpuset)."),
    ("slurm_job_cpu_seconds_total", C, JOB_LABELS, "CPU time of the job (only where the cpuacct/cpu controller exists)."),
    ("slurm_job_exporter_jobs", G, (), "Jobs with a cgroup on this node."),
    ("slurm_job_exporter_squeue_success", G, (), "1 when the last squeue for user and account labels worked, else 0."),
    ("slurm_job_exporter_cpu_accounting", G, (), "1 when the node has a CPU accounting controller (cpuacct or cpu), else 0."),
    ("slurm_job_exporter_scrape_duration_seconds", G, (), "Time this scrape took."),
)
JOB_SPECS = OrderedDict((m[0], m) for m in JOB_METRICS)


def family(spec: Spec):
    """An empty prometheus_client family for a catalogue entry (counters: name without ``_total``)."""
    name, kind, labels, text = spec[:4]
    cls = CounterMetricFamily if kind == C else GaugeMetricFamily
    return cls(name, text, labels=list(labels))


def families(specs: Sequence[Spec]) -> OrderedDict:
    """name -> empty family, in catalogue order."""
    return OrderedDict((spec[0], family(spec)) for spec in specs)


_PC_VERSION: list[str] = []


def prometheus_client_version() -> str:
    if not _PC_VERSION:
        try:
            from importlib.metadata import version  # pylint: disable=import-outside-toplevel
            _PC_VERSION.append(version("prometheus_client"))
        except Exception:  # pylint: disable=broad-except
            _PC_VERSION.append("")
    return _PC_VERSION[0]


def job_listing() -> str:
    """``name kind label,label`` per job exporter family (its ``--list-metrics``)."""
    return "".join("%s %s %s\n" % (name, kind, ",".join(labels)) for name, kind, labels, dummy in JOB_METRICS)


DOC_HEAD = """# Slurm exporter metrics

<!-- Generated by `hpcstack-exporters slurm --list-metrics` (programs/hpcstack_exporters); do not edit.
     tests/unit/exporter checks that this file equals that output. -->

`hpcstack-exporters slurm` reads slurmrestd (Slurm 22.05 API v0.0.38, Slurm 23.11/24.11 API
v0.0.40 to v0.0.42, Slurm 26.05 API v0.0.42 to v0.0.45) and serves these %(count)d metric families.
Names and labels are the same whatever the API version; a family whose data a Slurm version does
not report is present without samples. Units are base units (seconds, bytes); times are Unix seconds.

Behaviour worth knowing when writing alerts:

* Data is refreshed at most every `--cache-seconds` (default 30), whatever the number of scrapers.
  Nodes, partitions and jobs are asked with `update_time` (API v0.0.40+; nodes from Slurm 26.05.3):
  when slurmctld answers that nothing changed, the records of its last complete answer are used
  (`slurm_exporter_unchanged_answers_total`); all are asked for again at least every
  `--full-refresh-seconds` (default 300), so a wrong "no change" (e.g. after a failover to a
  controller whose clock is behind) lasts no longer than that.
* The API version (`slurm_exporter_api_version_info`) is the newest both sides know that slurmrestd
  does not mark deprecated, chosen again at every full refresh: after an upgrade (24.11 to 26.05)
  the exporter moves from v0.0.42, still served but deprecated, to v0.0.45 within
  `--full-refresh-seconds`, in a scrape with all the data. `--api-version` pins it.
* After `--breaker-threshold` failed refreshes in a row the exporter stops asking slurmrestd for
  `--breaker-backoff` seconds, doubling up to `--breaker-max-backoff`; meanwhile it serves the last
  good data with `slurm_exporter_data_stale 1` and growing `slurm_exporter_cache_age_seconds`.
* `slurm_up` is 0 only when slurmctld is known to be down (pinged DOWN by slurmrestd with a token
  it accepts, or slurmrestd reports it unreachable). When the exporter cannot tell, `slurm_up` is
  absent and another family says why: `slurm_slurmrestd_up 0` (no answer),
  `slurm_exporter_authenticated 0` (token rejected: Slurm 24.11 then pings slurmctld DOWN although
  it runs) or `slurm_exporter_api_version_supported 0` (no API version in common). The alert rules
  SlurmctldDown, SlurmrestdDown, SlurmExporterTokenRejected and SlurmExporterApiVersionUnsupported
  follow that split.
* Per-user and per-account job families keep at most `--max-job-label-series` label values; the
  rest is summed into `user="__other__"` / `account="__other__"` (see `slurm_exporter_label_overflow_values`).
* Fair-share families need slurmrestd's `/slurmdb` API (associations) and, for usage and factors,
  the `/slurm/*/shares` endpoint (Slurm 23.11+); they stay empty when those are not available.

"""


# Families with samples on one recorded Slurm/API version and none on another, with why:
# (family, versions without samples, reason). tests/unit/exporter/test_exporter_versions.py
# compares the recorded 24.11 and 26.05 clusters and fails on any difference not listed here.
VERSION_DIFFERENCES: tuple[tuple[str, str, str], ...] = ()


def _differences_markdown() -> str:
    lines = ["## Differences between Slurm versions\n\n",
             "Checked on the recorded answers of Slurm 24.11 (v0.0.42) and 26.05 (v0.0.42 to v0.0.45):\n"]
    if not VERSION_DIFFERENCES:
        lines.append("every family that has samples on one has samples on the other.\n\n")
    else:
        lines.append("the same families have samples, except:\n\n| Metric | No samples on | Why |\n| --- | --- | --- |\n")
        for name, where, why in VERSION_DIFFERENCES:
            lines.append("| `%s` | %s | %s |\n" % (name, where, why))
        lines.append("\n")
    lines.append("v0.0.45 no longer reports the node `power`, `external_sensors` and `tres_weighted`, the job\n"
                 "`power` and the sdiag `parts_packed` fields, which no metric is made of. It drops the ping's\n"
                 "`mode`: `slurm_controller_up`'s `mode` label is then named from the controller's position, as\n"
                 "slurmrestd names it (`primary`, `backup`, `backup2` ...). Node flags new in v0.0.43/v0.0.44\n"
                 "(`blocked`, `external`) appear in `slurm_nodes_flag`; the job flag `expediting` does not\n"
                 "change a job's base state.\n\n")
    return "".join(lines)


def slurm_markdown() -> str:
    """The Slurm exporter's metric reference as markdown (docs/metrics.md)."""
    lines = [DOC_HEAD % {"count": len(SPECS)}, _differences_markdown()]
    for title, metrics in CATALOGUE:
        lines.append("## %s\n\n| Metric | Type | Labels | Meaning |\n| --- | --- | --- | --- |\n" % title)
        for name, kind, labels, text in metrics:
            shown = ", ".join("`%s`" % label for label in labels) or "-"
            lines.append("| `%s` | %s | %s | %s |\n" % (name, kind, shown, text.replace("|", "\\|")))
        lines.append("\n")
    return "".join(lines).rstrip("\n") + "\n"
