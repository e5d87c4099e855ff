# -*- coding: utf-8 -*-
# Copyright (c) hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Power-saving states of a Slurm node, from a node as ``_slurm_data.normalise_node`` gives it (standard library only).

Slurm prints the same node as ``IDLE+CLOUD+POWERED_DOWN`` (``scontrol show -o node``, 22.05),
``["IDLE", "CLOUD", "POWERED_DOWN"]`` (``scontrol --json``, REST v0.0.40+) or ``"idle"`` with
``state_flags`` (REST v0.0.38); the normaliser turns each into ``state="idle", flags=["cloud",
"powered_down"]``. Everything here reads the flags as a set, so new flags (``blocked`` in 24.11,
``external`` in 26.05) or another order change nothing. The elastic program decides with these
functions and the Slurm exporter counts with them: one definition of each state.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

POWERED_DOWN = "powered_down"
POWERING_UP = "powering_up"
POWERING_DOWN = "powering_down"
UP = "up"
RESUME_FAILED = "resume_failed"
# The states the Slurm exporter reports per partition, in this order.
POWER_STATES = (POWERED_DOWN, POWERING_UP, POWERING_DOWN, RESUME_FAILED)

# Slurm's own reason when a node did not register within ResumeTimeout (22.05 to 26.05).
RESUME_TIMEOUT_REASON = "ResumeTimeout reached"
# The reason prefix of every node the elastic program (programs/hpcstack_elastic) sets DOWN.
ELASTIC_REASON_PREFIX = "elastic: "


def flags(node: Mapping[str, Any]) -> frozenset:
    return frozenset(node.get("flags") or ())


def phase(node: Mapping[str, Any]) -> str:
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


def failed_resume_reason(reason: str | None) -> bool:
    """True for the reasons of a failed power-up: Slurm's ResumeTimeout or the elastic program's failures."""
    reason = reason or ""
    return reason == RESUME_TIMEOUT_REASON or reason.startswith(ELASTIC_REASON_PREFIX)


def resume_failed(node: Mapping[str, Any]) -> bool:
    """DOWN because its power-up failed (the node returns to service after the program's cool-down)."""
    return node.get("state") == "down" and failed_resume_reason(node.get("reason"))


def power_state(node: Mapping[str, Any]) -> str | None:
    """The node's state among :data:`POWER_STATES`, or None for a node that is up (or not in power saving).

    A failed power-up is ``resume_failed`` whatever its phase: DOWN+POWERING_UP before the program
    powers it down, then DOWN+POWER_DOWN, then DOWN+POWERED_DOWN until the cool-down is over.
    """
    if resume_failed(node):
        return RESUME_FAILED
    current = phase(node)
    return None if current == UP else current
