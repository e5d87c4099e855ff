# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The power-saving states, from nodes Slurm printed (scontrol show -o node, recorded) and normalised by _slurm_data.

Recorded cycles through every state: tests/unit/exporter/test_exporter_power.py and
tests/unit/programs/hpcstack_elastic/test_elastic_slurm_recorded.py; here the rules between them.
"""

from __future__ import annotations

import pytest

from ansible_collections.hpcstack.cluster.plugins.module_utils import _power_state as power
from ansible_collections.hpcstack.cluster.plugins.module_utils import _slurm_data as data


def node(state, reason=""):
    return data.normalise_node({"NodeName": "n1", "State": state, "Reason": reason})


@pytest.mark.parametrize("state, reason, phase, expected", [
    ("IDLE+CLOUD+POWERED_DOWN", "", power.POWERED_DOWN, "powered_down"),
    ("ALLOCATED+CLOUD+NOT_RESPONDING+POWERING_UP", "", power.POWERING_UP, "powering_up"),
    ("IDLE+CLOUD+POWER_DOWN", "", power.POWERING_DOWN, "powering_down"),      # requested, SuspendProgram not yet run
    ("MIXED+CLOUD+POWER_DOWN", "", power.UP, None),                            # PowerDownOnIdle on a busy node
    ("IDLE+CLOUD", "", power.UP, None),
    ("DOWN+CLOUD+POWERED_DOWN", "ResumeTimeout reached", power.POWERED_DOWN, "resume_failed"),
    ("DOWN+CLOUD+NOT_RESPONDING+POWERING_UP", "elastic: (Code:DockerNotFound) x", power.POWERING_UP, "resume_failed"),
    ("DOWN+CLOUD+POWERED_DOWN", "DIMM replaced", power.POWERED_DOWN, "powered_down"),   # an admin's DOWN
    ("DOWN", "elastic-looking but not ours", power.UP, None),
    ("IDLE+BLOCKED+CLOUD+POWERED_DOWN", "", power.POWERED_DOWN, "powered_down"),        # a newer flag changes nothing
])
def test_states(state, reason, phase, expected):
    found = node(state, reason)
    assert (power.phase(found), power.power_state(found)) == (phase, expected)


def test_the_states_the_exporter_reports():
    assert power.POWER_STATES == ("powered_down", "powering_up", "powering_down", "resume_failed")
    assert power.failed_resume_reason("elastic: (Code:NoAddress) i-1 had no address after 120 s")
    assert not power.failed_resume_reason(None) and not power.failed_resume_reason("ResumeTimeout reached later")
