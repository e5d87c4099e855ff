# -*- coding: utf-8 -*-
# Copyright (c) 2025, hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import copy

import pytest

from ansible.plugins.loader import init_plugin_loader
from ansible.utils.collection_loader import AnsibleCollectionConfig

if AnsibleCollectionConfig.collection_finder is None:
    init_plugin_loader()  # the collection loader (ANSIBLE_COLLECTIONS_PATH, set by the Makefile) must come before the imports below

from ansible_collections.hpcstack.cluster.plugins.module_utils import _cluster_model as model


def lab():
    """The lab model of docs/cluster-model.md: (cluster_name, nodes, partitions)."""
    nodes = [{'names': 'c[1-2]', 'cpus': 2, 'sockets': 1, 'cores_per_socket': 2, 'threads_per_core': 1, 'real_memory': 1000}]
    partitions = [{'name': 'debug', 'nodes': 'c[1-2]', 'default': True, 'max_time': '1:00:00'}]
    return 'lab', nodes, partitions


def two_classes():
    name, nodes, partitions = lab()
    nodes.append(dict(nodes[0], names='g[01-02]', gres=['gpu:a100:4']))
    partitions.append({'name': 'gpu', 'nodes': 'g[01-02]'})
    return name, nodes, partitions


def test_expand_and_compress():
    assert model.expand('c[1-3],login1') == ['c1', 'c2', 'c3', 'login1']
    assert model.expand('c[1-2],c2') == ['c1', 'c2']
    assert model.expand('c[1-2],c2', allow_duplicates=True) == ['c1', 'c2', 'c2']
    assert model.compress(['c3', 'c1', 'c2', 'login1']) == 'c[1-3],login1'
    assert model.compress(['g01', 'g02', 'g03']) == 'g[01-03]'


@pytest.mark.parametrize('expr', ['c[1-', 'c[3-1]', 'c[a-b]', 7])
def test_expand_rejects(expr):
    with pytest.raises(model.HostlistError):
        model.expand(expr)


def test_missing_hostlist_is_explained(monkeypatch):
    monkeypatch.setattr(model, 'HAS_HOSTLIST', False)
    for call in (lambda: model.expand('c1'), lambda: model.compress(['c1']), lambda: model.validate_model(*lab())):
        with pytest.raises(model.HostlistError, match='install python-hostlist on the controller'):
            call()


def test_valid_models_have_no_problems():
    assert model.validate_model(*lab()) == []
    assert model.validate_model(*two_classes(), slurmd_hosts=['g02', 'c1', 'c2', 'g01']) == []


def set_node(key, value, index=0):
    def change(m):
        m['nodes'][index][key] = value
    return change


def set_partition(key, value, index=0):
    def change(m):
        m['partitions'][index][key] = value
    return change


def drop_node_key(key):
    def change(m):
        del m['nodes'][0][key]
    return change


def add_partition(**entry):
    return lambda m: m['partitions'].append(entry)


def add_node(**changes):
    return lambda m: m['nodes'].append(dict(m['nodes'][0], **changes))


def set_top(key, value):
    def change(m):
        m[key] = value
    return change


P0 = 'slurm_partitions[0] (debug)'
N0 = 'slurm_nodes[0] (c[1-2])'
ERROR_CASES = {
    'cluster name upper case': (set_top('cluster_name', 'Lab'),
                                ["slurm_cluster_name: 'Lab' is not a valid cluster name (1 to 40 of a-z, 0-9 and _)"]),
    'cluster name too long': (set_top('cluster_name', 'a' * 41), ["slurm_cluster_name: '%s' is not a valid cluster name" % ('a' * 41)]),
    'cluster name missing': (set_top('cluster_name', None), ['slurm_cluster_name: None is not a valid cluster name']),
    'node hostlist syntax': (set_node('names', 'c[1-'), [N0.replace('c[1-2]', 'c[1-') + ": names: invalid hostlist expression 'c[1-': unbalanced brackets",
                                                         P0 + ': nodes c[1-2] are not defined in slurm_nodes']),
    'partition hostlist syntax': (set_partition('nodes', 'c[2-1]'), [P0 + ": nodes: invalid hostlist expression 'c[2-1]': start > stop",
                                                                     N0 + ': nodes c[1-2] are in no partition']),
    'node listed twice in one entry': (set_node('names', 'c[1-2],c2'), ['slurm_nodes[0] (c[1-2],c2): names lists c2 more than once']),
    'node in two entries': (add_node(names='c[2-3]'), ['slurm_nodes[1] (c[2-3]): nodes c2 are already defined by ' + N0,
                                                       'slurm_nodes[1] (c[2-3]): nodes c3 are in no partition']),
    'node in no partition': (set_partition('nodes', 'c1'), [N0 + ': nodes c2 are in no partition']),
    'partition names unknown nodes': (add_partition(name='gpu', nodes='g[03-04],c1'),
                                      ['slurm_partitions[1] (gpu): nodes g[03-04] are not defined in slurm_nodes']),
    'duplicate partition name': (add_partition(name='debug', nodes='c1'),
                                 ['slurm_partitions[1] (debug): partition name debug is already used by ' + P0]),
    'two default partitions': (add_partition(name='all', nodes='c1', default=True),
                               ['slurm_partitions[1] (all): only one partition can be the default, and %s already is' % P0]),
    'cpus mismatch': (set_node('cpus', 4), [N0 + ': cpus is 4 but sockets 1 x cores_per_socket 2 x threads_per_core 1 is 2']),
    'cpus mismatch with boards': (set_node('boards', 2), [N0 + ': cpus is 2 but boards 2 x sockets 1 x cores_per_socket 2 x threads_per_core 1 is 4']),
    'cpus not an integer': (set_node('cpus', '2'), [N0 + ': cpus must be an integer']),
    'boolean is not an integer': (set_node('sockets', True), [N0 + ': sockets must be an integer']),
    'real_memory zero': (set_node('real_memory', 0), [N0 + ': real_memory must be at least 1']),
    'weight negative': (set_node('weight', -1), [N0 + ': weight must be at least 0']),
    'gres a string': (set_node('gres', 'gpu:a100:4'), [N0 + ': gres must be a list of strings']),
    'features not strings': (set_node('features', ['ib', 3]), [N0 + ': features must be a list of non-empty strings']),
    'node options a list': (set_node('options', ['State=FUTURE']), [N0 + ': options must be a mapping of option name to value']),
    'names empty': (set_node('names', ''), ['slurm_nodes[0]: names must be a non-empty string',
                                            P0 + ': nodes c[1-2] are not defined in slurm_nodes']),
    'unknown node key': (set_node('memory', 1000), [N0 + ': unknown key memory']),
    'default not a boolean': (set_partition('default', 'yes'), [P0 + ': default must be true or false']),
    'max_time unquoted': (set_partition('max_time', 3600), [P0 + ': max_time must be a quoted string such as "1:00:00"'
                                                                 ' (unquoted, YAML reads 1:00:00 as the number 3600)']),
    'max_time nonsense': (set_partition('max_time', 'soon'), [P0 + ': max_time must be UNLIMITED, minutes, '
                                                                   '"[days-]hours:minutes:seconds" or another Slurm time format']),
    'state lower case': (set_partition('state', 'up'), [P0 + ': state must be one of UP, DOWN, DRAIN, INACTIVE']),
    'partition name with a space': (set_partition('name', 'de bug'), ['slurm_partitions[0] (de bug): name must be a partition name'
                                                                      ' (letters, digits, "_", "." and "-")']),
    'partition options a string': (set_partition('options', 'OverSubscribe=NO'), [P0 + ': options must be a mapping of option name to value']),
    'unknown partition key': (set_partition('maxtime', '1:00:00'), [P0 + ': unknown key maxtime']),
    'node entry not a mapping': (lambda m: m['nodes'].append('c3'), ['slurm_nodes[1]: must be a mapping']),
    'nodes not a list': (set_top('nodes', {'names': 'c1'}), ["slurm_nodes: must be a list, got {'names': 'c1'}",
                                                             P0 + ': nodes c[1-2] are not defined in slurm_nodes']),
    'partitions not a list': (set_top('partitions', None), ['slurm_partitions: must be a list, got None']),
}
REQUIRED_NODE_KEYS = ['names', 'cpus', 'sockets', 'cores_per_socket', 'threads_per_core', 'real_memory']


@pytest.mark.parametrize('change, expected', ERROR_CASES.values(), ids=list(ERROR_CASES))
def test_each_problem_is_reported(change, expected):
    cluster_name, nodes, partitions = lab()
    m = {'cluster_name': cluster_name, 'nodes': nodes, 'partitions': partitions}
    change(m)
    problems = model.validate_model(m['cluster_name'], m['nodes'], m['partitions'])
    assert len(problems) == len(expected), problems
    for problem, start in zip(problems, expected):
        assert problem.startswith(start)


@pytest.mark.parametrize('key', REQUIRED_NODE_KEYS)
def test_required_node_keys(key):
    _name, nodes, partitions = lab()
    del nodes[0][key]
    assert '%s is required' % key in ' '.join(model.validate_model('lab', nodes, partitions))


@pytest.mark.parametrize('key', ['name', 'nodes'])
def test_required_partition_keys(key):
    _name, nodes, partitions = lab()
    del partitions[0][key]
    assert '%s is required' % key in ' '.join(model.validate_model('lab', nodes, partitions))


@pytest.mark.parametrize('slurmd_hosts, expected', [
    (['c1'], ['slurmd group: nodes c2 of slurm_nodes are not in the group']),
    (['c1', 'c2', 'login1'], ['slurmd group: hosts login1 are not nodes of slurm_nodes']),
    (['c1', 'x1'], ['slurmd group: hosts x1 are not nodes of slurm_nodes', 'slurmd group: nodes c2 of slurm_nodes are not in the group']),
])
def test_slurmd_group_must_match_nodes(slurmd_hosts, expected):
    assert model.validate_model(*lab(), slurmd_hosts=slurmd_hosts) == expected


def test_all_problems_are_reported_together():
    _name, nodes, partitions = two_classes()
    nodes[0]['cpus'] = 3
    partitions[1]['nodes'] = 'g[01-04]'
    partitions.append({'name': 'gpu', 'nodes': 'c1', 'default': True})
    assert len(model.validate_model('Lab', nodes, partitions)) == 5


def test_problems_carry_section_and_index_and_custom_labels():
    _name, nodes, partitions = lab()
    partitions.append({'name': 'gpu', 'nodes': 'g1'})
    labels = {'nodes': 'nodes', 'partitions': 'partitions'}
    assert model.model_problems('lab', nodes, partitions, labels=labels) == [
        ('partitions', 1, 'partitions[1] (gpu): nodes g1 are not defined in nodes')]


def test_slurm_conf_lines_for_the_lab():
    _name, nodes, partitions = lab()
    assert model.slurm_conf_lines(nodes, partitions) == {
        'node_lines': ['NodeName=c[1-2] CPUs=2 Sockets=1 CoresPerSocket=2 ThreadsPerCore=1 RealMemory=1000 State=UNKNOWN'],
        'partition_lines': ['PartitionName=debug Nodes=c[1-2] Default=YES MaxTime=1:00:00 State=UP'],
    }


def test_slurm_conf_lines_merge_identical_hardware_in_first_place():
    hardware = {'cpus': 2, 'sockets': 1, 'cores_per_socket': 2, 'threads_per_core': 1, 'real_memory': 1000}
    nodes = [dict(hardware, names='c[1-2]'), dict(hardware, names='g1', gres=['gpu:a100:4']), dict(hardware, names='c[3-4]'),
             dict(hardware, names='b01')]
    lines = model.slurm_conf_lines(nodes, [])['node_lines']
    assert [line.split()[0] for line in lines] == ['NodeName=b01,c[1-4]', 'NodeName=g1']


def test_slurm_conf_lines_render_every_key():
    nodes = [{'names': 'g02,g01', 'cpus': 8, 'boards': 2, 'sockets': 2, 'cores_per_socket': 2, 'threads_per_core': 1,
              'real_memory': 4000, 'gres': ['gpu:a100:4', 'nic:1'], 'features': ['a100', 'ib'], 'weight': 10,
              'options': {'State': 'FUTURE', 'TmpDisk': 100000}}]
    partitions = [{'name': 'gpu', 'nodes': 'g[01-02]', 'default': False, 'state': 'DRAIN',
                   'options': {'OverSubscribe': 'NO', 'ExclusiveUser': True, 'AllowGroups': ['hpc', 'gpu']}}]
    assert model.slurm_conf_lines(nodes, partitions) == {
        'node_lines': ['NodeName=g[01-02] CPUs=8 Boards=2 SocketsPerBoard=2 CoresPerSocket=2 ThreadsPerCore=1 RealMemory=4000'
                       ' Gres=gpu:a100:4,nic:1 Features=a100,ib Weight=10 State=FUTURE TmpDisk=100000'],
        'partition_lines': ['PartitionName=gpu Nodes=g[01-02] State=DRAIN OverSubscribe=NO ExclusiveUser=YES AllowGroups=hpc,gpu'],
    }


def test_slurm_conf_lines_do_not_change_the_model():
    _name, nodes, partitions = two_classes()
    before = copy.deepcopy((nodes, partitions))
    model.slurm_conf_lines(nodes, partitions)
    assert (nodes, partitions) == before
