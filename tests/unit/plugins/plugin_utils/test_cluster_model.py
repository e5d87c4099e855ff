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

from ansible_collections.hpcstack.cluster.plugins.plugin_utils import cluster_model as model
from ansible_collections.hpcstack.cluster.plugins.plugin_utils import hostlist
from ansible_collections.hpcstack.cluster.plugins.plugin_utils import slurm_conf


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


def messages(cluster_name, nodes, partitions, slurmd_hosts=None):
    return [problem.message for problem in model.model_problems(cluster_name, nodes, partitions, slurmd_hosts=slurmd_hosts)]


def test_expand_and_compress():
    assert hostlist.expand('c[1-3],login1') == ['c1', 'c2', 'c3', 'login1']
    assert hostlist.expand('c[1-2],c2') == ['c1', 'c2']
    assert hostlist.expand('c[1-2],c2', allow_duplicates=True) == ['c1', 'c2', 'c2']
    assert hostlist.compress(['c3', 'c1', 'c2', 'login1']) == 'c[1-3],login1'
    assert hostlist.compress(['g01', 'g02', 'g03']) == 'g[01-03]'


@pytest.mark.parametrize('expr', ['c[1-', 'c[3-1]', 'c[a-b]', 7])
def test_expand_rejects(expr):
    with pytest.raises(hostlist.HostlistError):
        hostlist.expand(expr)


def test_missing_hostlist_is_explained(monkeypatch):
    monkeypatch.setattr(hostlist, 'hostlist', None)
    for call in (lambda: hostlist.expand('c1'), lambda: hostlist.compress(['c1']), lambda: messages(*lab())):
        with pytest.raises(hostlist.HostlistError, match='^the python-hostlist library is missing: install python-hostlist on the controller$'):
            call()


def test_valid_models_have_no_problems():
    assert messages(*lab()) == []
    assert messages(*two_classes(), slurmd_hosts=['g02', 'c1', 'c2', 'g01']) == []


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
    'gres with spaces': (set_node('gres', ['gpu: a100']), [N0 + ": gres 'gpu: a100' is not name[:type][:count] (e.g. gpu:a100:4)"]),
    'gpu count with a suffix': (set_node('gres', ['gpu:a100:4G']), [N0 + ": gres 'gpu:a100:4G': a GPU count is a plain number"]),
    'gres_autodetect unknown': (set_node('gres_autodetect', 'cuda'),
                                [N0 + ': gres_autodetect must be one of off, nvml, nvidia, rsmi, oneapi, nrt',
                                 N0 + ': gres_autodetect needs gres']),
    'gres_conf and autodetect': (lambda m: m['nodes'][0].update(gres=['gpu:2'], gres_autodetect='nvml', gres_conf=[{'name': 'gpu'}]),
                                 [N0 + ': give gres_conf or gres_autodetect, not both']),
    'gres_conf without gres': (set_node('gres_conf', [{'name': 'gpu', 'file': '/dev/nvidia0'}]), [N0 + ': gres_conf needs gres']),
    'gres_conf for another gres': (lambda m: m['nodes'][0].update(gres=['gpu:2'], gres_conf=[{'name': 'mps', 'count': 200}]),
                                   [N0 + ': gres_conf names mps, which gres does not list']),
    'gres_conf unknown key': (lambda m: m['nodes'][0].update(gres=['gpu:2'], gres_conf=[{'name': 'gpu', 'files': '/dev/x'}]),
                              [N0 + ': gres_conf [0] has unknown keys files (known: name, type, file, count, cores, links, flags)']),
    'gres_conf a mapping': (lambda m: m['nodes'][0].update(gres=['gpu:2'], gres_conf={'name': 'gpu'}),
                            [N0 + ': gres_conf must be a non-empty list of mappings with the keys name, type, file, count, cores, links, flags']),
    'features not strings': (set_node('features', ['ib', 3]), [N0 + ': features must be a list of non-empty strings']),
    'node options a list': (set_node('options', ['State=FUTURE']), [N0 + ': options must be a mapping of option name to value']),
    'names empty': (set_node('names', ''), ['slurm_nodes[0]: names must be a non-empty string',
                                            P0 + ': nodes c[1-2] are not defined in slurm_nodes']),
    'unknown node key': (set_node('memory', 1000), [N0 + ': unknown key memory']),
    'default not a boolean': (set_partition('default', 'yes'), [P0 + ': default must be true or false']),
    'configless not a boolean': (set_node('configless', 'yes'), [N0 + ': configless must be true or false']),
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
    problems = messages(m['cluster_name'], m['nodes'], m['partitions'])
    assert len(problems) == len(expected), problems
    for problem, start in zip(problems, expected):
        assert problem.startswith(start), problem


@pytest.mark.parametrize('key', REQUIRED_NODE_KEYS)
def test_required_node_keys(key):
    _name, nodes, partitions = lab()
    del nodes[0][key]
    assert '%s is required' % key in ' '.join(messages('lab', nodes, partitions))


@pytest.mark.parametrize('key', ['name', 'nodes'])
def test_required_partition_keys(key):
    _name, nodes, partitions = lab()
    del partitions[0][key]
    assert '%s is required' % key in ' '.join(messages('lab', nodes, partitions))


@pytest.mark.parametrize('slurmd_hosts, expected', [
    (['c1'], ['slurmd group: nodes c2 of slurm_nodes are not in the group']),
    (['c1', 'c2', 'login1'], ['slurmd group: hosts login1 are not nodes of slurm_nodes']),
    (['c1', 'x1'], ['slurmd group: hosts x1 are not nodes of slurm_nodes', 'slurmd group: nodes c2 of slurm_nodes are not in the group']),
])
def test_slurmd_group_must_match_nodes(slurmd_hosts, expected):
    assert messages(*lab(), slurmd_hosts=slurmd_hosts) == expected


def test_all_problems_are_reported_together():
    _name, nodes, partitions = two_classes()
    nodes[0]['cpus'] = 3
    partitions[1]['nodes'] = 'g[01-04]'
    partitions.append({'name': 'gpu', 'nodes': 'c1', 'default': True})
    assert len(messages('Lab', nodes, partitions)) == 5


def test_problems_carry_section_and_index_and_custom_labels():
    _name, nodes, partitions = lab()
    partitions.append({'name': 'gpu', 'nodes': 'g1'})
    labels = {'nodes': 'nodes', 'partitions': 'partitions'}
    assert model.model_problems('lab', nodes, partitions, labels=labels) == [
        model.Problem('partitions', 1, 'partitions[1] (gpu): nodes g1 are not defined in nodes')]


def test_slurm_conf_lines_for_the_lab():
    _name, nodes, partitions = lab()
    assert slurm_conf.model_lines(nodes, partitions, ['ctl1'], {}) == {
        'controller_lines': ['SlurmctldHost=ctl1'], 'gres_types': [],
        'node_lines': ['NodeName=c[1-2] CPUs=2 Sockets=1 CoresPerSocket=2 ThreadsPerCore=1 RealMemory=1000 State=UNKNOWN'],
        'partition_lines': ['PartitionName=debug Nodes=c[1-2] Default=YES MaxTime=1:00:00 State=UP'],
        'gres_conf_lines': [],
    }


def test_slurm_conf_lines_merge_identical_hardware_in_first_place():
    hardware = {'cpus': 2, 'sockets': 1, 'cores_per_socket': 2, 'threads_per_core': 1, 'real_memory': 1000}
    nodes = [dict(hardware, names='c[1-2]'), dict(hardware, names='g1', gres=['gpu:a100:4']), dict(hardware, names='c[3-4]'),
             dict(hardware, names='b01')]
    lines = slurm_conf.node_lines(nodes)
    assert [line.split()[0] for line in lines] == ['NodeName=b01,c[1-4]', 'NodeName=g1']


def test_slurm_conf_lines_render_every_key():
    nodes = [{'names': 'g02,g01', 'cpus': 8, 'boards': 2, 'sockets': 2, 'cores_per_socket': 2, 'threads_per_core': 1,
              'real_memory': 4000, 'gres': ['gpu:a100:4', 'nic:1'], 'features': ['a100', 'ib'], 'weight': 10,
              'options': {'State': 'FUTURE', 'TmpDisk': 100000}}]
    partitions = [{'name': 'gpu', 'nodes': 'g[01-02]', 'default': False, 'state': 'DRAIN',
                   'options': {'OverSubscribe': 'NO', 'ExclusiveUser': True, 'AllowGroups': ['hpc', 'gpu']}}]
    assert slurm_conf.model_lines(nodes, partitions, ['ctl1'], {}) == {
        'controller_lines': ['SlurmctldHost=ctl1'], 'gres_types': ['gpu', 'nic'],
        'node_lines': ['NodeName=g[01-02] CPUs=8 Boards=2 SocketsPerBoard=2 CoresPerSocket=2 ThreadsPerCore=1 RealMemory=4000'
                       ' Gres=gpu:a100:4,nic:1 Features=a100,ib Weight=10 State=FUTURE TmpDisk=100000'],
        'partition_lines': ['PartitionName=gpu Nodes=g[01-02] State=DRAIN OverSubscribe=NO ExclusiveUser=YES AllowGroups=hpc,gpu'],
        'gres_conf_lines': ['NodeName=g[01-02] Name=gpu Type=a100 File=/dev/nvidia[0-3]', 'NodeName=g[01-02] Name=nic Count=1'],
    }


def test_gres_conf_lines():
    hardware = {'cpus': 2, 'sockets': 1, 'cores_per_socket': 2, 'threads_per_core': 1, 'real_memory': 1000}
    nodes = [dict(hardware, names='c[1-2]'),
             dict(hardware, names='g[01-02]', gres=['gpu:a100:2', 'gpu:v100:1', 'gpu:1', 'bandwidth:lustre:4G']),
             dict(hardware, names='h1', gres=['gpu:h100:8'], gres_autodetect='nvml'),
             dict(hardware, names='m1', gres=['gpu:2', 'mps:200'], gres_conf=[
                 {'name': 'gpu', 'file': '/dev/nvidia[0-1]', 'cores': '0-1'}, {'name': 'mps', 'count': 200, 'file': '/dev/nvidia[0-1]'}])]
    assert slurm_conf.gres_conf_lines(nodes) == [
        'NodeName=g[01-02] Name=gpu Type=a100 File=/dev/nvidia[0-1]',
        'NodeName=g[01-02] Name=gpu Type=v100 File=/dev/nvidia2',
        'NodeName=g[01-02] Name=gpu File=/dev/nvidia3',
        'NodeName=g[01-02] Name=bandwidth Type=lustre Count=4G',
        'NodeName=h1 AutoDetect=nvml',
        'NodeName=m1 Name=gpu File=/dev/nvidia[0-1] Cores=0-1',
        'NodeName=m1 Name=mps File=/dev/nvidia[0-1] Count=200',
    ]
    assert messages('lab', nodes, [{'name': 'all', 'nodes': 'c[1-2],g[01-02],h1,m1'}]) == []


def test_slurm_conf_lines_do_not_change_the_model():
    _name, nodes, partitions = two_classes()
    before = copy.deepcopy((nodes, partitions))
    slurm_conf.model_lines(nodes, partitions, ['ctl1'], {})
    assert (nodes, partitions) == before


# ---- the model object: normalisation and derived facts ----

def build(**kwargs):
    name, nodes, partitions = kwargs.pop('model', None) or two_classes()
    groups = dict({'slurmctld': ['ctl1'], 'slurmdbd': ['ctl1'], 'slurmrestd': ['ctl1'], 'login': ['login1'],
                   'slurmd': ['c1', 'c2', 'g01', 'g02']}, **kwargs.pop('groups', {}))
    return model.build(name, nodes, partitions, groups=groups, **kwargs)


def test_a_hand_written_model_without_optional_keys_is_normalised():
    """Regression: a hand-written slurm_nodes entry without gres made site.yml fail ("dict has no attribute 'gres'")."""
    built = build()
    assert built.nodes[0] == {'names': 'c[1-2]', 'cpus': 2, 'sockets': 1, 'cores_per_socket': 2, 'threads_per_core': 1,
                              'real_memory': 1000, 'gres': [], 'features': [], 'configless': False, 'options': {}}
    assert built.partitions[1] == {'name': 'gpu', 'nodes': 'g[01-02]', 'default': False, 'max_time': 'UNLIMITED',
                                   'state': 'UP', 'options': {}}
    assert built.facts()['slurm_conf']['node_lines'][0].startswith('NodeName=c[1-2] CPUs=2 ')


def test_derived_groups():
    groups = build(addresses={'ctl1': '10.0.0.1', 'c1': '10.0.0.101'}).groups()
    assert groups == {
        'slurmctld': ['ctl1'], 'slurmdbd': ['ctl1'], 'slurmrestd': ['ctl1'], 'login': ['login1'], 'monitoring': [],
        'nfs_server': [], 'slurmd': ['c1', 'c2', 'g01', 'g02'], 'partition_debug': ['c1', 'c2'], 'partition_gpu': ['g01', 'g02'],
        'slurm_hosts': ['ctl1', 'c1', 'c2', 'g01', 'g02', 'login1'],
        'cluster_members': ['ctl1', 'c1', 'c2', 'g01', 'g02', 'login1'],
        'slurm_accounting_database': ['ctl1'], 'slurm_jwt_hosts': ['ctl1'], 'slurm_gpu_nodes': ['g01', 'g02'],
        'slurm_exporter': ['ctl1'], 'dcgm_exporter': ['g01', 'g02'], 'slurm_configless': [],
    }


def test_sites_place_the_exporters_themselves():
    groups = build(groups={'slurm_exporter': ['mon1'], 'dcgm_exporter': ['c1']}).groups()
    assert (groups['slurm_exporter'], groups['dcgm_exporter']) == (['mon1'], ['c1'])


@pytest.mark.parametrize('kwargs, database, members', [
    ({}, 'ctl1', ['ctl1']),
    ({'accounting_database_host': 'db1', 'inventory_hosts': ['ctl1', 'db1']}, 'db1', ['db1']),
    ({'accounting_database_host': 'db.example.org', 'inventory_hosts': ['ctl1']}, 'db.example.org', []),
])
def test_the_accounting_database_host(kwargs, database, members):
    built = build(**kwargs)
    assert built.facts()['accounting_database_host'] == database
    assert built.groups()['slurm_accounting_database'] == members


def test_database_clients_are_the_other_slurmdbd_hosts():
    built = build(groups={'slurmdbd': ['dbd1', 'dbd2']}, accounting_database_host='dbd1',
                  addresses={'dbd2': '10.0.0.3'})
    assert built.facts()['accounting_database_clients'] == ['dbd2', '10.0.0.3']
    assert build().facts()['accounting_database_clients'] == []


def test_without_slurmdbd_and_slurmrestd():
    built = build(groups={'slurmdbd': [], 'slurmrestd': []})
    facts = built.facts()
    assert (facts['accounting_storage_host'], facts['accounting_database_host'], facts['jwt']) == ('', '', False)
    assert built.groups()['slurm_jwt_hosts'] == built.groups()['slurm_accounting_database'] == built.groups()['slurm_exporter'] == []


def test_facts_and_variables():
    built = build(groups={'slurmctld': ['ctl1', 'ctl2']}, addresses={'ctl1': '10.0.0.1', 'x9': '10.9.9.9'})
    facts = built.facts()
    assert facts['controllers'] == ['ctl1', 'ctl2']
    assert facts['addresses'] == {'ctl1': '10.0.0.1'}, 'addresses of hosts outside the cluster are left out'
    assert facts['slurm_conf']['controller_lines'] == ['SlurmctldHost=ctl1(10.0.0.1)', 'SlurmctldHost=ctl2']
    assert facts['slurm_conf']['gres_types'] == ['gpu']
    assert facts['slurm_conf']['partition_lines'] == ['PartitionName=debug Nodes=c[1-2] Default=YES MaxTime=1:00:00 State=UP',
                                                      'PartitionName=gpu Nodes=g[01-02] MaxTime=UNLIMITED State=UP']
    variables = built.variables()
    assert sorted(variables) == ['hpcstack_cluster', 'slurm_cluster_name', 'slurm_nodes', 'slurm_partitions']
    assert variables['hpcstack_cluster'] == facts and variables['slurm_nodes'] == built.nodes


@pytest.mark.parametrize('groups, message', [
    ({'slurmctld': []}, 'group slurmctld is empty: the cluster needs at least one controller'),
    ({'dcgm_exporter': ['login1']}, 'group dcgm_exporter: hosts login1 are not compute nodes'),
    ({'slurmd': ['c1', 'c2', 'g01']}, 'slurmd group: nodes g02 of slurm_nodes are not in the group'),
    ({'slurm_configless': ['login1', 'mon1']}, 'group slurm_configless: hosts mon1 are neither compute nodes nor login nodes'),
    ({'slurm_configless': ['login1'], 'login': ['login1', 'ctl2'], 'slurmctld': ['ctl1', 'login1']},
     'hosts login1 are configless but run slurmctld or slurmdbd, which read their own slurm.conf'),
])
def test_build_rejects(groups, message):
    with pytest.raises(model.ModelError) as error:
        build(groups=groups)
    assert [problem.message for problem in error.value.problems] == [message]
    assert str(error.value) == 'The cluster model is not valid:\n- ' + message


def test_configless_nodes_and_login_nodes():
    name, nodes, partitions = two_classes()
    nodes[1]['configless'] = True
    built = build(model=(name, nodes, partitions), groups={'slurmctld': ['ctl1', 'ctl2'], 'slurm_configless': ['login1']},
                  addresses={'ctl1': '10.0.0.1'})
    facts = built.facts()
    assert built.groups()['slurm_configless'] == ['g01', 'g02', 'login1']
    assert facts['slurm_conf']['slurmctld_parameters'] == ['enable_configless']
    assert facts['conf_servers'] == ['10.0.0.1', 'ctl2'], 'primary first, by address where the model knows it'
    assert build().facts()['slurm_conf']['slurmctld_parameters'] == []


def test_a_configless_compute_node_cannot_be_a_controller():
    name, nodes, partitions = lab()
    nodes[0]['configless'] = True
    with pytest.raises(model.ModelError) as error:
        build(model=(name, nodes, partitions), groups={'slurmd': ['c1', 'c2'], 'slurmctld': ['c1']})
    assert str(error.value) == ('The cluster model is not valid:\n- hosts c1 are configless but run slurmctld or slurmdbd, '
                                'which read their own slurm.conf')


def test_building_does_not_change_the_input():
    name, nodes, partitions = two_classes()
    before = copy.deepcopy((nodes, partitions))
    built = build(model=(name, nodes, partitions))
    built.variables()['slurm_nodes'][0]['features'].append('x')
    assert (nodes, partitions) == before and built.nodes[0]['features'] == []


# ---- cloud node classes (docs/elastic.md) ----

from ansible_collections.hpcstack.cluster.programs.hpcstack_elastic import config as elastic_config  # noqa: E402

EC2 = {'region': 'eu-west-1', 'launch_template': {'name': 'hpc-compute'}, 'role_arn': 'arn:aws:iam::111111111111:role/hpc-burst'}


def hybrid(**cloud_changes):
    name, nodes, partitions = lab()
    cloud = dict({'class': 'aws', 'provider': 'ec2', 'ec2': EC2}, **cloud_changes)
    nodes.append(dict(nodes[0], names='aws-[1-4]', configless=True, cloud=cloud))
    nodes.append(dict(nodes[0], names='cloud[1-2]', configless=True,
                      cloud={'class': 'lab', 'provider': 'docker', 'docker': {'image': 'hpclab/compute:trixie', 'network': 'hpclab'}}))
    partitions[0]['nodes'] = 'c[1-2],aws-[1-4],cloud[1-2]'
    return name, nodes, partitions


def build_hybrid(nodes=None, addresses=None, power_saving=None):
    name, default_nodes, partitions = hybrid()
    return model.build(name, nodes or default_nodes, partitions, groups={'slurmctld': ['ctl1', 'ctl2']}, check_slurmd_group=False,
                       addresses=addresses or {'ctl1': '10.0.0.11'}, power_saving=power_saving)


def cloud_messages(nodes=None, addresses=None, power_saving=None):
    with pytest.raises(model.ModelError) as error:
        build_hybrid(nodes, addresses, power_saving)
    return [problem.message for problem in error.value.problems]


def test_cloud_classes_and_their_program_config():
    facts = build_hybrid().facts()
    assert facts['cloud_classes'] == {'aws': {'nodes': 'aws-[1-4]', 'provider': 'ec2'},
                                      'lab': {'nodes': 'cloud[1-2]', 'provider': 'docker'}}
    elastic = facts['elastic']
    assert elastic['commands']['resume'] == '/usr/local/sbin/hpcstack-elastic-resume'
    assert elastic['config_path'] == elastic_config.DEFAULT_PATH
    config = elastic['config']
    assert elastic_config.validate(config, expand=hostlist.expand) == []
    assert config['cluster'] == 'lab' and config['classes']['aws']['ec2'] == EC2
    # Docker classes fetch slurm.conf from the controllers, by address where the model knows it.
    assert config['classes']['lab']['docker']['conf_servers'] == ['10.0.0.11', 'ctl2']
    lines = facts['slurm_conf']['node_lines']
    assert lines[1] == ('NodeName=aws-[1-4] CPUs=2 Sockets=1 CoresPerSocket=2 ThreadsPerCore=1 RealMemory=1000 Features=aws '
                        'Weight=1000 State=CLOUD')
    assert lines[0].endswith('State=UNKNOWN') and 'Weight' not in lines[0]
    static_only = [line for entry in facts['slurm_conf']['power_saving'] for line in entry['lines'] if line.startswith('SuspendExcNodes')]
    assert static_only == ['SuspendExcNodes=c[1-2]'] * 3
    assert [entry['since'] for entry in facts['slurm_conf']['power_saving']] == ['22.05', '23.02', '23.11']


def test_a_cloud_class_keeps_its_own_weight_and_features():
    _name, nodes, _partitions = hybrid()
    nodes[1] = dict(nodes[1], weight=5, features=['ib'])
    assert build_hybrid(nodes).facts()['slurm_conf']['node_lines'][1].endswith('Features=ib,aws Weight=5 State=CLOUD')


def test_program_settings_come_from_slurm_power_saving():
    config = build_hybrid(power_saving={'elastic': {'batch_size': 10, 'timeouts': {'address': 60}}}).facts()['elastic']['config']
    assert config['batch_size'] == 10 and config['timeouts'] == {'address': 60}


def test_static_cluster_has_no_cloud_facts():
    name, nodes, partitions = lab()
    facts = model.build(name, nodes, partitions, groups={'slurmctld': ['ctl1']}, check_slurmd_group=False).facts()
    assert facts['cloud_classes'] == {} and facts['elastic'] == {} and facts['slurm_conf']['power_saving'] == []
    assert facts['slurm_conf']['slurmctld_parameters'] == []


def test_cloud_mistakes():
    _name, nodes, _partitions = hybrid()
    nodes[1] = dict(nodes[1], configless=False, options={'NodeAddr': '10.1.1.1'},
                    cloud={'class': 'aws', 'provider': 'ec2', 'ec2': {'role_arn': 'arn:aws:iam::1:user/x', 'launch_template': {'name': 'hpc-compute'}}})
    nodes[2] = dict(nodes[2], cloud={'class': 'aws', 'provider': 'gce'})
    assert cloud_messages(nodes, addresses={'aws-3': '10.1.1.3'}, power_saving={'elastic': {'batch_size': 0}}) == [
        'slurm_nodes[1] (aws-[1-4]): cloud nodes must be configless (configless: true): an instance has no slurm.conf of its '
        'own and fetches it from the controllers',
        'slurm_nodes[1] (aws-[1-4]): cloud nodes get their address when their instance starts: remove node_address of aws-3',
        'slurm_nodes[1] (aws-[1-4]): cloud nodes get their address when their instance starts: remove NodeAddr from options',
        'slurm_nodes[2] (cloud[1-2]): cloud class aws is already used by slurm_nodes[1] (aws-[1-4])',
        'slurm_nodes[1] (aws-[1-4]): cloud.ec2.region: is required (the AWS region to launch in, e.g. eu-west-1)',
        "slurm_nodes[1] (aws-[1-4]): cloud.ec2.role_arn: 'arn:aws:iam::1:user/x' is not valid "
        "(like arn:aws:iam::123456789012:role/hpc-burst)",
        'slurm_power_saving: elastic.batch_size: must be between 1 and 1000, got 0',
    ]


def test_cloud_shape_and_power_saving_keys():
    _name, nodes, _partitions = hybrid()
    nodes[1] = dict(nodes[1], cloud={'class': 'aws', 'provider': 'ec2', 'ec3': {}})
    nodes[2] = dict(nodes[2], cloud='docker')
    assert cloud_messages(nodes, power_saving={'suspend_time': 'soon', 'elastic': []}) == [
        'slurm_nodes[1] (aws-[1-4]): cloud has unknown keys ec3 (known: class, provider, all_or_nothing, docker, ec2)',
        "slurm_nodes[2] (cloud[1-2]): cloud must be a mapping with class, provider and the provider's settings",
        'slurm_power_saving: suspend_time must be seconds (0 or more) or INFINITE',
        'slurm_power_saving: elastic must be a mapping of option name to value',
    ]
    assert cloud_messages(power_saving={'elastic': {'classes': {}}}) == [
        'slurm_power_saving: elastic has unknown keys classes (known: state_dir, scontrol, batch_size, launch_parallelism, timeouts)']


def test_partition_suspend_time():
    name, nodes, partitions = hybrid()
    partitions[0]['suspend_time'] = 'INFINITE'
    built = model.build(name, nodes, partitions, groups={'slurmctld': ['ctl1']}, check_slurmd_group=False)
    assert built.facts()['slurm_conf']['partition_lines'][0].endswith('State=UP SuspendTime=INFINITE')


def test_cloud_nodes_are_in_no_host_group():
    name, nodes, partitions = hybrid()
    nodes[1]['gres'] = ['gpu:1']
    built = model.build(name, nodes, partitions, groups={'slurmctld': ['ctl1'], 'slurmd': ['c1', 'c2']})
    groups = built.groups()
    assert groups['slurmd'] == ['c1', 'c2'] and groups['partition_debug'] == ['c1', 'c2']
    assert groups['slurm_configless'] == [] and groups['slurm_gpu_nodes'] == []
    assert 'aws-1' not in groups['cluster_members']
    assert messages(name, nodes, partitions, slurmd_hosts=['c1', 'c2', 'aws-1']) == [
        'slurmd group: hosts aws-1 are cloud nodes: leave them out of the group (no play can reach a node that is powered down)']


def test_cloud_nodes_alone_make_the_controllers_configless():
    name, nodes, partitions = hybrid()
    built = model.build(name, nodes, partitions, groups={'slurmctld': ['ctl1']}, check_slurmd_group=False)
    assert built.facts()['slurm_conf']['slurmctld_parameters'] == ['enable_configless']
