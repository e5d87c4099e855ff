# -*- coding: utf-8 -*-
# Copyright (c) hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the Slurm exporter makes of slurmrestd's answers: compact records, then samples.

Items of the big lists (nodes, jobs) are reduced to compact records while the answer is read
(:mod:`.stream`); one refresh's records become the samples of the catalogue's families
(:class:`Samples`). GRES and TRES strings are read by the collection's one parser in
``_slurm_data``.
"""

from __future__ import annotations

import collections
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ansible_collections.hpcstack.cluster.plugins.module_utils import _slurm_data as data
from ansible_collections.hpcstack.cluster.plugins.module_utils._power_state import POWER_STATES, power_state

OTHER = "__other__"
MIB = 1024 * 1024

BASE_JOB_STATES = ("pending", "running", "suspended", "completing", "completed", "cancelled", "failed",
                   "timeout", "node_fail", "preempted", "boot_fail", "deadline", "out_of_memory")
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


def as_number(value: Any, default: float | None = None) -> float | None:
    value = data.number(value)
    if value is None or value == "infinite" or isinstance(value, (dict, list)):
        return default
    if isinstance(value, bool):
        return 1 if value else 0
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def as_label(value: Any) -> str:
    return sys.intern(str(value or ""))


# -- compact records built while the answer is read (see .stream) ---------------------------
Job = collections.namedtuple("Job", "state user account partitions qos reason cpus memory gpus nodes submit")


def compact_job(raw: dict) -> Job:
    """A REST job (any version) reduced to what the metrics need."""
    job = data.normalise_job(raw)
    state = job["state"].split("+")[0] or "unknown"
    tres = data.parse_tres(raw.get("tres_alloc_str") if state != "pending" else None, strict=False) \
        or data.parse_tres(raw.get("tres_req_str"), strict=False)
    gpus = data.gpus_of(tres)
    if not gpus:
        for key in ("tres_per_job", "tres_per_node", "tres_per_socket", "tres_per_task"):
            text = raw.get(key)
            if not text or "gpu" not in text:
                continue
            counts = [c for name, dummy, c in data.parse_gres(text.replace("gres/", "").replace("gres:", "")) if name == "gpu"]
            if counts:
                gpus = sum(counts)
                break
    partitions = tuple(as_label(p) for p in str(job["partition"] or "").split(",") if p) or ("",)
    nodes = as_number(raw.get("node_count"), None)
    return Job(state=as_label(state), user=as_label(job["user"]), account=as_label(job["account"]),
               partitions=partitions, qos=as_label(job["qos"]), reason=as_label(job["reason"] or "None"),
               cpus=float(job["cpus"] or 0) if job["cpus"] not in (None, "infinite") else 0.0,
               memory=tres.get("mem", 0) * MIB, gpus=float(gpus or 0), nodes=nodes if nodes is not None else tres.get("node", 0.0),
               submit=as_number(raw.get("submit_time")))


def compact_node(raw: dict) -> dict:
    """A REST node (any version): the normalised node plus the figures only the exporter needs."""
    node = data.normalise_node(raw)
    node["free_memory"] = as_number(raw.get("free_mem", raw.get("free_memory")))
    node["cpu_load"] = as_number(raw.get("cpu_load"))
    node["gres_used"] = raw.get("gres_used") or ""
    node["boot_time"] = as_number(raw.get("boot_time"))
    node["last_busy"] = as_number(raw.get("last_busy"))
    node["arch"] = raw.get("architecture") or ""
    node["version"] = raw.get("version") or raw.get("slurmd_version") or ""
    return node


REDUCERS = {
    "nodes": {"nodes": compact_node},
    "partitions": {"partitions": data.normalise_partition},
    "jobs": {"jobs": compact_job},
    "associations": {"associations": data.normalise_association},
}


class Skipped:
    """Marks an item its reducer could not understand."""


def guarded(reducer: Callable[[Any], Any], on_error: Callable[[str], None], what: str) -> Callable[[Any], Any]:
    def reduce_item(raw):
        try:
            return reducer(raw)
        except Exception:  # pylint: disable=broad-except  # one odd item must not lose the scrape
            on_error(what)
            return Skipped
    return reduce_item


# -- turning one refresh's data into samples ---------------------------------------------------
class Samples:
    """Samples of the Slurm families for one refresh: name -> {label values: value}."""

    def __init__(self) -> None:
        self.values: dict[str, dict[tuple, float]] = collections.defaultdict(dict)

    def set(self, name: str, labels: Iterable[str], value: float | None) -> None:
        if value is None:
            return
        self.values[name][tuple(labels)] = float(value)

    def add(self, name: str, labels: Iterable[str], value: float | None) -> None:
        if value is None:
            return
        series = self.values[name]
        labels = tuple(labels)
        series[labels] = series.get(labels, 0.0) + float(value)

    def ensure(self, name: str, labels: Iterable[str]) -> None:
        self.values[name].setdefault(tuple(labels), 0.0)


def bound_labels(weights: Mapping[str, float], limit: int) -> tuple[dict[str, str], int]:
    """Keep the ``limit - 1`` heaviest keys when there are more than ``limit``; returns (mapping, folded)."""
    if limit <= 0 or len(weights) <= limit:
        return dict((k, k) for k in weights), 0
    ranked = sorted(weights, key=lambda k: (-weights[k], k))
    keep = set(ranked[:max(limit - 1, 0)])
    return dict((k, k if k in keep else OTHER) for k in weights), len(weights) - len(keep)


def _usable(node: dict) -> bool:
    return node["state"] not in ("down", "error", "future", "unknown") \
        and not any(f in UNUSABLE_FLAGS for f in node["flags"])


def analyse_nodes(out: Samples, nodes: list[dict]) -> None:
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
        power = power_state(node)
        if power:
            out.set("slurm_node_power_state_info", (name, power), 1)
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
        configured = data.gres_totals(node["gres"])
        used = data.gres_totals(node["gres_used"])
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


def analyse_partitions(out: Samples, partitions: list[dict], nodes: list[dict], jobs: list[Job], now: float) -> None:
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
        for power in POWER_STATES:
            out.ensure("slurm_partition_nodes_power", (name, power))
        for node in members[name]:
            out.add("slurm_partition_nodes_state", (name, node["state"]), 1)
            power = power_state(node)
            if power:
                out.add("slurm_partition_nodes_power", (name, power), 1)
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


def analyse_jobs(out: Samples, jobs: list[Job], max_series: int) -> None:
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


def analyse_diag(out: Samples, stats: dict, top: int) -> None:
    for family, key, scale in DIAG_GAUGES:
        value = as_number(stats.get(key))
        if value is not None:
            out.set(family, (), value * scale)
    for family, key in (("slurm_scheduler_cycle_exits_total", "schedule_exit"),
                        ("slurm_scheduler_backfill_exits_total", "bf_exit")):
        for reason, value in sorted((stats.get(key) or {}).items()):
            out.set(family, (reason,), as_number(value, 0))
    types = [r for r in stats.get("rpcs_by_message_type") or [] if isinstance(r, dict)]
    for rpc in sorted(types, key=lambda r: -(as_number(r.get("count"), 0)))[:top]:
        label = (as_label(rpc.get("message_type") or rpc.get("type_id")),)
        out.set("slurm_scheduler_rpc_calls_total", label, as_number(rpc.get("count"), 0))
        out.set("slurm_scheduler_rpc_time_seconds_total", label, as_number(rpc.get("total_time"), 0) * 1e-6)
        out.set("slurm_scheduler_rpc_average_time_seconds", label, as_number(rpc.get("average_time"), 0) * 1e-6)
    by_user = [r for r in stats.get("rpcs_by_user") or [] if isinstance(r, dict)]
    for rpc in sorted(by_user, key=lambda r: -(as_number(r.get("count"), 0)))[:top]:
        label = (as_label(rpc.get("user") or rpc.get("user_id")),)
        out.set("slurm_scheduler_rpc_user_calls_total", label, as_number(rpc.get("count"), 0))
        out.set("slurm_scheduler_rpc_user_time_seconds_total", label, as_number(rpc.get("total_time"), 0) * 1e-6)


def analyse_associations(out: Samples, associations: list) -> None:
    accounts = set()
    for assoc in associations:
        if assoc is Skipped:
            continue
        accounts.add(assoc["account"])
        if assoc["user"]:
            out.add("slurm_account_users", (assoc["account"],), 1)
        elif not assoc["partition"] and assoc["shares"] is not None:
            out.set("slurm_account_shares", (assoc["account"], assoc["parent"]), assoc["shares"])
    out.set("slurm_accounts", (), len(accounts))
    out.set("slurm_associations", (), sum(1 for a in associations if a is not Skipped))


def analyse_shares(out: Samples, body: dict) -> None:
    shares = body.get("shares") or {}
    rows = shares.get("shares") if isinstance(shares, dict) else shares
    for row in rows or []:
        kind = row.get("type") or []
        kind = [kind] if isinstance(kind, str) else kind
        if "USER" in [str(k).upper() for k in kind] or not row.get("name"):
            continue
        label = (as_label(row["name"]),)
        fairshare = row.get("fairshare") or {}
        for family, value in (("slurm_account_shares_normalized", row.get("shares_normalized")),
                              ("slurm_account_usage_raw", row.get("usage")),
                              ("slurm_account_usage_normalized", row.get("usage_normalized")),
                              ("slurm_account_effective_usage", row.get("effective_usage")),
                              ("slurm_account_fairshare_factor", fairshare.get("factor")),
                              ("slurm_account_fairshare_level", fairshare.get("level"))):
            value = as_number(value)
            if value is not None:
                out.set(family, label, value)


def slurm_meta(body: dict) -> tuple[str, str]:
    meta = body.get("meta") or {}
    slurm = meta.get("slurm") or meta.get("Slurm") or {}
    return slurm.get("cluster") or "", slurm.get("release") or ""
