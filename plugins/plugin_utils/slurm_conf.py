# -*- coding: utf-8 -*-
# Copyright (c) 2025, hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""slurm.conf lines of a valid cluster model (controllers, nodes, partitions); controller-side only."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence

from ansible_collections.hpcstack.cluster.plugins.plugin_utils.hostlist import compress, expand


def slurm_value(value) -> str:
    if isinstance(value, bool):
        return 'YES' if value else 'NO'
    if isinstance(value, (list, tuple)):
        return ','.join(str(item) for item in value)
    return str(value)


def render(settings: Mapping, options: Mapping | None = None) -> str:
    """``Key=value`` words; ``options`` add keys or replace generated ones of the same name."""
    merged = dict(settings)
    merged.update(options or {})
    return ' '.join('%s=%s' % (key, slurm_value(value)) for key, value in merged.items() if value is not None)


# Slurm uses the nodes of the lowest weight first: cloud nodes without a weight of their own come after
# static nodes (default weight 1), so a partition that mixes both powers cloud nodes up only when needed.
CLOUD_WEIGHT = 1000
# The largest TreeWidth: slurmctld talks to every node itself. Cloud nodes without DNS for each other's
# names cannot forward messages (docs/elastic.md).
MAX_TREE_WIDTH = 65533


def _node_settings(names: str, entry: Mapping) -> dict:
    cloud = entry.get('cloud')
    features = list(entry.get('features') or ()) + ([cloud['class']] if cloud else [])
    weight = entry.get('weight', CLOUD_WEIGHT if cloud else None)
    settings = {'NodeName': names, 'CPUs': entry['cpus']}
    if entry.get('boards') is not None:
        settings.update(Boards=entry['boards'], SocketsPerBoard=entry['sockets'])
    else:
        settings['Sockets'] = entry['sockets']
    settings.update(CoresPerSocket=entry['cores_per_socket'], ThreadsPerCore=entry['threads_per_core'],
                    RealMemory=entry['real_memory'], Gres=entry.get('gres') or None,
                    Features=features or None, Weight=weight, State='CLOUD' if cloud else 'UNKNOWN')
    return settings


def node_lines(nodes: Sequence[Mapping]) -> list[str]:
    """``NodeName=`` lines, node names hostlist-compressed.

    Node entries with identical hardware share one line, placed where the first of them was.
    """
    classes: dict[str, list] = {}  # hardware (everything but names) -> [entry, names]
    for entry in nodes:
        hardware = json.dumps({key: value for key, value in entry.items() if key != 'names'}, sort_keys=True, default=str)
        classes.setdefault(hardware, [entry, []])[1].extend(expand(entry['names']))
    return [render(_node_settings(compress(names), entry), entry.get('options')) for entry, names in classes.values()]


def partition_lines(partitions: Sequence[Mapping]) -> list[str]:
    lines = []
    for entry in partitions:
        settings = {'PartitionName': entry['name'], 'Nodes': compress(expand(entry['nodes'])),
                    'Default': 'YES' if entry.get('default') else None, 'MaxTime': entry.get('max_time'),
                    'State': entry.get('state', 'UP'), 'SuspendTime': entry.get('suspend_time')}
        lines.append(render(settings, entry.get('options')))
    return lines


def controller_lines(controllers: Sequence[str], addresses: Mapping[str, str]) -> list[str]:
    """``SlurmctldHost=`` lines, primary first; ``host(address)`` where the model knows the address."""
    return ['SlurmctldHost=%s%s' % (host, '(%s)' % addresses[host] if addresses.get(host) else '') for host in controllers]


def gres_types(nodes: Sequence[Mapping]) -> list[str]:
    """``GresTypes`` entries: the GRES names (``gpu`` of ``gpu:a100:4``) of every node, in order."""
    return list(dict.fromkeys(gres.split(':', 1)[0] for entry in nodes for gres in entry.get('gres') or ()))


# name[:type][:count], the count with an optional K/M/G/T/P suffix (not for GPUs).
GRES_RE = re.compile(r'^(?P<name>[A-Za-z][A-Za-z0-9_]*)(:(?P<type>[A-Za-z0-9_.-]*[A-Za-z_.-][A-Za-z0-9_.-]*))?(:(?P<count>\d+)(?P<suffix>[KMGTP]?))?$')
# Where a GPU lives when the model does not say: NVIDIA's device files, numbered per node.
DEFAULT_GPU_FILE = '/dev/nvidia'
GRES_CONF_KEYS = (('name', 'Name'), ('type', 'Type'), ('file', 'File'), ('count', 'Count'), ('cores', 'Cores'),
                  ('links', 'Links'), ('flags', 'Flags'))


def split_gres(gres: str) -> tuple[str, str | None, str]:
    """``gpu:a100:4`` -> ``('gpu', 'a100', '4')``; ``gpu:4`` -> ``('gpu', None, '4')``; ``gpu`` -> count 1.

    ``gres`` must match GRES_RE (the model checks it before anything is rendered).
    """
    match = GRES_RE.match(gres)
    return match['name'], match['type'], (match['count'] + match['suffix']) if match['count'] else '1'


def _derived_gres_conf(entry: Mapping) -> list[dict]:
    """gres.conf lines of a node entry that gives only ``gres``: GPUs on /dev/nvidiaN, others as counts."""
    lines, next_gpu = [], 0
    for gres in entry.get('gres') or ():
        name, kind, count = split_gres(gres)
        line = {'name': name, 'type': kind}
        if name == 'gpu':
            first, next_gpu = next_gpu, next_gpu + int(count)
            line['file'] = '%s%s' % (DEFAULT_GPU_FILE, first if next_gpu - first == 1 else '[%d-%d]' % (first, next_gpu - 1))
        else:
            line['count'] = count
        lines.append(line)
    return lines


def gres_conf_lines(nodes: Sequence[Mapping]) -> list[str]:
    """gres.conf lines (one file for every node, each line with ``NodeName=``) of the nodes with gres.

    A node entry's ``gres_autodetect`` (nvml, nvidia, rsmi, ...) lets slurmd find its devices;
    ``gres_conf`` gives the lines; with neither, GPUs get consecutive ``/dev/nvidiaN`` files.
    """
    lines = []
    for entry in nodes:
        if not entry.get('gres'):
            continue
        names = compress(expand(entry['names']))
        if entry.get('gres_autodetect'):
            lines.append(render({'NodeName': names, 'AutoDetect': entry['gres_autodetect']}))
            continue
        for line in entry.get('gres_conf') or _derived_gres_conf(entry):
            settings = {'NodeName': names}
            settings.update((key, line.get(field)) for field, key in GRES_CONF_KEYS)
            lines.append(render(settings))
    return lines


def _power_saving_settings(settings: Mapping, static_nodes: Sequence[str], commands: Mapping[str, str]) -> dict:
    tree_width = settings.get('tree_width') or (None if settings.get('cloud_dns') else MAX_TREE_WIDTH)
    return {
        'SuspendProgram': commands['suspend'],
        'ResumeProgram': commands['resume'],
        'ResumeFailProgram': commands['resume-fail'],
        'SuspendTime': settings['suspend_time'],
        'SuspendTimeout': settings['suspend_timeout'],
        'ResumeTimeout': settings['resume_timeout'],
        'SuspendRate': settings['suspend_rate'],
        'ResumeRate': settings['resume_rate'],
        # Static nodes have no program to power them: Slurm must never suspend them.
        'SuspendExcNodes': compress(static_nodes) if static_nodes else None,
        'TreeWidth': tree_width,
        'DebugFlags': 'Power' if settings.get('debug') else None,
    }


# Releases at which the power-saving lines change, and what each adds or drops.
POWER_SAVING_RELEASES = ('22.05', '23.02', '23.11')


def power_saving_lines(settings: Mapping, static_nodes: Sequence[str], commands: Mapping[str, str]) -> list[dict]:
    """slurm.conf power-saving lines by Slurm release: ``[{since, lines}]``, oldest first.

    A host with Slurm X uses the last entry whose ``since`` is not newer than X. Before 23.02 Slurm
    hides powered-down cloud nodes from ``scontrol show node`` without ``PrivateData=cloud``; before
    23.11 it caches node addresses unless ``CommunicationParameters=NoAddrCache`` (a new instance may
    get an address an old one had). ``SuspendExcStates`` and ``ReconfigFlags=KeepPowerSaveSettings``
    exist from 23.02.
    """
    common = _power_saving_settings(settings, static_nodes, commands)
    newer = {'SuspendExcStates': settings.get('suspend_exc_states') or None,
             'ReconfigFlags': 'KeepPowerSaveSettings' if settings.get('keep_settings_on_reconfigure') else None}
    by_release = {
        '22.05': dict(common, PrivateData='cloud', CommunicationParameters='NoAddrCache'),
        '23.02': dict(common, CommunicationParameters='NoAddrCache', **newer),
        '23.11': dict(common, **newer),
    }
    return [{'since': release, 'lines': ['%s=%s' % (key, slurm_value(value)) for key, value in by_release[release].items()
                                         if value is not None]}
            for release in POWER_SAVING_RELEASES]


def model_lines(nodes: Sequence[Mapping], partitions: Sequence[Mapping], controllers: Sequence[str],
                addresses: Mapping[str, str]) -> dict:
    return {
        'controller_lines': controller_lines(controllers, addresses),
        'node_lines': node_lines(nodes),
        'partition_lines': partition_lines(partitions),
        'gres_types': gres_types(nodes),
        'gres_conf_lines': gres_conf_lines(nodes),
    }
