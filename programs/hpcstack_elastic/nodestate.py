# -*- coding: utf-8 -*-
# Copyright (c) hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Power-saving phases of a node, from the base state and flag list of a normalised node.

Slurm prints the same node as ``IDLE+CLOUD+POWERED_DOWN`` (``scontrol show -o node``, 22.05) or
``["IDLE", "CLOUD", "POWERED_DOWN"]`` (``scontrol --json``, 23.11+); ``_slurm_data`` turns both
into ``state="idle", flags=["cloud", "powered_down"]``. Decisions here read flags as a set, so
new flags (``blocked`` in 24.11, ``external`` in 26.05) or a new order change nothing.

NOT_RESPONDING is no problem on a powered-down node: Slurm 22.05 and 24.11 set it when a DOWN
cloud node is resumed (they wait for the next registration; 26.05 does not), and such a node is
scheduled and powered up like any other (recorded: ``returned_to_service``, ``returned_scheduled``).
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

    POWER_DOWN on an idle or down node (a power-down requested, SuspendProgram not yet run) counts
    as ``powering_down``; on a busy node (PowerDownOnIdle) the node is still ``up``.
    """
    found = flags(node)
    if "powering_up" in found:
        return POWERING_UP
    if "powering_down" in found or ("power_down" in found and node.get("state") in ("idle", "down")):
        return POWERING_DOWN
    if "powered_down" in found:
        return POWERED_DOWN
    return UP


def is_down(node: Mapping) -> bool:
    return node.get("state") == "down"


def is_unavailable(node: Mapping) -> bool:
    """DOWN, DRAIN or FAIL: the scheduler will not use the node."""
    return is_down(node) or bool(flags(node) & {"drain", "fail"})


def describe(node: Mapping) -> str:
    """``IDLE+CLOUD+POWERED_DOWN`` for log lines, whatever format Slurm answered in."""
    return "+".join([str(node.get("state", "unknown")).upper()] + sorted(f.upper() for f in flags(node)))
