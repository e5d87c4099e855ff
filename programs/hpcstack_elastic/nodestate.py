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

# One definition of the states for the program and the Slurm exporter (plugins/module_utils/_power_state.py).
from ansible_collections.hpcstack.cluster.plugins.module_utils._power_state import (
    POWERED_DOWN, POWERING_DOWN, POWERING_UP, RESUME_TIMEOUT_REASON, UP, flags, phase)

__all__ = ("POWERED_DOWN", "POWERING_DOWN", "POWERING_UP", "RESUME_TIMEOUT_REASON", "UP", "describe", "flags",
           "is_down", "is_unavailable", "phase")


def is_down(node: Mapping) -> bool:
    return node.get("state") == "down"


def is_unavailable(node: Mapping) -> bool:
    """DOWN, DRAIN or FAIL: the scheduler will not use the node."""
    return is_down(node) or bool(flags(node) & {"drain", "fail"})


def describe(node: Mapping) -> str:
    """``IDLE+CLOUD+POWERED_DOWN`` for log lines, whatever format Slurm answered in."""
    return "+".join([str(node.get("state", "unknown")).upper()] + sorted(f.upper() for f in flags(node)))
