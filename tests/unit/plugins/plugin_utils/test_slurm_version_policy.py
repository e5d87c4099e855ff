# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The version policy on the platforms module slurm_platform read in real test containers
(tests/unit/plugins/modules/test_slurm_platform.py asserts these are its results)."""

from __future__ import annotations

import pytest

from ansible.plugins.loader import init_plugin_loader
from ansible.utils.collection_loader import AnsibleCollectionConfig

if AnsibleCollectionConfig.collection_finder is None:
    init_plugin_loader()

from ansible_collections.hpcstack.cluster.plugins.plugin_utils.slurm_version_policy import policy  # noqa: E402

CONSTRAIN = {"ConstrainCores": True, "ConstrainRAMSpace": True, "ConstrainSwapSpace": False, "ConstrainDevices": False}
TRIXIE = {"version": "24.11.5", "plugins": ["cgroup_v1", "cgroup_v2", "mpi_pmi2", "mpi_pmix", "mpi_pmix_v5"],
          "plugin_dirs": ["/usr/lib/x86_64-linux-gnu/slurm-wlm"],
          "cgroup": {"fstype": "tmpfs", "proc_lines": 10, "controllers": [],
                     "v1_controllers": ["blkio", "cpuset", "devices", "freezer", "memory", "pids"]}}
FORKY = {"version": "26.05.5", "plugins": ["cgroup_v1", "cgroup_v2", "mpi_pmi2"], "plugin_dirs": ["/usr/lib/x86_64-linux-gnu/slurm-wlm"],
         "cgroup": {"fstype": "cgroup2", "proc_lines": 10, "controllers": [], "v1_controllers": []}}
# Not recorded (this host has no cgroup v2): what a pure v2 host has, /proc/self/cgroup being the one line "0::/".
PURE_V2 = {"fstype": "cgroup2", "proc_lines": 1, "controllers": ["cpuset", "cpu", "io", "memory", "pids"], "v1_controllers": []}
DEFAULTS = {"cgroup_plugin": "auto", "cgroup_config": CONSTRAIN, "proctrack_type": "auto", "task_plugin": "auto", "mpi_default": "auto",
            "health_check_program": "/usr/local/sbin/hpcstack-node-health", "health_check_interval": 30, "health_check_timeout": 0}


def test_trixie_keeps_what_it_had():
    chosen = policy(TRIXIE, DEFAULTS)
    assert {key: chosen[key] for key in ("cgroup_plugin", "proctrack_type", "task_plugin", "mpi_default", "health_check_timeout")} == {
        "cgroup_plugin": "autodetect", "proctrack_type": "proctrack/cgroup", "task_plugin": "task/cgroup,task/affinity",
        "mpi_default": "pmix", "health_check_timeout": None}
    assert chosen["cgroup_confinement"] is True
    assert chosen["configless_login"] is True and chosen["nodes_need_restart"] is False
    assert chosen["rest_api_version"] == "v0.0.42" and chosen["release"] == "24.11"
    assert chosen["notes"] == [] and chosen["errors"] == []


def test_forky_container_falls_back_and_says_why():
    chosen = policy(FORKY, DEFAULTS)
    assert (chosen["cgroup_plugin"], chosen["proctrack_type"], chosen["task_plugin"]) == ("disabled", "proctrack/linuxproc", "task/affinity")
    assert chosen["cgroup_confinement"] is False
    assert chosen["mpi_default"] == "none"
    assert chosen["health_check_timeout"] == 15
    assert chosen["rest_api_version"] == "v0.0.45"
    assert chosen["notes"] == [
        "no cgroup confinement of jobs on this host: cgroup2 is mounted but the host also has v1 hierarchies (/proc/self/cgroup "
        "has 10 lines; Slurm's cgroup/v2 refuses hybrid hosts); CgroupPlugin=disabled, proctrack/linuxproc, task/affinity "
        "(memory and core limits are not enforced)",
        "this host's Slurm has no mpi/pmix plugin: MpiDefault=none (MPI programs start with mpirun or srun --mpi=...)"]
    assert chosen["errors"] == []


def test_pure_v2_host_gets_cgroup_v2():
    chosen = policy(dict(FORKY, cgroup=PURE_V2), DEFAULTS)
    assert (chosen["cgroup_plugin"], chosen["proctrack_type"], chosen["task_plugin"]) == ("cgroup/v2", "proctrack/cgroup",
                                                                                          "task/cgroup,task/affinity")


def test_pure_v2_host_without_the_memory_controller_is_not_confined():
    chosen = policy(dict(FORKY, cgroup=dict(PURE_V2, controllers=["cpuset", "cpu", "pids"])), DEFAULTS)
    assert chosen["cgroup_plugin"] == "disabled"
    assert chosen["notes"][0].startswith("no cgroup confinement of jobs on this host: its cgroup v2 root lacks the controllers memory;")


def test_slurm_22_05_on_cgroup_v1_names_the_plugin():
    assert policy(dict(TRIXIE, version="22.05.8"), DEFAULTS)["cgroup_plugin"] == "cgroup/v1"
    chosen = policy(dict(TRIXIE, version="22.05.8"), DEFAULTS)
    assert chosen["nodes_need_restart"] is True and chosen["configless_login"] is False
    assert chosen["openapi_plugins"] == ["openapi/v0.0.38", "openapi/dbv0.0.38"] and chosen["rest_api_version"] == "v0.0.38"


@pytest.mark.parametrize("version, api", [("23.02.7", "v0.0.39"), ("23.11.10", "v0.0.40"), ("24.05.8", "v0.0.41"),
                                          ("25.05.5", "v0.0.43"), ("25.11.7", "v0.0.44"), ("26.11.0", "v0.0.45")])
def test_rest_api_version_is_the_newest_not_deprecated(version, api):
    assert policy(dict(TRIXIE, version=version), DEFAULTS)["rest_api_version"] == api


def test_explicit_settings_are_kept():
    chosen = policy(TRIXIE, dict(DEFAULTS, cgroup_plugin="cgroup/v1", proctrack_type="proctrack/pgid", task_plugin="task/affinity",
                                 mpi_default="pmi2"))
    assert (chosen["cgroup_plugin"], chosen["proctrack_type"], chosen["task_plugin"], chosen["mpi_default"]) == (
        "cgroup/v1", "proctrack/pgid", "task/affinity", "pmi2")


def test_cgroup_plugins_on_a_host_without_cgroups_is_an_error():
    chosen = policy(FORKY, dict(DEFAULTS, proctrack_type="proctrack/cgroup"))
    assert chosen["errors"] == [
        "slurm_proctrack_type=proctrack/cgroup and slurm_task_plugin=task/affinity need a cgroup plugin, but CgroupPlugin is "
        "disabled on this host: set them to auto (or proctrack/linuxproc and task/affinity)"]


def test_pmix_asked_for_where_slurm_has_no_plugin_is_an_error():
    assert policy(FORKY, dict(DEFAULTS, mpi_default="pmix"))["errors"] == [
        "slurm_mpi_default=pmix, but this host's Slurm has no mpi/pmix plugin (in /usr/lib/x86_64-linux-gnu/slurm-wlm): install it "
        "or set slurm_mpi_default to auto or none"]


@pytest.mark.parametrize("interval, timeout, written, errors", [
    (300, 0, None, []),
    (60, 0, 30, []),
    (30, 10, 10, []),
    (30, 30, 30, ["slurm_health_check_timeout (30) must be less than slurm_health_check_interval (30)"]),
])
def test_health_check_timeout_from_26_05(interval, timeout, written, errors):
    chosen = policy(FORKY, dict(DEFAULTS, health_check_interval=interval, health_check_timeout=timeout))
    assert chosen["health_check_timeout"] == written
    assert chosen["errors"] == errors


def test_health_check_timeout_before_26_05_is_not_written():
    chosen = policy(TRIXIE, dict(DEFAULTS, health_check_timeout=10))
    assert chosen["health_check_timeout"] is None
    assert chosen["notes"] == ["slurm_health_check_timeout is not written: Slurm before 26.05 has no HealthCheckTimeout"]
    assert policy(FORKY, dict(DEFAULTS, health_check_program=""))["health_check_timeout"] is None


@pytest.mark.parametrize("platform", [None, {}, {"version": None}])
def test_unknown_version_is_refused(platform):
    with pytest.raises(ValueError, match=r"^the host's Slurm version is unknown \(is Slurm installed\? in check mode on a new host it is not yet\)$"):
        policy(platform, DEFAULTS)
