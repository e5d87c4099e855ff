# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The command line in-process (fakes injected) and the built zipapp as a host runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from elastic_helpers import FakeProvider, FakeSlurm, build_zipapp

from ansible_collections.hpcstack.cluster.programs.hpcstack_elastic import cli
from ansible_collections.hpcstack.cluster.programs.hpcstack_elastic.providers import ProviderError

DOCKER = {"image": "i", "network": "n", "conf_servers": ["ctl1"]}
POWERING_UP = {"state": "allocated", "flags": ("cloud", "powering_up", "not_responding")}


def write_config(tmp_path, **top):
    data = {"version": 1, "cluster": "hpc", "state_dir": str(tmp_path / "state"),
            "classes": {"lab": {"nodes": "c[1-3]", "provider": "docker", "docker": DOCKER, "all_or_nothing": True}}}
    data.update(top)
    path = tmp_path / "elastic.json"
    path.write_text(json.dumps(data))
    return str(path)


@pytest.fixture(scope="module")
def zipapp(tmp_path_factory):
    return build_zipapp(tmp_path_factory.mktemp("pyz") / "hpcstack-elastic.pyz")


def test_resume_copies_the_resume_file_then_detaches(tmp_path):
    resume = tmp_path / "resume.json"
    resume.write_text(json.dumps({"all_nodes_resume": "c[1-3]", "jobs": [
        {"job_id": 7, "nodes_resume": "c[1-2]", "nodes_alloc": "c[1-2]"}, {"job_id": 8, "nodes_resume": "c3"}]}))
    slurm, provider, detached = FakeSlurm({n: POWERING_UP for n in ("c1", "c2", "c3")}), FakeProvider(), []
    env = cli.Environment({"SLURM_RESUME_FILE": str(resume)}, runner=slurm, factory=lambda c, k: provider,
                          background=detached.append)
    assert cli.main(["--config", write_config(tmp_path), "resume", "c[1-3]"], env) == 0
    assert len(detached) == 1 and slurm.calls == [] and provider.calls == []  # nothing done before detaching
    resume.unlink()  # slurmctld removes it; the worker has its copy
    provider.errors["c2"] = ProviderError("InsufficientInstanceCapacity", "x")
    assert detached[0]() == 1
    assert sorted(i.node for i in provider.instances.values()) == ["c3"]  # job 7 was all or nothing
    assert os.listdir(tmp_path / "state" / "requests") == []


def test_resume_without_a_usable_config_still_ends_the_power_up(tmp_path):
    slurm = FakeSlurm({"c1": POWERING_UP})
    env = cli.Environment({}, runner=slurm, background=lambda work: pytest.fail("must not detach"))
    assert cli.main(["--config", str(tmp_path / "missing.json"), "resume", "c1"], env) == cli.EXIT_CONFIG
    assert slurm.updates() == [
        ["update", "nodename=c1", "state=down",
         "reason=elastic: (Code:ConfigError) invalid elastic config %s:" % (tmp_path / "missing.json")],
        ["update", "nodename=c1", "state=power_down_force"]]


def test_suspend_and_resume_fail_terminate_and_reset_addresses(tmp_path):
    slurm = FakeSlurm({"c1": {"state": "idle", "flags": ("cloud", "powering_down"), "address": "10.0.0.1"},
                       "c2": {"state": "down", "flags": ("cloud", "powered_down"), "address": "10.0.0.2",
                              "reason": "ResumeTimeout reached"}})
    provider = FakeProvider()
    provider.add("c1", address="10.0.0.1")
    provider.add("c2", address="10.0.0.2")
    env = cli.Environment({}, runner=slurm, factory=lambda c, k: provider)
    config = write_config(tmp_path)
    assert cli.main(["--config", config, "--foreground", "suspend", "c1"], env) == 0
    assert cli.main(["--config", config, "--foreground", "resume-fail", "c2"], env) == 0
    assert provider.instances == {}
    assert (slurm.nodes["c1"]["address"], slurm.nodes["c2"]["address"]) == ("c1", "c2")
    assert json.load(open(tmp_path / "state" / "failures.json"))["c2"]["reason"] == "ResumeTimeout reached"


def test_reconcile_command_logs_its_counts(tmp_path, capsys):
    slurm, provider = FakeSlurm({"c1": {"state": "idle", "flags": ("cloud", "powered_down")}}), FakeProvider()
    env = cli.Environment({}, runner=slurm, factory=lambda c, k: provider, hostname="rec")
    assert cli.main(["--config", write_config(tmp_path), "reconcile"], env) == 0
    assert 'reconcile: {"downed": 0, "orphans_found": 0, "returned": 0}' in capsys.readouterr().err


def test_check_config_names_every_problem(tmp_path, capsys):
    path = write_config(tmp_path, batch_size=0, timeouts={"adress": 3})
    assert cli.main(["--config", path, "check-config", "--offline"], cli.Environment({})) == cli.EXIT_CONFIG
    err = capsys.readouterr().err
    assert "batch_size: must be between 1 and 1000, got 0" in err
    assert "timeouts.adress: unknown key (known: address, orphan_grace, vanished_grace, failure_cooldown, api)" in err


def test_zipapp_runs_on_a_bare_python(zipapp, tmp_path):
    bare = {"PATH": "/usr/bin:/bin"}  # no venv, no PYTHONPATH: what a controller has
    python = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
    out = subprocess.run([python, zipapp, "--config", write_config(tmp_path), "check-config", "--offline"],
                         capture_output=True, text=True, env=bare, check=False)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"cluster": "hpc", "classes": {"lab": {"nodes": "c[1-3]", "provider": "docker"}}}


def test_zipapp_is_reproducible(zipapp, tmp_path):
    again = build_zipapp(tmp_path / "again.pyz")
    assert open(again, "rb").read() == open(zipapp, "rb").read()


def test_check_config_expands_hostlists_with_slurm(tmp_path, capsys):
    classes = {"a": {"nodes": "c[1-3]", "provider": "docker", "docker": DOCKER},
               "b": {"nodes": "c[3-4]", "provider": "docker", "docker": DOCKER}}
    env = cli.Environment({}, runner=FakeSlurm())
    assert cli.main(["--config", write_config(tmp_path, classes=classes), "check-config"], env) == cli.EXIT_CONFIG
    assert "class 'b': nodes: node c3 is also in class 'a'" in capsys.readouterr().err
    assert [c[1:3] for c in env.runner.calls] == [["show", "hostnames"], ["show", "hostnames"]]
