"""hpcstack.cluster.program: a host program built into one zipapp on the controller and copied, idempotently."""

import json
import os
import subprocess
import sys
import zipfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

PLAYBOOK = """
- name: Install a program
  hpcstack.cluster.program:
    name: "{name}"
    dest: "{dest}"
    mode: "0750"
"""


def run(tmp_path, name, *options):
    playbook = tmp_path / "program.yml"
    playbook.write_text("- hosts: localhost\n  gather_facts: false\n  tasks:\n"
                        + "\n".join("    " + line for line in PLAYBOOK.format(name=name, dest=tmp_path / "bin" / "x.pyz")
                                    .splitlines()))
    result = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "localhost,", "-c", "local",
         str(playbook), *options],
        capture_output=True, text=True, check=False, timeout=300,
        env=dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), ANSIBLE_STDOUT_CALLBACK="json",
                 ANSIBLE_PYTHON_INTERPRETER=sys.executable),
    )
    report, _end = json.JSONDecoder().raw_decode(result.stdout)
    return result.returncode, report["plays"][0]["tasks"][0]["hosts"]["localhost"]


def test_installs_once_and_runs(tmp_path):
    (tmp_path / "bin").mkdir()
    dest = tmp_path / "bin" / "x.pyz"
    rc, checked = run(tmp_path, "hpcstack_exporters", "--check")
    assert (rc, checked["changed"], dest.exists()) == (0, True, False)
    rc, first = run(tmp_path, "hpcstack_exporters")
    assert (rc, first["changed"], oct(dest.stat().st_mode & 0o777)) == (0, True, "0o750")
    with zipfile.ZipFile(dest) as archive:
        names = archive.namelist()
    assert first["files"] == len(names) and "ansible_collections/hpcstack/cluster/plugins/module_utils/_slurm_rest.py" in names
    rc, second = run(tmp_path, "hpcstack_exporters")
    assert (rc, second["changed"], second["checksum"]) == (0, False, first["checksum"])
    out = subprocess.run([sys.executable, "-S", str(dest), "job", "--list-metrics"], capture_output=True, text=True,
                         check=True, env=dict(os.environ, PYTHONPATH=""), timeout=60).stdout
    assert out.splitlines()[0] == "slurm_job_memory_usage_bytes gauge jobid,user,account"


def test_unknown_program_fails_before_copying(tmp_path):
    rc, result = run(tmp_path, "no_such_program")
    assert rc == 2 and result["failed"]
    assert result["msg"] == "cannot build the program no_such_program: programs/no_such_program is not a Python package"
    assert not (tmp_path / "bin").exists()
