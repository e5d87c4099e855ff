# -*- coding: utf-8 -*-
# Copyright (c) 2026, hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Prometheus file_sd targets from the cluster model's groups and addresses; controller-side only."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from ansible_collections.hpcstack.cluster.plugins.plugin_utils.cluster_model import PARTITION_GROUP_PREFIX

DEFAULT_ROLES = ('slurmctld', 'slurmdbd', 'slurmrestd', 'slurmd', 'login', 'monitoring', 'nfs_server')
LABEL_NAME = re.compile(r'^[a-zA-Z_][a-zA-Z0-9_]*$')
OWN_LABELS = ('cluster', 'role', 'partition')


class TargetError(ValueError):
    """Bad arguments."""


def _port(port) -> int:
    if isinstance(port, bool) or not isinstance(port, (int, str)) or not str(port).isdigit() or not 0 < int(port) < 65536:
        raise TargetError('port must be a number from 1 to 65535, got %r' % (port,))
    return int(port)


def _names(value, what) -> list[str]:
    if isinstance(value, (str, bytes, Mapping)) or not hasattr(value, '__iter__'):
        raise TargetError('%s must be a list of names, got %r' % (what, value))
    names = list(value)
    for name in names:
        if not isinstance(name, str):
            raise TargetError('%s must be a list of names, got %r in it' % (what, name))
    return names


def _extra_labels(labels) -> dict[str, str]:
    if labels is None:
        return {}
    if not isinstance(labels, Mapping):
        raise TargetError('labels must be a mapping of label name to value, got %r' % (labels,))
    for name in labels:
        if not isinstance(name, str) or not LABEL_NAME.match(name) or name.startswith('__'):
            raise TargetError('%r is not a valid Prometheus label name (labels starting with __ are reserved)' % (name,))
        if name in OWN_LABELS:
            raise TargetError('label %s is set by the filter; it cannot be in labels' % name)
    return {name: str(value) for name, value in labels.items()}


def _target(host: str, addresses: Mapping[str, str], use_address: bool, port: int) -> str:
    address = str(addresses.get(host) or host) if use_address else host
    if ':' in address:  # IPv6
        address = '[%s]' % address
    return '%s:%d' % (address, port)


def file_sd(groups: Mapping[str, Sequence[str]], addresses: Mapping[str, str] | None = None, port=9100,
            cluster: str | None = None, roles: Sequence[str] | None = None, use_address: bool = False,
            labels: Mapping | None = None) -> list[dict]:
    """Prometheus ``file_sd_configs`` entries for the hosts of the role groups.

    Every host is a target once: a host in several of ``roles`` gets them all in its ``role`` label
    (``slurmctld,login``), and a host in partition groups gets their names in ``partition``
    (``debug,gpu``). Hosts with the same labels share an entry; entries and targets keep the order
    of ``roles`` and of the groups.
    """
    if not isinstance(groups, Mapping):
        raise TargetError('the groups must be a mapping (group name to host names), got %r' % (groups,))
    port = _port(port)
    roles = _names(DEFAULT_ROLES if roles is None else roles, 'roles')
    extra = _extra_labels(labels)
    addresses = addresses or {}
    if not isinstance(addresses, Mapping):
        raise TargetError('addresses must be a mapping of host name to address, got %r' % (addresses,))

    host_roles: dict[str, list[str]] = {}  # host -> its roles, in the order of roles; hosts in order of first appearance
    for role in roles:
        for host in _names(groups.get(role) or [], 'group %s' % role):
            if role not in host_roles.setdefault(host, []):
                host_roles[host].append(role)
    host_partitions: dict[str, list[str]] = {}
    for group in sorted(name for name in groups if isinstance(name, str) and name.startswith(PARTITION_GROUP_PREFIX)):
        for host in _names(groups.get(group) or [], 'group %s' % group):
            host_partitions.setdefault(host, []).append(group[len(PARTITION_GROUP_PREFIX):])

    entries: dict[tuple, dict] = {}  # label values -> entry
    for host, its_roles in host_roles.items():
        entry_labels = {'cluster': str(cluster)} if cluster else {}
        entry_labels['role'] = ','.join(its_roles)
        if host_partitions.get(host):
            entry_labels['partition'] = ','.join(host_partitions[host])
        entry_labels.update(extra)
        entry = entries.setdefault(tuple(sorted(entry_labels.items())), {'targets': [], 'labels': entry_labels})
        entry['targets'].append(_target(host, addresses, use_address, port))
    return list(entries.values())
