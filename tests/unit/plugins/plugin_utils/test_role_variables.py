# -*- coding: utf-8 -*-
# Copyright (c) 2026, hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Every host's variables against the roles' argument specs and the rules across variables."""

from __future__ import annotations

import base64
import os

import pytest
import yaml

from ansible.plugins.loader import init_plugin_loader
from ansible.utils.collection_loader import AnsibleCollectionConfig

if AnsibleCollectionConfig.collection_finder is None:
    init_plugin_loader()  # the collection loader (ANSIBLE_COLLECTIONS_PATH, set by the Makefile) must come before the imports below

from ansible_collections.hpcstack.cluster.plugins.plugin_utils import role_variables, variable_rules
from ansible_collections.hpcstack.cluster.plugins.plugin_utils.role_variables import HostVariables, host_variable_problems


def literal(variables):
    def render(name):
        raise AssertionError('a literal value was rendered: %s' % name)
    return HostVariables(variables, render)


def problems(per_host, context=None):
    return host_variable_problems(list(per_host), lambda host: literal(per_host[host]), context=context)


def key(size):
    return base64.b64encode(b'k' * size).decode()


def test_every_role_spec_is_read_with_its_role():
    specs = role_variables.role_specs()
    assert specs['lmod_bashrc']['role'] == 'lmod'
    assert specs['slurm_slurmd_port'] == {'role': 'slurm_common', 'spec': {'type': 'int', 'default': 6818}}
    assert 'description' not in specs['accounts_users']['spec']['options']['uid']


def test_no_variable_is_declared_twice_with_another_type():
    seen = {}
    for role in sorted(os.listdir(variable_rules.ROLES_DIR)):
        path = os.path.join(variable_rules.ROLES_DIR, role, 'meta', 'argument_specs.yml')
        if not os.path.isfile(path):
            continue
        with open(path, encoding='utf-8') as handle:
            for entry_point, spec in yaml.safe_load(handle)['argument_specs'].items():
                for name, option in (spec.get('options') or {}).items():
                    first = seen.setdefault(name, (role, entry_point, option.get('type', 'str'), option.get('choices')))
                    assert first[2:] == (option.get('type', 'str'), option.get('choices')), (name, first, role, entry_point)


def test_a_group_variable_is_reported_once_for_all_its_hosts():
    bad = {'lmod_bashrc': 'perhaps'}
    assert problems({'c1': bad, 'c2': bad, 'c3': {}, 'login1': bad}) == [
        "c[1-2],login1: lmod_bashrc (role lmod): must be of type bool, got 'perhaps'"]


@pytest.mark.parametrize('variables, message', [
    ({'slurm_slurmd_port': 70000}, 'c1: slurm_slurmd_port (role slurm_common): must be a port number from 1 to 65535, got 70000'),
    ({'slurm_slurmd_port': 0}, 'c1: slurm_slurmd_port (role slurm_common): must be a port number from 1 to 65535, got 0'),
    ({'slurm_slurmd_port': 'x'}, "c1: slurm_slurmd_port (role slurm_common): must be of type int, got 'x'"),
    ({'nfs_server_implementation': 'nfsd'},
     'c1: nfs_server_implementation (role nfs_server): value of nfs_server_implementation must be one of: auto, kernel, ganesha, got: nfsd'),
    ({'slurm_slurmd_port': 6817}, 'c1: slurm_slurmctld_port, slurm_slurmd_port and slurm_accounting_storage_port must differ: '
                                  'slurmctld, slurmd and slurmdbd each need their own port (got 6817, 6817, 6819)'),
    ({'munge_key': key(16)}, 'c1: munge_key must be a base64-encoded key of 32 to 1024 bytes (the given value is 16 bytes); '
                             'create one with: dd if=/dev/urandom bs=1 count=1024 | base64 -w0'),
    ({'slurm_jwt_key': 'a-b'}, 'c1: slurm_jwt_key must be a base64-encoded key of 32 to 4096 bytes (the given value is not valid '
                               'base64); create one with: dd if=/dev/urandom bs=1 count=32 | base64 -w0'),
    ({'sssd_ldap_uri': ['ldap://x'], 'sssd_ldap_search_base': ''}, 'c1: sssd_ldap_search_base must be set when sssd_ldap_uri is'),
    ({'sssd_ldap_uri': ['ldap://x'], 'sssd_ldap_search_base': 'dc=x', 'sssd_ldap_tls_cacert_content': 'not pem'},
     'c1: sssd_ldap_tls_cacert_content must be a certificate in PEM form (-----BEGIN CERTIFICATE-----)'),
])
def test_one_problem(variables, message):
    assert problems({'c1': variables}) == [message]


@pytest.mark.parametrize('variables, message', [
    ({'rolling_serial': '2x'}, "c1: rolling_serial must be a number of nodes or a percentage such as 25%, got '2x'"),
    ({'rolling_serial': True}, 'c1: rolling_serial must be a number of nodes or a percentage such as 25%, got True'),
    ({'slurm_upgrade_batch': '%'},
     "c1: slurm_upgrade_batch must be a number of compute nodes or a percentage such as 25%, got '%'"),
    ({'rolling_action': 'tasks', 'rolling_action_tasks': ''},
     'c1: rolling_action is tasks: set rolling_action_tasks to the path of the task file to run on each node'),
    ({'backup_keep': '0'}, 'c1: backup_keep must be at least 1: the backup just taken is always kept (got 0)'),
    ({'restore_database': 'acct-db'},
     "c1: restore_database must be a database name of 1 to 64 of A-Z, a-z, 0-9, _ and $, got 'acct-db'"),
    ({'slurm_upgrade_target_version': 24.11},
     'c1: slurm_upgrade_target_version must be a quoted string such as "25.05" (unquoted, YAML reads 25.10 as the number '
     '25.1; got 24.11)'),
])
def test_one_day2_problem(variables, message):
    assert problems({'c1': variables}) == [message]


def test_valid_day2_values_pass():
    assert problems({'c1': {'rolling_serial': '25%', 'slurm_upgrade_batch': 3, 'rolling_action': 'tasks',
                            'rolling_action_tasks': 'site/firmware.yml', 'backup_keep': 1, 'restore_database': 'slurm_acct_restore',
                            'slurm_upgrade_target_version': '25.05'}}) == []


def test_valid_values_pass():
    assert problems({'c1': {'slurm_slurmd_port': 7000, 'munge_key': key(1024), 'slurm_jwt_key': key(32), 'lmod_bashrc': 'yes',
                            'sssd_ldap_uri': ['ldaps://ldap1:636'], 'sssd_ldap_search_base': 'dc=example,dc=org'}}) == []


def test_secrets_are_never_in_a_message():
    secret = key(20)
    assert all(secret not in message for message in problems({'c1': {'munge_key': secret, 'slurm_jwt_key': secret}}))


@pytest.mark.parametrize('context, variables, expected', [
    ({'accounting_database_host': 'db.example.org', 'inventory_hosts': {'c1'}}, {},
     ['c1: slurmdbd_storage_host db.example.org is not in the inventory, so it is an external database: set '
      'slurmdbd_storage_pass (in a vault) to the password of its slurmdbd user']),
    ({'accounting_database_host': 'db.example.org', 'inventory_hosts': {'c1'}}, {'slurmdbd_storage_pass': 'x'}, []),
    ({'accounting_database_host': 'ctl1', 'inventory_hosts': {'c1', 'ctl1'}}, {}, []),
    ({'accounting_database_host': '', 'inventory_hosts': {'c1'}}, {}, []),
])
def test_external_database_needs_a_password(context, variables, expected):
    assert problems({'c1': variables}, context) == expected


def test_templates_are_rendered_and_unrenderable_ones_left_to_the_role():
    rendered = []

    def render(name):
        rendered.append(name)
        if name == 'slurm_slurmd_port':
            return 70000
        raise ValueError("'ansible_facts' is undefined")
    variables = HostVariables({'slurm_slurmd_port': '{{ base + 1 }}', 'lmod_bashrc': '{{ ansible_facts.x }}'}, render)
    assert host_variable_problems(['c1'], lambda host: variables) == [
        'c1: slurm_slurmd_port (role slurm_common): must be a port number from 1 to 65535, got 70000']
    assert sorted(set(rendered)) == ['lmod_bashrc', 'slurm_slurmd_port']
    assert 'lmod_bashrc' not in variables and variables.get('lmod_bashrc') is None


def test_rules_use_the_owning_roles_defaults():
    assert variable_rules.role_defaults('slurm_common')['slurm_slurmctld_port'] == 6817
    assert set(variable_rules.OWNERS.values()) <= set(os.listdir(variable_rules.ROLES_DIR))
    for name, role in variable_rules.OWNERS.items():
        assert name in variable_rules.role_defaults(role), (name, role)
