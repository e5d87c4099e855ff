# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""slurm_platform on what it read in real trixie (24.11.5) and forky (26.05.5) test containers."""

from __future__ import annotations

import json
import os
from unittest import mock

import pytest

from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.hpcstack.cluster.plugins.modules import slurm_platform

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "platform")


def host(tmp_path, monkeypatch, suite):
    """Point the module at a recorded host: /proc files, cgroup root and a plugin directory with the recorded names."""
    recorded = os.path.join(FIXTURES, suite)
    monkeypatch.setattr(slurm_platform, "MOUNTS", os.path.join(recorded, "mounts"))
    monkeypatch.setattr(slurm_platform, "PROC_CGROUP", os.path.join(recorded, "cgroup"))
    monkeypatch.setattr(slurm_platform, "CGROUP_CONTROLLERS", os.path.join(recorded, "cgroup.controllers"))
    plugin_dir = tmp_path / suite / "slurm-wlm"
    plugin_dir.mkdir(parents=True)
    for name in open(os.path.join(recorded, "plugins"), encoding="utf-8").read().split():
        (plugin_dir / name).write_text("")
    with open(os.path.join(recorded, "sinfo-version"), encoding="utf-8") as handle:
        version_answer = handle.read()
    return str(plugin_dir), version_answer


def run(capsys, plugin_dir, version_answer):
    """main() with a fake sinfo that checks the minimal slurm.conf it is given (run_module's runner sees no environment)."""
    seen = []

    def sinfo(self, argv, environ_update=None, **kw):
        if argv != ["/usr/bin/sinfo", "--version"]:
            raise AssertionError("unexpected command %r" % (argv,))
        seen.append(open(environ_update["SLURM_CONF"], encoding="utf-8").read())
        return 0, version_answer, ""

    args = {"plugin_dirs": [plugin_dir, "/nonexistent/*/slurm"], "_ansible_check_mode": True}
    with patch_module_args(args), \
            mock.patch.object(basic.AnsibleModule, "get_bin_path", lambda self, name, **kw: "/usr/bin/" + name), \
            mock.patch.object(basic.AnsibleModule, "run_command", sinfo), pytest.raises(SystemExit):
        slurm_platform.main()
    assert seen == ["ClusterName=version\nSlurmctldHost=localhost\n"]
    return json.loads(capsys.readouterr().out)


def test_trixie_container(tmp_path, monkeypatch, capsys):
    result = run(capsys, *host(tmp_path, monkeypatch, "trixie"))
    assert result["changed"] is False
    assert result["version"] == "24.11.5"
    assert {"mpi_pmix", "mpi_pmix_v5", "cgroup_v1", "cgroup_v2", "proctrack_cgroup", "task_cgroup"} <= set(result["plugins"])
    assert result["plugin_dirs"] == [str(tmp_path / "trixie" / "slurm-wlm")]
    assert result["cgroup"] == {"fstype": "tmpfs", "proc_lines": 10, "controllers": [],
                                "v1_controllers": ["blkio", "cpuset", "devices", "freezer", "memory", "pids"]}


def test_forky_container(tmp_path, monkeypatch, capsys):
    result = run(capsys, *host(tmp_path, monkeypatch, "forky"))
    assert result["version"] == "26.05.5"
    assert "mpi_pmi2" in result["plugins"] and not [name for name in result["plugins"] if name.startswith("mpi_pmix")]
    # cgroup2 mounted over the tmpfs, no controllers, and the process still sits in the host's v1 hierarchies.
    assert result["cgroup"] == {"fstype": "cgroup2", "proc_lines": 10, "controllers": [], "v1_controllers": []}


def test_no_slurm_installed(tmp_path, monkeypatch, run_module):
    host(tmp_path, monkeypatch, "trixie")
    with mock.patch.object(basic.AnsibleModule, "get_bin_path", lambda self, name, **kw: None):
        result = run_module(slurm_platform, {"plugin_dirs": [str(tmp_path / "none")]}, pytest.fail)
    assert result["version"] is None and result["plugins"] == [] and result["plugin_dirs"] == []


def test_sinfo_without_a_version_fails_with_its_message(tmp_path, monkeypatch, run_module):
    plugin_dir = host(tmp_path, monkeypatch, "trixie")[0]
    with mock.patch.object(basic.AnsibleModule, "get_bin_path", lambda self, name, **kw: "/usr/bin/" + name):
        result = run_module(slurm_platform, {"plugin_dirs": [plugin_dir]},
                            lambda argv: (1, "", "sinfo: fatal: Unable to process configuration file\n"))
    assert result["failed"] is True
    assert result["msg"] == "sinfo --version did not tell the Slurm version (rc 1): sinfo: fatal: Unable to process configuration file"
