# -*- coding: utf-8 -*-
# Copyright (c) 2025, hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The hpcstack.cluster.cluster inventory plugin, run through Ansible's plugin loader on spec files."""

from __future__ import annotations

from pathlib import Path

import pytest

from ansible.errors import AnsibleError, AnsibleParserError
from ansible.inventory.data import InventoryData
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import init_plugin_loader, inventory_loader
from ansible.utils.collection_loader import AnsibleCollectionConfig

if AnsibleCollectionConfig.collection_finder is None:
    init_plugin_loader()  # the collection loader (ANSIBLE_COLLECTIONS_PATH, set by the Makefile) must come before the imports below

from ansible_collections.hpcstack.cluster.plugins.inventory.cluster import partition_group

LAB_SPEC = Path(__file__).parent / 'fixtures' / 'lab' / 'cluster.yml'
EXAMPLE_SPEC = Path(__file__).parents[4] / 'inventories' / 'example' / 'cluster.yml'
LAB = LAB_SPEC.read_text()
COMPUTE = """
  - names: g[01-02]
    cpus: 4
    sockets: 2
    cores_per_socket: 2
    threads_per_core: 1
    real_memory: 8000
    gres: ["gpu:a100:4"]
    features: [a100, ib]
"""


def parse(path):
    inventory = InventoryData()
    inventory_loader.get('hpcstack.cluster.cluster').parse(inventory, DataLoader(), str(path), cache=False)
    return inventory


def parse_text(tmp_path, text):
    path = tmp_path / 'cluster.yml'
    path.write_text(text)
    return parse(path)


def edit(text, old, new):
    assert old in text, old
    return text.replace(old, new, 1)


def members(inventory, group):
    return [host.name for host in inventory.groups[group].hosts]


def own_vars(inventory, host):
    """The variables the plugin gave ``host`` (without inventory_file and inventory_dir)."""
    return {name: value for name, value in inventory.hosts[host].vars.items() if not name.startswith('inventory_')}


def test_lab_spec():
    inventory = parse(LAB_SPEC)
    assert {name: members(inventory, name) for name in inventory.groups} == {
        'all': [], 'ungrouped': [], 'slurmctld': ['ctl1'], 'slurmdbd': [], 'slurmrestd': [], 'login': ['login1'],
        'monitoring': [], 'nfs_server': [], 'slurmd': ['c1', 'c2'], 'partition_debug': ['c1', 'c2'],
        # Derived by the preflight from the whole inventory (other sources may add hosts): empty here.
        'slurm_hosts': [], 'cluster_members': [], 'slurm_accounting_database': [], 'slurm_jwt_hosts': [], 'slurm_gpu_nodes': [],
        # A site's own placements (extra_groups or another source); empty until one is given.
        'slurm_exporter': [], 'dcgm_exporter': [], 'slurm_configless': [], 'grafana': [],
    }
    assert {name: own_vars(inventory, name) for name in inventory.hosts} == {
        'ctl1': {'node_address': '172.31.250.10'}, 'login1': {'node_address': '172.31.250.20'},
        'c1': {'node_address': '172.31.250.101'}, 'c2': {'node_address': '172.31.250.102'},
    }
    assert inventory.groups['all'].vars == {
        'slurm_cluster_name': 'lab',
        'slurm_nodes': [{'names': 'c[1-2]', 'cpus': 2, 'sockets': 1, 'cores_per_socket': 2, 'threads_per_core': 1,
                         'real_memory': 1000, 'gres': [], 'features': [], 'configless': False, 'options': {}}],
        'slurm_partitions': [{'name': 'debug', 'nodes': 'c[1-2]', 'default': True, 'max_time': '1:00:00', 'state': 'UP',
                              'options': {}}],
    }


def test_address_prefix_moves_every_address(tmp_path):
    inventory = parse_text(tmp_path, edit(LAB, 'address_prefix: 172.31.250', 'address_prefix: 10.99.7'))
    assert sorted(host.vars['node_address'] for host in inventory.hosts.values()) == [
        '10.99.7.10', '10.99.7.101', '10.99.7.102', '10.99.7.20']


def test_example_site():
    inventory = parse(EXAMPLE_SPEC)
    assert members(inventory, 'slurmctld') == ['slurmctl1', 'slurmctl2']
    assert len(members(inventory, 'slurmd')) == 128 + 8 + 16
    assert members(inventory, 'partition_debug') == ['c001', 'c002', 'c003', 'c004']
    assert members(inventory, 'mariadb') == members(inventory, 'slurmdbd') == ['slurmdb1']
    assert inventory.hosts['c128'].vars['node_address'] == '10.20.1.128'
    assert own_vars(inventory, 'nfs1') == {'node_address': '10.20.0.41', 'nfs_export_network': '10.20.0.0/16'}
    gpu = inventory.groups['all'].vars['slurm_nodes'][2]
    assert (gpu['names'], gpu['gres'], gpu['weight']) == ('g[01-16]', ['gpu:a100:4'], 100)


@pytest.mark.parametrize('name, accepted', [('cluster.yml', True), ('site.yaml', True), ('hosts.ini', False)])
def test_verify_file(tmp_path, name, accepted):
    path = tmp_path / name
    path.write_text(LAB)
    assert inventory_loader.get('hpcstack.cluster.cluster').verify_file(str(path)) is accepted


def test_service_hosts_and_extra_groups(tmp_path):
    text = edit(LAB, 'controllers: [ctl1]', 'controllers: [ctl2, ctl1]\nslurmdbd: db1\nlogin: login[1-2]\n'
                'monitoring: [mon1]\nnfs_server: ctl1\nslurmrestd: [rest1]\nextra_groups:\n  storage: "nfs[1-2],ctl1"')
    inventory = parse_text(tmp_path, edit(text, 'login: [login1]', ''))
    assert members(inventory, 'slurmctld') == ['ctl2', 'ctl1']
    assert members(inventory, 'slurmdbd') == ['db1']
    assert members(inventory, 'slurmrestd') == ['rest1']
    assert members(inventory, 'login') == ['login1', 'login2']
    assert members(inventory, 'monitoring') == ['mon1']
    assert members(inventory, 'nfs_server') == ['ctl1']
    assert members(inventory, 'storage') == ['nfs1', 'nfs2', 'ctl1']
    assert 'node_address' not in inventory.hosts['login2'].vars


def test_a_site_places_the_exporters_with_extra_groups(tmp_path):
    inventory = parse_text(tmp_path, edit(LAB, 'login: [login1]', 'login: [login1]\nextra_groups:\n  slurm_exporter: [mon1]\n  grafana: g1'))
    assert members(inventory, 'slurm_exporter') == ['mon1'] and members(inventory, 'grafana') == ['g1']


def test_host_and_group_vars(tmp_path):
    text = edit(LAB, 'login1: {address: "{prefix}.20"}', 'login1: {address: "{prefix}.20", vars: {motd: hello}}\n  c2:\n'
                '    vars: {slurmd_extra: 1}\ngroup_vars:\n  partition_debug: {qos: normal}\n  all: {site: lab}')
    inventory = parse_text(tmp_path, text)
    assert own_vars(inventory, 'login1') == {'node_address': '172.31.250.20', 'motd': 'hello'}
    assert own_vars(inventory, 'c2') == {'node_address': '172.31.250.102', 'slurmd_extra': 1}
    assert inventory.groups['partition_debug'].vars == {'qos': 'normal'}
    assert inventory.groups['all'].vars['site'] == 'lab'


def test_a_compute_node_may_repeat_its_address(tmp_path):
    inventory = parse_text(tmp_path, edit(LAB, 'hosts:\n', 'hosts:\n  c2: {address: "{prefix}.102"}\n'))
    assert inventory.hosts['c2'].vars['node_address'] == '172.31.250.102'


@pytest.mark.parametrize('first, last', [('10.0.0.254', '10.0.1.1'), ('fd00::fffe', 'fd00::1:1')])
def test_node_addresses_count_on(tmp_path, first, last):
    text = edit(LAB, 'c[1-2]\n    cpus', 'c[1-4]\n    cpus')
    text = edit(edit(text, 'nodes: c[1-2]', 'nodes: c[1-4]'), '"{prefix}.101"', '"%s"' % first)
    assert parse_text(tmp_path, text).hosts['c4'].vars['node_address'] == last


@pytest.mark.parametrize('name, group', [('debug', 'partition_debug'), ('gpu-a100.x', 'partition_gpu_a100_x')])
def test_partition_group_names(name, group):
    assert partition_group(name) == group


def test_partition_groups_may_overlap(tmp_path):
    text = LAB + '  - name: gpu-a100\n    nodes: c2\n'
    inventory = parse_text(tmp_path, text)
    assert members(inventory, 'partition_gpu_a100') == ['c2']
    assert members(inventory, 'partition_debug') == ['c1', 'c2']


def test_constructed_options(tmp_path):
    text = edit(LAB, 'address: "{prefix}.101"     # c1 .101, c2 .102\n', 'address: "{prefix}.101"\n' + COMPUTE)
    text += ('  - name: gpu\n    nodes: g[01-02]\n'
             'compose:\n  memory_mb: slurm_node.real_memory\n  cluster: slurm_cluster_name\n'
             'groups:\n  gpu_nodes: "\'a100\' in slurm_node.features"\n  in_debug: "\'debug\' in slurm_partition_names"\n'
             '  controllers: "\'slurmctld\' in cluster_groups"\n'
             'keyed_groups:\n  - key: slurm_node.features\n    prefix: feature\n')
    inventory = parse_text(tmp_path, text)
    assert inventory.hosts['g01'].vars['memory_mb'] == 8000
    assert inventory.hosts['ctl1'].vars['cluster'] == 'lab'
    assert 'memory_mb' not in inventory.hosts['ctl1'].vars
    assert members(inventory, 'gpu_nodes') == ['g01', 'g02']
    assert members(inventory, 'in_debug') == ['c1', 'c2']
    assert members(inventory, 'controllers') == ['ctl1']
    assert members(inventory, 'feature_ib') == ['g01', 'g02']


def test_compose_sees_the_host_name_and_variables(tmp_path):
    text = LAB + 'compose:\n  ansible_host: "\'lab-\' ~ inventory_hostname"\n  ping: node_address\n'
    inventory = parse_text(tmp_path, text)
    assert inventory.hosts['c2'].vars['ansible_host'] == 'lab-c2'
    assert inventory.hosts['c2'].vars['ping'] == inventory.hosts['c2'].vars['node_address']


def test_strict_makes_compose_errors_fatal(tmp_path):
    text = LAB + 'compose:\n  memory_mb: slurm_node.real_memory\n'
    assert 'memory_mb' not in parse_text(tmp_path, text).hosts['ctl1'].vars
    with pytest.raises(AnsibleError, match="Could not set memory_mb for host ctl1: 'slurm_node' is undefined"):
        parse_text(tmp_path, text + 'strict: true\n')


def last_line_with(text, needle):
    lines = [number for number, line in enumerate(text.splitlines(), 1) if needle in line]
    assert lines, needle
    return lines[-1]


SECOND_CLASS = 'address: "{prefix}.101"     # c1 .101, c2 .102\n'
ERROR_CASES = {
    'cluster name': ([('cluster_name: lab', 'cluster_name: Lab')],
                     [('cluster_name:', "cluster_name: 'Lab' is not a valid cluster name (1 to 40 of a-z, 0-9 and _)")]),
    'unknown top-level key': ([('login: [login1]', 'login: [login1]\npartition: debug')], [('partition:', 'unknown key partition')]),
    'host listed twice': ([('controllers: [ctl1]', 'controllers: [ctl1, ctl1]')], [('controllers:', 'controllers lists ctl1 more than once')]),
    'bad hostlist of a role': ([('login: [login1]', 'login: "login[1-"')],
                               [('login:', "login: invalid hostlist expression 'login[1-': unbalanced brackets")]),
    'role is neither hostlist nor list': ([('login: [login1]', 'login: {login1: 1}')],
                                          [('login:', 'login must be a hostlist expression or a list of them')]),
    'unknown host key': ([('login1: {address: "{prefix}.20"}', 'login1: {address: "{prefix}.20", adress: x}')],
                         [('login1:', 'hosts.login1: unknown key adress')]),
    'host settings not a mapping': ([('login1: {address: "{prefix}.20"}', 'login1: 172.31.250.20')],
                                    [('login1:', 'hosts.login1 must be a mapping with the keys address, vars')]),
    'host vars not a mapping': ([('login1: {address: "{prefix}.20"}', 'login1: {vars: [a]}')],
                                [('login1:', 'hosts.login1.vars must be a mapping')]),
    'no address_prefix': ([('address_prefix: 172.31.250\n', '')],
                          [('ctl1:', 'hosts.ctl1.address uses {prefix} but address_prefix is not set'),
                           ('login1:', 'hosts.login1.address uses {prefix} but address_prefix is not set'),
                           ('address: "{prefix}.101"', 'nodes[0].address uses {prefix} but address_prefix is not set')]),
    'not an address': ([('{prefix}.10', '{prefix}.300')], [('ctl1:', "hosts.ctl1.address: '172.31.250.300' is not an IP address")]),
    'unknown placeholder': ([('{prefix}.10', '{net}.10')], [('ctl1:', 'hosts.ctl1.address: unknown placeholder {net}, only {prefix} is known')]),
    'address not a string': ([('"{prefix}.101"', '101')], [('address: 101', 'nodes[0].address must be a string')]),
    'addresses run out': ([('"{prefix}.101"', '"255.255.255.255"')],
                          [('address: "255', 'nodes[0].address: 2 addresses from 255.255.255.255 run past the end of the address space')]),
    'compute address conflict': ([('hosts:\n', 'hosts:\n  c2: {address: "{prefix}.9"}\n')],
                                 [('c2: {address', 'hosts.c2.address 172.31.250.9 conflicts with 172.31.250.102, the address nodes[0] (c[1-2]) gives it')]),
    'duplicate address': ([('{prefix}.20', '{prefix}.101')], [('address: "{prefix}.101"', 'address 172.31.250.101 of c1 is already the address of login1')]),
    'extra group managed by the plugin': ([('login: [login1]', 'login: [login1]\nextra_groups:\n  slurmd: [x1]')],
                                          [('slurmd: [x1]', 'extra_groups: group slurmd is managed by the plugin')]),
    'extra group name invalid': ([('login: [login1]', 'login: [login1]\nextra_groups:\n  my-group: [x1]')],
                                 [('my-group:', "extra_groups: 'my-group' is not a valid group name")]),
    'group_vars for no group': ([('login: [login1]', 'login: [login1]\ngroup_vars:\n  logins: {a: 1}')],
                                [('logins:', 'group_vars: there is no group logins')]),
    'group_vars not a mapping': ([('login: [login1]', 'login: [login1]\ngroup_vars:\n  login: [a]')],
                                 [('  login: [a]', 'group_vars.login must be a mapping of variables')]),
    'partition groups collide': ([('max_time: "1:00:00"', 'max_time: "1:00:00"\n  - name: a-b\n    nodes: c1\n  - name: a_b\n    nodes: c1')],
                                 [('name: a_b', 'partitions[2] (a_b): partitions a-b and a_b would both be group partition_a_b')]),
    'cpus mismatch': ([('cpus: 2', 'cpus: 4')],
                      [('- names: c[1-2]', 'nodes[0] (c[1-2]): cpus is 4 but sockets 1 x cores_per_socket 2 x threads_per_core 1 is 2')]),
    'missing real_memory': ([('    real_memory: 1000\n', '')], [('- names: c[1-2]', 'nodes[0] (c[1-2]): real_memory is required')]),
    'unknown node key': ([('real_memory: 1000', 'real_memory: 1000\n    memory: 1000')], [('- names: c[1-2]', 'nodes[0] (c[1-2]): unknown key memory')]),
    'overlapping hardware classes': ([(SECOND_CLASS, SECOND_CLASS + COMPUTE.replace('g[01-02]', 'c2'))],
                                     [('- names: c2', 'nodes[1] (c2): nodes c2 are already defined by nodes[0] (c[1-2])')]),
    'node in no partition': ([('nodes: c[1-2]', 'nodes: c1')], [('- names: c[1-2]', 'nodes[0] (c[1-2]): nodes c2 are in no partition')]),
    'partition with unknown nodes': ([('nodes: c[1-2]', 'nodes: c[1-3]')], [('- name: debug', 'partitions[0] (debug): nodes c3 are not defined in nodes')]),
    'duplicate partition': ([('max_time: "1:00:00"', 'max_time: "1:00:00"\n  - name: debug\n    nodes: c1')],
                            [('- name: debug', 'partitions[1] (debug): partition name debug is already used by partitions[0] (debug)')]),
    'two defaults': ([('max_time: "1:00:00"', 'max_time: "1:00:00"\n  - name: all\n    nodes: c1\n    default: true')],
                     [('- name: all', 'partitions[1] (all): only one partition can be the default, and partitions[0] (debug) already is')]),
    'unquoted max_time': ([('"1:00:00"', '1:00:00')], [('- name: debug', 'partitions[0] (debug): max_time must be a quoted string')]),
}


@pytest.mark.parametrize('edits, expected', ERROR_CASES.values(), ids=list(ERROR_CASES))
def test_each_problem_is_reported_with_its_line(tmp_path, edits, expected):
    text = LAB
    for old, new in edits:
        text = edit(text, old, new)
    path = tmp_path / 'cluster.yml'
    with pytest.raises(AnsibleParserError) as error:
        parse_text(tmp_path, text)
    message = str(error.value)
    assert message.startswith('The cluster spec %s has %d problem(s):' % (path, len(expected)))
    for needle, problem in expected:
        assert '\n  %s:%d: %s' % (path, last_line_with(text, needle), problem) in message


def test_problems_are_sorted_by_line(tmp_path):
    text = edit(edit(LAB, 'cpus: 2', 'cpus: 4'), 'cluster_name: lab', 'cluster_name: Lab')
    with pytest.raises(AnsibleParserError) as error:
        parse_text(tmp_path, text)
    lines = [int(line.split(':')[1]) for line in str(error.value).splitlines()[1:]]
    assert lines == sorted(lines) and len(lines) == 2
