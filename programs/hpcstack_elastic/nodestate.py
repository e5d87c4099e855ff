# -*- coding: utf-8 -*-
# Copyright (c) hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Power-saving phases of a node, from the base state and flag list of a normalised node.

Slurm prints the same node as ``IDLE+CLOUD+POWERED_DOWN`` (``scontrol show -o node``, 22.05) or
``["IDLE", "CLOUD", "POWERED_DOWN"]`` (``scontrol --json``, 23.11+); ``_slurm_data`` turns both
into ``state="idle", flags=["cloud", "powered_down"]``. Decisions here read flags as a set, so
new flags (``blocked`` in 24.11, ``external`` in 26.05) or a new order change nothing.
"""

from __future__ import annotations

from collections.abc import Mapping

POWERED_DOWN = "powered_down"
POWERING_UP = "powering_up"
POWERING_DOWN = "powering_down"
UP = "up"

# Slurm's own reason when a node did not register within ResumeTimeout (22.05 to 26.05).
RESUME_TIMEOUT_REASON = "ResumeTimeout reached"


def flags(node: Mapping) -> frozenset[str]:
    return frozenset(node.get("flags") or ())


def phase(node: Mapping) -> str:
    """``powering_up``, ``powering_down``, ``powered_down`` or ``up`` (running, whatever the base state).

    POWER_DOWN (a power-down requested, not yet started) counts as ``up``: the instance still runs.
    """
    found = flags(node)
    if "powering_up" in found:
        return POWERING_UP
    if "powering_down" in found:
        return POWERING_DOWN
    if "powered_down" in found:
        return POWERED_DOWN
    return UP


def is_down(node: Mapping) -> bool:
    return node.get("state") == "down"


def is_unavailable(node: Mapping) -> bool:
    """DOWN, DRAIN or FAIL: the scheduler will not use the node."""
    return is_down(node) or bool(flags(node) & {"drain", "fail"})


def stuck_not_responding(node: Mapping) -> bool:
    """Powered down yet flagged NOT_RESPONDING (left by an interrupted power-up): a power-down clears it."""
    found = flags(node)
    return POWERED_DOWN in found and "not_responding" in found and POWERING_UP not in found \
        and POWERING_DOWN not in found


def describe(node: Mapping) -> str:
    """``IDLE+CLOUD+POWERED_DOWN`` for log lines, whatever format Slurm answered in."""
    return "+".join([str(node.get("state", "unknown")).upper()] + sorted(f.upper() for f in flags(node)))
