# -*- coding: utf-8 -*-
# Copyright (c) 2026, hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Accounts as code: the QOS, accounts and user associations a site declares in its inventory
(role slurm_accounting), checked before any host is touched and split into module calls.

Entries are those of the modules slurm_qos, slurm_account and slurm_user, plus an optional
``state`` (present, the default, or absent); they are checked against the modules' own entry specs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.hpcstack.cluster.plugins.module_utils._sacctmgr import check_entries
from ansible_collections.hpcstack.cluster.plugins.module_utils._slurm_module import (
    ACCOUNT_ENTRY_SPEC, QOS_ENTRY_SPEC, USER_ENTRY_SPEC, users_without_account)

# kind -> (inventory variable, entry spec, the name check_entries gives it)
KINDS = {
    'qos': ('slurm_accounting_qos', QOS_ENTRY_SPEC, 'qos'),
    'accounts': ('slurm_accounting_accounts', ACCOUNT_ENTRY_SPEC, 'account'),
    'users': ('slurm_accounting_users', USER_ENTRY_SPEC, 'user'),
}
STATES = ('present', 'absent')
DEFAULT_ACCOUNT_DESCRIPTION = 'Users of the cluster without an account of their own'


def _label(variable: str, index: int, entry) -> str:
    name = entry.get('name') if isinstance(entry, Mapping) else None
    return '%s[%d]%s' % (variable, index, ' (%s)' % name if isinstance(name, str) and name else '')


def entry_problems(kind: str, entries) -> list[str]:
    """Messages for the entries of one variable (``kind``: qos, accounts or users)."""
    variable, spec, what = KINDS[kind]
    if entries is None:
        return []
    if isinstance(entries, (str, bytes, Mapping)) or not isinstance(entries, Sequence):
        return ['%s must be a list of entries (mappings with at least name), got %r' % (variable, entries)]
    problems = []
    for index, entry in enumerate(entries):
        label = _label(variable, index, entry)
        if not isinstance(entry, Mapping):
            problems.append('%s must be a mapping with at least name, got %r' % (label, entry))
            continue
        state = entry.get('state', 'present')
        if state not in STATES:
            problems.append('%s: state must be present or absent, got %r' % (label, state))
        result = ArgumentSpecValidator(spec).validate({key: value for key, value in entry.items() if key != 'state'})
        if result.error_messages:
            problems.extend('%s: %s' % (label, message) for message in result.error_messages)
            continue
        problems.extend('%s: %s' % (label, message) for message in check_entries(what, [result.validated_parameters]))
        if kind == 'users' and state == 'present' and users_without_account([entry]):
            problems.append('%s: account is required (the account of the association to create)' % label)
    return problems


def _split(entries) -> dict[str, list[dict]]:
    split: dict[str, list[dict]] = {state: [] for state in STATES}
    for entry in entries or ():
        split[entry.get('state', 'present')].append({key: value for key, value in entry.items() if key != 'state'})
    return split


def plan(qos, accounts, users, local_users=(), default_account: str = '') -> dict:
    """``{'present': {'qos': [...], 'accounts': [...], 'users': [...]}, 'absent': {...}}``: the module calls to make.

    Local users (``accounts_users`` of role accounts) that no entry of ``users`` names join
    ``default_account`` (created when not declared), so that they can run jobs; empty, or an
    account marked absent: no default.
    Raises ValueError with every problem when an entry is malformed.
    """
    problems = [message for kind, entries in (('qos', qos), ('accounts', accounts), ('users', users))
                for message in entry_problems(kind, entries)]
    if problems:
        raise ValueError('; '.join(problems))
    steps = {kind: _split(entries) for kind, entries in (('qos', qos), ('accounts', accounts), ('users', users))}
    named = {entry['name'] for entry in users or ()}
    homeless = [user['name'] for user in local_users or ()
                if user.get('state', 'present') == 'present' and user['name'] not in named]
    declared = {entry['name']: entry.get('state', 'present') for entry in accounts or ()}
    if default_account and homeless and declared.get(default_account) != 'absent':
        if default_account not in declared:
            steps['accounts']['present'].append({'name': default_account, 'description': DEFAULT_ACCOUNT_DESCRIPTION})
        steps['users']['present'].extend({'name': name, 'account': default_account} for name in homeless)
    return {state: {kind: steps[kind][state] for kind in KINDS} for state in STATES}
