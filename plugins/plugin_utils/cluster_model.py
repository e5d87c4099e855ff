# -*- coding: utf-8 -*-
# Copyright (c) 2025, hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The cluster model (docs/cluster-model.md) as one object: normalise, validate, derive.

Both ways of writing a cluster go through :func:`build`: the ``hpcstack.cluster.cluster``
inventory plugin (a cluster spec) and the ``hpcstack.cluster.cluster_model`` filter that the
preflight play applies to hand-written inventories. Whatever the source, the result has one
shape: :meth:`ClusterModel.variables` (the variables every role reads) and
:meth:`ClusterModel.groups` (role groups plus the groups derived from the model). Every
derived fact (placements, slurm.conf lines, scrape targets) is computed here and only rendered
by the roles.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ansible_collections.hpcstack.cluster.plugins.plugin_utils import slurm_conf
from ansible_collections.hpcstack.cluster.programs.hpcstack_elastic import config as elastic_config
from ansible_collections.hpcstack.cluster.plugins.plugin_utils.hostlist import (
    compress,
    expand,
    expand_or_empty,
    expand_unique,
    require_hostlist,
)

# How messages name the three model variables; the inventory plugin passes its spec keys.
MODEL_LABELS = {'cluster_name': 'slurm_cluster_name', 'nodes': 'slurm_nodes', 'partitions': 'slurm_partitions',
                'slurmd': 'slurmd group', 'slurmctld': 'group slurmctld', 'dcgm_exporter': 'group dcgm_exporter',
                'slurm_configless': 'group slurm_configless', 'power_saving': 'slurm_power_saving'}

# Inventory groups a cluster is made of (written by the site), and the groups derived from them.
ROLE_GROUPS = ('slurmctld', 'slurmdbd', 'slurmrestd', 'login', 'monitoring', 'nfs_server')
# A site may place these itself with an inventory group of that name; otherwise the model does.
PLACEMENT_GROUPS = ('slurm_exporter', 'dcgm_exporter', 'slurm_configless')
DERIVED_GROUPS = ('slurmd', 'slurm_hosts', 'cluster_members', 'slurm_accounting_database', 'slurm_jwt_hosts',
                  'slurm_gpu_nodes') + PLACEMENT_GROUPS
PARTITION_GROUP_PREFIX = 'partition_'

CLUSTER_NAME_RE = re.compile(r'^[a-z0-9_]{1,40}$')
PARTITION_NAME_RE = re.compile(r'^[A-Za-z0-9_.-]+$')
MAX_TIME_RE = re.compile(r'^(UNLIMITED|INFINITE|\d+|\d+:\d{1,2}|\d+:\d{1,2}:\d{1,2}|\d+-\d+|\d+-\d+:\d{1,2}|\d+-\d+:\d{1,2}:\d{1,2})$')
PARTITION_STATES = ('UP', 'DOWN', 'DRAIN', 'INACTIVE')
GPU_GRES_RE = re.compile(r'^gpu(:|$)')
GRES_AUTODETECT = ('off', 'nvml', 'nvidia', 'rsmi', 'oneapi', 'nrt')
GRES_CONF_FIELDS = ('name', 'type', 'file', 'count', 'cores', 'links', 'flags')

NODE_DEFAULTS = {'gres': [], 'features': [], 'configless': False, 'options': {}}
CLOUD_KEYS = ('class', 'provider', 'all_or_nothing') + elastic_config.PROVIDERS
# Where the slurm_elastic role installs the program and its config; slurm.conf names the commands.
ELASTIC_PROGRAM = '/usr/local/lib/hpcstack/hpcstack-elastic.pyz'
ELASTIC_COMMANDS = {'suspend': '/usr/local/sbin/hpcstack-elastic-suspend',
                    'resume': '/usr/local/sbin/hpcstack-elastic-resume',
                    'resume-fail': '/usr/local/sbin/hpcstack-elastic-resume-fail'}
PARTITION_DEFAULTS = {'default': False, 'max_time': 'UNLIMITED', 'state': 'UP', 'options': {}}


def partition_group(name: str) -> str:
    """Inventory group of a partition: characters other than letters, digits and ``_`` become ``_``."""
    return PARTITION_GROUP_PREFIX + re.sub(r'[^A-Za-z0-9_]', '_', name)


def entry_label(section: str, index: int, entry) -> str:
    """``slurm_partitions[1] (gpu)``: how messages name one entry of a list."""
    label = '%s[%d]' % (section, index)
    name = entry.get('name', entry.get('names')) if isinstance(entry, Mapping) else None
    return '%s (%s)' % (label, name) if isinstance(name, str) and name else label


# ---- field checks: each returns None or the end of a message ----

def _int_check(minimum: int):
    def check(value):
        if isinstance(value, bool) or not isinstance(value, int):
            return 'must be an integer'
        if value < minimum:
            return 'must be at least %d' % minimum
        return None
    return check


def _check_str(value):
    return None if isinstance(value, str) and value else 'must be a non-empty string'


def _check_str_list(value):
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        return 'must be a list of strings'
    return None if all(isinstance(item, str) and item for item in value) else 'must be a list of non-empty strings'


def _check_gres(value):
    problem = _check_str_list(value)
    if problem:
        return problem
    for gres in value:
        match = slurm_conf.GRES_RE.match(gres)
        if not match:
            return '%r is not name[:type][:count] (e.g. gpu:a100:4)' % gres
        if match['name'] == 'gpu' and match['suffix']:
            return '%r: a GPU count is a plain number' % gres
    return None


def _check_gres_autodetect(value):
    return None if value in GRES_AUTODETECT else 'must be one of %s' % ', '.join(GRES_AUTODETECT)


def _check_gres_conf(value):
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or not value:
        return 'must be a non-empty list of mappings with the keys %s' % ', '.join(GRES_CONF_FIELDS)
    for index, line in enumerate(value):
        if not isinstance(line, Mapping) or not line.get('name'):
            return '[%d] must be a mapping with at least name' % index
        unknown = sorted(set(line) - set(GRES_CONF_FIELDS))
        if unknown:
            return '[%d] has unknown keys %s (known: %s)' % (index, ', '.join(unknown), ', '.join(GRES_CONF_FIELDS))
    return None


def _gres_problems(entry) -> list[str]:
    """gres_conf / gres_autodetect against the entry's gres (their own format is checked already)."""
    if not isinstance(entry, Mapping):
        return []
    problems = []
    if 'gres_conf' in entry and 'gres_autodetect' in entry:
        problems.append('give gres_conf or gres_autodetect, not both')
    if ('gres_conf' in entry or 'gres_autodetect' in entry) and not entry.get('gres'):
        problems.append('%s needs gres' % ('gres_conf' if 'gres_conf' in entry else 'gres_autodetect'))
    gres = (entry.get('gres') or []) if not _check_gres(entry.get('gres') or []) else []
    names = {item.split(':', 1)[0] for item in gres}
    lines = entry.get('gres_conf') if not _check_gres_conf(entry.get('gres_conf', [{'name': 'x'}])) else []
    unused = sorted({line['name'] for line in lines or ()} - names)
    if unused and gres:
        problems.append('gres_conf names %s, which gres does not list' % ', '.join(unused))
    return problems


def _check_mapping(value):
    return None if isinstance(value, Mapping) else 'must be a mapping of option name to value'


def _check_bool(value):
    return None if isinstance(value, bool) else 'must be true or false'


def _check_max_time(value):
    if isinstance(value, str) and MAX_TIME_RE.match(value):
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return 'must be a quoted string such as "1:00:00" (unquoted, YAML reads 1:00:00 as the number 3600)'
    return 'must be UNLIMITED, minutes, "[days-]hours:minutes:seconds" or another Slurm time format'


def _check_state(value):
    return None if value in PARTITION_STATES else 'must be one of %s' % ', '.join(PARTITION_STATES)


def _check_suspend_time(value):
    if value == 'INFINITE' or (isinstance(value, int) and not isinstance(value, bool) and value >= 0):
        return None
    return 'must be seconds (0 or more) or INFINITE'


def _check_cloud(value):
    if not isinstance(value, Mapping):
        return 'must be a mapping with class, provider and the provider\'s settings'
    unknown = sorted(str(key) for key in value if key not in CLOUD_KEYS)
    if unknown:
        return 'has unknown keys %s (known: %s)' % (', '.join(unknown), ', '.join(CLOUD_KEYS))
    if not isinstance(value.get('class'), str) or not re.fullmatch(elastic_config.CLASS_RE, value['class']):
        return ('class %r is not a cloud class name (lower-case letters, digits, _ and -, at most 40: '
                'it names the node feature and the instances\' tag)' % (value.get('class'),))
    return None


def _check_partition_name(value):
    if not isinstance(value, str) or not PARTITION_NAME_RE.match(value):
        return 'must be a partition name (letters, digits, "_", "." and "-")'
    return None


# key -> (required, check). Hostlist syntax is checked separately.
NODE_FIELDS = {
    'names': (True, _check_str),
    'cpus': (True, _int_check(1)),
    'boards': (False, _int_check(1)),
    'sockets': (True, _int_check(1)),
    'cores_per_socket': (True, _int_check(1)),
    'threads_per_core': (True, _int_check(1)),
    'real_memory': (True, _int_check(1)),
    'gres': (False, _check_gres),
    'gres_conf': (False, _check_gres_conf),
    'gres_autodetect': (False, _check_gres_autodetect),
    'features': (False, _check_str_list),
    'weight': (False, _int_check(0)),
    'configless': (False, _check_bool),
    'cloud': (False, _check_cloud),
    'options': (False, _check_mapping),
}
PARTITION_FIELDS = {
    'name': (True, _check_partition_name),
    'nodes': (True, _check_str),
    'default': (False, _check_bool),
    'max_time': (False, _check_max_time),
    'state': (False, _check_state),
    'suspend_time': (False, _check_suspend_time),
    'options': (False, _check_mapping),
}
# slurm_power_saving: the cluster-wide power-saving settings of the cloud classes (docs/elastic.md).
POWER_SAVING_DEFAULTS = {
    'suspend_time': 600, 'suspend_timeout': 120, 'resume_timeout': 900, 'suspend_rate': 0, 'resume_rate': 0,
    'tree_width': None, 'cloud_dns': False, 'debug': False, 'suspend_exc_states': [],
    'keep_settings_on_reconfigure': False, 'elastic': {},
}
POWER_SAVING_FIELDS = {
    'suspend_time': (False, _check_suspend_time),
    'suspend_timeout': (False, _int_check(1)),
    'resume_timeout': (False, _int_check(1)),
    'suspend_rate': (False, _int_check(0)),
    'resume_rate': (False, _int_check(0)),
    'tree_width': (False, _int_check(1)),
    'cloud_dns': (False, _check_bool),
    'debug': (False, _check_bool),
    'suspend_exc_states': (False, _check_str_list),
    'keep_settings_on_reconfigure': (False, _check_bool),
    'elastic': (False, _check_mapping),
}
# The program's settings that slurm_power_saving.elastic may give (the rest comes from the model).
ELASTIC_SETTINGS = ('state_dir', 'scontrol', 'batch_size', 'launch_parallelism', 'timeouts')


def _field_problems(entry, fields) -> list[str]:
    """Messages for missing, unknown and mistyped keys of one entry."""
    if not isinstance(entry, Mapping):
        return ['must be a mapping']
    problems = ['%s is required' % key for key, (required, _check) in fields.items() if required and key not in entry]
    problems.extend('unknown key %s' % key for key in entry if key not in fields)
    for key, (_required, check) in fields.items():
        if key in entry:
            text = check(entry[key])
            if text:
                problems.append('%s %s' % (key, text))
    return problems


def _cpu_problem(entry) -> str | None:
    boards = entry.get('boards', 1)
    factors = (boards, entry.get('sockets'), entry.get('cores_per_socket'), entry.get('threads_per_core'))
    if any(_int_check(1)(value) for value in factors + (entry.get('cpus'),)):
        return None  # reported as missing or mistyped
    product = boards * factors[1] * factors[2] * factors[3]
    if product == entry['cpus']:
        return None
    return 'cpus is %d but %ssockets %d x cores_per_socket %d x threads_per_core %d is %d' % (
        entry['cpus'], 'boards %d x ' % boards if 'boards' in entry else '', factors[1], factors[2], factors[3], product)


def _get(entry, key):
    return entry.get(key) if isinstance(entry, Mapping) else None


def _expand_field(entry, key, problems):
    if _check_str(_get(entry, key)):
        return None  # missing or not a string: reported already
    names, found = expand_unique(entry[key], key)
    problems.extend(found)
    return names


# ---- the model ----

@dataclass(frozen=True)
class Problem:
    """One problem of the input: ``section`` is cluster_name, nodes, partitions, slurmd or a group name;
    ``index`` the list entry (or None); ``message`` names the variable and entry."""
    section: str
    index: int | None
    message: str


class ModelError(ValueError):
    """The input is not a valid cluster model; ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__('The cluster model is not valid:\n- ' + '\n- '.join(p.message for p in problems))


@dataclass
class ClusterModel:
    """A valid cluster model and everything derived from it. Build it with :func:`build`."""
    name: str
    nodes: list[dict]                 # normalised slurm_nodes entries (names compressed, defaults filled)
    partitions: list[dict]            # normalised slurm_partitions entries
    role_groups: dict[str, list[str]]  # ROLE_GROUPS and given PLACEMENT_GROUPS, hosts in order
    addresses: dict[str, str] = field(default_factory=dict)
    inventory_hosts: set[str] | None = None   # None: every host named anywhere counts as in the inventory
    accounting_database_host: str = ''        # slurmdbd_storage_host (default: the first slurmdbd host)
    power_saving: dict = field(default_factory=lambda: copy.deepcopy(POWER_SAVING_DEFAULTS))  # slurm_power_saving

    # -- derived facts --

    def node_names(self) -> list[str]:
        return [name for entry in self.nodes for name in expand(entry['names'])]

    def gpu_nodes(self) -> list[str]:
        return [name for entry in self.nodes if any(GPU_GRES_RE.match(gres) for gres in entry['gres']) and not entry.get('cloud')
                for name in expand(entry['names'])]

    def configless_hosts(self) -> list[str]:
        """Hosts whose Slurm daemon fetches its configuration from the controllers: the nodes of
        configless node classes plus the hosts a site put in group slurm_configless (login nodes)."""
        nodes = [name for entry in self.nodes if entry['configless'] and not entry.get('cloud') for name in expand(entry['names'])]
        return _union(nodes, self.role_groups.get('slurm_configless') or [])

    def conf_servers(self) -> list[str]:
        """Where configless daemons fetch their configuration: the controllers in order, by address where known."""
        return conf_servers(self.role_groups['slurmctld'], self.addresses)

    def cloud_classes(self) -> dict[str, dict]:
        """The cloud node classes: name -> ``{nodes, provider}`` (empty for a cluster without them)."""
        return {entry['cloud']['class']: {'nodes': entry['names'], 'provider': entry['cloud']['provider']}
                for entry in self.nodes if entry.get('cloud')}

    def cloud_nodes(self) -> list[str]:
        return [name for entry in self.nodes if entry.get('cloud') for name in expand(entry['names'])]

    def static_nodes(self) -> list[str]:
        return [name for entry in self.nodes if not entry.get('cloud') for name in expand(entry['names'])]

    def elastic(self) -> dict:
        """What the slurm_elastic role installs: the program's config and the paths slurm.conf names."""
        config = elastic_program_config(self.name, self.nodes, self.power_saving, self.conf_servers())
        if not config:
            return {}
        docker = [node_class['docker'].get('socket', elastic_config.DockerSettings.socket)
                  for node_class in config['classes'].values() if node_class['provider'] == 'docker']
        return {'config': config, 'config_path': elastic_config.DEFAULT_PATH, 'program': ELASTIC_PROGRAM,
                'commands': dict(ELASTIC_COMMANDS), 'state_dir': config.get('state_dir', elastic_config.Config.state_dir),
                'providers': sorted({node_class['provider'] for node_class in config['classes'].values()}),
                # Slurm's ResumeTimeout: the alert on nodes stuck powering up waits longer than this.
                'resume_timeout': self.power_saving['resume_timeout'],
                # The Docker API sockets the docker classes use: the slurm_elastic role gives access only to
                # the one a site names (slurm_elastic_docker_socket), never by default.
                'docker_sockets': sorted(set(docker))}

    def slurmctld_parameters(self, groups) -> list[str]:
        # Cloud nodes are configless too, though in no host group.
        parameters = ['enable_configless'] if groups['slurm_configless'] or self.cloud_classes() else []
        # No idle_on_node_suspend: it makes every node IDLE once suspended, so a node whose launch failed
        # would be back at once (no failure cool-down) and a node an admin set DOWN would not stay DOWN.
        # The elastic program's reconcile returns the nodes it set DOWN after timeouts.failure_cooldown.
        if self.cloud_classes() and self.power_saving['cloud_dns']:
            parameters.append('cloud_dns')
        return parameters

    def power_saving_lines(self) -> list[dict]:
        if not self.cloud_classes():
            return []
        return slurm_conf.power_saving_lines(self.power_saving, self.static_nodes(), ELASTIC_COMMANDS)

    def partition_groups(self) -> dict[str, list[str]]:
        """The partitions' hosts: their static nodes (cloud nodes are no inventory hosts)."""
        cloud = set(self.cloud_nodes())
        return {partition_group(entry['name']): [name for name in expand(entry['nodes']) if name not in cloud]
                for entry in self.partitions}

    def database_clients(self, slurmdbd: list[str]) -> list[str]:
        """Names, then addresses, of the slurmdbd hosts that reach the accounting database over the network."""
        remote = [host for host in slurmdbd if host != self.accounting_database_host]
        return remote + [self.addresses[host] for host in remote if host in self.addresses]

    def groups(self) -> dict[str, list[str]]:
        """Every group of the model: the role groups, ``slurmd``, one per partition, and the derived ones."""
        role = {group: list(self.role_groups.get(group, [])) for group in ROLE_GROUPS}
        # Cloud nodes exist only while powered up: no play ever targets them.
        slurmd = self.static_nodes()
        groups = dict(role, slurmd=slurmd)
        groups.update(self.partition_groups())
        slurm_hosts = _union(role['slurmctld'], role['slurmdbd'], slurmd, role['login'])
        groups['slurm_hosts'] = slurm_hosts
        groups['cluster_members'] = _union(slurm_hosts, role['slurmrestd'])
        database = self.accounting_database_host if role['slurmdbd'] else ''
        in_inventory = self.inventory_hosts is None or database in self.inventory_hosts
        groups['slurm_accounting_database'] = [database] if database and in_inventory else []
        groups['slurm_jwt_hosts'] = _union(role['slurmctld'], role['slurmdbd']) if role['slurmrestd'] else []
        groups['slurm_gpu_nodes'] = self.gpu_nodes()
        given = {group: self.role_groups.get(group) for group in PLACEMENT_GROUPS}
        groups['slurm_exporter'] = list(given['slurm_exporter'] or role['slurmrestd'][:1])
        groups['dcgm_exporter'] = list(given['dcgm_exporter'] or groups['slurm_gpu_nodes'])
        groups['slurm_configless'] = self.configless_hosts()
        return groups

    def facts(self) -> dict:
        """``hpcstack_cluster``: the derived facts roles and filters read."""
        groups = self.groups()
        return {
            'name': self.name,
            'groups': groups,
            'addresses': {host: self.addresses[host] for host in _union(*groups.values()) if host in self.addresses},
            'controllers': groups['slurmctld'],
            'accounting_storage_host': (groups['slurmdbd'] or [''])[0],
            'accounting_database_host': self.accounting_database_host if groups['slurmdbd'] else '',
            # Where slurmdbd connects to the database from: the slurmdbd hosts other than the database host.
            'accounting_database_clients': self.database_clients(groups['slurmdbd']),
            'jwt': bool(groups['slurmrestd']),
            'slurm_conf': dict(slurm_conf.model_lines(self.nodes, self.partitions, groups['slurmctld'], self.addresses),
                               slurmctld_parameters=self.slurmctld_parameters(groups),
                               power_saving=self.power_saving_lines()),
            'conf_servers': self.conf_servers(),
            'cloud_classes': self.cloud_classes(),
            'elastic': self.elastic(),
        }

    def variables(self) -> dict:
        """The variables of group ``all``: the normalised model plus ``hpcstack_cluster``."""
        return {
            'slurm_cluster_name': self.name,
            'slurm_nodes': copy.deepcopy(self.nodes),
            'slurm_partitions': copy.deepcopy(self.partitions),
            'hpcstack_cluster': self.facts(),
        }


def conf_servers(controllers: Iterable[str], addresses: Mapping[str, str]) -> list[str]:
    return [addresses.get(host, host) for host in controllers]


def _union(*lists: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(host for hosts in lists for host in hosts))


def normalise_node(entry: Mapping) -> dict:
    node = dict(copy.deepcopy(NODE_DEFAULTS), **entry)
    node['names'] = compress(expand(entry['names']))
    return node


def normalise_partition(entry: Mapping) -> dict:
    partition = dict(copy.deepcopy(PARTITION_DEFAULTS), **entry)
    partition['nodes'] = compress(expand(entry['nodes']))
    return partition


def model_problems(cluster_name, nodes, partitions, slurmd_hosts=None, labels=None) -> list[Problem]:
    """Every problem of the model variables.

    ``slurmd_hosts``: the hosts of a hand-written ``slurmd`` group, checked against the nodes
    (the inventory plugin derives that group, so it passes None). ``labels`` renames the
    sections in messages (default: the model's variable names).
    """
    require_hostlist()
    labels = dict(MODEL_LABELS, **(labels or {}))
    found: list[Problem] = []

    def report(section, index, texts, entry=None):
        where = labels.get(section, section) if index is None else entry_label(labels[section], index, entry)
        found.extend(Problem(section, index, '%s: %s' % (where, text)) for text in texts)

    if not isinstance(cluster_name, str) or not CLUSTER_NAME_RE.match(cluster_name):
        report('cluster_name', None, ['%r is not a valid cluster name (1 to 40 of a-z, 0-9 and _)' % (cluster_name,)])

    node_owner: dict[str, int] = {}  # node name -> index of its slurm_nodes entry
    for index, entry in enumerate(_as_list(nodes, 'nodes', report)):
        problems = _field_problems(entry, NODE_FIELDS)
        if isinstance(entry, Mapping):
            problems.extend(filter(None, [_cpu_problem(entry)]))
            problems.extend(_gres_problems(entry))
        names = _expand_field(entry, 'names', problems)
        clashes: dict[int, list[str]] = {}
        for name in names or ():
            owner = node_owner.setdefault(name, index)
            if owner != index:
                clashes.setdefault(owner, []).append(name)
        problems.extend('nodes %s are already defined by %s' % (compress(dup), entry_label(labels['nodes'], owner, nodes[owner]))
                        for owner, dup in clashes.items())
        report('nodes', index, problems, entry)

    in_partition: set[str] = set()
    defaults: list[int] = []
    partition_index: dict[str, int] = {}
    group_owner: dict[str, str] = {}
    for index, entry in enumerate(_as_list(partitions, 'partitions', report)):
        problems = _field_problems(entry, PARTITION_FIELDS)
        name = _get(entry, 'name')
        if isinstance(name, str):
            first = partition_index.setdefault(name, index)
            if first != index:
                problems.append('partition name %s is already used by %s' % (name, entry_label(labels['partitions'], first, partitions[first])))
            elif group_owner.setdefault(partition_group(name), name) != name:
                problems.append('partitions %s and %s would both be group %s' % (group_owner[partition_group(name)], name, partition_group(name)))
        if _get(entry, 'default') is True:
            defaults.append(index)
            if len(defaults) > 1:
                problems.append('only one partition can be the default, and %s already is'
                                % entry_label(labels['partitions'], defaults[0], partitions[defaults[0]]))
        members = _expand_field(entry, 'nodes', problems)
        unknown = [member for member in members or () if member not in node_owner]
        if unknown:
            problems.append('nodes %s are not defined in %s' % (compress(unknown), labels['nodes']))
        in_partition.update(members or ())
        report('partitions', index, problems, entry)

    if isinstance(partitions, list):
        orphans: dict[int, list[str]] = {}
        for name, owner in node_owner.items():
            if name not in in_partition:
                orphans.setdefault(owner, []).append(name)
        for owner, names in sorted(orphans.items()):
            report('nodes', owner, ['nodes %s are in no partition' % compress(names)], nodes[owner])

    if slurmd_hosts is not None:
        hosts = set(slurmd_hosts)
        cloud = {name for name, owner in node_owner.items() if isinstance(nodes[owner], Mapping) and nodes[owner].get('cloud')}
        extra = [host for host in slurmd_hosts if host not in node_owner]
        listed_cloud = [host for host in slurmd_hosts if host in cloud]
        missing = [name for name in node_owner if name not in hosts and name not in cloud]
        if extra:
            report('slurmd', None, ['hosts %s are not nodes of %s' % (compress(extra), labels['nodes'])])
        if listed_cloud:
            report('slurmd', None, ['hosts %s are cloud nodes: leave them out of the group (no play can reach a node that is '
                                    'powered down)' % compress(listed_cloud)])
        if missing:
            report('slurmd', None, ['nodes %s of %s are not in the group' % (compress(missing), labels['nodes'])])
    return found


def _as_list(value, section, report):
    if isinstance(value, list):
        return value
    report(section, None, ['must be a list, got %r' % (value,)])
    return []


def _placement_problems(groups: Mapping[str, Sequence[str]], node_names: set[str], labels) -> list[Problem]:
    found = []
    if not groups.get('slurmctld'):
        found.append(Problem('slurmctld', None, '%s is empty: the cluster needs at least one controller' % labels['slurmctld']))
    outside = [host for host in groups.get('dcgm_exporter') or () if host not in node_names]
    if outside:
        found.append(Problem('dcgm_exporter', None, '%s: hosts %s are not compute nodes' % (labels['dcgm_exporter'], compress(outside))))
    configless = [host for host in groups.get('slurm_configless') or () if host not in node_names]
    not_login = [host for host in configless if host not in (groups.get('login') or ())]
    if not_login:
        found.append(Problem('slurm_configless', None, '%s: hosts %s are neither compute nodes nor login nodes'
                             % (labels['slurm_configless'], compress(not_login))))
    return found


def _configless_problems(nodes, groups: Mapping[str, Sequence[str]], labels) -> list[Problem]:
    """A controller or slurmdbd host keeps its own slurm.conf: it cannot be configless too."""
    configless = {name for entry in nodes if entry.get('configless') for name in expand(entry['names'])}
    configless.update(groups.get('slurm_configless') or ())
    daemons = _union(groups.get('slurmctld') or (), groups.get('slurmdbd') or ())
    clash = [host for host in daemons if host in configless]
    if not clash:
        return []
    return [Problem('slurm_configless', None, 'hosts %s are configless but run slurmctld or slurmdbd, which read their own slurm.conf'
                    % compress(clash))]


def elastic_program_config(cluster_name, nodes, power_saving, conf_servers) -> dict:
    """The hpcstack-elastic config (programs/hpcstack_elastic/config) of the cloud node classes; {} without any.

    Docker classes that give no ``conf_servers`` get the controllers (``conf_servers``).
    """
    classes = {}
    for entry in nodes:
        cloud = entry.get('cloud') if isinstance(entry, Mapping) else None
        if not isinstance(cloud, Mapping):
            continue
        node_class = {'nodes': compress(expand(entry['names'])), 'provider': cloud.get('provider'),
                      'all_or_nothing': cloud.get('all_or_nothing', False)}
        for provider in elastic_config.PROVIDERS:
            if provider in cloud:
                node_class[provider] = copy.deepcopy(cloud[provider])
        docker = node_class.get('docker')
        if cloud.get('provider') == 'docker' and isinstance(docker, Mapping) and 'conf_servers' not in docker:
            docker['conf_servers'] = list(conf_servers)
        classes.setdefault(cloud.get('class'), node_class)  # a class named twice is reported by the model
    if not classes:
        return {}
    settings = (power_saving or {}).get('elastic') or {}
    config = {'version': elastic_config.SCHEMA_VERSION, 'cluster': cluster_name}
    config.update(copy.deepcopy(dict(settings)))
    config['classes'] = classes
    return config


def _cloud_problems(cluster_name, nodes, power_saving, conf_servers, addresses: Mapping[str, str], labels) -> list[Problem]:
    """Cloud node classes: configless, no fixed addresses, unique class names, and the program's own checks."""
    found: list[Problem] = []
    owners: dict[str, int] = {}  # class name -> index of its slurm_nodes entry

    def report(index, text):
        found.append(Problem('nodes', index, '%s: %s' % (entry_label(labels['nodes'], index, nodes[index]), text)))

    for index, entry in enumerate(nodes):
        cloud = entry.get('cloud')
        if not cloud:
            continue
        first = owners.setdefault(cloud['class'], index)
        if first != index:
            report(index, 'cloud class %s is already used by %s' % (cloud['class'], entry_label(labels['nodes'], first, nodes[first])))
        if not entry.get('configless'):
            report(index, 'cloud nodes must be configless (configless: true): an instance has no slurm.conf of its own '
                          'and fetches it from the controllers')
        fixed = [name for name in expand(entry['names']) if addresses.get(name)]
        if fixed:
            report(index, 'cloud nodes get their address when their instance starts: remove node_address of %s' % compress(fixed))
        fixed_options = [key for key in ('NodeAddr', 'NodeHostname') if key in (entry.get('options') or {})]
        if fixed_options:
            report(index, 'cloud nodes get their address when their instance starts: remove %s from options'
                   % ' and '.join(fixed_options))
    if not owners:
        return found
    unknown = sorted(set(power_saving.get('elastic') or {}) - set(ELASTIC_SETTINGS))
    if unknown:
        found.append(Problem('power_saving', None, '%s: elastic has unknown keys %s (known: %s)'
                             % (labels['power_saving'], ', '.join(unknown), ', '.join(ELASTIC_SETTINGS))))
        return found
    config = elastic_program_config(cluster_name, nodes, power_saving, conf_servers)
    for message in elastic_config.validate(config, expand=expand):
        match = re.match(r"class '([^']*)': (.*)$", message, re.S)
        if match and match[1] in owners:
            report(owners[match[1]], 'cloud.' + match[2])
        else:
            found.append(Problem('power_saving', None, '%s: elastic.%s' % (labels['power_saving'], message)))
    return found


def normalise_power_saving(power_saving) -> dict:
    return dict(copy.deepcopy(POWER_SAVING_DEFAULTS), **copy.deepcopy(dict(power_saving or {})))


def build(cluster_name, nodes, partitions, groups: Mapping[str, Sequence[str]] | None = None,
          addresses: Mapping[str, str] | None = None, inventory_hosts: Iterable[str] | None = None,
          accounting_database_host: str | None = None, check_slurmd_group: bool = True,
          labels: Mapping[str, str] | None = None, power_saving: Mapping | None = None) -> ClusterModel:
    """Validate and normalise the model; raises ModelError with every problem found.

    ``groups``: inventory group -> hosts; the role groups (``slurmctld`` first: the primary
    controller, then the backups), the placement groups a site set itself, and — for a
    hand-written inventory — ``slurmd``, checked against the nodes when ``check_slurmd_group``.
    ``addresses``: host -> address (``node_address``). ``inventory_hosts``: every host of the
    inventory, to tell an accounting database host in the inventory from an external one.
    ``power_saving``: ``slurm_power_saving``, the settings of the cloud node classes (docs/elastic.md).
    """
    groups = dict(groups or {})
    labels = dict(MODEL_LABELS, **(labels or {}))
    slurmd = groups.get('slurmd') if check_slurmd_group else None
    problems = model_problems(cluster_name, nodes, partitions, slurmd_hosts=slurmd, labels=labels)
    if power_saving is not None and not isinstance(power_saving, Mapping):
        problems.append(Problem('power_saving', None, '%s: must be a mapping, got %r' % (labels['power_saving'], power_saving)))
    elif power_saving is not None:
        problems.extend(Problem('power_saving', None, '%s: %s' % (labels['power_saving'], text))
                        for text in _field_problems(power_saving, POWER_SAVING_FIELDS))
    if problems:
        raise ModelError(problems)
    node_names = {name for entry in nodes for name in expand(entry['names'])}
    addresses = {host: str(address) for host, address in (addresses or {}).items() if address}
    power_saving = normalise_power_saving(power_saving)
    problems = (_placement_problems(groups, node_names, labels) + _configless_problems(nodes, groups, labels)
                + _cloud_problems(cluster_name, nodes, power_saving, conf_servers(groups.get('slurmctld') or (), addresses),
                                  addresses, labels))
    if problems:
        raise ModelError(problems)
    role_groups = {group: list(groups.get(group) or []) for group in ROLE_GROUPS + PLACEMENT_GROUPS}
    slurmdbd = role_groups['slurmdbd']
    return ClusterModel(
        name=cluster_name,
        nodes=[normalise_node(entry) for entry in nodes],
        partitions=[normalise_partition(entry) for entry in partitions],
        role_groups=role_groups,
        addresses=addresses,
        inventory_hosts=None if inventory_hosts is None else set(inventory_hosts),
        accounting_database_host=(accounting_database_host or (slurmdbd[0] if slurmdbd else '')),
        power_saving=power_saving,
    )


__all__ = ['ClusterModel', 'ModelError', 'Problem', 'build', 'model_problems', 'partition_group', 'entry_label',
           'expand_or_empty', 'ROLE_GROUPS', 'PLACEMENT_GROUPS', 'DERIVED_GROUPS']
