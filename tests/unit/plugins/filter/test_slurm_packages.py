# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where the Slurm packages come from: the version every package task asks apt for, and the version mixes the
preflight refuses."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.hpcstack.cluster.plugins.filter.slurm_packages import slurm_packages
from ansible_collections.hpcstack.cluster.plugins.filter.slurm_upgrade import slurm_version_mix_errors

GROUPS = {"slurmdbd": ["ctl1"], "slurmctld": ["ctl1", "ctl2"], "slurmd": ["c1", "c2"], "login": ["login1"]}


def test_no_version_leaves_the_names():
    assert slurm_packages(["slurmd", "slurm-client"]) == ["slurmd", "slurm-client"]
    assert slurm_packages(["slurmd"], "") == ["slurmd"]


@pytest.mark.parametrize("version", ["25.05.5", "26.05.5-1", "24.11"])
def test_a_version_becomes_an_apt_pattern(version):
    assert slurm_packages(["slurmd", "sackd"], version) == ["slurmd=%s*" % version, "sackd=%s*" % version]


@pytest.mark.parametrize("version", ["latest", "25.05.5; rm -rf /", 25.05])
def test_a_bad_version_is_refused(version):
    with pytest.raises(AnsibleFilterError) as error:
        slurm_packages(["slurmd"], version)
    assert error.value.message == "slurm_package_version must look like 25.05.5 or 25.05.5-1, got %r" % (version,)


def test_the_same_release_everywhere_is_fine():
    assert slurm_version_mix_errors(GROUPS, {"ctl1": "25.05.5", "ctl2": "25.05.3", "c1": "25.05.1", "c2": "", "login1": ""}) == []


def test_older_computes_within_the_window_are_fine():
    """An upgrade in progress: slurmdbd and the controllers first, then slurmd (Slurm's upgrade guide)."""
    assert slurm_version_mix_errors(GROUPS, {"ctl1": "26.05.5", "ctl2": "26.05.5", "c1": "24.11.5", "c2": "25.05.5",
                                             "login1": "24.11.5"}) == []


def test_computes_newer_than_the_controllers_are_refused():
    assert slurm_version_mix_errors(GROUPS, {"ctl1": "25.05.5", "ctl2": "25.05.5", "c1": "26.05.5", "c2": "25.05.5"}) == [
        "slurm_package_version: the other hosts (c1 26.05) would be newer than the controllers (25.05); Slurm needs "
        "slurmdbd at least as new as slurmctld and slurmctld at least as new as slurmd and the commands"]


def test_a_controller_newer_than_slurmdbd_is_refused():
    assert slurm_version_mix_errors(GROUPS, {"ctl1": "24.11.5", "ctl2": "25.05.5"}) == [
        "slurm_package_version: the controllers (ctl2 25.05) would be newer than the slurmdbd hosts (24.11); Slurm needs "
        "slurmdbd at least as new as slurmctld and slurmctld at least as new as slurmd and the commands"]


def test_releases_further_apart_than_the_window_are_refused():
    assert slurm_version_mix_errors(GROUPS, {"ctl1": "26.05.5", "ctl2": "26.05.5", "c1": "24.05.8"}) == [
        "slurm_package_version: Slurm 26.05 cannot work with 24.05: a release talks to the 3 prior major releases only"]
