# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Slurm release arithmetic of the upgrade playbook."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.hpcstack.cluster.plugins.filter.slurm_upgrade import (
    slurm_release,
    slurm_upgrade_errors,
    slurm_upgrade_path,
    slurm_upgrade_window,
)


@pytest.mark.parametrize("version, release", [
    ("24.11.5", "24.11"),
    ("24.11.5-1", "24.11"),
    ("1:24.11.5-1+b1", "24.11"),
    ("slurm 22.05.8", "22.05"),
    ("slurm-23-02-7-1", None),
    ("25.11", "25.11"),
    ("30.05.1", "30.05"),
])
def test_release_of_a_version(version, release):
    if release is None:
        with pytest.raises(AnsibleFilterError):
            slurm_release(version)
    else:
        assert slurm_release(version) == release


@pytest.mark.parametrize("version", ["", "latest", "21.05.1", "24.02.0", "16.05.1"])
def test_not_a_major_release(version):
    with pytest.raises(AnsibleFilterError):
        slurm_release(version)


@pytest.mark.parametrize("installed, target, path", [
    ("24.11.5", "24.11.7", []),
    ("22.05.8", "23.02.1", ["23.02"]),
    ("22.05.8", "24.11.5", ["23.02", "23.11", "24.05", "24.11"]),
    ("23.11.1", "25.05", ["24.05", "24.11", "25.05"]),
    ("24.11.5", "25.11", ["25.05", "25.11"]),
    ("20.11.9", "21.08", ["21.08"]),
])
def test_upgrade_path(installed, target, path):
    assert slurm_upgrade_path(installed, target) == path


def test_downgrade_is_an_error():
    with pytest.raises(AnsibleFilterError, match="cannot be downgraded"):
        slurm_upgrade_path("24.11.5", "24.05.1")


@pytest.mark.parametrize("target, window", [("22.05", 2), ("23.11", 2), ("24.05", 2), ("24.11", 3), ("25.11", 3)])
def test_window_is_two_releases_then_three_from_24_11(target, window):
    assert slurm_upgrade_window(target) == window


@pytest.mark.parametrize("installed, target", [
    ("24.11.5", "24.11.5"),      # same version (the lab's "upgrade")
    ("22.05.8", "23.02"),
    ("22.05.8", "23.11"),        # two releases before 24.11
    ("23.02.7", "24.11"),        # three from 24.11 on
    ("24.05.8", "25.11"),
    ("20.11.9", "22.05"),
])
def test_supported_upgrades(installed, target):
    assert slurm_upgrade_errors({"h": installed}, target) == []


@pytest.mark.parametrize("installed, target, first", [
    ("22.05.8", "24.05", "23.11"),   # 23.02, 23.11, 24.05: three, 24.05 accepts two
    ("22.05.8", "24.11", "23.11"),   # four releases
    ("22.05.8", "25.11", "23.11"),   # Debian 12 -> a newer Slurm: two steps at least
    ("23.02.7", "25.05", "24.11"),
    ("20.11.9", "23.02", "22.05"),
])
def test_skipping_too_many_releases(installed, target, first):
    errors = slurm_upgrade_errors({"ctl1": installed, "c1": target}, target)
    assert len(errors) == 1
    assert errors[0].startswith("ctl1: Slurm %s cannot be upgraded" % installed)
    assert errors[0].endswith("Upgrade to %s first." % first)


def test_one_message_per_bad_host_and_for_downgrades():
    errors = slurm_upgrade_errors({"ctl1": "22.05.8-1", "c1": "25.05.1-1", "c2": "garbage"}, "24.11")
    assert [error.split(":")[0] for error in errors] == ["c1", "c2", "ctl1"]
    assert "cannot be downgraded" in errors[0]
    assert "not a Slurm version" in errors[1]


def test_hosts_with_the_same_version_share_one_message():
    errors = slurm_upgrade_errors({"ctl1": "22.05.8-1", "c1": "22.05.8-1", "c2": "23.02.1-1"}, "25.05")
    assert len(errors) == 2
    assert errors[0].startswith("c1, ctl1: Slurm 22.05.8-1 cannot be upgraded")
    assert errors[1].startswith("c2: Slurm 23.02.1-1 cannot be upgraded")


def test_single_version_input():
    assert slurm_upgrade_errors("22.05.8", "25.11")[0].startswith("installed: ")
