# -*- coding: utf-8 -*-
# Copyright (c) hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Version-independent views of Slurm data (standard library only).

Slurm reports the same objects in three shapes: ``scontrol show -o`` text, the JSON of
data_parser v0.0.38 (Slurm 22.05) and the JSON of v0.0.40 and later (Slurm 23.11+, also what
``scontrol --json`` prints on 24.11 and 26.05). The ``normalise_*`` functions turn each into one
plain dict, so callers never see the difference. v0.0.43 and v0.0.44 only add fields and states
(node flags such as ``BLOCKED`` and ``EXTERNAL``, the job flag ``EXPEDITING``: they arrive as
lower-case flags next to the base state); v0.0.45 removes fields no normalised dict is made of
(node ``power``, ``external_sensors``, ``tres_weighted``, job ``power``, diag ``parts_packed``)
and renames job ``select_type`` values, which no dict carries either. What the dicts do read and
v0.0.45 changed: ping ``mode``/``pinged`` (normalise_ping) and partition flags (normalise_partition).
Also: Slurm duration parsing, and the one TRES and GRES parser of the collection (modules compare
limits with it, the Slurm exporter counts resources with it).
"""

from __future__ import annotations

import re
import time
from typing import Any

BASE_NODE_STATES = ("idle", "allocated", "mixed", "down", "error", "future", "unknown")
UNLIMITED_WORDS = ("", "unlimited", "infinite", "none", "-1", "n/a", "(null)")
_NULL_TEXT = ("(null)", "N/A", "None")
_MEM_FACTORS = {"K": 1.0 / 1024, "M": 1, "G": 1024, "T": 1024 * 1024, "P": 1024 ** 3}
_GRES_COUNT = re.compile(r"^(\d+(?:\.\d+)?)([KMGTP]?)$", re.IGNORECASE)
_GRES_SUFFIX = {"": 1, "K": 1024, "M": 1024 ** 2, "G": 1024 ** 3, "T": 1024 ** 4, "P": 1024 ** 5}
_GRES_NULLS = ("", "(null)", "n/a", "none", "null")


def number(value: Any) -> Any:
    """Unwrap a v0.0.40+ ``{"set", "infinite", "number"}`` object.

    Returns None when unset, the string ``infinite`` when infinite, else the number; plain values
    pass through, so the same call works on v0.0.38 data.
    """
    if isinstance(value, dict) and "number" in value:
        if value.get("infinite"):
            return "infinite"
        if not value.get("set", True):
            return None
        return value["number"]
    return value


def parse_duration(value: str | int | None) -> int | None:
    """Slurm time string (``MM``, ``MM:SS``, ``HH:MM:SS``, ``D-HH[:MM[:SS]]``) to whole minutes.

    None for unlimited/unset. Seconds round up, as Slurm does.
    """
    if value is None:
        return None
    if isinstance(value, int):
        return None if value < 0 else value
    text = str(value).strip().lower()
    if text in UNLIMITED_WORDS:
        return None
    days = 0
    if "-" in text:
        day_text, text = text.split("-", 1)
        days = int(day_text)
        parts = [int(p) for p in text.split(":")]
        parts += [0] * (3 - len(parts))
        hours, minutes, seconds = parts
    else:
        parts = [int(p) for p in text.split(":")]
        if len(parts) == 1:
            hours, minutes, seconds = 0, parts[0], 0
        elif len(parts) == 2:
            hours, minutes, seconds = 0, parts[0], parts[1]
        else:
            hours, minutes, seconds = parts
    return days * 1440 + hours * 60 + minutes + (1 if seconds else 0)


def parse_tres(value: str | dict | None, strict: bool = True) -> dict[str, int | float]:
    """``cpu=8,mem=16G,gres/gpu=2`` to ``{"cpu": 8, "mem": 16384, "gres/gpu": 2}`` (mem in MiB).

    A count of -1 (Slurm's "clear this limit") is dropped, so it compares equal to unset. An item
    that is not ``key=count`` raises ValueError; with ``strict=False`` it is skipped instead (what
    slurmrestd reports of a job must never lose a scrape).
    """
    result: dict[str, int | float] = {}
    if isinstance(value, dict):
        items = [(str(k), v) for k, v in value.items()]
    else:
        text = "" if value is None else str(value).strip()
        if text.lower() in UNLIMITED_WORDS:
            return result
        items = [tuple(item.split("=", 1)) if "=" in item else (item, "") for item in text.split(",") if item]
    for key, raw in items:
        key = key.strip().lower()
        raw = str(raw).strip().upper()
        match = re.match(r"^(-?\d+(?:\.\d+)?)([KMGTP]?)$", raw)
        if not match or not key:
            if not strict:
                continue
            raise ValueError("cannot parse TRES count %r for %r" % (raw, key))
        count = float(match.group(1)) * _MEM_FACTORS[match.group(2) or "M"] if key == "mem" \
            else float(match.group(1)) * (_MEM_FACTORS[match.group(2)] if match.group(2) else 1)
        if count < 0:
            continue
        result[key] = int(count) if count == int(count) else count
    return result


def gpus_of(tres: dict[str, int | float]) -> int | float:
    """GPUs in a parsed TRES dict: ``gres/gpu`` when present, else the sum of ``gres/gpu:<model>``."""
    if "gres/gpu" in tres:
        return tres["gres/gpu"]
    return sum(v for k, v in tres.items() if k.startswith("gres/gpu:"))


def split_top(text: str, sep: str = ",") -> list[str]:
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


def _gres_count(text: str) -> int | float | None:
    match = _GRES_COUNT.match(text.strip())
    if not match:
        return None
    value = float(match.group(1)) * _GRES_SUFFIX[match.group(2).upper()]
    return int(value) if value == int(value) else value


def parse_gres(value: str | list | tuple | None) -> list[tuple[str, str, int | float]]:
    """A GRES string to ``[(name, model, count)]``; never raises.

    ``gpu:4``, ``gpu:a100:4``, ``gpu:a100:4(S:0-1)``, ``gpu:a100:2(IDX:0,2)``, ``gpu`` (one),
    ``gpu:a100`` (one), ``bandwidth:lustre:4G``, several separated by commas; empty, None,
    ``(null)`` and ``N/A`` give []. Items that make no sense are skipped.
    """
    if isinstance(value, (list, tuple)):
        value = ",".join(str(v) for v in value)
    if value is None or str(value).strip().lower() in _GRES_NULLS:
        return []
    result = []
    for item in split_top(str(value)):
        item = re.sub(r"\(.*\)?$", "", item).strip()
        if item.lower() in _GRES_NULLS:
            continue
        parts = [p.strip() for p in item.split(":")]
        if not parts[0] or not re.match(r"^[A-Za-z][\w.\-/]*$", parts[0]):
            continue
        count = _gres_count(parts[-1]) if len(parts) > 1 else None
        if count is not None:
            model = ":".join(parts[1:-1])
        else:
            count, model = 1, ":".join(parts[1:])
            if len(parts) > 1 and re.match(r"^-?\d", parts[-1] or ""):  # "gpu:-1", "gpu:x:1.2.3"
                continue
        result.append((parts[0].lower(), model, count))
    return result


def gres_totals(value: str | list | tuple | None) -> dict[tuple[str, str], int | float]:
    """GRES string to ``{(name, model): count}``."""
    totals: dict[tuple[str, str], int | float] = {}
    for name, model, count in parse_gres(value):
        totals[(name, model)] = totals.get((name, model), 0) + count
    return totals


def split_list(value: str | list | tuple | None) -> list[str]:
    """``a,b`` / list / None to a list of strings; Slurm's ``(null)`` and empty are []."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value if str(v) != ""]
    text = str(value).strip()
    if text in _NULL_TEXT or text == "":
        return []
    return [v for v in text.split(",") if v]


def parse_scontrol_records(text: str) -> list[dict[str, str]]:
    """Parse ``scontrol show -o ENTITY`` output into one dict per line.

    Values may contain spaces (``OS=Linux 6.1 #1 SMP``, ``Reason=disk failed [root@...]``): a value
    runs until the next `` Key=`` token. On node lines ``Reason`` is the last field and keeps the
    rest of the line (a free-text reason may itself contain ``word=value``).
    """
    records = []
    for line in text.splitlines():
        line = line.strip()
        if not line or "=" not in line:
            continue
        record = {}
        if line.startswith("NodeName=") and " Reason=" in line:
            line, reason = line.split(" Reason=", 1)
            record["Reason"] = reason.strip()
        starts = [m.start() for m in re.finditer(r"(?:^|\s)[A-Za-z][\w:/]*=", line)]
        for index, start in enumerate(starts):
            end = starts[index + 1] if index + 1 < len(starts) else len(line)
            key, dummy, value = line[start:end].strip().partition("=")
            record[key] = value.strip()
        records.append(record)
    return records


def parse_scontrol_config(text: str) -> dict[str, str | None]:
    """``scontrol show config`` to a dict; ``(null)`` becomes None. Section headers are skipped."""
    config = {}
    for line in text.splitlines():
        key, sep, value = line.partition(" = ")
        if not sep:
            continue
        value = value.strip()
        config[key.strip()] = None if value == "(null)" else value
    return config


def _text_value(value: str | None) -> str | None:
    return None if value is None or value in _NULL_TEXT else value


def _int(value: Any) -> int | str | None:
    value = number(value)
    if value in (None, "infinite"):
        return value
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _text_time(value: str | None) -> int | None:
    """``2026-11-25T12:51:42`` (controller local time) to epoch seconds; None when unknown."""
    value = _text_value(value)
    if not value or value == "Unknown":
        return None
    return int(time.mktime(time.strptime(value, "%Y-%m-%dT%H:%M:%S")))


def split_state(tokens: str | list[str]) -> tuple[str, list[str]]:
    """State tokens (``["MIXED", "DRAIN"]``, ``"IDLE+DRAIN"``) to (base state, sorted flags)."""
    if isinstance(tokens, str):
        tokens = tokens.split("+")
    tokens = [t.lower() for t in tokens if t]
    base = next((t for t in tokens if t in BASE_NODE_STATES), "unknown")
    flags = sorted(t for t in tokens if t != base)
    return base, flags


def _finish_node(node: dict) -> dict:
    busy = node["state"] in ("allocated", "mixed") or "completing" in node["flags"] \
        or (node.get("alloc_cpus") or 0) > 0
    drain = "drain" in node["flags"]
    node["draining"] = drain and busy
    node["drained"] = drain and not busy
    return node


def normalise_node(raw: dict) -> dict:
    """A node from ``scontrol show -o node`` (dict of text) or REST/``--json`` (any version)."""
    if "NodeName" in raw:
        base, flags = split_state(raw.get("State", ""))
        return _finish_node({
            "name": raw["NodeName"], "state": base, "flags": flags,
            "reason": re.sub(r"\s*\[[^\]@]*@[^\]]*\]$", "", _text_value(raw.get("Reason")) or ""),
            "cpus": _int(raw.get("CPUTot")), "alloc_cpus": _int(raw.get("CPUAlloc")),
            "real_memory": _int(raw.get("RealMemory")), "alloc_memory": _int(raw.get("AllocMem")),
            "gres": _text_value(raw.get("Gres")) or "",
            "features": split_list(raw.get("AvailableFeatures")),
            "partitions": split_list(raw.get("Partitions")),
            "next_state": (_text_value(raw.get("NextState")) or "").lower() or None,
            "address": _text_value(raw.get("NodeAddr")) or "",
            "hostname": _text_value(raw.get("NodeHostName")) or "",
        })
    state = raw.get("state")
    if isinstance(state, list):
        base, flags = split_state(state)
    else:  # v0.0.38: "state": "idle", "state_flags": ["DRAIN"]
        base, flags = split_state([state or ""] + list(raw.get("state_flags") or []))
    next_state = raw.get("next_state_after_reboot")
    if isinstance(next_state, list):
        next_state = "+".join(next_state)
    if next_state is not None and not isinstance(next_state, str):
        next_state = None
    return _finish_node({
        "name": raw["name"], "state": base, "flags": flags, "reason": raw.get("reason") or "",
        "cpus": _int(raw.get("cpus")), "alloc_cpus": _int(raw.get("alloc_cpus")),
        "real_memory": _int(raw.get("real_memory")), "alloc_memory": _int(raw.get("alloc_memory")),
        "gres": raw.get("gres") or "",
        "features": split_list(raw.get("features")),
        "partitions": split_list(raw.get("partitions")),
        "next_state": None if (next_state or "").lower() in ("", "invalid") else next_state.lower(),
        "address": raw.get("address") or "", "hostname": raw.get("hostname") or "",
    })


def normalise_ping(raw: dict, index: int = 0, count: int = 1) -> dict:
    """One controller of a REST ping answer (any version) to {hostname, up, mode, latency}.

    v0.0.38 to v0.0.44 give ``pinged`` ("UP"/"DOWN") and ``mode``; v0.0.41 and later also
    ``responding``, which v0.0.45 keeps alone (``mode`` and ``pinged`` are gone). Without ``mode``
    it is named from ``index`` (the controller's position in the answer) of ``count`` as slurmrestd
    names it: ``primary``, then ``backup`` when there are two controllers, else ``backup<index>``.
    """
    if "responding" in raw:
        up = bool(raw["responding"])
    else:
        up = str(raw.get("pinged", raw.get("ping", ""))).upper() == "UP"
    mode = raw.get("mode")
    if not mode:
        mode = "primary" if index == 0 else ("backup" if index == 1 and count == 2 else "backup%d" % index)
    return {"hostname": raw.get("hostname"), "up": up, "mode": mode, "latency": number(raw.get("latency"))}


def normalise_pings(items: list | None) -> list[dict]:
    """Every controller of a REST ping answer, normalised (normalise_ping)."""
    items = [item for item in items or [] if isinstance(item, dict)]
    return [normalise_ping(item, index, len(items)) for index, item in enumerate(items)]


def normalise_partition(raw: dict) -> dict:
    """A partition from ``scontrol show -o partition`` or REST/``--json`` (any version)."""
    if "PartitionName" in raw:
        return {
            "name": raw["PartitionName"], "state": raw.get("State", "").lower(),
            "nodes": _text_value(raw.get("Nodes")) or "",
            "total_cpus": _int(raw.get("TotalCPUs")), "total_nodes": _int(raw.get("TotalNodes")),
            "default": raw.get("Default") == "YES",
            "max_time": parse_duration(raw.get("MaxTime")),
        }
    if isinstance(raw.get("partition"), dict):  # v0.0.40+
        max_time = number(raw.get("maximums", {}).get("time"))
        return {
            "name": raw["name"], "state": "+".join(raw["partition"].get("state", [])).lower(),
            "nodes": raw.get("nodes", {}).get("configured", ""),
            "total_cpus": _int(raw.get("cpus", {}).get("total")),
            "total_nodes": _int(raw.get("nodes", {}).get("total")),
            # v0.0.45 (Slurm 26.05) lists partition flags (DEFAULT ...); v0.0.40 to v0.0.44 do not report it
            "default": ("DEFAULT" in [str(f).upper() for f in raw["flags"]])
            if isinstance(raw.get("flags"), list) else None,
            "max_time": None if max_time == "infinite" else max_time,
        }
    max_time = raw.get("max_time_limit")  # v0.0.38: -1 is unlimited
    return {
        "name": raw["name"], "state": str(raw.get("state", "")).lower(),
        "nodes": raw.get("nodes", ""), "total_cpus": _int(raw.get("total_cpus")),
        "total_nodes": _int(raw.get("total_nodes")),
        "default": "default" in [f.lower() for f in raw.get("flags", []) or []],
        "max_time": None if max_time in (None, "infinite") or max_time < 0 else max_time,
    }


def normalise_job(raw: dict) -> dict:
    """A job from ``scontrol show -o job`` or REST/``--json`` (any version)."""
    if "JobId" in raw:
        return {
            "job_id": int(raw["JobId"]), "name": raw.get("JobName", ""),
            "user": raw.get("UserId", "").split("(")[0], "account": raw.get("Account", ""),
            "partition": raw.get("Partition", ""),
            "state": raw.get("JobState", "").lower(),
            "nodes": _text_value(raw.get("NodeList")) or "",
            "reason": raw.get("Reason", ""),
            "time_limit": parse_duration(raw.get("TimeLimit")),
            "start_time": _text_time(raw.get("StartTime")),
            "cpus": _int(raw.get("NumCPUs")), "qos": raw.get("QOS", ""),
        }
    state = raw.get("job_state")
    time_limit = number(raw.get("time_limit"))
    return {
        "job_id": raw["job_id"], "name": raw.get("name", ""), "user": raw.get("user_name", ""),
        "account": raw.get("account", ""), "partition": raw.get("partition", ""),
        "state": ("+".join(state) if isinstance(state, list) else str(state or "")).lower(),
        "nodes": raw.get("nodes", ""), "reason": raw.get("state_reason", ""),
        "time_limit": None if time_limit == "infinite" else time_limit,
        "start_time": _int(raw.get("start_time")) or None,
        "cpus": _int(raw.get("cpus")), "qos": raw.get("qos", ""),
    }


def normalise_reservation(raw: dict) -> dict:
    """A reservation from ``scontrol show -o reservation``."""
    return {
        "name": raw["ReservationName"],
        "start_time": _text_value(raw.get("StartTime")),
        "end_time": _text_value(raw.get("EndTime")),
        "duration": parse_duration(raw.get("Duration")),
        "nodes": _text_value(raw.get("Nodes")) or "",
        "partition": _text_value(raw.get("PartitionName")),
        "flags": sorted(f.upper() for f in split_list(raw.get("Flags"))),
        "users": split_list(raw.get("Users")),
        "accounts": split_list(raw.get("Accounts")),
        "state": (raw.get("State") or "").lower(),
    }


def tres_list(items: list[dict] | None) -> dict[str, Any]:
    """REST TRES list (``[{"type": "cpu", "name": "", "count": 8}]``) to ``{"cpu": 8}``."""
    result = {}
    for item in items or []:
        key = item["type"] + ("/" + item["name"] if item.get("name") else "")
        result[key] = item.get("count")
    return result


def _dig(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return number(data)


def normalise_qos(raw: dict) -> dict:
    """A QOS from slurmrestd (v0.0.38 or v0.0.40+)."""
    limits = raw.get("limits") or {}
    preempt = raw.get("preempt") or {}
    mode = preempt.get("mode") or []
    return {
        "name": raw["name"], "description": raw.get("description", ""),
        "priority": _int(raw.get("priority")),
        "flags": sorted(f.lower() for f in raw.get("flags") or []),
        "preempt": sorted(preempt.get("list") or []),
        "preempt_mode": "+".join(mode).lower() if isinstance(mode, list) else str(mode).lower(),
        "usage_factor": number(raw.get("usage_factor")),
        "max_wall": _dig(limits, "max", "wall_clock", "per", "job"),
        "max_jobs_per_user": _dig(limits, "max", "jobs", "active_jobs", "per", "user"),
        "max_tres_per_user": tres_list(_dig(limits, "max", "tres", "per", "user")),
        "max_tres_per_job": tres_list(_dig(limits, "max", "tres", "per", "job")),
    }


def normalise_user(raw: dict) -> dict:
    """A user from slurmrestd (v0.0.38: admin level a string; v0.0.40+: a list)."""
    level = raw.get("administrator_level")
    if isinstance(level, list):
        level = level[0] if level else "None"
    return {
        "name": raw["name"],
        "default_account": (raw.get("default") or {}).get("account") or None,
        "admin_level": str(level or "None").lower(),
    }


def normalise_account(raw: dict) -> dict:
    """An account from slurmrestd (any version)."""
    return {"name": raw["name"], "description": raw.get("description", ""),
            "organization": raw.get("organization", "")}


def normalise_association(raw: dict) -> dict:
    """An association from slurmrestd (any version)."""
    default = raw.get("default") or {}
    return {
        "cluster": raw.get("cluster", ""), "account": raw.get("account", ""),
        "user": raw.get("user") or "", "partition": raw.get("partition") or "",
        "parent": raw.get("parent_account") or "",
        "qos": sorted(raw.get("qos") or []), "default_qos": default.get("qos") or "",
        "shares": _int(raw.get("shares_raw")),
    }
