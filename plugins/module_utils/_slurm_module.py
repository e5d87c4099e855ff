# -*- coding: utf-8 -*-
# Copyright (c) hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every hpcstack.cluster Slurm module shares: argument specs and running commands."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from typing import Iterable, Mapping

from ansible_collections.hpcstack.cluster.plugins.module_utils._sacctmgr import ASSOC_LIMITS, check_entries

SACCTMGR_ARGS = dict(sacctmgr_path=dict(type="path", default="sacctmgr"))
SCONTROL_ARGS = dict(scontrol_path=dict(type="path", default="scontrol"))
REST_ARGS = dict(
    url=dict(type="str"),
    user=dict(type="str", default="root"),
    token=dict(type="str", no_log=True),
    timeout=dict(type="int", default=30),
    validate_certs=dict(type="bool", default=True),
)
LIMITS_SPEC = dict(type="dict", options=dict(
    (f.option, dict(type="int" if f.kind == "int" else "str")) for f in ASSOC_LIMITS))

# One entry of each module's list option; the preflight checks inventory entries against them too
# (role slurm_accounting), so that a bad entry stops the run before any host is touched.
QOS_ENTRY_SPEC = dict(
    name=dict(type="str", required=True),
    description=dict(type="str"),
    priority=dict(type="int"),
    flags=dict(type="list", elements="str"),
    preempt=dict(type="list", elements="str"),
    preempt_mode=dict(type="str"),
    usage_factor=dict(type="float"),
    max_wall=dict(type="str"),
    max_tres_per_job=dict(type="str"),
    max_tres_per_node=dict(type="str"),
    max_tres_per_user=dict(type="str"),
    max_jobs_per_user=dict(type="int"),
    max_submit_jobs_per_user=dict(type="int"),
    max_tres_per_account=dict(type="str"),
    max_jobs_per_account=dict(type="int"),
    grp_tres=dict(type="str"),
    grp_jobs=dict(type="int"),
    grp_submit_jobs=dict(type="int"),
    grp_wall=dict(type="str"),
    min_tres_per_job=dict(type="str"),
)
ACCOUNT_ENTRY_SPEC = dict(
    name=dict(type="str", required=True),
    parent=dict(type="str"),
    description=dict(type="str"),
    organization=dict(type="str"),
    fairshare=dict(type="str"),
    default_qos=dict(type="str"),
    qos=dict(type="list", elements="str"),
    limits=LIMITS_SPEC,
)
USER_ENTRY_SPEC = dict(
    name=dict(type="str", required=True),
    account=dict(type="str"),
    partition=dict(type="str"),
    default_account=dict(type="str"),
    admin_level=dict(type="str", choices=["none", "operator", "administrator"]),
    fairshare=dict(type="str"),
    default_qos=dict(type="str"),
    qos=dict(type="list", elements="str"),
    limits=LIMITS_SPEC,
)


def users_without_account(users: Iterable[Mapping]) -> list:
    """Names of user entries that give no account (required to create an association)."""
    return sorted(set(user["name"] for user in users if not user.get("account")))


def check_values(module, what: str, entries: Iterable[Mapping]) -> None:
    """fail_json, before any command runs, when a limit of ``entries`` (``what``: qos/account/user) is malformed."""
    problems = check_entries(what, entries)
    if problems:
        module.fail_json(msg="; ".join(problems), commands=[])


def runner(module):
    """A ``run(argv) -> (rc, out, err)`` for the module_utils wrappers, in the C locale."""
    def run(argv):
        return module.run_command(argv, environ_update={"LC_ALL": "C"})
    return run


def fail(module, exc, **result):
    """fail_json from a SlurmCommandError (or any exception), keeping the commands run so far."""
    extra = dict((k, getattr(exc, k)) for k in ("cmd", "rc", "stdout", "stderr") if getattr(exc, k, None) is not None)
    extra.update(result)
    module.fail_json(msg=getattr(exc, "message", None) or str(exc), **extra)


def diff(plan):
    return dict(before=dict(plan.before), after=dict(plan.after))


def apply_plan(module, tool, plan, **result):
    """Run (or in check mode only list) ``plan`` with ``tool`` and exit with commands and diff."""
    try:
        tool.apply(plan, check_mode=module.check_mode)
    except Exception as exc:  # SlurmCommandError, or OSError when the binary is missing
        fail(module, exc, commands=tool.commands)
    result.update(changed=bool(plan.commands), commands=tool.commands, sacctmgr_calls=tool.calls)
    if module._diff:
        result["diff"] = diff(plan)
    module.exit_json(**result)
