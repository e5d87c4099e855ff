# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""systemd_hardening: the one sandbox of the collection's units; every unit template takes it from there."""

from __future__ import annotations

import glob
import os
import re

import jinja2
import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.hpcstack.cluster.plugins.filter.systemd_hardening import systemd_hardening

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", ".."))
SANDBOX = ("NoNewPrivileges", "CapabilityBoundingSet", "AmbientCapabilities", "Protect", "Private", "Restrict",
           "LockPersonality", "MemoryDenyWriteExecute", "SystemCall", "UMask")
DAEMON = {"NoNewPrivileges=yes", "CapabilityBoundingSet=", "AmbientCapabilities=", "ProtectSystem=strict",
          "ProtectHome=yes", "PrivateTmp=yes", "PrivateDevices=yes", "ProtectKernelTunables=yes",
          "ProtectKernelModules=yes", "ProtectKernelLogs=yes", "ProtectControlGroups=yes", "ProtectClock=yes",
          "ProtectHostname=yes", "RestrictSUIDSGID=yes", "RestrictRealtime=yes", "RestrictNamespaces=yes",
          "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6", "LockPersonality=yes", "SystemCallArchitectures=native"}
PROGRAM = DAEMON | {"MemoryDenyWriteExecute=yes", "SystemCallFilter=@system-service", "UMask=0077"}
# What each unit had before the directives moved into the filter: the sandbox must not change.
UNITS = {
    "dcgm_exporter/templates/dcgm-exporter.service.j2": {
        "CapabilityBoundingSet=CAP_SYS_ADMIN", "NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes",
        "PrivateTmp=yes", "ProtectKernelTunables=yes", "ProtectKernelModules=yes", "ProtectControlGroups=yes",
        "RestrictSUIDSGID=yes", "LockPersonality=yes"},
    "job_exporter/templates/hpcstack-job-exporter.service.j2": PROGRAM,
    "slurm_exporter/templates/hpcstack-slurm-exporter-token.service.j2": {
        "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes", "NoNewPrivileges=yes"},
    "slurm_exporter/templates/hpcstack-slurm-exporter.service.j2": PROGRAM | {"ProtectProc=invisible"},
    "slurmrestd/templates/hpcstack.conf.j2": DAEMON,
}
CALL = re.compile(r"\{\{ *'\w+' *\| *hpcstack\.cluster\.systemd_hardening.*?\}\}", re.S)


def test_minimal_profile():
    assert systemd_hardening("minimal") == "NoNewPrivileges=yes\nProtectSystem=strict\nProtectHome=yes\nPrivateTmp=yes"


def test_changes_set_and_remove_directives():
    lines = systemd_hardening("daemon", PrivateDevices=None, CapabilityBoundingSet="CAP_SYS_ADMIN").split("\n")
    assert set(lines) == DAEMON - {"PrivateDevices=yes", "CapabilityBoundingSet="} | {"CapabilityBoundingSet=CAP_SYS_ADMIN"}
    assert lines[4] == "CapabilityBoundingSet=CAP_SYS_ADMIN"  # a changed directive keeps its place


@pytest.mark.parametrize("args,kwargs,message", [
    (("strict",), {}, "systemd_hardening: unknown profile 'strict' (one of minimal, daemon, program)"),
    (("minimal",), {"protect_home": "yes"}, "systemd_hardening: 'protect_home' is not a systemd directive"),
])
def test_bad_arguments(args, kwargs, message):
    with pytest.raises(AnsibleFilterError) as info:
        systemd_hardening(*args, **kwargs)
    assert str(info.value) == message


def sandbox_of(path):
    """The sandbox directives a unit template renders: its own lines plus what its filter call gives."""
    with open(path) as handle:
        text = handle.read()
    env = jinja2.Environment()
    env.filters["systemd_hardening"] = systemd_hardening
    calls = CALL.findall(text)
    rendered = "\n".join(env.from_string(call.replace("hpcstack.cluster.systemd_hardening", "systemd_hardening")).render()
                         for call in calls)
    own = [line for line in CALL.sub("", text).splitlines() if line.startswith(SANDBOX)]
    return calls, own, rendered.splitlines()


@pytest.mark.parametrize("unit", sorted(UNITS))
def test_units_keep_their_sandbox_from_the_filter(unit):
    calls, own, rendered = sandbox_of(os.path.join(ROOT, "roles", unit))
    assert len(calls) == 1 and own == []  # no directive written out by hand
    assert len(rendered) == len(set(rendered)) and set(rendered) == UNITS[unit]


def test_no_other_unit_template_writes_a_sandbox_by_hand():
    templates = glob.glob(os.path.join(ROOT, "roles", "*", "templates", "*.j2"))
    by_hand = sorted(os.path.relpath(path, os.path.join(ROOT, "roles")) for path in templates
                     if re.search(r"^ProtectSystem=", open(path).read(), re.M))
    assert by_hand == []
