# -*- coding: utf-8 -*-
# Copyright (c) 2026, hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Checks of a host's variables that need more than one variable (an argument spec sees one at a time).

Each rule reads a host's values with :class:`HostValues`: the host's own value, else the literal
default of the role that owns the variable (read from that role's defaults/main.yml, never
repeated here). A rule returns messages that name the variables and the fix; secrets are never
part of a message.
"""

from __future__ import annotations

import base64
import binascii
import functools
import os
import re
from collections.abc import Callable, Mapping

import yaml

from ansible_collections.hpcstack.cluster.plugins.plugin_utils import slurm_accounting


# Variable -> the role whose defaults/main.yml holds its default.
OWNERS = {
    'slurm_slurmctld_port': 'slurm_common',
    'slurm_slurmd_port': 'slurm_common',
    'slurm_accounting_storage_port': 'slurm_common',
    'slurm_jwt_key': 'slurm_common',
    'slurm_def_mem_per_cpu': 'slurm_common',
    'slurm_def_mem_per_gpu': 'slurm_common',
    'munge_key': 'munge',
    'slurmdbd_storage_pass': 'slurmdbd',
    'sssd_ldap_uri': 'sssd',
    'sssd_ldap_search_base': 'sssd',
    'sssd_ldap_default_bind_dn': 'sssd',
    'sssd_ldap_default_authtok': 'sssd',
    'sssd_ldap_tls_cacert_content': 'sssd',
    'slurm_accounting_qos': 'slurm_accounting',
    'slurm_accounting_accounts': 'slurm_accounting',
    'slurm_accounting_users': 'slurm_accounting',
    'rolling_serial': 'slurm_maintenance',
    'rolling_action': 'slurm_maintenance',
    'rolling_action_tasks': 'slurm_maintenance',
    'backup_keep': 'slurm_backup',
    'restore_database': 'slurm_backup',
    'slurm_upgrade_batch': 'slurm_upgrade',
    'slurm_upgrade_target_version': 'slurm_upgrade',
    'slurm_package_version': 'slurm_common',
}
LDAP_URI_RE = re.compile(r'^ldaps?://[^/\s]+')
# Ansible's serial: a number of hosts or a percentage.
SERIAL_RE = re.compile(r'^[0-9]+%?$')
# A MariaDB database name without quoting.
DATABASE_RE = re.compile(r'^[A-Za-z0-9_$]{1,64}$')
ROLES_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'roles')


@functools.lru_cache(maxsize=None)
def role_defaults(role: str, roles_dir: str = ROLES_DIR) -> dict:
    path = os.path.join(roles_dir, role, 'defaults', 'main.yml')
    with open(path, encoding='utf-8') as handle:
        return yaml.safe_load(handle) or {}


class HostValues:
    """A host's value of a variable, or its role's literal default (None when the default is a template)."""

    def __init__(self, variables: Mapping):
        self.variables = variables

    def __getitem__(self, name: str):
        if name in getattr(self.variables, 'raw', self.variables):
            return self.variables.get(name)  # None when it cannot be rendered here
        default = role_defaults(OWNERS[name]).get(name)
        return None if isinstance(default, str) and '{{' in default else default


def _ports(values: HostValues, _context: Mapping) -> list[str]:
    names = ('slurm_slurmctld_port', 'slurm_slurmd_port', 'slurm_accounting_storage_port')
    ports = [values[name] for name in names]
    if None in ports or len({str(port) for port in ports}) == len(ports):
        return []
    return ['%s, %s and %s must differ: slurmctld, slurmd and slurmdbd each need their own port (got %s)'
            % (names + (', '.join(str(port) for port in ports),))]


def _default_memory(values: HostValues, _context: Mapping) -> list[str]:
    # slurmctld refuses a slurm.conf with both (they are mutually exclusive).
    if values['slurm_def_mem_per_cpu'] and values['slurm_def_mem_per_gpu']:
        return ['slurm_def_mem_per_cpu (%s) and slurm_def_mem_per_gpu (%s) are mutually exclusive in Slurm: set one, '
                'the other to 0' % (values['slurm_def_mem_per_cpu'], values['slurm_def_mem_per_gpu'])]
    return []


def _key_size(value) -> int | None:
    """Bytes of a base64 text, or None if it is not base64."""
    text = re.sub(r'\s', '', str(value))
    if not re.match(r'^[A-Za-z0-9+/]+={0,2}$', text) or len(text) % 4:
        return None
    try:
        return len(base64.b64decode(text, validate=True))
    except (binascii.Error, ValueError):
        return None


def _secret_rule(name: str, minimum: int, maximum: int, suggested: int) -> Callable:
    def check(values: HostValues, _context: Mapping) -> list[str]:
        value = values[name]
        if not value:
            return []
        size = _key_size(value)
        if size is not None and minimum <= size <= maximum:
            return []
        given = 'not valid base64' if size is None else '%d bytes' % size
        return ['%s must be a base64-encoded key of %d to %d bytes (the given value is %s); create one with: '
                'dd if=/dev/urandom bs=1 count=%d | base64 -w0' % (name, minimum, maximum, given, suggested)]
    return check


def _external_database(values: HostValues, context: Mapping) -> list[str]:
    database = context.get('accounting_database_host')
    if not database or database in context.get('inventory_hosts', ()) or values['slurmdbd_storage_pass']:
        return []
    return ['slurmdbd_storage_host %s is not in the inventory, so it is an external database: set slurmdbd_storage_pass '
            '(in a vault) to the password of its slurmdbd user' % database]


def _sssd(values: HostValues, _context: Mapping) -> list[str]:
    uris = values['sssd_ldap_uri'] or []
    if not uris:
        return []
    problems = []
    bad = [uri for uri in uris if not LDAP_URI_RE.match(str(uri))]
    if bad:
        problems.append('sssd_ldap_uri entries must look like ldap://host or ldaps://host (given: %s)' % ', '.join(map(str, bad)))
    if not values['sssd_ldap_search_base']:
        problems.append('sssd_ldap_search_base must be set when sssd_ldap_uri is')
    if values['sssd_ldap_default_bind_dn'] and not values['sssd_ldap_default_authtok']:
        problems.append('sssd_ldap_default_authtok (the bind password, in a vault) must be set when sssd_ldap_default_bind_dn is')
    cacert = values['sssd_ldap_tls_cacert_content']
    if cacert and '-----BEGIN CERTIFICATE-----' not in cacert:
        problems.append('sssd_ldap_tls_cacert_content must be a certificate in PEM form (-----BEGIN CERTIFICATE-----)')
    return problems


def _accounting(values: HostValues, _context: Mapping) -> list[str]:
    return [message for kind, (variable, _spec, _what) in slurm_accounting.KINDS.items()
            for message in slurm_accounting.entry_problems(kind, values[variable])]


def _serial_rule(name: str, what: str) -> Callable:
    def check(values: HostValues, _context: Mapping) -> list[str]:
        value = values[name]
        if value is None or (not isinstance(value, bool) and SERIAL_RE.match(str(value))):
            return []
        return ['%s must be a number of %s or a percentage such as 25%%, got %r' % (name, what, value)]
    return check


def _rolling_action_tasks(values: HostValues, _context: Mapping) -> list[str]:
    if values['rolling_action'] == 'tasks' and not values['rolling_action_tasks']:
        return ['rolling_action is tasks: set rolling_action_tasks to the path of the task file to run on each node']
    return []


def _backup_keep(values: HostValues, _context: Mapping) -> list[str]:
    try:
        keep = int(values['backup_keep'])
    except (TypeError, ValueError):
        return []  # not a number: the argument spec says so
    if keep >= 1:
        return []
    return ['backup_keep must be at least 1: the backup just taken is always kept (got %d)' % keep]


def _restore_database(values: HostValues, _context: Mapping) -> list[str]:
    value = values['restore_database']
    if value is None or DATABASE_RE.match(str(value)):
        return []
    return ['restore_database must be a database name of 1 to 64 of A-Z, a-z, 0-9, _ and $, got %r' % (value,)]


def _quoted_version_rule(name: str, example: str) -> Callable:
    def rule(values: HostValues, _context: Mapping) -> list[str]:
        value = values[name]
        if value is None or isinstance(value, str):
            return []
        return ['%s must be a quoted string such as "%s" (unquoted, YAML reads 25.10 as the number 25.1; got %r)'
                % (name, example, value)]
    return rule


RULES: tuple[Callable[[HostValues, Mapping], list[str]], ...] = (
    _ports,
    _default_memory,
    _secret_rule('munge_key', 32, 1024, 1024),
    _secret_rule('slurm_jwt_key', 32, 4096, 32),
    _external_database,
    _sssd,
    _accounting,
    _serial_rule('rolling_serial', 'nodes'),
    _rolling_action_tasks,
    _backup_keep,
    _restore_database,
    _serial_rule('slurm_upgrade_batch', 'compute nodes'),
    _quoted_version_rule('slurm_upgrade_target_version', '25.05'),
    _quoted_version_rule('slurm_package_version', '25.05.5'),
)


def rule_problems(variables: Mapping, context: Mapping) -> list[str]:
    """Messages of every rule for one host. ``context``: ``accounting_database_host``, ``inventory_hosts``."""
    values = HostValues(variables)
    return [message for rule in RULES for message in rule(values, context)]
