# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which slurm.conf changes need a daemon restart and which a reconfigure."""

from __future__ import annotations

import os

import pytest
import yaml

from ansible_collections.hpcstack.cluster.plugins.filter.slurm_restart_fingerprint import slurm_restart_fingerprint

KEYS = ["SlurmctldHost", "AuthType", "SelectType"]
CONF = """# managed
ClusterName=lab
SlurmctldHost=ctl1(10.0.0.1)
AuthType=auth/munge
SelectType=select/cons_tres
MaxJobCount=10000
NodeName=c[1-2] CPUs=2 RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=c[1-2] Default=YES
"""


def fingerprint(conf, nodes_need_restart=False):
    return slurm_restart_fingerprint(conf, KEYS, nodes_need_restart=nodes_need_restart)


def test_keeps_only_restart_settings_sorted():
    assert fingerprint(CONF) == "AuthType=auth/munge\nSelectType=select/cons_tres\nSlurmctldHost=ctl1(10.0.0.1)\n"


@pytest.mark.parametrize("old, new", [
    ("MaxJobCount=10000", "MaxJobCount=20000"),
    ("PartitionName=debug Nodes=c[1-2] Default=YES", "PartitionName=debug Nodes=c[1-2] Default=YES MaxTime=60"),
    ("# managed", "# managed by someone else"),
])
def test_reconfigurable_changes_leave_the_fingerprint_alone(old, new):
    assert fingerprint(CONF.replace(old, new)) == fingerprint(CONF)


@pytest.mark.parametrize("old, new", [
    ("SlurmctldHost=ctl1(10.0.0.1)", "SlurmctldHost=ctl1(10.0.0.2)"),
    ("SelectType=select/cons_tres", "SelectType=select/linear"),
])
def test_restart_changes_alter_the_fingerprint(old, new):
    assert fingerprint(CONF.replace(old, new)) != fingerprint(CONF)


def test_keys_match_case_insensitively():
    assert fingerprint("authtype=auth/munge\n") == "authtype=auth/munge\n"


def test_node_changes_need_a_restart_only_before_23_11():
    more_nodes = CONF.replace("NodeName=c[1-2]", "NodeName=c[1-3]")
    assert fingerprint(more_nodes) == fingerprint(CONF)
    assert fingerprint(more_nodes, nodes_need_restart=True) != fingerprint(CONF, nodes_need_restart=True)


def _role_restart_keys():
    path = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "roles", "slurm_common", "vars", "main.yml")
    with open(path) as handle:
        return yaml.safe_load(handle)["__slurm_restart_keys"]


@pytest.mark.parametrize("old, new", [
    ("HealthCheckInterval=300", "HealthCheckInterval=30"),
    ("HealthCheckProgram=/usr/local/sbin/hpcstack-node-health", "HealthCheckProgram=/usr/sbin/nhc"),
    ("HealthCheckNodeState=ANY", "HealthCheckNodeState=IDLE,CYCLE"),
])
def test_health_check_changes_apply_with_a_reconfigure(old, new):
    """slurmd re-reads the HealthCheck* settings on `scontrol reconfigure`: no restart."""
    conf = CONF + "HealthCheckProgram=/usr/local/sbin/hpcstack-node-health\nHealthCheckInterval=300\nHealthCheckNodeState=ANY\n"
    keys = _role_restart_keys()
    assert slurm_restart_fingerprint(conf.replace(old, new), keys) == slurm_restart_fingerprint(conf, keys)
