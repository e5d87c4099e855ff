"""A node added with add_nodes.yml gets exactly the tasks site.yml gives a compute node.

Both playbooks are listed (``--list-hosts --list-tasks``, nothing runs) on an inventory that already
holds the groups the preflight derives (so the host patterns resolve without running it); for the
new compute node c3, the plays it is in and their tasks must be the same, in the same order.
"""

import os
import re
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")

INVENTORY = """
[slurmctld]
ctl1
[slurmdbd]
ctl1
[slurmrestd]
ctl1
[login]
login1
[monitoring]
mon1
[slurmd]
c[1:3]
[partition_debug]
c[1:3]
[slurm_hosts:children]
slurmctld
slurmd
login
[cluster_members:children]
slurm_hosts
[slurm_accounting_database]
ctl1
[slurm_exporter]
ctl1
[dcgm_exporter]
[hpcstack_new_nodes]
c3
"""
ONLY_IN_ADD_NODES = ("Check the new nodes",)


def plays_of(playbook, tmp_path, *extra):
    """[(play name, [tasks])] of the plays whose hosts include c3."""
    (tmp_path / "hosts").write_text(INVENTORY)
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    result = subprocess.run([ANSIBLE_PLAYBOOK, "-i", str(tmp_path / "hosts"), os.path.join(REPO, "playbooks", playbook),
                             "--list-hosts", "--list-tasks", *extra],
                            capture_output=True, text=True, env=env, check=True, timeout=300)
    plays = []
    for block in re.split(r"\n  play #\d+ ", result.stdout)[1:]:
        name = block.split("\n", 1)[0].split("): ", 1)[1].split("\tTAGS:")[0]
        hosts = re.search(r"hosts \(\d+\):\n((?:      \S+\n)*)", block).group(1).split()
        tasks = [line.strip().split("\tTAGS:")[0] for line in block.split("    tasks:\n", 1)[1].splitlines() if line.strip()]
        if "c3" in hosts and name not in ONLY_IN_ADD_NODES:
            plays.append((name, tasks))
    return plays


def test_a_new_compute_node_gets_what_site_gives_it(tmp_path):
    site = plays_of("site.yml", tmp_path)
    added = plays_of("add_nodes.yml", tmp_path, "-e", "add_nodes=c3")
    assert [name for name, _tasks in site] == [name for name, _tasks in added]
    assert site == added
    names = [name for name, _tasks in site]
    assert "Install and configure Slurm" in names and "User environment on login and compute nodes" in names
    slurm_tasks = dict(site)["Install and configure Slurm"]
    assert "Node health check" in slurm_tasks and "Slurm compute node" in slurm_tasks
