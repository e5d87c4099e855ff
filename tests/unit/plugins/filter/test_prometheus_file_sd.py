# -*- coding: utf-8 -*-
# Copyright (c) 2026, hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The filter of plugins/filter/prometheus_file_sd.py."""

from __future__ import annotations

import json

import pytest

from ansible.errors import AnsibleFilterError
from ansible.inventory.manager import InventoryManager
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import init_plugin_loader
from ansible.template import Templar, trust_as_template
from ansible.utils.collection_loader import AnsibleCollectionConfig
from ansible.vars.hostvars import HostVars
from ansible.vars.manager import VariableManager

if AnsibleCollectionConfig.collection_finder is None:
    init_plugin_loader()  # the collection loader (ANSIBLE_COLLECTIONS_PATH, set by the Makefile) must come before the imports below

from ansible_collections.hpcstack.cluster.plugins.filter.prometheus_file_sd import prometheus_file_sd

# The lab of docs/cluster-model.md, plus a GPU partition overlapping debug and a controller that is also a login node.
GROUPS = {
    'all': ['ctl1', 'login1', 'c1', 'c2', 'g1'], 'ungrouped': [],
    'slurmctld': ['ctl1'], 'slurmdbd': [], 'slurmrestd': [], 'login': ['login1', 'ctl1'], 'monitoring': [], 'nfs_server': [],
    'slurmd': ['c1', 'c2', 'g1'], 'partition_debug': ['c1', 'c2', 'g1'], 'partition_gpu': ['g1'],
}
HOSTVARS = {'ctl1': {'node_address': '172.31.250.10'}, 'login1': {'node_address': '172.31.250.20'},
            'c1': {'node_address': '172.31.250.101'}, 'c2': {}, 'g1': {'node_address': 'fd00::7'}}


@pytest.mark.parametrize('kwargs, expected', [
    pytest.param({'cluster': 'lab'}, [
        {'targets': ['ctl1:9100'], 'labels': {'cluster': 'lab', 'role': 'slurmctld,login'}},
        {'targets': ['c1:9100', 'c2:9100'], 'labels': {'cluster': 'lab', 'role': 'slurmd', 'partition': 'debug'}},
        {'targets': ['g1:9100'], 'labels': {'cluster': 'lab', 'role': 'slurmd', 'partition': 'debug,gpu'}},
        {'targets': ['login1:9100'], 'labels': {'cluster': 'lab', 'role': 'login'}},
    ], id='default-roles'),
    pytest.param({'cluster': 'lab', 'roles': ['slurmd'], 'port': 9101}, [
        {'targets': ['c1:9101', 'c2:9101'], 'labels': {'cluster': 'lab', 'role': 'slurmd', 'partition': 'debug'}},
        {'targets': ['g1:9101'], 'labels': {'cluster': 'lab', 'role': 'slurmd', 'partition': 'debug,gpu'}},
    ], id='slurmd-only'),
    pytest.param({'roles': ['login', 'slurmctld'], 'port': '8080'}, [
        {'targets': ['login1:8080'], 'labels': {'role': 'login'}},
        {'targets': ['ctl1:8080'], 'labels': {'role': 'login,slurmctld'}},
    ], id='roles-order-no-cluster'),
    pytest.param({'cluster': 'lab', 'roles': ['slurmctld', 'slurmd'], 'use_address': True}, [
        {'targets': ['172.31.250.10:9100'], 'labels': {'cluster': 'lab', 'role': 'slurmctld'}},
        {'targets': ['172.31.250.101:9100', 'c2:9100'], 'labels': {'cluster': 'lab', 'role': 'slurmd', 'partition': 'debug'}},
        {'targets': ['[fd00::7]:9100'], 'labels': {'cluster': 'lab', 'role': 'slurmd', 'partition': 'debug,gpu'}},
    ], id='use-address'),
    pytest.param({'cluster': 'lab', 'roles': ['slurmctld'], 'labels': {'exporter': 'slurm', 'site': 1}}, [
        {'targets': ['ctl1:9100'], 'labels': {'cluster': 'lab', 'role': 'slurmctld', 'exporter': 'slurm', 'site': '1'}},
    ], id='extra-labels'),
    pytest.param({'roles': ['monitoring', 'no_such_group']}, [], id='empty-and-missing-groups'),
])
def test_entries(kwargs, expected):
    assert prometheus_file_sd(GROUPS, HOSTVARS, **kwargs) == expected


def test_every_target_once():
    entries = prometheus_file_sd(GROUPS, HOSTVARS, cluster='lab')
    targets = [target for entry in entries for target in entry['targets']]
    assert sorted(targets) == sorted('%s:9100' % host for host in GROUPS['all'])


def test_hostvars_only_needed_for_addresses():
    assert prometheus_file_sd(GROUPS, roles=['slurmctld']) == [{'targets': ['ctl1:9100'], 'labels': {'role': 'slurmctld'}}]
    with pytest.raises(AnsibleFilterError, match='use_address=true needs hostvars'):
        prometheus_file_sd(GROUPS, roles=['slurmctld'], use_address=True)


@pytest.mark.parametrize('args, kwargs, message', [
    ((['c1'],), {}, 'the input must be the groups mapping'),
    ((GROUPS, HOSTVARS), {'port': 0}, 'port must be a number from 1 to 65535, got 0'),
    ((GROUPS, HOSTVARS), {'port': 'http'}, 'port must be a number'),
    ((GROUPS, HOSTVARS), {'port': True}, 'port must be a number'),
    ((GROUPS, HOSTVARS), {'roles': 'slurmd'}, "roles must be a list of names, got 'slurmd'"),
    ((GROUPS, HOSTVARS), {'roles': [1]}, 'roles must be a list of names, got 1 in it'),
    ((GROUPS, HOSTVARS), {'labels': ['a']}, 'labels must be a mapping'),
    ((GROUPS, HOSTVARS), {'labels': {'role': 'x'}}, 'label role is set by the filter'),
    ((GROUPS, HOSTVARS), {'labels': {'__address__': 'x'}}, "'__address__' is not a valid Prometheus label name"),
    ((GROUPS, HOSTVARS), {'labels': {'a-b': 'x'}}, "'a-b' is not a valid Prometheus label name"),
    ((GROUPS, ['ctl1']), {}, 'hostvars must be a mapping'),
    (({'slurmd': 'c1'},), {}, "group slurmd must be a list of names, got 'c1'"),
])
def test_errors(args, kwargs, message):
    with pytest.raises(AnsibleFilterError, match=message):
        prometheus_file_sd(*args, **kwargs)


def test_with_ansible_groups_and_hostvars(tmp_path):
    """Through the template engine, with the real `groups` and `hostvars` of an INI inventory."""
    (tmp_path / 'hosts').write_text(
        '[slurmctld]\nctl1 node_address=10.0.0.1\n[slurmd]\nc[1:2]\n[partition_debug]\nc[1:2]\n'
        '[all:vars]\nslurm_cluster_name=lab\nexporter_port=9100\n')
    loader = DataLoader()
    inventory = InventoryManager(loader, sources=[str(tmp_path / 'hosts')])
    variable_manager = VariableManager(loader=loader, inventory=inventory)
    variables = variable_manager.get_vars(host=inventory.get_host('ctl1'))
    variables['hostvars'] = HostVars(inventory=inventory, variable_manager=variable_manager, loader=loader)
    templar = Templar(loader=loader, variables=variables)
    text = templar.template(trust_as_template(
        "{{ groups | hpcstack.cluster.prometheus_file_sd(hostvars, port=exporter_port | int, cluster=slurm_cluster_name,"
        " roles=['slurmctld', 'slurmd'], use_address=true) | to_json }}"))
    assert json.loads(text) == [
        {'targets': ['10.0.0.1:9100'], 'labels': {'cluster': 'lab', 'role': 'slurmctld'}},
        {'targets': ['c1:9100', 'c2:9100'], 'labels': {'cluster': 'lab', 'role': 'slurmd', 'partition': 'debug'}},
    ]
