"""Accounts as code: site.yml applies the QOS, accounts and users of the inventory (tag slurm_accounting).

The lab declares QOS short (MaxWall 00:01:00), account physics and alice in it; these tests change
the declaration with extra vars, as a site would change its inventory, and restore it at the end.
"""

import json
import re

from hpcstack_harness import changed_counts, inventory_vars, run_playbook

QOS_SHORT = {"name": "short", "max_wall": "00:01:00", "flags": ["DenyOnLimit"]}
LOCAL_USERS = [{"name": "alice", "uid": 2001, "comment": "Lab user"}, {"name": "carol", "uid": 2002}]


def apply(tmp_path, variables, *options):
    """Run site.yml --tags slurm_accounting with ``variables`` as extra vars; return (changed on ctl1, output)."""
    extra = tmp_path / "accounting.json"
    extra.write_text(json.dumps(variables))
    result = run_playbook("site.yml", "--tags", "slurm_accounting", "-e", "@%s" % extra, *options, timeout=600)[0]
    return changed_counts(result.stdout)["ctl1"], result.stdout


def declared_users():
    """slurm_accounting_users of the lab's inventory."""
    return inventory_vars("ctl1")["slurm_accounting_users"]


def max_wall(controller, qos="short"):
    return controller.check_output("sacctmgr --noheader --parsable2 show qos %s format=MaxWall", qos)


def associations(controller, user):
    return controller.check_output("sacctmgr --noheader --parsable2 show assoc user=%s format=Account", user).split()


def test_the_declared_state_is_applied_already(controller, tmp_path):
    changed, _output = apply(tmp_path, {})
    assert changed == 0
    assert max_wall(controller) == "00:01:00"
    assert associations(controller, "alice") == ["physics"]


def test_a_changed_limit_is_applied_then_stays(controller, tmp_path):
    longer = {"slurm_accounting_qos": [dict(QOS_SHORT, max_wall="00:02:00")]}
    try:
        changed, _output = apply(tmp_path, longer)
        assert changed == 1 and max_wall(controller) == "00:02:00"
        changed, _output = apply(tmp_path, longer)
        assert changed == 0, "the second run with the same inventory changes nothing"
        changed, output = apply(tmp_path, {"slurm_accounting_qos": [dict(QOS_SHORT, max_wall="00:03:00")]}, "--check", "--diff")
        assert changed == 1 and re.search(r'^\+\s*"?max_wall"?: "?00:03:00"?,?$', output, re.M), output[-3000:]
        assert max_wall(controller) == "00:02:00", "check mode changed nothing"
    finally:
        apply(tmp_path, {})
    assert max_wall(controller) == "00:01:00"


def test_local_users_without_an_association_join_the_default_account(controller, tmp_path):
    try:
        changed, _output = apply(tmp_path, {"accounts_users": LOCAL_USERS})
        assert changed == 2, "account users and carol's association"
        assert associations(controller, "carol") == ["users"]
        assert associations(controller, "alice") == ["physics"], "a declared user is left where the site put them"
    finally:
        removal = {"accounts_users": LOCAL_USERS[:1],
                   "slurm_accounting_users": declared_users() + [{"name": "carol", "state": "absent"}],
                   "slurm_accounting_accounts": [{"name": "users", "state": "absent"}]}
        apply(tmp_path, removal)
    assert associations(controller, "carol") == []
    assert controller.check_output("sacctmgr --noheader --parsable2 show account users format=Account") == ""
    assert associations(controller, "alice") == ["physics"], "nothing else was removed"
