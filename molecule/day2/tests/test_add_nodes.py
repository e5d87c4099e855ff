"""Adding d2c3 (cluster-3-nodes.yml) with playbooks/add_nodes.yml while a job runs.

Irreversible (runs after every other test): afterwards the cluster has three compute nodes.
"""

import os

import pytest

from conftest import CONTROLLER, NODES, SCENARIO
from hpcstack_harness import INVENTORY, host, run_playbook as playbook, wait_node_state

NEW = "d2c3"


def _inventory_with_new_node(directory):
    """The scenario's inventory with the cluster spec listing d2c[1-3]."""
    for name in os.listdir(INVENTORY):
        if name != "cluster.yml":
            os.symlink(os.path.realpath(os.path.join(INVENTORY, name)), os.path.join(directory, name))
    os.symlink(os.path.join(SCENARIO, "inventory", "cluster-3-nodes.yml"), os.path.join(directory, "cluster.yml"))
    return directory


def _checksum(name):
    return host(name).check_output("sha256sum /etc/slurm/slurm.conf").split()[0]


@pytest.mark.irreversible
def test_add_a_node_while_a_job_runs(ctl, job, tmp_path):
    running = job("d2c1", "add-nodes")
    started = {name: host(name).check_output("systemctl show -p ActiveEnterTimestamp slurmd") for name in NODES}
    new_version = ctl.check_output("dpkg-query -W -f '${Version}' slurm-client") >= "23.11"
    result, seconds = playbook("add_nodes.yml", "-e", "add_nodes=" + NEW, inventory=_inventory_with_new_node(str(tmp_path)))
    print("add_nodes.yml: %.0f s" % seconds)
    # Every Slurm host has the controller's slurm.conf, though only d2c3 got the full roles.
    wanted = _checksum(CONTROLLER)
    assert {name: _checksum(name) for name in NODES + (NEW,)} == {name: wanted for name in NODES + (NEW,)}
    assert "NodeName=d2c[1-3] " in host(CONTROLLER).file("/etc/slurm/slurm.conf").content_string
    # The tiers site.yml gives a node ran on the new node only (slurm.conf reached every Slurm host).
    for play in ("Prepare every cluster member", "User environment on login and compute nodes"):
        assert _play_hosts(result.stdout, play) == {NEW}, play
    if new_version:  # Slurm >= 23.11 takes new nodes with `scontrol reconfigure`: no daemon restart
        assert {name: host(name).check_output("systemctl show -p ActiveEnterTimestamp slurmd") for name in NODES} == started
    running.wait_for("RUNNING", timeout=5)
    # The new node takes jobs.
    assert wait_node_state(ctl, NEW, "idle")[0] == "idle"
    on_new = job(NEW, "on-new-node")
    assert on_new.release() == "COMPLETED|0:0"
    assert running.release() == "COMPLETED|0:0"


def _play_hosts(output, play):
    """Host names in the task lines of one play of a playbook's output."""
    text = output.split("PLAY [%s]" % play, 1)[1].split("\nPLAY ", 1)[0]
    return {line.split("[", 1)[1].split("]", 1)[0].split(" -> ")[0]
            for line in text.splitlines() if line.startswith(("ok: [", "changed: ["))}
