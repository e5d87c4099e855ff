# -*- coding: utf-8 -*-
# Copyright (c) 2025, hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Documentation: cluster_model.yml and host_variable_errors.yml next to this file.

from __future__ import annotations

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

from ansible_collections.hpcstack.cluster.plugins.plugin_utils import cluster_model as model
from ansible_collections.hpcstack.cluster.plugins.plugin_utils.hostlist import reraise_as
from ansible_collections.hpcstack.cluster.plugins.plugin_utils.role_variables import HostVariables, host_variable_problems


def _mapping(value, what):
    if not isinstance(value, Mapping):
        raise AnsibleFilterError('cluster_model: %s must be a mapping, got %s' % (what, type(value).__name__))
    return value


@reraise_as(AnsibleFilterError)
def cluster_model(groups, hostvars, cluster_name, nodes, partitions, accounting_database_host=None, power_saving=None):
    """The cluster model of an inventory: ``{errors, variables, host_groups}``."""
    groups = _mapping(groups, 'the input (groups)')
    hostvars = _mapping(hostvars, 'hostvars')
    hosts = list(groups.get('all') or ())
    addresses = {}
    for host in hosts:
        address = hostvars[host].get('node_address') if host in hostvars else None
        if address:
            addresses[host] = address
    try:
        built = model.build(cluster_name, nodes, partitions, groups=groups, addresses=addresses, inventory_hosts=hosts,
                            accounting_database_host=accounting_database_host, power_saving=power_saving)
    except model.ModelError as error:
        return {'errors': [problem.message for problem in error.problems], 'variables': {}, 'host_groups': {}}
    host_groups = {}
    for group, members in built.groups().items():
        if group in model.ROLE_GROUPS:
            continue
        for host in members:
            host_groups.setdefault(host, []).append(group)
    return {'errors': [], 'variables': built.variables(), 'host_groups': host_groups}


@reraise_as(AnsibleFilterError)
def host_variable_errors(hosts, hostvars, accounting_database_host=''):
    """Problems of the hosts' variables against the argument specs and rules of the collection's roles."""
    hostvars = _mapping(hostvars, 'hostvars')
    hosts = list(hosts)
    context = {'accounting_database_host': accounting_database_host, 'inventory_hosts': set(hosts)}
    raw_get = getattr(hostvars, 'raw_get', None)  # Ansible's HostVars; a plain mapping in tests

    def variables_of(host):
        raw = raw_get(host) if raw_get else hostvars[host]

        def render(name):
            # In the host's context with hostvars, as a task on that host would see it.
            return Templar(loader=DataLoader(), variables=dict(raw, hostvars=hostvars)).template(raw[name])
        return HostVariables(raw, render)

    return host_variable_problems(hosts, variables_of, context=context)


class FilterModule:
    def filters(self):
        return {'cluster_model': cluster_model, 'host_variable_errors': host_variable_errors}
