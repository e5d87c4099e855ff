"""The sacctmgr modules honour check mode, are idempotent and refuse bad input clearly."""


def test_account_check_mode_makes_no_account(login, slurm_module):
    result = slurm_module("slurm_account", {"accounts": [{"name": "chemistry", "parent": "root"}]}, check=True)
    assert result["changed"] is True
    assert any("add account" in command and "chemistry" in command for command in result["commands"])
    assert login.check_output("sacctmgr --noheader --parsable2 show account chemistry format=account") == ""


def test_existing_account_is_unchanged(slurm_module):
    assert slurm_module("slurm_account", {"accounts": [{"name": "physics"}]})["changed"] is False


def test_user_in_unknown_account_is_refused(slurm_module):
    result = slurm_module("slurm_user", {"users": [{"name": "alice", "account": "no_such_account"}]}, may_fail=True)
    assert result.get("failed") is True
    assert "no_such_account" in result["msg"]
