# -*- coding: utf-8 -*-
# Copyright (c) 2025, hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The cluster model of docs/cluster-model.md: hostlist helpers, validation and slurm.conf lines.

Controller-side helper for the filter and inventory plugins; it never runs on managed hosts.
"""

from __future__ import annotations

import functools
import json
import re
import traceback
from collections.abc import Mapping, Sequence

try:
    import hostlist
except ImportError:
    HAS_HOSTLIST = False
    HOSTLIST_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_HOSTLIST = True
    HOSTLIST_IMPORT_ERROR = None

MISSING_HOSTLIST = "the python-hostlist library is missing: install python-hostlist on the controller"

# How validation messages name the three model variables; the inventory plugin passes its spec keys.
MODEL_LABELS = {'cluster_name': 'slurm_cluster_name', 'nodes': 'slurm_nodes', 'partitions': 'slurm_partitions',
                'slurmd': 'slurmd group'}

CLUSTER_NAME_RE = re.compile(r'^[a-z0-9_]{1,40}$')
PARTITION_NAME_RE = re.compile(r'^[A-Za-z0-9_.-]+$')
MAX_TIME_RE = re.compile(r'^(UNLIMITED|INFINITE|\d+|\d+:\d{1,2}|\d+:\d{1,2}:\d{1,2}|\d+-\d+|\d+-\d+:\d{1,2}|\d+-\d+:\d{1,2}:\d{1,2})$')
PARTITION_STATES = ('UP', 'DOWN', 'DRAIN', 'INACTIVE')


class HostlistError(ValueError):
    """A hostlist expression does not parse, or python-hostlist is not installed."""


def expand(expr, allow_duplicates=False):
    """Expand a hostlist expression (``c[1-3],login1``) into host names, in order."""
    if not HAS_HOSTLIST:
        raise HostlistError(MISSING_HOSTLIST)
    if not isinstance(expr, str):
        raise HostlistError('a hostlist expression must be a string, got %r' % (expr,))
    try:
        return hostlist.expand_hostlist(expr, allow_duplicates=allow_duplicates)
    except hostlist.BadHostlist as e:
        raise HostlistError('invalid hostlist expression %r: %s' % (expr, e))


def compress(names):
    """Compress host names into the shortest hostlist expression (``c[1-3],login1``)."""
    if not HAS_HOSTLIST:
        raise HostlistError(MISSING_HOSTLIST)
    return hostlist.collect_hostlist([str(name) for name in names])


def entry_label(section, index, entry):
    """``slurm_partitions[1] (gpu)``: how messages name one entry of a list."""
    label = '%s[%d]' % (section, index)
    name = entry.get('name', entry.get('names')) if isinstance(entry, Mapping) else None
    return '%s (%s)' % (label, name) if isinstance(name, str) and name else label


def _int_check(minimum):
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
    'gres': (False, _check_str_list),
    'features': (False, _check_str_list),
    'weight': (False, _int_check(0)),
    'options': (False, _check_mapping),
}
PARTITION_FIELDS = {
    'name': (True, _check_partition_name),
    'nodes': (True, _check_str),
    'default': (False, _check_bool),
    'max_time': (False, _check_max_time),
    'state': (False, _check_state),
    'options': (False, _check_mapping),
}


def _field_problems(entry, fields):
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


def expand_unique(expr, what):
    """Expand ``expr`` for validation: ``(names, problems)``; names is None if it does not parse.

    A name listed twice is a problem (python-hostlist would silently drop it).
    """
    try:
        names = expand(expr, allow_duplicates=True)
    except HostlistError as e:
        return None, ['%s: %s' % (what, e)]
    if not names:
        return None, ['%s %r names no hosts' % (what, expr)]
    unique = list(dict.fromkeys(names))
    if len(unique) == len(names):
        return names, []
    seen = set()
    twice = [name for name in names if name in seen or seen.add(name)]
    return unique, ['%s lists %s more than once' % (what, compress(twice))]


def _cpu_problem(entry):
    boards = entry.get('boards', 1)
    factors = (boards, entry.get('sockets'), entry.get('cores_per_socket'), entry.get('threads_per_core'))
    if any(_int_check(1)(value) for value in factors + (entry.get('cpus'),)):
        return None  # reported as missing or mistyped
    product = boards * factors[1] * factors[2] * factors[3]
    if product == entry['cpus']:
        return None
    return 'cpus is %d but %ssockets %d x cores_per_socket %d x threads_per_core %d is %d' % (
        entry['cpus'], 'boards %d x ' % boards if 'boards' in entry else '', factors[1], factors[2], factors[3], product)


def model_problems(cluster_name, nodes, partitions, slurmd_hosts=None, labels=None):
    """Every problem of the model, as ``(section, index, message)``.

    ``section`` is ``cluster_name``, ``nodes``, ``partitions`` or ``slurmd``; ``index`` the list entry or None.
    ``labels`` renames the sections in messages (default: the model's variable names).
    """
    labels = dict(MODEL_LABELS, **(labels or {}))
    found = []

    def report(section, index, texts, entry=None):
        where = labels.get(section, section) if index is None else entry_label(labels[section], index, entry)
        found.extend((section, index, '%s: %s' % (where, text)) for text in texts)

    if not isinstance(cluster_name, str) or not CLUSTER_NAME_RE.match(cluster_name):
        report('cluster_name', None, ['%r is not a valid cluster name (1 to 40 of a-z, 0-9 and _)' % (cluster_name,)])

    node_owner = {}  # node name -> index of its slurm_nodes entry
    for index, entry in enumerate(_as_list(nodes, 'nodes', report)):
        problems = _field_problems(entry, NODE_FIELDS)
        if isinstance(entry, Mapping):
            problems.extend(filter(None, [_cpu_problem(entry)]))
        names = _expand_field(entry, 'names', problems)
        clashes = {}
        for name in names or ():
            owner = node_owner.setdefault(name, index)
            if owner != index:
                clashes.setdefault(owner, []).append(name)
        problems.extend('nodes %s are already defined by %s' % (compress(dup), entry_label(labels['nodes'], owner, nodes[owner]))
                        for owner, dup in clashes.items())
        report('nodes', index, problems, entry)

    in_partition = set()
    defaults = []
    partition_index = {}
    for index, entry in enumerate(_as_list(partitions, 'partitions', report)):
        problems = _field_problems(entry, PARTITION_FIELDS)
        name = _get(entry, 'name')
        if isinstance(name, str):
            first = partition_index.setdefault(name, index)
            if first != index:
                problems.append('partition name %s is already used by %s' % (name, entry_label(labels['partitions'], first, partitions[first])))
        if _get(entry, 'default') is True:
            defaults.append(index)
            if len(defaults) > 1:
                problems.append('only one partition can be the default, and %s already is'
                                % entry_label(labels['partitions'], defaults[0], partitions[defaults[0]]))
        members = _expand_field(entry, 'nodes', problems)
        unknown = [name for name in members or () if name not in node_owner]
        if unknown:
            problems.append('nodes %s are not defined in %s' % (compress(unknown), labels['nodes']))
        in_partition.update(members or ())
        report('partitions', index, problems, entry)

    if isinstance(partitions, list):
        orphans = {}
        for name, owner in node_owner.items():
            if name not in in_partition:
                orphans.setdefault(owner, []).append(name)
        for owner, names in sorted(orphans.items()):
            report('nodes', owner, ['nodes %s are in no partition' % compress(names)], nodes[owner])

    if slurmd_hosts is not None:
        hosts = set(slurmd_hosts)
        extra = [host for host in slurmd_hosts if host not in node_owner]
        missing = [name for name in node_owner if name not in hosts]
        if extra:
            report('slurmd', None, ['hosts %s are not nodes of %s' % (compress(extra), labels['nodes'])])
        if missing:
            report('slurmd', None, ['nodes %s of %s are not in the group' % (compress(missing), labels['nodes'])])
    return found


def _expand_field(entry, key, problems):
    if _check_str(_get(entry, key)):
        return None  # missing or not a string: reported already
    names, found = expand_unique(entry[key], key)
    problems.extend(found)
    return names


def _get(entry, key):
    return entry.get(key) if isinstance(entry, Mapping) else None


def _as_list(value, section, report):
    if isinstance(value, list):
        return value
    report(section, None, ['must be a list, got %r' % (value,)])
    return []


def validate_model(cluster_name, nodes, partitions, slurmd_hosts=None):
    """All problems of the cluster model as messages; an empty list means the model is valid."""
    if not HAS_HOSTLIST:
        raise HostlistError(MISSING_HOSTLIST)
    return [message for _section, _index, message in model_problems(cluster_name, nodes, partitions, slurmd_hosts)]


def _slurm_value(value):
    if isinstance(value, bool):
        return 'YES' if value else 'NO'
    if isinstance(value, (list, tuple)):
        return ','.join(str(item) for item in value)
    return str(value)


def _render(settings, options):
    """``Key=value`` words; ``options`` add keys or replace generated ones of the same name."""
    merged = dict(settings)
    merged.update(options or {})
    return ' '.join('%s=%s' % (key, _slurm_value(value)) for key, value in merged.items() if value is not None)


def _node_settings(names, entry):
    settings = {'NodeName': names, 'CPUs': entry['cpus']}
    if entry.get('boards') is not None:
        settings.update(Boards=entry['boards'], SocketsPerBoard=entry['sockets'])
    else:
        settings['Sockets'] = entry['sockets']
    settings.update(CoresPerSocket=entry['cores_per_socket'], ThreadsPerCore=entry['threads_per_core'],
                    RealMemory=entry['real_memory'], Gres=entry.get('gres') or None,
                    Features=entry.get('features') or None, Weight=entry.get('weight'), State='UNKNOWN')
    return settings


def slurm_conf_lines(nodes, partitions):
    """``NodeName=`` and ``PartitionName=`` lines of a valid model, node names hostlist-compressed.

    Node entries with identical hardware share one line, placed where the first of them was.
    """
    classes = {}  # hardware (everything but names) -> [entry, names]
    for entry in nodes:
        hardware = json.dumps({key: value for key, value in entry.items() if key != 'names'}, sort_keys=True, default=str)
        classes.setdefault(hardware, [entry, []])[1].extend(expand(entry['names']))
    node_lines = [_render(_node_settings(compress(names), entry), entry.get('options')) for entry, names in classes.values()]
    partition_lines = []
    for entry in partitions:
        settings = {'PartitionName': entry['name'], 'Nodes': compress(expand(entry['nodes'])),
                    'Default': 'YES' if entry.get('default') else None, 'MaxTime': entry.get('max_time'),
                    'State': entry.get('state', 'UP')}
        partition_lines.append(_render(settings, entry.get('options')))
    return {'node_lines': node_lines, 'partition_lines': partition_lines}


def reraise_as(error_type):
    """Decorator: raise ``error_type`` (say AnsibleFilterError) instead of HostlistError."""
    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            try:
                return func(*args, **kwargs)
            except HostlistError as e:
                raise error_type(str(e))
        return wrapper
    return decorate
