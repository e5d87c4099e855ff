# -*- coding: utf-8 -*-
# Copyright (c) 2025, hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: cluster
short_description: Inventory of a Slurm cluster from one cluster spec
version_added: 0.1.0
author: hpcstack developers (@hpcstack)
extends_documentation_fragment:
  - constructed
description:
  - Reads a cluster spec, a YAML file ending in C(.yml) or C(.yaml) with O(plugin=hpcstack.cluster.cluster), and builds the
    hosts, groups and variables of the cluster model described in C(docs/cluster-model.md).
  - Groups C(slurmctld) (the O(controllers), in order), C(slurmdbd), C(slurmrestd), C(slurmd) (every node of O(nodes)),
    C(login), C(monitoring), C(nfs_server) and C(partition_<name>) for each partition (characters other than letters,
    digits and V(_) in the name become V(_)) always exist, possibly empty, plus the groups of O(extra_groups).
  - Group C(all) gets V(slurm_cluster_name), V(slurm_nodes) and V(slurm_partitions); node names are hostlist-compressed and
    optional keys get their defaults (V(gres=[]), V(features=[]), V(options={}), V(default=false),
    V(max_time=UNLIMITED), V(state=UP)).
  - Each host with an address gets the host variable V(node_address).
  - The spec is validated while parsing. Every problem is reported at once, each with the spec file and line.
  - Besides the host's variables, O(compose), O(groups) and O(keyed_groups) can use V(slurm_cluster_name),
    V(slurm_node) (the host's V(slurm_nodes) entry, undefined on hosts that are not compute nodes),
    V(slurm_partition_names) (the partitions the host is in) and V(cluster_groups) (the groups this plugin put it in).
  - Host names in O(controllers), O(slurmdbd), O(slurmrestd), O(login), O(monitoring), O(nfs_server) and O(extra_groups)
    are hostlist expressions (V(login[1-2])) or lists of them.
  - Requires the C(python-hostlist) library on the controller.
options:
  plugin:
    description: Marks the file as a cluster spec for this plugin.
    type: str
    required: true
    choices: [hpcstack.cluster.cluster]
  cluster_name:
    description: The Slurm C(ClusterName), 1 to 40 of V(a-z), V(0-9) and V(_).
    type: str
    required: true
  address_prefix:
    description:
      - Replaces V({prefix}) in every address of the spec, so one key moves the whole cluster to another network.
      - For example V(172.31.250) with addresses V({prefix}.10) and V({prefix}.101).
    type: str
  controllers:
    description: Hosts of group C(slurmctld); the first is the primary controller, the others are backups in order.
    type: raw
    default: []
  slurmdbd:
    description: Hosts of group C(slurmdbd).
    type: raw
    default: []
  slurmrestd:
    description: Hosts of group C(slurmrestd).
    type: raw
    default: []
  login:
    description: Hosts of group C(login).
    type: raw
    default: []
  monitoring:
    description: Hosts of group C(monitoring).
    type: raw
    default: []
  nfs_server:
    description: Hosts of group C(nfs_server).
    type: raw
    default: []
  extra_groups:
    description:
      - More groups, as group name to hosts (a hostlist expression or a list of them).
      - The names of the groups this plugin manages (see above) cannot be used.
      - V(slurm_configless) lists login nodes that fetch their configuration from the controllers (C(sackd),
        Slurm 23.11 and later) instead of having a C(slurm.conf); compute nodes are configless by their entry's V(configless).
    type: dict
    default: {}
  hosts:
    description:
      - Per-host settings, as host name to a mapping with the optional keys V(address) (may use V({prefix})) and
        V(vars) (host variables).
      - A host listed here is added to the inventory even if it is in no group.
      - A compute node whose entry in O(nodes) has an V(address) may only repeat that address here.
    type: dict
    default: {}
  nodes:
    description:
      - The compute nodes, one entry per hardware class. Each entry is an entry of V(slurm_nodes) (V(names), V(cpus),
        V(boards), V(sockets), V(cores_per_socket), V(threads_per_core), V(real_memory), V(gres), V(gres_conf),
        V(gres_autodetect), V(features), V(weight), V(configless), V(options)) plus an optional V(address).
      - V(address) (may use V({prefix})) is the address of the first node of V(names); the following nodes, in
        hostlist order, get the following addresses. V(c[1-2]) with V({prefix}.101) gives c1 V(.101) and c2 V(.102).
        Addresses simply count on, so V(c[001-300]) from V(10.1.0.1) ends at V(10.1.1.44).
      - A node must be in exactly one entry.
    type: list
    elements: dict
    required: true
  partitions:
    description:
      - The partitions, entries of V(slurm_partitions) (V(name), V(nodes), V(default), V(max_time), V(state),
        V(options)). V(nodes) is a hostlist expression of nodes defined in O(nodes); partitions may overlap.
      - Quote V(max_time) (V("1:00:00")); unquoted, YAML reads V(1:00:00) as a number.
    type: list
    elements: dict
    required: true
  group_vars:
    description:
      - Variables per group, as group name to a mapping of variables. The group must be V(all), a group this plugin
        manages, a partition group or one of O(extra_groups).
    type: dict
    default: {}
notes:
  - Enable the plugin (or keep C(auto) enabled, the default) and point C(-i) at the spec or at the directory holding it.
  - V(slurm_cluster_name), V(slurm_nodes) and V(slurm_partitions) are set by this plugin; do not set them in O(group_vars).
"""

EXAMPLES = r"""
# inventories/lab/cluster.yml - one controller, one login node, two compute nodes
plugin: hpcstack.cluster.cluster
cluster_name: lab
address_prefix: 172.31.250        # another network: change only this
controllers: [ctl1]
login: [login1]
hosts:
  ctl1: {address: "{prefix}.10"}
  login1: {address: "{prefix}.20"}
nodes:
  - names: c[1-2]
    cpus: 2
    sockets: 1
    cores_per_socket: 2
    threads_per_core: 1
    real_memory: 1000
    address: "{prefix}.101"       # c1 .101, c2 .102
partitions:
  - name: debug
    nodes: c[1-2]
    default: true
    max_time: "1:00:00"

# Group nodes by feature, and give every compute node a variable from its hardware
keyed_groups:
  - key: slurm_node.features | default([])
    prefix: feature
compose:
  node_real_memory: slurm_node.real_memory
"""

import ipaddress
import re

import yaml

from ansible.errors import AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Constructable

from ansible_collections.hpcstack.cluster.plugins.plugin_utils import cluster_model
from ansible_collections.hpcstack.cluster.plugins.plugin_utils.cluster_model import partition_group
from ansible_collections.hpcstack.cluster.plugins.plugin_utils.hostlist import (
    HostlistError,
    expand_or_empty,
    expand_unique,
    require_hostlist,
)

# Spec key -> the role group it fills.
ROLE_GROUPS = (
    ('controllers', 'slurmctld'),
    ('slurmdbd', 'slurmdbd'),
    ('slurmrestd', 'slurmrestd'),
    ('login', 'login'),
    ('monitoring', 'monitoring'),
    ('nfs_server', 'nfs_server'),
)
# Groups extra_groups cannot name: the ones this plugin fills and the ones the preflight derives.
MANAGED_GROUPS = tuple(dict.fromkeys(
    [group for _key, group in ROLE_GROUPS] + [g for g in cluster_model.DERIVED_GROUPS if g not in cluster_model.PLACEMENT_GROUPS]))
# Groups a site may fill (extra_groups or another inventory source); empty ones exist so that the
# plays for them match no host instead of warning about an unknown pattern.
OPTIONAL_GROUPS = cluster_model.PLACEMENT_GROUPS + ('grafana',)
SPEC_LABELS = {'cluster_name': 'cluster_name', 'nodes': 'nodes', 'partitions': 'partitions', 'slurmctld': 'controllers',
               'dcgm_exporter': 'extra_groups.dcgm_exporter', 'slurm_configless': 'extra_groups.slurm_configless'}
HOST_KEYS = ('address', 'vars')
GROUP_NAME_RE = re.compile(r'^[A-Za-z_][A-Za-z0-9_]*$')
PLACEHOLDER_RE = re.compile(r'\{([^{}]*)\}')


class LineMap:
    """Line numbers of the values of a YAML document, by key path (PyYAML's node marks)."""

    def __init__(self, text):
        try:
            self.root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError:
            self.root = None

    @staticmethod
    def _child(node, key):
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if key_node.value == str(key):
                    return value_node
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
            return node.value[key]
        return None

    def line(self, keys):
        """Line of the deepest value of ``keys`` that exists (1-based), or None."""
        node, line = self.root, None
        for key in keys:
            node = self._child(node, key)
            if node is None:
                break
            line = node.start_mark.line + 1
        return line

    def key_line(self, keys, key):
        """Line of the key ``key`` of the mapping at ``keys``."""
        node = self.root
        for step in keys:
            node = self._child(node, step)
        for key_node, _value in node.value if isinstance(node, yaml.MappingNode) else ():
            if key_node.value == str(key):
                return key_node.start_mark.line + 1
        return None


class Cluster:
    """What a valid spec describes, ready to go into an inventory."""

    def __init__(self):
        self.hosts = {}         # host -> host variables
        self.groups = {}        # group -> hosts, in order
        self.group_vars = {}    # group -> variables
        self.node_index = {}    # compute node -> index of its slurm_nodes entry


class ClusterSpec:
    """Reads and validates one cluster spec; ``build()`` returns a Cluster or raises AnsibleParserError."""

    def __init__(self, path, text, raw, options, known_options):
        self.path = path
        self.lines = LineMap(text)      # line numbers of the spec's values
        self.raw = raw
        self.options = options          # option values, defaults applied
        self.known_options = known_options
        self.problems = []              # (line or 0, message)

    def problem(self, keys, message):
        """Record a problem found at ``raw[keys[0]][keys[1]]...`` (the deepest one of these that exists)."""
        self.problems.append((self.lines.line(keys) or 0, message))

    def build(self):
        cluster = Cluster()
        cluster.groups = {group: [] for group in MANAGED_GROUPS + OPTIONAL_GROUPS}
        self.problems.extend((self.lines.key_line((), key) or 0, 'unknown key %s' % key)
                             for key in self.raw if key not in self.known_options)
        for key, group in ROLE_GROUPS:
            cluster.groups[group] = self.hosts_of(self.options[key], (key,), key)
        nodes = self.nodes(cluster)
        self.partition_groups(cluster)
        self.extra_groups(cluster)
        addresses = self.host_settings(cluster)
        self.node_addresses(addresses)
        self.check_unique_addresses(addresses)
        self.group_vars(cluster)
        model = self.model(cluster, nodes)
        if self.problems:
            messages = ['%s:%d: %s' % (self.path, line, text) if line else '%s: %s' % (self.path, text)
                        for line, text in sorted(self.problems, key=lambda problem: problem[0])]
            raise AnsibleParserError('The cluster spec %s has %d problem(s):\n  %s' % (self.path, len(messages), '\n  '.join(messages)))
        # The groups a spec alone defines; the preflight derives the rest from the whole inventory.
        cluster.groups['slurmd'] = model.static_nodes()
        cluster.groups.update(model.partition_groups())
        cluster.group_vars.setdefault('all', {}).update(
            slurm_cluster_name=model.name, slurm_nodes=model.nodes, slurm_partitions=model.partitions)
        for host, address in addresses.items():
            cluster.hosts.setdefault(host, {})['node_address'] = str(address[0])
        for members in cluster.groups.values():
            for host in members:
                cluster.hosts.setdefault(host, {})
        return cluster

    def model(self, cluster, nodes):
        """The cluster model of the spec; its problems are recorded with their lines."""
        groups = dict(cluster.groups)
        try:
            return cluster_model.build(self.options['cluster_name'], nodes, self.options['partitions'], groups=groups,
                                       check_slurmd_group=False, labels=SPEC_LABELS)
        except cluster_model.ModelError as error:
            for problem in error.problems:
                self.problem(self.problem_keys(problem), problem.message)
        except HostlistError as error:
            self.problem((), str(error))
        return None

    @staticmethod
    def problem_keys(problem):
        if problem.section == 'slurmctld':
            return ('controllers',)
        if problem.section in cluster_model.PLACEMENT_GROUPS:
            return ('extra_groups', problem.section)
        return (problem.section,) if problem.index is None else (problem.section, problem.index)

    def hosts_of(self, value, keys, what):
        """Hosts of a hostlist expression or a list of them."""
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self.problem(keys, '%s must be a hostlist expression or a list of them' % what)
            return []
        if not value:
            return []
        names, problems = expand_unique(','.join(value), what)
        for message in problems:
            self.problem(keys, message)
        return names or []

    def nodes(self, cluster):
        """The nodes as slurm_nodes entries (without spec-only keys); fills group slurmd."""
        entries = self.options['nodes']
        if not isinstance(entries, list):
            return entries
        model = []
        for index, entry in enumerate(entries):
            if not isinstance(entry, dict):
                model.append(entry)
                continue
            model.append({key: value for key, value in entry.items() if key != 'address'})
            for name in expand_or_empty(entry.get('names')):
                cluster.node_index.setdefault(name, index)
        return model

    def partition_groups(self, cluster):
        """Names the partition groups (filled once the model is valid), so that group_vars may use them."""
        entries = self.options['partitions']
        for entry in entries if isinstance(entries, list) else ():
            name = entry.get('name') if isinstance(entry, dict) else None
            if isinstance(name, str):
                cluster.groups.setdefault(partition_group(name), [])

    def extra_groups(self, cluster):
        for group, members in self.options['extra_groups'].items():
            if not isinstance(group, str) or not GROUP_NAME_RE.match(group):
                self.problem(('extra_groups', group), 'extra_groups: %r is not a valid group name' % (group,))
            elif (group in cluster.groups and group not in OPTIONAL_GROUPS) or group == 'all':
                self.problem(('extra_groups', group), 'extra_groups: group %s is managed by the plugin' % group)
            else:
                cluster.groups[group] = self.hosts_of(members, ('extra_groups', group), 'extra_groups.%s' % group)

    def host_settings(self, cluster):
        """Adds the hosts of option ``hosts`` with their variables; returns their addresses: host -> (address, where)."""
        addresses = {}
        for host, settings in self.options['hosts'].items():
            keys = ('hosts', host)
            settings = {} if settings is None else settings
            if not isinstance(settings, dict):
                self.problem(keys, 'hosts.%s must be a mapping with the keys %s' % (host, ', '.join(HOST_KEYS)))
                continue
            for key in settings:
                if key not in HOST_KEYS:
                    self.problem(keys + (key,), 'hosts.%s: unknown key %s' % (host, key))
            host_vars = settings.get('vars') or {}
            if not isinstance(host_vars, dict):
                self.problem(keys + ('vars',), 'hosts.%s.vars must be a mapping' % host)
                host_vars = {}
            cluster.hosts[host] = dict(host_vars)
            if settings.get('address') is not None:
                address = self.address(settings['address'], keys + ('address',), 'hosts.%s.address' % host)
                if address is not None:
                    addresses[host] = (address, keys + ('address',))
        return addresses

    def node_addresses(self, addresses):
        """Adds the addresses that entries of ``nodes`` give their nodes."""
        entries = self.options['nodes']
        for index, entry in enumerate(entries if isinstance(entries, list) else ()):
            if not isinstance(entry, dict) or entry.get('address') is None:
                continue
            keys = ('nodes', index, 'address')
            first = self.address(entry['address'], keys, 'nodes[%d].address' % index)
            names = expand_or_empty(entry.get('names'))
            if first is None or not names:
                continue
            try:
                first + (len(names) - 1)
            except ValueError:
                self.problem(keys, 'nodes[%d].address: %d addresses from %s run past the end of the address space' % (index, len(names), first))
                continue
            for offset, name in enumerate(names):
                address = first + offset
                explicit = addresses.get(name)
                if explicit is not None and explicit[0] != address:
                    self.problem(explicit[1], 'hosts.%s.address %s conflicts with %s, the address nodes[%d] (%s) gives it'
                                 % (name, explicit[0], address, index, entry['names']))
                addresses[name] = (address, keys)

    def check_unique_addresses(self, addresses):
        owner = {}
        for host, (address, keys) in addresses.items():
            first = owner.setdefault(address, host)
            if first != host:
                self.problem(keys, 'address %s of %s is already the address of %s' % (address, host, first))

    def address(self, template, keys, what):
        if not isinstance(template, str):
            self.problem(keys, '%s must be a string' % what)
            return None
        unknown = sorted(set(PLACEHOLDER_RE.findall(template)) - {'prefix'})
        if unknown:
            self.problem(keys, '%s: unknown placeholder {%s}, only {prefix} is known' % (what, unknown[0]))
            return None
        prefix = self.options['address_prefix']
        if '{prefix}' in template and not prefix:
            self.problem(keys, '%s uses {prefix} but address_prefix is not set' % what)
            return None
        text = template.replace('{prefix}', prefix or '')
        try:
            return ipaddress.ip_address(text)
        except ValueError:
            self.problem(keys, '%s: %r is not an IP address' % (what, text))
            return None

    def group_vars(self, cluster):
        for group, variables in self.options['group_vars'].items():
            if group != 'all' and group not in cluster.groups:
                self.problem(('group_vars', group), 'group_vars: there is no group %s' % group)
            elif not isinstance(variables, dict):
                self.problem(('group_vars', group), 'group_vars.%s must be a mapping of variables' % group)
            else:
                cluster.group_vars[group] = dict(variables)


class InventoryModule(BaseInventoryPlugin, Constructable):

    NAME = 'hpcstack.cluster.cluster'

    def verify_file(self, path):
        return super().verify_file(path) and path.endswith(('.yml', '.yaml'))

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache)
        try:
            require_hostlist()
        except HostlistError as error:
            raise AnsibleParserError('The cluster spec %s cannot be read: %s' % (path, error)) from None
        raw = self._read_config_data(path)
        with open(path, encoding='utf-8') as spec_file:
            text = spec_file.read()
        options = {name: self.get_option(name) for name in self.option_definitions}
        cluster = ClusterSpec(path, text, raw, options, self.option_definitions).build()
        self.populate(cluster)

    def populate(self, cluster):
        inventory = self.inventory
        for group in cluster.groups:
            inventory.add_group(group)
        for host, host_vars in cluster.hosts.items():
            inventory.add_host(host)
            for name, value in host_vars.items():
                inventory.set_variable(host, name, value)
        for group, members in cluster.groups.items():
            for host in members:
                inventory.add_host(host, group=group)
        for group, variables in cluster.group_vars.items():
            for name, value in variables.items():
                inventory.set_variable(group, name, value)
        self.construct(cluster)

    def construct(self, cluster):
        strict = self.get_option('strict')
        model = cluster.group_vars['all']
        member_of = {}
        for group, members in cluster.groups.items():
            for host in members:
                member_of.setdefault(host, []).append(group)
        for host in cluster.hosts:
            context = dict(self.inventory.get_host(host).get_vars())
            context.update({
                'slurm_cluster_name': model['slurm_cluster_name'],
                'slurm_partition_names': [entry['name'] for entry in model['slurm_partitions']
                                          if partition_group(entry['name']) in member_of.get(host, ())],
                'cluster_groups': member_of.get(host, []),
            })
            if host in cluster.node_index:
                context['slurm_node'] = model['slurm_nodes'][cluster.node_index[host]]
            self._set_composite_vars(self.get_option('compose'), context, host, strict=strict)
            self._add_host_to_composed_groups(self.get_option('groups'), context, host, strict=strict)
            self._add_host_to_keyed_groups(self.get_option('keyed_groups'), context, host, strict=strict)
