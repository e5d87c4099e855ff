"""module_defaults reach the Slurm modules through the action groups of meta/runtime.yml."""

import json
import os
import subprocess
import sys
import textwrap

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

PLAYBOOK = """
- name: group/hpcstack.cluster.slurm
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/hpcstack.cluster.slurm:
      sacctmgr_path: "{fake}/sacctmgr"
  tasks:
    - name: slurm_qos takes sacctmgr_path from the slurm group
      hpcstack.cluster.slurm_qos:
        qos: [{{name: short}}]
      ignore_errors: true
    - name: slurm_node is in the slurm group too, and has no sacctmgr_path
      hpcstack.cluster.slurm_node:
        name: c1
        state: resume
      ignore_errors: true

- name: group/hpcstack.cluster.sacctmgr and group/hpcstack.cluster.scontrol
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/hpcstack.cluster.sacctmgr:
      sacctmgr_path: "{fake}/sacctmgr"
    group/hpcstack.cluster.scontrol:
      scontrol_path: "{fake}/scontrol"
  tasks:
    - name: slurm_user takes sacctmgr_path from the sacctmgr group
      hpcstack.cluster.slurm_user:
        users: [{{name: alice, account: physics}}]
      ignore_errors: true
    - name: slurm_node takes scontrol_path from the scontrol group
      hpcstack.cluster.slurm_node:
        name: c1
        state: resume
      ignore_errors: true
"""


def run_playbook(tmp_path):
    fake = tmp_path / "bin"
    fake.mkdir()
    for tool in ("sacctmgr", "scontrol"):
        script = fake / tool
        script.write_text(textwrap.dedent(f"""\
            #!/bin/sh
            echo "fake {tool} called" >&2
            exit 3
            """))
        script.chmod(0o755)
    playbook = tmp_path / "groups.yml"
    playbook.write_text(PLAYBOOK.format(fake=fake))
    result = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "localhost,", "-c", "local",
         str(playbook)],
        capture_output=True, text=True, check=False, timeout=300,
        env=dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), ANSIBLE_STDOUT_CALLBACK="json",
                 ANSIBLE_PYTHON_INTERPRETER=sys.executable),
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report, _end = json.JSONDecoder().raw_decode(result.stdout)   # the timer callback prints after it
    return {task["task"]["name"]: task["hosts"]["localhost"]["msg"] for play in report["plays"] for task in play["tasks"]}


def test_module_defaults_groups(tmp_path):
    msg = run_playbook(tmp_path)
    # Each module ran the fake binary the group's defaults named (the real one is not installed).
    assert "fake sacctmgr called" in msg["slurm_qos takes sacctmgr_path from the slurm group"]
    assert "fake sacctmgr called" in msg["slurm_user takes sacctmgr_path from the sacctmgr group"]
    assert "fake scontrol called" in msg["slurm_node takes scontrol_path from the scontrol group"]
    # Group defaults reach every member: why sacctmgr_path/scontrol_path belong to the narrower groups.
    assert msg["slurm_node is in the slurm group too, and has no sacctmgr_path"].startswith(
        "Unsupported parameters for (hpcstack.cluster.slurm_node) module: sacctmgr_path")
