"""nfs_server's two configurations, rendered on localhost from the role's defaults and templates:
/etc/exports.d/hpcstack.exports (kernel server, not runnable on this kernel) and ganesha.conf."""

import json
import os
import subprocess
import sys

import pytest
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROLE = os.path.join(REPO, "roles", "nfs_server")
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")


def render(tmp_path, template, **variables):
    playbook = [{
        "name": "Render " + template,
        "hosts": "localhost",
        "connection": "local",
        "gather_facts": False,
        "vars": {"ansible_python_interpreter": sys.executable},
        "vars_files": [os.path.join(ROLE, "defaults", "main.yml")],
        "tasks": [{"name": "Render", "ansible.builtin.template": {
            "src": os.path.join(ROLE, "templates", template), "dest": str(tmp_path / "out"), "mode": "0644"}}],
    }]
    (tmp_path / "play.yml").write_text(yaml.safe_dump(playbook))
    (tmp_path / "vars.json").write_text(json.dumps(variables))
    result = subprocess.run([ANSIBLE_PLAYBOOK, "-i", "localhost,", str(tmp_path / "play.yml"), "-e", "@" + str(tmp_path / "vars.json")],
                            capture_output=True, text=True, check=False, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return (tmp_path / "out").read_text().splitlines()


CLIENTS = ["10.1.0.10", "10.1.0.0/24"]


def test_kernel_exports_default(tmp_path):
    lines = render(tmp_path, "exports.j2", nfs_server_clients=CLIENTS)
    assert lines[1:] == [
        "/home 10.1.0.10(rw,root_squash,sec=sys,sync,no_subtree_check) 10.1.0.0/24(rw,root_squash,sec=sys,sync,no_subtree_check)",
        "/apps 10.1.0.10(ro,root_squash,sec=sys,sync,no_subtree_check) 10.1.0.0/24(ro,root_squash,sec=sys,sync,no_subtree_check)",
    ]


def test_kernel_exports_per_export_settings(tmp_path):
    exports = [{"path": "/scratch", "clients": ["c*"], "squash": "none", "sec": ["krb5", "krb5p"], "options": ["async"]}]
    assert render(tmp_path, "exports.j2", nfs_server_exports=exports, nfs_server_clients=CLIENTS)[1:] == [
        "/scratch c*(rw,no_root_squash,sec=krb5:krb5p,async)"]


@pytest.mark.parametrize("flusher", [False, True])
def test_ganesha_conf(tmp_path, flusher):
    text = "\n".join(render(tmp_path, "ganesha.conf.j2", nfs_server_clients=CLIENTS,
                            nfs_server_ganesha_allow_io_flusher_fail=flusher))
    assert "    Protocols = 4;\n    Enable_NLM = false;\n    Enable_RQUOTA = false;\n" in text
    assert ("allow_set_io_flusher_fail = true;" in text) is flusher
    home, apps = text.split("EXPORT {")[1:]
    assert 'Export_Id = 1;\n    Path = "/home";\n    Pseudo = "/home";' in home
    assert "Squash = root_squash;" in home and "SecType = sys;" in home
    assert "Clients = 10.1.0.10, 10.1.0.0/24;\n        Access_Type = RW;" in home
    assert 'Export_Id = 2;\n    Path = "/apps";' in apps and "Access_Type = RO;" in apps
