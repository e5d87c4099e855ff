# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The associations slurmctld lacks, on answers recorded from Slurm 24.11.5 (fixtures/slurm/24.11/assoc_mgr)."""

from __future__ import annotations

import os

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.hpcstack.cluster.plugins.filter.slurm_stale_associations import slurm_stale_associations

RECORDED = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "slurm", "24.11", "assoc_mgr")


def recorded(name):
    with open(os.path.join(RECORDED, name), encoding="utf-8") as handle:
        return handle.read()


def stale(assoc_mgr, cluster="lab"):
    return slurm_stale_associations(recorded(assoc_mgr), recorded("sacctmgr_assoc.txt"), cluster)


def test_controller_that_started_without_slurmdbd_lacks_the_new_account():
    assert stale("stale_state.txt") == {
        "missing": ["account=chemprobe", "account=chemprobe user=alice"], "unresolved_users": []}


def test_user_without_uid_is_reported():
    assert stale("unresolved_uid.txt") == {"missing": [], "unresolved_users": ["bob"]}


def test_controller_in_sync_lacks_nothing():
    assert stale("in_sync.txt") == {"missing": [], "unresolved_users": []}


def test_other_clusters_are_ignored():
    assert stale("stale_state.txt", cluster="other") == {"missing": [], "unresolved_users": []}


def test_partition_association_is_compared_too():
    controller = "ClusterName=lab Account=physics UserName=alice(2001) Partition= Priority=0 ID=4\n"
    database = "lab|physics|alice|\nlab|physics|alice|gpu\n"
    assert slurm_stale_associations(controller, database, "lab")["missing"] == [
        "account=physics user=alice partition=gpu"]


def test_sacctmgr_output_of_another_format_is_refused():
    with pytest.raises(AnsibleFilterError, match=r"^slurm_stale_associations: expected cluster\|account\|user\|partition, "
                                                 r"got 'lab\|physics'$"):
        slurm_stale_associations("", "lab|physics\n", "lab")


def test_non_text_input_is_refused():
    with pytest.raises(AnsibleFilterError, match="^slurm_stale_associations expects the two commands' output as text$"):
        slurm_stale_associations(None, "", "lab")
