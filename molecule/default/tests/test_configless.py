"""Configless hosts of the lab: compute node c1 (node class ``configless: true``) and login node
login1 (group slurm_configless, sackd) have no Slurm configuration of their own; they fetch ctl1's."""

import functools
import json
import re
import time

import pytest

from conftest import CONFIGLESS_DIR
from hpcstack_harness import changed_counts, host as _host, inventory_vars, run_playbook, scontrol_fields

CONFIGLESS = ("c1", "login1")
PROBE_FEATURE = "configless_probe"
SACKD_SINCE = (23, 11)
NODE_LINES_RECONFIGURE_SINCE = (23, 11)  # plugins/filter/slurm_restart_fingerprint.py


@functools.lru_cache(maxsize=None)  # one `sinfo --version` per session, not one per check
def _slurm_release():
    version = _host("ctl1").check_output("sinfo --version").split()[-1]
    return tuple(int(part) for part in version.split(".")[:2])


def _configless(name):
    """login1 is configless through sackd, which Slurm has from 23.11 on; an older login node keeps its own
    slurm.conf (roles/slurm_common), so its configless checks do not apply (Debian 12: Slurm 22.05)."""
    if name == "login1" and _slurm_release() < SACKD_SINCE:
        pytest.skip("Slurm %d.%02d has no sackd (from 23.11): login1 keeps its own slurm.conf" % _slurm_release())


def _digest(host, path):
    return host.check_output("sha256sum %s | cut -d' ' -f1", path)


@pytest.mark.parametrize("name", CONFIGLESS)
def test_configless_host_has_no_configuration_of_its_own(name):
    _configless(name)
    host = _host(name)
    for conf in ("slurm.conf", "cgroup.conf", "gres.conf"):
        assert not host.file("/etc/slurm/" + conf).exists, "%s has /etc/slurm/%s" % (name, conf)
    assert host.file(CONFIGLESS_DIR + "/slurm.conf").exists


# slurmd fetches what a node needs; sackd what the commands need (no cgroup.conf, no gres.conf).
@pytest.mark.parametrize("name, files", [
    ("c1", ("slurm.conf", "cgroup.conf", "gres.conf", "plugstack.conf")),
    ("login1", ("slurm.conf", "plugstack.conf")),
])
def test_configless_host_has_the_controllers_files(name, files, controller):
    _configless(name)
    host = _host(name)
    for conf in files:
        assert _digest(host, CONFIGLESS_DIR + "/" + conf) == _digest(controller, "/etc/slurm/" + conf), conf


def test_controller_serves_configuration(controller):
    config = controller.check_output("scontrol show config")
    assert re.search(r"^SlurmctldParameters\s*=.*enable_configless", config, re.M), config


def test_slurmd_fetches_from_the_controller():
    arguments = _host("c1").check_output("ps -o args= -C slurmd")
    assert "--conf-server %s:6817" % inventory_vars("ctl1")["node_address"] in arguments


def test_static_node_keeps_its_own_file():
    c2 = _host("c2")
    assert c2.file("/etc/slurm/slurm.conf").exists
    assert "--conf-server" not in c2.check_output("ps -o args= -C slurmd")


def test_sackd_serves_the_login_node(login, as_user):
    _configless("login1")
    assert login.service("sackd").is_running
    assert as_user(login, "sinfo --noheader --format=%P").stdout.strip() == "debug*"


def test_login_node_without_sackd_keeps_its_own_slurm_conf(login, as_user, controller):
    if _slurm_release() >= SACKD_SINCE:
        pytest.skip("Slurm %d.%02d has sackd: login1 is configless (the tests above)" % _slurm_release())
    assert not login.service("sackd").is_running
    assert _digest(login, "/etc/slurm/slurm.conf") == _digest(controller, "/etc/slurm/slurm.conf")
    assert as_user(login, "sinfo --noheader --format=%P").stdout.strip() == "debug*"


def test_job_runs_on_the_configless_node(login, as_user):
    result = as_user(login, "srun --nodelist=c1 --ntasks=1 hostname")
    assert result.rc == 0, result.stderr
    assert result.stdout.strip() == "c1"


def _run_playbook(*arguments):
    result = run_playbook("site.yml", "--tags", "slurm", *arguments, timeout=900)[0]
    return result.stdout, changed_counts(result.stdout)


def _model_with_probe_feature(tmp_path):
    """The lab's slurm_nodes with one more feature on c1: a change of the model, given as extra vars."""
    nodes = inventory_vars("ctl1")["slurm_nodes"]
    c1 = next(entry for entry in nodes if entry["names"] == "c1")
    c1["features"] = list(c1.get("features") or []) + [PROBE_FEATURE]
    path = tmp_path / "model.json"
    path.write_text(json.dumps({"slurm_nodes": nodes}))
    return path


def _wait_for_text(host, path, text, present=True, timeout=60):
    """slurmctld pushes the new files to the configless hosts after the reconfigure, not within it."""
    deadline = time.monotonic() + timeout
    while (text in host.file(path).content_string) != present:
        assert time.monotonic() < deadline, "%s: %s %s %r after %d s" % (
            host.backend.hostname, path, "lacks" if present else "still has", text, timeout)
        time.sleep(2)


def _features(controller):
    features = scontrol_fields(controller, "node", "c1").get("AvailableFeatures", "")
    return [] if features in ("", "(null)") else features.split(",")


@pytest.mark.converges
def test_a_model_change_reaches_configless_hosts_with_one_reconfigure(controller, tmp_path):
    override = _model_with_probe_feature(tmp_path)
    try:
        output, changed = _run_playbook("-e", "@%s" % override)
        assert output.count("RUNNING HANDLER [hpcstack.cluster.slurm_common : Reconfigure Slurm]") == 1, output[-3000:]
        assert changed["ctl1"] > 0 and changed["c2"] > 0, changed
        configless = [name for name in CONFIGLESS if name != "login1" or _slurm_release() >= SACKD_SINCE]
        if _slurm_release() < NODE_LINES_RECONFIGURE_SINCE:
            # Slurm before 23.11 re-reads no node definition at reconfigure: the daemons restart (and the
            # restart fingerprint, which every host keeps, changes on the configless hosts too).
            for daemon in ("slurmctld", "slurmd"):
                assert "RUNNING HANDLER [hpcstack.cluster.slurm_common : Restart %s]" % daemon in output, output[-3000:]
        else:
            assert "RUNNING HANDLER [hpcstack.cluster.slurm_common : Restart" not in output, output[-3000:]
            assert all(changed[name] == 0 for name in configless), "Ansible wrote nothing on %s: %s" % (
                configless, changed)
        assert PROBE_FEATURE in _features(controller)
        for name in configless:
            _wait_for_text(_host(name), CONFIGLESS_DIR + "/slurm.conf", "Features=%s" % PROBE_FEATURE)
    finally:
        _run_playbook()
    assert PROBE_FEATURE not in _features(controller)
    _wait_for_text(_host("c1"), CONFIGLESS_DIR + "/slurm.conf", "Features=%s" % PROBE_FEATURE, present=False)
