# -*- coding: utf-8 -*-
# Copyright (c) 2025, hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""slurm.conf lines of a valid cluster model (controllers, nodes, partitions); controller-side only."""

from __future__ import annotations

import json
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


def _node_settings(names: str, entry: Mapping) -> dict:
    settings = {'NodeName': names, 'CPUs': entry['cpus']}
    if entry.get('boards') is not None:
        settings.update(Boards=entry['boards'], SocketsPerBoard=entry['sockets'])
    else:
        settings['Sockets'] = entry['sockets']
    settings.update(CoresPerSocket=entry['cores_per_socket'], ThreadsPerCore=entry['threads_per_core'],
                    RealMemory=entry['real_memory'], Gres=entry.get('gres') or None,
                    Features=entry.get('features') or None, Weight=entry.get('weight'), State='UNKNOWN')
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
                    'State': entry.get('state', 'UP')}
        lines.append(render(settings, entry.get('options')))
    return lines


def controller_lines(controllers: Sequence[str], addresses: Mapping[str, str]) -> list[str]:
    """``SlurmctldHost=`` lines, primary first; ``host(address)`` where the model knows the address."""
    return ['SlurmctldHost=%s%s' % (host, '(%s)' % addresses[host] if addresses.get(host) else '') for host in controllers]


def gres_types(nodes: Sequence[Mapping]) -> list[str]:
    """``GresTypes`` entries: the GRES names (``gpu`` of ``gpu:a100:4``) of every node, in order."""
    return list(dict.fromkeys(gres.split(':', 1)[0] for entry in nodes for gres in entry.get('gres') or ()))


def model_lines(nodes: Sequence[Mapping], partitions: Sequence[Mapping], controllers: Sequence[str],
                addresses: Mapping[str, str]) -> dict:
    return {
        'controller_lines': controller_lines(controllers, addresses),
        'node_lines': node_lines(nodes),
        'partition_lines': partition_lines(partitions),
        'gres_types': gres_types(nodes),
    }
