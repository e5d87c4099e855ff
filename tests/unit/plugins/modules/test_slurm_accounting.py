# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""slurm_account, slurm_user, slurm_qos, slurm_cluster modules."""

from __future__ import annotations

import pytest

from ansible_collections.hpcstack.cluster.plugins.modules import slurm_account, slurm_cluster, slurm_qos, slurm_user
from slurm_fixtures import VERSIONS, FakeRunner, on, result, rule

SHOWS = ("account", "user", "assoc", "qos", "cluster")


def recorded(version, *extra):
    return FakeRunner(list(extra) + [rule(version, "sacctmgr/show_" + n) for n in SHOWS])


def thousand_users():
    return [dict(name="user%04d" % i, account="acct%02d" % (i % 20), limits=dict(max_jobs=10)) for i in range(1000)]


@pytest.mark.parametrize("check_mode", [True, False])
def test_thousand_users_two_reads_twenty_adds(run_module, check_mode):
    runner = recorded("24.11", on(("add", "user"), "24.11", "sacctmgr/add_user"))
    out = run_module(slurm_user, dict(users=thousand_users()), runner, check_mode=check_mode)
    assert out["changed"] and len(out["commands"]) == 20
    assert out["sacctmgr_calls"] == (2 if check_mode else 22)
    assert len(runner.changes()) == (0 if check_mode else 20)


@pytest.mark.parametrize("version", VERSIONS)
def test_user_unchanged_and_changed_with_diff(run_module, version):
    same = dict(name="alice", account="physics", limits=dict(max_jobs=20))
    out = run_module(slurm_user, dict(users=[same]), recorded(version), diff=True)
    assert not out["changed"] and out["commands"] == [] and out["diff"] == {"before": {}, "after": {}}
    runner = recorded(version, on(("modify", "user", "account=physics"), version, "sacctmgr/modify_user"),
                      on(("modify", "user", "AdminLevel=Operator"), version, "sacctmgr/modify_user_defacct"))
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
    runner = recorded("24.11", on(("modify", "qos"), "24.11", "sacctmgr/modify_qos"))
    qos = [dict(name="debugq", priority=100, max_wall="00:30:00"), dict(name="long", max_jobs_per_user=8)]
    out = run_module(slurm_qos, dict(qos=qos), runner)
    assert not out.get("failed") and out["changed"]
    assert out["commands"] == ["sacctmgr --immediate --parsable2 --noheader modify qos where name=long set MaxJobsPerUser=8"]


def test_cluster_module(run_module):
    out = run_module(slurm_cluster, dict(name=["rec", "other"]), recorded("24.11"), check_mode=True)
    assert out["commands"] == ["sacctmgr --immediate --parsable2 --noheader add cluster name=other"]
    out = run_module(slurm_cluster, dict(name=["rec"]), recorded("24.11"))
    assert not out["changed"]


TIME = ("is not a Slurm time (minutes, minutes:seconds, [days-]hours:minutes:seconds, days-hours[:minutes], "
        "or -1/unlimited to clear)")
TRES = "(name=count[,name=count...], e.g. cpu=8,mem=64G,gres/gpu=2; a count of -1 clears that TRES)"

# (module, entries, the exact message): checked before any sacctmgr command, reads included.
BAD_INPUT = [
    ("qos-max-wall", slurm_qos, dict(qos=[dict(name="normal", max_wall="abc")]),
     "qos normal: max_wall 'abc' " + TIME),
    ("qos-grp-tres", slurm_qos, dict(qos=[dict(name="normal", grp_tres="cpu8")]),
     "qos normal: grp_tres 'cpu8' is not a TRES list: 'cpu8' is not name=count " + TRES),
    ("qos-tres-count", slurm_qos, dict(qos=[dict(name="gpu", max_tres_per_user="cpu=8,gres/gpu=two")]),
     "qos gpu: max_tres_per_user 'cpu=8,gres/gpu=two' is not a TRES list: 'gres/gpu=two' has no count such as 8, "
     "64G or -1 " + TRES),
    ("qos-new-grp-wall", slurm_qos, dict(qos=[dict(name="brandnew", grp_wall="1-2-3")]),
     "qos brandnew: grp_wall '1-2-3' " + TIME),
    ("qos-negative-count", slurm_qos, dict(qos=[dict(name="normal", max_jobs_per_user=-5)]),
     "qos normal: max_jobs_per_user -5 is not a count (a whole number, or -1 to clear)"),
    ("qos-two-problems", slurm_qos, dict(qos=[dict(name="a", max_wall="1:2:3:4"), dict(name="b", grp_tres="=1")]),
     "qos a: max_wall '1:2:3:4' " + TIME + "; qos b: grp_tres '=1' is not a TRES list: '=1' is not name=count " + TRES),
    ("account-max-wall", slurm_account, dict(accounts=[dict(name="physics", limits=dict(max_wall="2 days"))]),
     "account physics: limits.max_wall '2 days' " + TIME),
    ("account-grp-tres", slurm_account, dict(accounts=[dict(name="physics", limits=dict(grp_tres="cpu=8;mem=1G"))]),
     "account physics: limits.grp_tres 'cpu=8;mem=1G' is not a TRES list: 'cpu=8;mem=1G' has no count such as 8, "
     "64G or -1 " + TRES),
    ("account-fairshare", slurm_account, dict(accounts=[dict(name="physics", fairshare="lots")]),
     "account physics: fairshare 'lots' is not a fair-share value (a whole number of shares, or parent)"),
    ("account-max-jobs", slurm_account, dict(accounts=[dict(name="physics", limits=dict(max_jobs=-2))]),
     "account physics: limits.max_jobs -2 is not a count (a whole number, or -1 to clear)"),
    ("user-max-wall", slurm_user, dict(users=[dict(name="alice", account="physics", limits=dict(max_wall="1h"))]),
     "user alice/physics: limits.max_wall '1h' " + TIME),
    ("user-partition-tres", slurm_user,
     dict(users=[dict(name="alice", account="physics", partition="debug", limits=dict(max_tres_per_job="gpu"))]),
     "user alice/physics/debug: limits.max_tres_per_job 'gpu' is not a TRES list: 'gpu' is not name=count " + TRES),
]


@pytest.mark.parametrize("module, args, message", [case[1:] for case in BAD_INPUT], ids=[case[0] for case in BAD_INPUT])
def test_bad_limits_fail_before_any_command(run_module, module, args, message):
    runner = FakeRunner()  # answers nothing: any sacctmgr call, even a read, fails the test
    out = run_module(module, args, runner)
    assert out["failed"] and out["msg"] == message
    assert out["commands"] == [] and runner.calls == []


@pytest.mark.parametrize("value", ["30", "30:00", "12:00:00", "2-00:00:00", "2-12", "2-12:30", "-1", "UNLIMITED",
                                   "infinite"])
def test_slurm_time_formats_are_accepted(run_module, value):
    runner = recorded("24.11")
    out = run_module(slurm_qos, dict(qos=[dict(name="normal", max_wall=value, grp_tres="cpu=8,mem=64G,gres/gpu=2")]),
                     runner, check_mode=True)
    assert not out.get("failed"), out["msg"]
    assert runner.changes() == []
