# -*- coding: utf-8 -*-
# Copyright (c) hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reconcile's countable signal: a Prometheus text file for node_exporter's textfile collector.

Each pass writes ``--metrics-file`` (atomically: a temporary file in the same directory, then a
rename) with the families of :data:`METRICS`. The orphan counter is kept in the state directory
(``counters.json``), so it only grows; Prometheus's ``increase()`` handles a reset when the state
directory is lost. The alert rules (roles/prometheus) and tests/unit/monitoring read these names.
"""

from __future__ import annotations

import json
import os

from .state import StateDir

COUNTERS_FILE = "counters.json"
METRICS = (  # name, type, help
    ("hpcstack_elastic_reconcile_last_run_timestamp_seconds", "gauge",
     "When hpcstack-elastic reconcile last finished a pass (Unix time)."),
    ("hpcstack_elastic_reconcile_orphans", "gauge",
     "Orphan instances the last reconcile pass found (terminated, or still there when terminating failed)."),
    ("hpcstack_elastic_reconcile_orphans_terminated_total", "counter",
     "Orphan instances reconcile has terminated."),
    ("hpcstack_elastic_reconcile_nodes_downed_total", "counter",
     "Nodes reconcile set DOWN (vanished instance, no address)."),
    ("hpcstack_elastic_reconcile_nodes_returned_total", "counter",
     "Failed nodes reconcile returned to service after their cool-down."),
)
_COUNTED = {  # counter -> key of reconcile's counts
    "hpcstack_elastic_reconcile_orphans_terminated_total": "orphans_terminated",
    "hpcstack_elastic_reconcile_nodes_downed_total": "downed",
    "hpcstack_elastic_reconcile_nodes_returned_total": "returned",
}


def _read_counters(path: str) -> dict[str, float]:
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return {}
    return {k: float(v) for k, v in data.items() if isinstance(v, (int, float))} if isinstance(data, dict) else {}


def render(values: dict[str, float]) -> str:
    """The text exposition of :data:`METRICS` (families without a value are left out)."""
    lines = []
    for name, kind, text in METRICS:
        if name in values:
            lines += ["# HELP %s %s" % (name, text), "# TYPE %s %s" % (name, kind), "%s %s" % (name, repr(float(values[name])))]
    return "\n".join(lines) + "\n"


def write(path: str, state: StateDir, summary: dict) -> dict[str, float]:
    """Add one pass's counts to the counters and write the text file; returns the values written."""
    counts = summary.get("counts") or {}
    with state.lock("counters"):
        counters_path = os.path.join(state.path, COUNTERS_FILE)
        counters = _read_counters(counters_path)
        for name, key in _COUNTED.items():
            counters[name] = counters.get(name, 0.0) + float(counts.get(key) or 0)
        tmp = counters_path + ".tmp"
        with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as handle:
            json.dump(counters, handle, sort_keys=True)
        os.replace(tmp, counters_path)
    values = dict(counters)
    values["hpcstack_elastic_reconcile_last_run_timestamp_seconds"] = float(summary["time"])
    values["hpcstack_elastic_reconcile_orphans"] = float(counts.get("orphans_found") or 0)
    tmp = "%s.%d.tmp" % (path, os.getpid())  # node_exporter reads *.prom only
    with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644), "w", encoding="utf-8") as handle:
        handle.write(render(values))
    os.replace(tmp, path)
    return values
