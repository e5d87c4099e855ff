# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import os
import sys

import pytest

from ansible.plugins.loader import init_plugin_loader
from ansible.utils.collection_loader import AnsibleCollectionConfig

if AnsibleCollectionConfig.collection_finder is None:
    init_plugin_loader()

from ansible_collections.hpcstack.cluster.plugins.module_utils import _sacctmgr as sm
from ansible_collections.hpcstack.cluster.plugins.module_utils._slurm_cmd import SlurmCommandError, command_line

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "slurm"))
from slurm_fixtures import VERSIONS, FakeRunner, load, result, rule  # noqa: E402


def recorded(version):
    return FakeRunner([rule(version, "sacctmgr/show_" + name)
                       for name in ("account", "user", "assoc", "qos", "cluster")])


@pytest.mark.parametrize("version", VERSIONS)
def test_show_parses_recorded_output(version):
    tool = sm.Sacctmgr(recorded(version))
    assert tool.users()["carol"] == {"User": "carol", "DefaultAccount": "hpc", "Admin": "Operator"}
    assert tool.accounts()["chem"]["Descr"] == "chemistry"
    assocs = tool.associations(users=True)
    assert assocs[("physics", "", "")]["ParentName"] == "hpc"
    assert assocs[("physics", "", "")]["GrpTRES"] == "cpu=64,mem=128G"
    assert assocs[("physics", "alice", "")]["DefaultQOS"] == "long"
    assert ("physics", "alice", "") not in tool.associations()  # users only when asked
    assert tool.qos()["debugq"]["Preempt"] == "long"
    assert list(tool.clusters()) == ["rec"]
    assert tool.calls == 6 and tool.commands == []  # reads are not reported as commands


@pytest.mark.parametrize("version", VERSIONS)
def test_recorded_state_is_idempotent(version):
    """What record.py created, asked for again in the module's terms, needs no command."""
    tool = sm.Sacctmgr(recorded(version))
    accounts = [dict(name="hpc", description="HPC users", organization="example", fairshare=100),
                dict(name="physics", parent="hpc", qos=["normal", "long"], default_qos="normal",
                     limits=dict(max_jobs=50, grp_tres="mem=128G,cpu=64", max_wall="24:00:00"))]
    assert sm.plan_accounts(accounts, tool.accounts(), tool.associations()).commands == []
    users = [dict(name="alice", account="physics", default_account="physics", qos=["long", "normal"],
                  default_qos="long", limits=dict(max_jobs=20, grp_tres="cpu=16")),
             dict(name="carol", account="hpc", admin_level="operator")]
    assert sm.plan_users(users, tool.users(), tool.associations(users=True)).commands == []
    qos = [dict(name="debugq", priority=100, preempt=["long"], max_wall="30", flags=["denyonlimit"],
                max_tres_per_user="cpu=8,mem=16384M", max_jobs_per_user=4, preempt_mode="REQUEUE")]
    assert sm.plan_qos(qos, tool.qos()).commands == []


def test_changes_only_differences_and_groups_them():
    tool = sm.Sacctmgr(recorded("24.11"))
    accounts = [dict(name="physics", limits=dict(max_jobs=60, grp_tres="cpu=64")),  # TRES merge: no change
                dict(name="chem", limits=dict(max_jobs=60)),
                dict(name="hpc", description="HPC users")]
    plan = sm.plan_accounts(accounts, tool.accounts(), tool.associations())
    assert plan.commands == [["modify", "account", "where", "name=physics,chem", "set", "MaxJobs=60"]]
    assert plan.before == {"physics": {"max_jobs": "50"}, "chem": {"max_jobs": ""}}
    assert plan.after == {"physics": {"max_jobs": 60}, "chem": {"max_jobs": 60}}


def test_new_accounts_are_added_parents_first():
    plan = sm.plan_accounts([dict(name="c", parent="b"), dict(name="b", parent="a"), dict(name="a"),
                             dict(name="d", parent="a")], {}, {}, cluster="hpc")
    assert plan.commands == [
        ["add", "account", "name=a", "cluster=hpc"],
        ["add", "account", "name=b,d", "cluster=hpc", "Parent=a"],
        ["add", "account", "name=c", "cluster=hpc", "Parent=b"],
    ]


def _existing(users):
    """sacctmgr rows as they would read after ``users`` were created."""
    rows = {}
    assocs = {}
    for u in users:
        rows[u["name"]] = {"User": u["name"], "DefaultAccount": u["account"], "Admin": "None"}
        assocs[(u["account"], u["name"], "")] = {"MaxJobs": str(u["limits"]["max_jobs"]), "QOS": "normal"}
    return rows, assocs


def test_thousand_users_cost_few_commands():
    users = [dict(name="user%04d" % i, account="acct%02d" % (i % 20), limits=dict(max_jobs=10))
             for i in range(1000)]
    plan = sm.plan_users(users, {}, {})
    assert len(plan.commands) == 20
    assert all(c[:2] == ["add", "user"] and c[-1] == "MaxJobs=10" for c in plan.commands)
    assert sum(c[2].count(",") + 1 for c in plan.commands) == 1000
    rows, assocs = _existing(users)
    assert sm.plan_users(users, rows, assocs).commands == []
    for u in users[:300]:
        u["limits"]["max_jobs"] = 5
    changed = sm.plan_users(users, rows, assocs).commands
    assert len(changed) == 20 and all(c[-1] == "MaxJobs=5" for c in changed)


def test_batch_size_splits_long_name_lists():
    users = [dict(name="u%d" % i, account="a") for i in range(1200)]
    plan = sm.plan_users(users, {}, {}, batch_size=500)
    assert [c[2].count(",") + 1 for c in plan.commands] == [500, 500, 200]


def test_user_in_two_accounts_is_created_once_with_its_default_account():
    plan = sm.plan_users([dict(name="eve", account="x", default_account="y"), dict(name="eve", account="y")], {}, {})
    assert plan.commands == [["add", "user", "name=eve", "account=y", "DefaultAccount=y"],
                             ["add", "user", "name=eve", "account=x"]]


def test_absent_users_remove_associations_or_whole_users():
    tool = sm.Sacctmgr(recorded("24.11"))
    plan = sm.plan_users([dict(name="alice", account="physics"), dict(name="bob"), dict(name="nobody")],
                         tool.users(), tool.associations(users=True), state="absent")
    assert plan.commands == [["delete", "user", "where", "name=alice", "account=physics"],
                             ["delete", "user", "where", "name=bob"]]


def test_new_qos_gets_preempt_after_creation():
    plan = sm.plan_qos([dict(name="hi", priority=10, preempt=["lo"]), dict(name="lo")], {})
    assert plan.commands == [["add", "qos", "name=hi", "Priority=10"], ["add", "qos", "name=lo"],
                             ["modify", "qos", "where", "name=hi", "set", "Preempt=lo"]]


def test_clearing_values():
    have = {"Flags": "DenyOnLimit", "Preempt": "long", "MaxJobsPU": "4", "MaxTRESPU": "cpu=8,mem=16G"}
    settings = sm.settings_for(sm.QOS_FIELDS, dict(flags=[], preempt=[], max_jobs_per_user=-1,
                                                   max_tres_per_user="mem=-1"), have)
    assert settings == ("Flags=-1", "Preempt=", "MaxTRESPerUser=mem=-1", "MaxJobsPerUser=-1")
    assert sm.settings_for(sm.QOS_FIELDS, dict(max_jobs_per_user=-1, max_tres_per_user="gpu=-1"), {}) == ()


@pytest.mark.parametrize("kind,want,have,differs", [
    ("duration", "24:00:00", "1-00:00:00", False),
    ("duration", 90, "01:30:00", False),
    ("duration", "UNLIMITED", "", False),
    ("duration", "1-00:00:01", "1-00:00:00", True),
    ("tres", "cpu=8", "cpu=8,mem=16G", False),  # sacctmgr merges TRES limits
    ("tres", "mem=16384M", "cpu=8,mem=16G", False),
    ("tres", "mem=-1", "cpu=8,mem=16G", True),
    ("tres", "cpu=9", "cpu=8", True),
    ("set", ["b", "a"], "a,b", False),
    ("lower", "Operator", "operator", False),
    ("int", -1, "", False),
    ("int", 0, "", True),
])
def test_differs(kind, want, have, differs):
    assert sm.differs(kind, want, have) is differs


def test_check_mode_records_but_runs_nothing():
    runner = FakeRunner()
    tool = sm.Sacctmgr(runner)
    tool.apply(sm.plan_users([dict(name="a", account="x")], {}, {}), check_mode=True)
    assert runner.calls == []
    assert tool.commands == ["sacctmgr --immediate --parsable2 --noheader add user name=a account=x DefaultAccount=x"]


@pytest.mark.parametrize("version", VERSIONS)
def test_nothing_modified_is_not_an_error(version):
    tool = sm.Sacctmgr(FakeRunner([(("modify",), result(version, "sacctmgr/modify_nothing"))]))
    plan = sm.Plan()
    plan.commands = [["modify", "user", "where", "name=nosuchuser", "set", "MaxJobs=1"]]
    tool.apply(plan)
    assert len(tool.commands) == 1


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("fixture,message", [
    ("error_db_down", "slurmdbd is not reachable"),
    ("error_unknown_account", "unknown account"),
    ("error_unknown_qos", "unknown QOS"),
    ("error_unknown_qos_add", "unknown QOS"),
    ("error_unknown_parent", "unknown parent account"),
    ("error_not_admin", "permission denied"),
])
def test_recorded_errors_map_to_clear_messages(version, fixture, message):
    tool = sm.Sacctmgr(FakeRunner([((), result(version, "sacctmgr/" + fixture))]))
    with pytest.raises(SlurmCommandError) as info:
        tool.execute(sm.BASE_ARGS + ["add", "user", "name=x", "account=y"], change=True)
    assert info.value.message.startswith(message)
    assert info.value.rc == 1


# Every recorded sacctmgr change: what apply() makes of its recorded answer (None: done; "nothing to
# do" answers are not failures) or the exact message, per version where Slurm's words differ.
CHANGES = {
    "add_account": None, "add_account_children": None, "add_qos": None, "add_user": None, "add_user_admin": None,
    "add_user_second_account": None, "modify_account": None, "modify_account_assoc": None, "modify_qos": None,
    "modify_user": None, "modify_user_defacct": None, "modify_nothing": None, "delete_accounts": None,
    "delete_nothing": None, "delete_user_assoc": None,
    "add_account_exists": {"22.05": "already exists (created since it was read?) [Nothing new added.]",
                           "24.11": "already exists (created since it was read?) [Already existing account hpc on "
                                    "cluster rec]"},
}


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("name", sorted(CHANGES))
def test_recorded_changes(version, name):
    record = load(version, "sacctmgr/" + name)
    plan = sm.Plan()
    plan.commands = [record["cmd"][1 + len(sm.BASE_ARGS):]]
    runner = FakeRunner([rule(version, "sacctmgr/" + name)])
    tool = sm.Sacctmgr(runner)
    message = CHANGES[name].get(version) if isinstance(CHANGES[name], dict) else CHANGES[name]
    if message is None:
        tool.apply(plan)
    else:
        with pytest.raises(SlurmCommandError) as info:
            tool.apply(plan)
        assert info.value.message == message
    assert runner.calls == [record["cmd"]] and tool.commands == [command_line(record["cmd"])]
