# -*- coding: utf-8 -*-
# Copyright (c) 2026, hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Accounts as code: entry checks (the preflight's) and the split into module calls."""

from __future__ import annotations

import pytest

from ansible.plugins.loader import init_plugin_loader
from ansible.utils.collection_loader import AnsibleCollectionConfig

if AnsibleCollectionConfig.collection_finder is None:
    init_plugin_loader()

from ansible_collections.hpcstack.cluster.plugins.plugin_utils import slurm_accounting
from ansible_collections.hpcstack.cluster.plugins.plugin_utils.role_variables import HostVariables, host_variable_problems

QOS = [{'name': 'short', 'max_wall': '00:01:00', 'flags': ['DenyOnLimit']}]
ACCOUNTS = [{'name': 'physics', 'qos': ['normal', 'short']}, {'name': 'old', 'state': 'absent'}]
USERS = [{'name': 'alice', 'account': 'physics'}, {'name': 'eve', 'state': 'absent'}]
EMPTY = {'qos': [], 'accounts': [], 'users': []}


def test_entries_are_split_by_state_without_the_state_key():
    assert slurm_accounting.plan(QOS, ACCOUNTS, USERS) == {
        'present': {'qos': QOS, 'accounts': [ACCOUNTS[0]], 'users': [USERS[0]]},
        'absent': {'qos': [], 'accounts': [{'name': 'old'}], 'users': [{'name': 'eve'}]},
    }


def test_local_users_without_an_entry_join_the_default_account():
    local = [{'name': 'alice', 'uid': 2001}, {'name': 'carol', 'uid': 2002}, {'name': 'eve'}, {'name': 'gone', 'state': 'absent'}]
    result = slurm_accounting.plan([], [], USERS, local, 'users')
    assert result['present'] == {
        'qos': [],
        'accounts': [{'name': 'users', 'description': 'Users of the cluster without an account of their own'}],
        'users': [USERS[0], {'name': 'carol', 'account': 'users'}],
    }, 'alice and eve have entries; a user marked absent in accounts_users gets none'


@pytest.mark.parametrize('accounts, default', [
    ([{'name': 'users', 'fairshare': '10'}], ''),
    ([{'name': 'users', 'state': 'absent'}], 'users'),
])
def test_no_default_account_when_turned_off_or_declared(accounts, default):
    result = slurm_accounting.plan([], accounts, [], [{'name': 'carol'}], default or '')
    assert result['present']['users'] == []
    assert result['present']['accounts'] == [entry for entry in accounts if 'state' not in entry]


def test_a_declared_default_account_is_used_as_declared():
    result = slurm_accounting.plan([], [{'name': 'users', 'fairshare': '10'}], [], [{'name': 'carol'}], 'users')
    assert result['present'] == {'qos': [], 'accounts': [{'name': 'users', 'fairshare': '10'}],
                                 'users': [{'name': 'carol', 'account': 'users'}]}


def test_nothing_declared_plans_nothing():
    assert slurm_accounting.plan([], [], [], [], 'users') == {'present': EMPTY, 'absent': EMPTY}


@pytest.mark.parametrize('kind, entries, messages', [
    ('users', [{'name': 'bob'}], ['slurm_accounting_users[0] (bob): account is required (the account of the association to create)']),
    ('users', [{'name': 'bob', 'state': 'absent'}], []),
    ('users', [{'name': 'bob', 'account': 'x', 'state': 'gone'}], ["slurm_accounting_users[0] (bob): state must be present or absent, got 'gone'"]),
    ('qos', [{'name': 'short', 'maxwall': '1'}], ['slurm_accounting_qos[0] (short): maxwall. Supported parameters include: '
                                                  'description, flags, grp_jobs, grp_submit_jobs, grp_tres, grp_wall, max_jobs_per_account, '
                                                  'max_jobs_per_user, max_submit_jobs_per_user, max_tres_per_account, max_tres_per_job, '
                                                  'max_tres_per_node, max_tres_per_user, max_wall, min_tres_per_job, name, preempt, '
                                                  'preempt_mode, priority, usage_factor.']),
    ('qos', [{'max_wall': '1'}], ['slurm_accounting_qos[0]: missing required arguments: name']),
    ('accounts', [{'name': 'a', 'limits': {'max_wall': 'soon'}}], None),
    ('accounts', 'physics', ["slurm_accounting_accounts must be a list of entries (mappings with at least name), got 'physics'"]),
    ('accounts', ['physics'], ["slurm_accounting_accounts[0] must be a mapping with at least name, got 'physics'"]),
])
def test_entry_problems(kind, entries, messages):
    found = slurm_accounting.entry_problems(kind, entries)
    if messages is None:  # the limit check's own message (tested with the modules): one, naming the entry
        assert len(found) == 1 and found[0].startswith('slurm_accounting_accounts[0] (a): '), found
    else:
        assert found == messages


def test_the_plan_fails_with_every_problem():
    with pytest.raises(ValueError) as error:
        slurm_accounting.plan([{'max_wall': '1'}], [], [{'name': 'bob'}])
    assert str(error.value) == ('slurm_accounting_qos[0]: missing required arguments: name; slurm_accounting_users[0] (bob): '
                                'account is required (the account of the association to create)')


def test_the_preflight_reports_bad_entries_before_any_host_is_touched():
    variables = {'slurm_accounting_users': [{'name': 'bob'}]}
    found = host_variable_problems(['ctl1'], lambda host: HostVariables(variables, lambda name: None))
    assert found == ['ctl1: slurm_accounting_users[0] (bob): account is required (the account of the association to create)']
