# -*- coding: utf-8 -*-
# Copyright (c) 2025, hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The filters of plugins/filter/hostlist.py and plugins/filter/cluster_model.py."""

from __future__ import annotations

import copy

import pytest

from ansible.errors import AnsibleFilterError
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import init_plugin_loader
from ansible.utils.collection_loader import AnsibleCollectionConfig
from ansible.template import Templar, trust_as_template

if AnsibleCollectionConfig.collection_finder is None:
    init_plugin_loader()  # the collection loader (ANSIBLE_COLLECTIONS_PATH, set by the Makefile) must come before the imports below

from ansible_collections.hpcstack.cluster.plugins.filter import cluster_model, hostlist
from ansible_collections.hpcstack.cluster.plugins.plugin_utils import hostlist as hostlist_utils

NODES = [{'names': 'c[1-2]', 'cpus': 2, 'sockets': 1, 'cores_per_socket': 2, 'threads_per_core': 1, 'real_memory': 1000}]
PARTITIONS = [{'name': 'debug', 'nodes': 'c[1-2]', 'default': True, 'max_time': '1:00:00'}]


@pytest.fixture(scope='module')
def templar():
    return Templar(loader=DataLoader(), variables={'nodes': NODES, 'partitions': PARTITIONS, 'hosts': ['c2', 'c1']})


@pytest.mark.parametrize('expr, names', [
    ('c[1-3],login1', ['c1', 'c2', 'c3', 'login1']),
    (['c[1-2]', 'g01'], ['c1', 'c2', 'g01']),
    ('c[001-002],c002', ['c001', 'c002']),
])
def test_hostlist_expand(expr, names):
    assert hostlist.hostlist_expand(expr) == names


@pytest.mark.parametrize('expr', ['c[1-', 'c[2-1]', 42])
def test_hostlist_expand_rejects(expr):
    with pytest.raises(AnsibleFilterError, match='hostlist expression'):
        hostlist.hostlist_expand(expr)


def test_hostlist_compress():
    assert hostlist.hostlist_compress(['c2', 'c1', 'login1', 'c3']) == 'c[1-3],login1'


def test_hostlist_compress_rejects_a_string():
    with pytest.raises(AnsibleFilterError, match='expects a list of host names'):
        hostlist.hostlist_compress('c1')


GROUPS = {'all': ['ctl1', 'c1', 'c2'], 'slurmctld': ['ctl1'], 'slurmd': ['c1', 'c2']}
HOSTVARS = {'ctl1': {'node_address': '10.0.0.1'}, 'c1': {}, 'c2': {'node_address': '10.0.0.102'}}


@pytest.mark.parametrize('call', [
    lambda: hostlist.hostlist_expand('c1'),
    lambda: hostlist.hostlist_compress(['c1']),
    lambda: cluster_model.cluster_model(GROUPS, HOSTVARS, 'lab', NODES, PARTITIONS),
])
def test_missing_hostlist_library(monkeypatch, call):
    monkeypatch.setattr(hostlist_utils, 'hostlist', None)
    with pytest.raises(AnsibleFilterError, match='^the python-hostlist library is missing: install python-hostlist on the controller$'):
        call()


def test_cluster_model_of_a_hand_written_inventory():
    result = cluster_model.cluster_model(GROUPS, HOSTVARS, 'lab', NODES, PARTITIONS)
    assert result['errors'] == []
    assert result['host_groups'] == {
        'c1': ['slurmd', 'partition_debug', 'slurm_hosts', 'cluster_members'],
        'c2': ['slurmd', 'partition_debug', 'slurm_hosts', 'cluster_members'],
        'ctl1': ['slurm_hosts', 'cluster_members'],
    }
    facts = result['variables']['hpcstack_cluster']
    assert facts['addresses'] == {'ctl1': '10.0.0.1', 'c2': '10.0.0.102'}
    assert facts['slurm_conf']['controller_lines'] == ['SlurmctldHost=ctl1(10.0.0.1)']
    assert result['variables']['slurm_nodes'][0]['gres'] == []


def test_cluster_model_errors_are_returned():
    groups = dict(GROUPS, slurmd=['c1'])
    assert cluster_model.cluster_model(groups, HOSTVARS, 'lab', NODES, PARTITIONS) == {
        'errors': ['slurmd group: nodes c2 of slurm_nodes are not in the group'], 'variables': {}, 'host_groups': {}}


def test_cluster_model_does_not_change_its_input():
    nodes = copy.deepcopy(NODES)
    cluster_model.cluster_model(GROUPS, HOSTVARS, 'lab', nodes, PARTITIONS)
    assert nodes == NODES


@pytest.mark.parametrize('args, message', [
    ((['c1'], HOSTVARS), 'cluster_model: the input (groups) must be a mapping, got list'),
    ((GROUPS, ['c1']), 'cluster_model: hostvars must be a mapping, got list'),
])
def test_cluster_model_rejects(args, message):
    with pytest.raises(AnsibleFilterError) as error:
        cluster_model.cluster_model(*args, 'lab', NODES, PARTITIONS)
    assert str(error.value) == message


def test_filter_names():
    assert sorted(hostlist.FilterModule().filters()) == ['hostlist_compress', 'hostlist_expand']
    assert sorted(cluster_model.FilterModule().filters()) == ['cluster_model', 'host_variable_errors']


@pytest.mark.parametrize('template, result', [
    ("{{ 'c[1-2]' | hpcstack.cluster.hostlist_expand }}", ['c1', 'c2']),
    ('{{ hosts | hpcstack.cluster.hostlist_compress }}', 'c[1-2]'),
])
def test_filters_in_templates(templar, template, result):
    assert templar.template(trust_as_template(template)) == result
