"""The live inventory plugin reads the running cluster through slurmrestd and follows node states."""

import json
import os
import subprocess

import pytest

from hpcstack_harness import BIN
CONTROLLER_URL = "http://172.31.251.10:6820"  # ctl1 on the scenario network (host_vars/ctl1.yml)


@pytest.fixture(scope="module")
def live_inventory(tmp_path_factory, controller):
    """Run ansible-inventory on a live config; return a function giving its --list output."""
    token = controller.check_output("scontrol token username=root lifespan=900").split("=", 1)[1]
    config = tmp_path_factory.mktemp("live") / "lab.slurm.yml"
    config.write_text("plugin: hpcstack.cluster.slurm\nurl: %s\nuser: root\n" % CONTROLLER_URL)
    env = dict(os.environ, SLURM_JWT=token, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")

    def inventory(*args):
        result = subprocess.run([os.path.join(BIN, "ansible-inventory"), "-i", str(config)] + list(args),
                                capture_output=True, text=True, env=env, check=False, timeout=120)
        assert result.returncode == 0, result.stderr
        return result.stdout

    return inventory


def plain(value):
    """ansible-inventory shows values the plugin marked unsafe (they come from a server) wrapped."""
    return value.get("__ansible_unsafe", value) if isinstance(value, dict) else value


def members(listing, group):
    return sorted(json.loads(listing).get(group, {}).get("hosts", []))


def test_graph_shows_the_nodes_under_their_partition(live_inventory):
    graph = live_inventory("--graph", "partition_debug")
    assert "c1" in graph and "c2" in graph


def test_nodes_carry_their_live_state(live_inventory):
    listing = live_inventory("--list")
    assert members(listing, "partition_debug") == ["c1", "c2"]
    assert members(listing, "state_idle") == ["c1", "c2"]
    hostvars = json.loads(listing)["_meta"]["hostvars"]
    assert plain(hostvars["c1"]["slurm_live_cpus"]) == 2
    assert plain(hostvars["c1"]["slurm_live_real_memory"]) == 1000
    assert plain(hostvars["c2"]["slurm_live_gres"]) == "gpu:lab:2"


def test_drained_node_moves_to_the_drained_group(live_inventory, slurm_node):
    slurm_node("name=c2", "state=drain", "reason=live-inventory-test", "wait=true", "wait_timeout=60")
    try:
        listing = live_inventory("--list")
        assert members(listing, "state_drained") == ["c2"]
        assert plain(json.loads(listing)["_meta"]["hostvars"]["c2"]["slurm_live_reason"]) == "live-inventory-test"
    finally:
        slurm_node("name=c2", "state=resume")
    assert members(live_inventory("--list"), "state_drained") == []
