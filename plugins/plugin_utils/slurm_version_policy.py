# -*- coding: utf-8 -*-
# Copyright (c) 2026, hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The settings that depend on the Slurm version and on what the host offers, chosen in one place.

Input: what module ``slurm_platform`` read on the host (version, plugins, cgroup layout) and what the
site asked for (``auto`` or an explicit value). Output: the values the templates render, with a note
for each fallback and an error for each request the host cannot honour. docs/slurm-versions.md is
the table of what changes between releases.
"""

from __future__ import annotations

AUTO = "auto"
# The controllers Slurm's cgroup/v2 plugin needs for the constraints cgroup.conf asks for.
_V2_CONTROLLERS = {"ConstrainCores": ("cpuset",), "ConstrainRAMSpace": ("memory",), "ConstrainSwapSpace": ("memory",)}
_DEFAULT_HEALTH_CHECK_TIMEOUT = 60  # Slurm 26.05's default (slurm.conf(5))


def _release(version):
    try:
        return tuple(int(part) for part in str(version).split(".")[:2])
    except ValueError:
        raise ValueError("not a Slurm version: %r" % (version,))


def _cgroup(platform, requested, release, notes, errors):
    """(CgroupPlugin, ProctrackType, TaskPlugin)."""
    layout = platform.get("cgroup") or {}
    plugin = requested.get("cgroup_plugin", AUTO)
    if plugin == AUTO:
        wanted = sorted({name for key, names in _V2_CONTROLLERS.items() if requested.get("cgroup_config", {}).get(key) for name in names})
        pure_v2 = layout.get("fstype") == "cgroup2" and layout.get("proc_lines") == 1
        v1 = layout.get("fstype") != "cgroup2" and {"memory", "freezer"} <= set(layout.get("v1_controllers", []))
        missing = [name for name in wanted if name not in layout.get("controllers", [])]
        if pure_v2 and not missing:
            plugin = "cgroup/v2"
        elif v1:
            # Slurm before 23.02 misreads hybrid hosts with autodetect.
            plugin = "cgroup/v1" if release < (23, 2) else "autodetect"
        else:
            plugin = "disabled"
            if layout.get("fstype") == "cgroup2" and not pure_v2:
                why = "cgroup2 is mounted but the host also has v1 hierarchies (/proc/self/cgroup has %d lines; Slurm's cgroup/v2 " \
                      "refuses hybrid hosts)" % layout.get("proc_lines", 0)
            elif layout.get("fstype") == "cgroup2":
                why = "its cgroup v2 root lacks the controllers %s" % ", ".join(missing)
            else:
                why = "it has no usable cgroup hierarchy (/sys/fs/cgroup is %s)" % (layout.get("fstype") or "not mounted")
            notes.append("no cgroup confinement of jobs on this host: %s; CgroupPlugin=disabled, proctrack/linuxproc, task/affinity "
                         "(memory and core limits are not enforced)" % why)
    disabled = plugin == "disabled"
    proctrack = requested.get("proctrack_type", AUTO)
    task = requested.get("task_plugin", AUTO)
    if proctrack == AUTO:
        proctrack = "proctrack/linuxproc" if disabled else "proctrack/cgroup"
    if task == AUTO:
        task = "task/affinity" if disabled else "task/cgroup,task/affinity"
    if disabled and (proctrack == "proctrack/cgroup" or "task/cgroup" in task.split(",")):
        errors.append("slurm_proctrack_type=%s and slurm_task_plugin=%s need a cgroup plugin, but CgroupPlugin is disabled "
                      "on this host: set them to auto (or proctrack/linuxproc and task/affinity)" % (proctrack, task))
    return plugin, proctrack, task


def _mpi(platform, requested, notes, errors):
    mpi = requested.get("mpi_default", AUTO)
    plugins = set(platform.get("plugins", []))
    has_pmix = any(name == "mpi_pmix" or name.startswith("mpi_pmix_") for name in plugins)
    if mpi == AUTO:
        if has_pmix:
            return "pmix"
        notes.append("this host's Slurm has no mpi/pmix plugin: MpiDefault=none (MPI programs start with mpirun or srun --mpi=...)")
        return "none"
    if mpi == "pmix" and plugins and not has_pmix:
        errors.append("slurm_mpi_default=pmix, but this host's Slurm has no mpi/pmix plugin (in %s): install it or set "
                      "slurm_mpi_default to auto or none" % ", ".join(platform.get("plugin_dirs", [])))
    return mpi


def _health_check_timeout(requested, release, notes, errors):
    """HealthCheckTimeout (Slurm 26.05 on, default 60 s) must be below HealthCheckInterval."""
    if not requested.get("health_check_program"):
        return None
    interval = int(requested.get("health_check_interval", 0))
    timeout = int(requested.get("health_check_timeout", 0) or 0)
    if release < (26, 5):
        if timeout:
            notes.append("slurm_health_check_timeout is not written: Slurm before 26.05 has no HealthCheckTimeout")
        return None
    if timeout:
        if interval and timeout >= interval:
            errors.append("slurm_health_check_timeout (%d) must be less than slurm_health_check_interval (%d)" % (timeout, interval))
        return timeout
    if interval and interval <= _DEFAULT_HEALTH_CHECK_TIMEOUT:
        return max(1, interval // 2)
    return None


def rest_api_version(release):
    """The newest slurmrestd API version a release serves without marking it deprecated."""
    for since, version in (((26, 5), "v0.0.45"), ((25, 11), "v0.0.44"), ((25, 5), "v0.0.43"), ((24, 11), "v0.0.42"),
                           ((24, 5), "v0.0.41"), ((23, 11), "v0.0.40"), ((23, 2), "v0.0.39")):
        if release >= since:
            return version
    return "v0.0.38"


def policy(platform, requested):
    """platform: the result of module slurm_platform; requested: the site's settings (see the filter's docs)."""
    if not isinstance(platform, dict) or not platform.get("version"):
        raise ValueError("the host's Slurm version is unknown (is Slurm installed? in check mode on a new host it is not yet)")
    release = _release(platform["version"])
    notes, errors = [], []
    cgroup_plugin, proctrack, task = _cgroup(platform, requested, release, notes, errors)
    return {
        "version": platform["version"],
        "release": "%d.%02d" % release,
        "cgroup_plugin": cgroup_plugin,
        "cgroup_confinement": cgroup_plugin != "disabled",
        "proctrack_type": proctrack,
        "task_plugin": task,
        "mpi_default": _mpi(platform, requested, notes, errors),
        "health_check_timeout": _health_check_timeout(requested, release, notes, errors),
        # sackd (configless login nodes) exists from 23.11 on.
        "configless_login": release >= (23, 11),
        # Before 23.11 a change of the node lines needs slurmctld and slurmd restarted (slurm.conf(5) of 22.05).
        "nodes_need_restart": release < (23, 11),
        "openapi_plugins": ["openapi/slurmctld", "openapi/slurmdbd"] if release >= (23, 2) else ["openapi/v0.0.38", "openapi/dbv0.0.38"],
        "rest_api_version": rest_api_version(release),
        "notes": notes,
        "errors": errors,
    }
