# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""slurm_account, slurm_user, slurm_qos, slurm_cluster modules."""

from __future__ import annotations

import pytest

from ansible_collections.hpcstack.cluster.plugins.modules import slurm_account, slurm_cluster, slurm_qos, slurm_user
from slurm_fixtures import VERSIONS, FakeRunner, result, rule

SHOWS = ("account", "user", "assoc", "qos", "cluster")


def recorded(version, *extra):
    return FakeRunner(list(extra) + [rule(version, "sacctmgr/show_" + n) for n in SHOWS])


def thousand_users():
    return [dict(name="user%04d" % i, account="acct%02d" % (i % 20), limits=dict(max_jobs=10)) for i in range(1000)]


@pytest.mark.parametrize("check_mode", [True, False])
def test_thousand_users_two_reads_twenty_adds(run_module, check_mode):
    runner = recorded("24.11")
    out = run_module(slurm_user, dict(users=thousand_users()), runner, check_mode=check_mode)
    assert out["changed"] and len(out["commands"]) == 20
    assert out["sacctmgr_calls"] == (2 if check_mode else 22)
    assert len(runner.changes()) == (0 if check_mode else 20)


@pytest.mark.parametrize("version", VERSIONS)
def test_user_unchanged_and_changed_with_diff(run_module, version):
    same = dict(name="alice", account="physics", limits=dict(max_jobs=20))
    out = run_module(slurm_user, dict(users=[same]), recorded(version), diff=True)
    assert not out["changed"] and out["commands"] == [] and out["diff"] == {"before": {}, "after": {}}
    runner = recorded(version)
    out = run_module(slurm_user, dict(users=[dict(same, admin_level="operator", limits=dict(max_jobs=25))]),
                     runner, diff=True)
    assert out["commands"] == [
        "sacctmgr --immediate --parsable2 --noheader modify user where name=alice account=physics set MaxJobs=25",
        "sacctmgr --immediate --parsable2 --noheader modify user where name=alice set AdminLevel=Operator"]
    assert out["diff"] == {"before": {"alice/physics": {"admin_level": "None", "max_jobs": "20"}},
                           "after": {"alice/physics": {"admin_level": "operator", "max_jobs": 25}}}
    assert len(runner.changes()) == 2


def test_user_present_needs_account(run_module):
    out = run_module(slurm_user, dict(users=[dict(name="x")]), recorded("24.11"))
    assert out["failed"] and "missing for: x" in out["msg"]


@pytest.mark.parametrize("version", VERSIONS)
def test_unknown_account_fails_clearly(run_module, version):
    runner = recorded(version, (("add", "user"), result(version, "sacctmgr/error_unknown_account")))
    out = run_module(slurm_user, dict(users=[dict(name="zed", account="nosuch")]), runner)
    assert out["failed"] and out["msg"].startswith("unknown account")
    assert out["commands"] == ["sacctmgr --immediate --parsable2 --noheader add user name=zed account=nosuch "
                               "DefaultAccount=nosuch"]


@pytest.mark.parametrize("version", VERSIONS)
def test_database_down_fails_clearly(run_module, version):
    runner = FakeRunner([((), result(version, "sacctmgr/error_db_down"))])
    out = run_module(slurm_account, dict(accounts=[dict(name="a")]), runner)
    assert out["failed"] and out["msg"].startswith("slurmdbd is not reachable")


def test_account_tree_in_check_mode(run_module):
    runner = recorded("22.05")
    accounts = [dict(name="bio", parent="science"), dict(name="science", description="Science"),
                dict(name="chem", description="chemistry", organization="example2")]
    out = run_module(slurm_account, dict(accounts=accounts, cluster="rec"), runner, check_mode=True)
    assert [c.split("--noheader ")[1] for c in out["commands"]] == [
        "add account name=science cluster=rec Description=Science",
        "add account name=bio cluster=rec Parent=science"]
    assert runner.changes() == []


def test_qos_module(run_module):
    runner = recorded("24.11")
    qos = [dict(name="debugq", priority=100, max_wall="00:30:00"), dict(name="long", max_jobs_per_user=8)]
    out = run_module(slurm_qos, dict(qos=qos), runner)
    assert out["commands"] == ["sacctmgr --immediate --parsable2 --noheader modify qos where name=long set MaxJobsPerUser=8"]


def test_cluster_module(run_module):
    out = run_module(slurm_cluster, dict(name=["rec", "other"]), recorded("24.11"), check_mode=True)
    assert out["commands"] == ["sacctmgr --immediate --parsable2 --noheader add cluster name=other"]
    out = run_module(slurm_cluster, dict(name=["rec"]), recorded("24.11"))
    assert not out["changed"]
