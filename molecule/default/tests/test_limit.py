"""slurm.conf never depends on the hosts in the play: a --limit run changes nothing."""

import os
import re
import subprocess

from conftest import INVENTORY


def test_converge_limited_to_one_compute_node_changes_nothing():
    project = os.environ["MOLECULE_PROJECT_DIRECTORY"]
    result = subprocess.run(
        ["ansible-playbook", "-i", INVENTORY,
         os.path.join(project, "playbooks", "site.yml"), "--limit", "c1", "--check", "--diff"],
        capture_output=True, text=True, check=False, timeout=600,
        env=dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0"),
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    recap = re.search(r"^c1\s+:\s+ok=\d+\s+changed=(\d+)", result.stdout, re.M)
    assert recap, result.stdout[-2000:]
    assert recap.group(1) == "0", result.stdout[-5000:]
