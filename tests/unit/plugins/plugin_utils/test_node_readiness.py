"""The end-of-converge check: which compute nodes cannot run jobs, from recorded scontrol answers."""

from __future__ import annotations

import os
import sys

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.hpcstack.cluster.plugins.filter.slurm_node_readiness import slurm_node_readiness
from ansible_collections.hpcstack.cluster.plugins.module_utils import _slurm_data as data
from ansible_collections.hpcstack.cluster.plugins.plugin_utils.node_readiness import readiness

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "slurm"))
from slurm_fixtures import VERSIONS, load  # noqa: E402


def recorded(version, fixture, name):
    """The recorded node (always called "rec"), renamed so that several can stand side by side."""
    node = data.normalise_node(data.parse_scontrol_records(load(version, "scontrol/" + fixture)["stdout"])[0])
    return dict(node, name=name)


@pytest.mark.parametrize("version", VERSIONS)
def test_recorded_states(version):
    nodes = [recorded(version, "show_node_idle", "c1"), recorded(version, "show_node_drained", "c2"),
             recorded(version, "show_node_down", "c3"), recorded(version, "show_node_reboot", "c4"),
             recorded(version, "show_node_draining", "c5")]
    assert readiness(nodes, ["c1", "c2", "c3", "c4", "c5"]) == {
        "problems": ["c3: not responding (slurmd unreachable)", "c4: not responding (slurmd unreachable)"],
        # Drained by hand with a reason of the admin's own ("rec maintenance", "rec drain"): held, not a failure.
        "held": ["c2: rec maintenance", "c5: %s" % recorded(version, "show_node_draining", "c5")["reason"]],
    }


@pytest.mark.parametrize("reason,problem", [
    ("hpcstack-health: clock not synchronised (chrony)", "c1: idle+drain: hpcstack-health: clock not synchronised (chrony)"),
    ("Low RealMemory (reported:1900 < 100.00% of configured:4000)",
     "c1: idle+drain: Low RealMemory (reported:1900 < 100.00% of configured:4000)"),
    ("", "c1: idle+drain: no reason given"),
])
def test_drains_by_slurm_or_the_health_check_are_problems(reason, problem):
    node = dict(recorded("24.11", "show_node_drained", "c1"), reason=reason)
    assert readiness([node], ["c1"]) == {"problems": [problem], "held": []}


def test_own_prefix_is_configurable():
    node = dict(recorded("24.11", "show_node_drained", "c1"), reason="site-nhc: /scratch missing")
    assert readiness([node], ["c1"], reason_prefix="site-nhc")["problems"] == ["c1: idle+drain: site-nhc: /scratch missing"]
    assert readiness([node], ["c1"])["held"] == ["c1: site-nhc: /scratch missing"]


def test_registration_rejected_and_unknown_nodes():
    node = recorded("24.11", "show_node_idle", "c1")
    invalid = dict(node, state="down", flags=["drain", "invalid_reg"], reason="Low socket*core*thread count")
    unregistered = dict(node, name="c2", state="unknown", flags=[])
    assert readiness([invalid, unregistered], ["c1", "c2", "c9"])["problems"] == [
        "c1: registration rejected: Low socket*core*thread count",
        "c2: state unknown (slurmd has not registered)",
        "c9: not known to slurmctld (not in its slurm.conf)",
    ]


def test_only_expected_nodes_count():
    nodes = [recorded("24.11", "show_node_idle", "c1"), recorded("24.11", "show_node_down", "c2")]
    assert readiness(nodes, ["c1"]) == {"problems": [], "held": []}


def test_filter_rejects_a_string_and_foreign_input():
    with pytest.raises(AnsibleFilterError, match="^slurm_node_readiness expects a list of node names, got the string 'c1'$"):
        slurm_node_readiness([], "c1")
    with pytest.raises(AnsibleFilterError, match="^slurm_node_readiness expects the nodes of hpcstack.cluster.slurm_info: 'flags'$"):
        slurm_node_readiness([{"name": "c1", "state": "idle"}], ["c1"])
