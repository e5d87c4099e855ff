# -*- coding: utf-8 -*-
# Copyright (c) 2026, hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Documentation: prometheus_file_sd.yml next to this file.

from __future__ import annotations

import re
from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

DEFAULT_ROLES = ('slurmctld', 'slurmdbd', 'slurmrestd', 'slurmd', 'login', 'monitoring', 'nfs_server')
PARTITION_PREFIX = 'partition_'
LABEL_NAME = re.compile(r'^[a-zA-Z_][a-zA-Z0-9_]*$')
OWN_LABELS = ('cluster', 'role', 'partition')


def _port(port):
    if isinstance(port, bool) or not isinstance(port, (int, str)) or not str(port).isdigit() or not 0 < int(port) < 65536:
        raise AnsibleFilterError('prometheus_file_sd: port must be a number from 1 to 65535, got %r' % (port,))
    return int(port)


def _names(value, what):
    if isinstance(value, (str, bytes, Mapping)) or not hasattr(value, '__iter__'):
        raise AnsibleFilterError('prometheus_file_sd: %s must be a list of names, got %r' % (what, value))
    names = list(value)
    for name in names:
        if not isinstance(name, str):
            raise AnsibleFilterError('prometheus_file_sd: %s must be a list of names, got %r in it' % (what, name))
    return names


def _extra_labels(labels):
    if labels is None:
        return {}
    if not isinstance(labels, Mapping):
        raise AnsibleFilterError('prometheus_file_sd: labels must be a mapping of label name to value, got %r' % (labels,))
    for name in labels:
        if not isinstance(name, str) or not LABEL_NAME.match(name) or name.startswith('__'):
            raise AnsibleFilterError('prometheus_file_sd: %r is not a valid Prometheus label name (labels starting with __ are reserved)'
                                     % (name,))
        if name in OWN_LABELS:
            raise AnsibleFilterError('prometheus_file_sd: label %s is set by the filter; it cannot be in labels' % name)
    return {name: str(value) for name, value in labels.items()}


def _target(host, hostvars, use_address, port):
    address = host
    if use_address:
        if hostvars is None:
            raise AnsibleFilterError('prometheus_file_sd: use_address=true needs hostvars')
        try:
            host_vars = hostvars[host]
        except KeyError:
            host_vars = {}
        address = str(host_vars.get('node_address') or host)
    if ':' in address:  # IPv6
        address = '[%s]' % address
    return '%s:%d' % (address, port)


def prometheus_file_sd(groups, hostvars=None, port=9100, cluster=None, roles=None, use_address=False, labels=None):
    """Prometheus ``file_sd_configs`` entries for the hosts of the role groups of the cluster model.

    Every host is a target once: a host in several of ``roles`` gets them all in its ``role`` label
    (``slurmctld,login``), and a host in partition groups gets their names in ``partition``
    (``debug,gpu``). Hosts with the same labels share an entry; entries and targets keep the order
    of ``roles`` and of the groups.
    """
    if not isinstance(groups, Mapping):
        raise AnsibleFilterError('prometheus_file_sd: the input must be the groups mapping (group name to host names), got %r' % (groups,))
    port = _port(port)
    roles = _names(DEFAULT_ROLES if roles is None else roles, 'roles')
    extra = _extra_labels(labels)
    if hostvars is not None and not isinstance(hostvars, Mapping):
        raise AnsibleFilterError('prometheus_file_sd: hostvars must be a mapping of host name to variables, got %r' % (hostvars,))

    host_roles = {}  # host -> its roles, in the order of roles; hosts in order of first appearance
    for role in roles:
        for host in _names(groups.get(role) or [], 'group %s' % role):
            if role not in host_roles.setdefault(host, []):
                host_roles[host].append(role)
    host_partitions = {}
    for group in sorted(name for name in groups if isinstance(name, str) and name.startswith(PARTITION_PREFIX)):
        for host in _names(groups.get(group) or [], 'group %s' % group):
            host_partitions.setdefault(host, []).append(group[len(PARTITION_PREFIX):])

    entries = {}  # label values -> entry
    for host, its_roles in host_roles.items():
        entry_labels = {'cluster': str(cluster)} if cluster else {}
        entry_labels['role'] = ','.join(its_roles)
        if host_partitions.get(host):
            entry_labels['partition'] = ','.join(host_partitions[host])
        entry_labels.update(extra)
        entry = entries.setdefault(tuple(sorted(entry_labels.items())), {'targets': [], 'labels': entry_labels})
        entry['targets'].append(_target(host, hostvars, use_address, port))
    return list(entries.values())


class FilterModule:
    def filters(self):
        return {'prometheus_file_sd': prometheus_file_sd}
