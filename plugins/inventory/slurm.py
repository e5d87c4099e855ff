# -*- coding: utf-8 -*-
# Copyright (c) 2026, hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: slurm
short_description: Inventory of the nodes of a running Slurm cluster, from slurmrestd
version_added: 0.1.0
author: hpcstack developers (@hpcstack)
extends_documentation_fragment:
  - constructed
  - inventory_cache
description:
  - Asks slurmrestd for the nodes of a running cluster and makes each Slurm node a host, grouped by partition, state and
    feature, with its current Slurm state as host variables. Use it to act on the live state of the cluster, for example
    to run maintenance only on idle GPU nodes.
  - The configuration file is a YAML file whose name ends with C(slurm.yml) or C(slurm.yaml) (V(slurm.yml),
    V(prod.slurm.yml)), with O(plugin=hpcstack.cluster.slurm).
  - The API version is negotiated with the server (the newest that both sides know and the server does not mark
    deprecated, V(v0.0.45) down to V(v0.0.38), so Slurm 22.05 to 26.05) unless O(api_version) pins one. Group
    C(all) gets V(slurm_live_api_version), the version used.
  - 'The groups are below. Characters other than letters, digits and V(_) in a name become V(_), as in the
    P(hpcstack.cluster.cluster#inventory) plugin: partition V(gpu-a100) is group C(partition_gpu_a100).'
  - C(slurmd), every node.
  - C(partition_<name>), the nodes of each partition.
  - C(state_<state>), the base state of the node, one of V(idle), V(allocated), V(mixed), V(down), V(error),
    V(future), V(unknown); these groups always exist, possibly empty.
  - C(state_drained), nodes with the C(DRAIN) flag and no job (Slurm's C(DRAINED), safe to work on);
    C(state_draining), nodes with the C(DRAIN) flag that still run jobs (C(ALLOCATED) or C(MIXED), or completing).
    A C(DOWN+DRAIN) node is in C(state_down) and C(state_drained). Both groups always exist.
  - C(feature_<feature>), the nodes with each (available) node feature.
  - Host variables V(slurm_live_state) (base state, lower case), V(slurm_live_state_flags) (lower-case flags such as V(drain),
    V(not_responding), V(reboot_requested)), V(slurm_live_reason), V(slurm_live_cpus), V(slurm_live_alloc_cpus),
    V(slurm_live_real_memory) and V(slurm_live_alloc_memory) (MiB), V(slurm_live_gres) (text, V(gpu:a100:4)), V(slurm_live_features) and
    V(slurm_live_partitions) (lists). O(compose), O(groups) and O(keyed_groups) can use them.
  - With O(cache) enabled, the answer of slurmrestd is kept in Ansible's inventory cache and reused until
    O(cache_timeout) passes or C(--flush-cache) is given; the cached state may then be out of date.
  - Needs nothing but the Python standard library on the controller.
options:
  plugin:
    description: Marks the file as a configuration of this plugin.
    type: str
    required: true
    choices: [hpcstack.cluster.slurm]
  url:
    description:
      - slurmrestd URL, V(http://host:6820), V(https://host:6820) or V(unix:/path/to/slurmrestd.socket).
    type: str
    required: true
    env:
      - name: SLURMRESTD_URL
  user:
    description:
      - Slurm user name sent as C(X-SLURM-USER-NAME); the token must belong to it.
      - Defaults to the environment variable E(SLURM_USER), else the name of the user running Ansible.
    type: str
    env:
      - name: SLURM_USER
  token:
    description:
      - JWT sent as C(X-SLURM-USER-TOKEN), for example from C(scontrol token username=USER lifespan=3600).
      - Prefer O(token_file) or O(token_env) to writing the token into the file. The token never appears in messages.
      - Takes precedence over O(token_file), which takes precedence over O(token_env).
      - Without any token no C(X-SLURM-USER-TOKEN) is sent, which suits slurmrestd on a UNIX socket with C(rest_auth/local).
    type: str
  token_env:
    description:
      - Name of the environment variable holding the JWT, read when neither O(token) nor O(token_file) is set.
    type: str
    default: SLURM_JWT
  token_file:
    description:
      - File holding the JWT (surrounding white space is ignored). Takes precedence over O(token_env).
    type: path
  api_version:
    description:
      - Use this slurmrestd API version instead of negotiating one.
    type: str
    choices: [v0.0.38, v0.0.40, v0.0.41, v0.0.42, v0.0.43, v0.0.44, v0.0.45]
  timeout:
    description: Seconds to wait for each HTTP answer. Failed connections and 5xx answers are retried three times.
    type: int
    default: 30
  validate_certs:
    description: Verify the TLS certificate of an C(https) URL.
    type: bool
    default: true
notes:
  - The node names must resolve on the controller (DNS or C(/etc/hosts)), or set C(ansible_host) with O(compose).
  - Only nodes are hosts; controllers and login nodes are not known to slurmrestd. Combine this source with the cluster
    spec of the P(hpcstack.cluster.cluster#inventory) plugin, or use it on its own.
  - On Slurm 22.05 a rejected token makes slurmrestd answer HTTP 500 C(Unspecified error), reported as a server error.
seealso:
  - plugin: hpcstack.cluster.cluster
    plugin_type: inventory
"""

EXAMPLES = r"""
# inventories/live/slurm.yml - the token comes from $SLURM_JWT:
#   export SLURM_JWT=$(ssh ctl1 scontrol token username=root lifespan=3600 | cut -d= -f2)
#   ansible-playbook maint.yml -i inventories/live/slurm.yml --limit 'state_idle:&partition_gpu'
plugin: hpcstack.cluster.slurm
url: https://slurmrest1.example.org:6820
user: root
token_env: SLURM_JWT

# Keep the answer for five minutes (ansible.cfg [inventory] settings work as well)
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/ansible-inventory
cache_timeout: 300

# One group per state flag (flag_not_responding, flag_reboot_requested, ...), nodes with free CPUs,
# and the address Ansible connects to
keyed_groups:
  - key: slurm_live_state_flags
    prefix: flag
groups:
  has_free_cpus: slurm_live_cpus > slurm_live_alloc_cpus and slurm_live_state in ['idle', 'mixed']
compose:
  ansible_host: inventory_hostname ~ '.cluster.example.org'
"""

import getpass
import os
import re

from ansible.errors import AnsibleParserError
from ansible.module_utils.common.text.converters import to_native
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable

from ansible_collections.hpcstack.cluster.plugins.module_utils._slurm_data import BASE_NODE_STATES
from ansible_collections.hpcstack.cluster.plugins.module_utils._slurm_rest import (
    SlurmRestAuthError,
    SlurmRestClient,
    SlurmRestError,
    SlurmRestServerError,
    SlurmRestUnreachable,
    SlurmRestVersionError,
)

CONFIG_SUFFIXES = ('slurm.yml', 'slurm.yaml')
UNSAFE = re.compile(r'[^A-Za-z0-9_]')
HOST_VARS = (  # host variable: key of the node dict of _slurm_data.normalise_node
    ('slurm_live_state', 'state'),
    ('slurm_live_state_flags', 'flags'),
    ('slurm_live_reason', 'reason'),
    ('slurm_live_cpus', 'cpus'),
    ('slurm_live_alloc_cpus', 'alloc_cpus'),
    ('slurm_live_real_memory', 'real_memory'),
    ('slurm_live_alloc_memory', 'alloc_memory'),
    ('slurm_live_gres', 'gres'),
    ('slurm_live_features', 'features'),
    ('slurm_live_partitions', 'partitions'),
)
ALWAYS_GROUPS = ('slurmd',) + tuple('state_' + state for state in BASE_NODE_STATES) + ('state_drained', 'state_draining')


def group_name(prefix, name):
    """``partition_`` + ``gpu-a100`` -> ``partition_gpu_a100`` (the cluster plugin's rule)."""
    return prefix + UNSAFE.sub('_', str(name))


def node_groups(node):
    """The groups of one node (a dict of ``_slurm_data.normalise_node``), in a stable order."""
    groups = ['slurmd', group_name('state_', node['state'])]
    if node.get('drained'):
        groups.append('state_drained')
    if node.get('draining'):
        groups.append('state_draining')
    groups.extend(group_name('partition_', name) for name in node.get('partitions') or [])
    groups.extend(group_name('feature_', name) for name in node.get('features') or [])
    return groups


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):

    NAME = 'hpcstack.cluster.slurm'

    def verify_file(self, path):
        return super().verify_file(path) and path.endswith(CONFIG_SUFFIXES)

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache)
        config = self._read_config_data(path)
        unknown = sorted(str(key) for key in config if key not in self.option_definitions)
        if unknown:
            raise AnsibleParserError('%s: unknown option(s) %s' % (path, ', '.join(unknown)))
        cache_key = self.get_cache_key(path)
        use_cache = self.get_option('cache')
        result = None
        if use_cache and cache:
            try:
                result = self._cache[cache_key]
            except KeyError:
                pass  # not cached yet, or expired
        if result is None:
            result = self.fetch(path)
            if use_cache:
                self._cache[cache_key] = result
        self.populate(result)

    # -- slurmrestd ----------------------------------------------------------------------------
    def token(self, path):
        """The JWT and where it came from (for messages; never the token itself)."""
        token = self.get_option('token')
        if token:
            return str(token).strip(), 'option token'
        token_file = self.get_option('token_file')
        if token_file:
            try:
                with open(os.path.expanduser(token_file)) as handle:
                    return handle.read().strip(), 'token_file %s' % token_file
            except OSError as exc:
                raise AnsibleParserError('%s: cannot read token_file %s: %s' % (path, token_file, exc.strerror or exc)) from exc
        name = self.get_option('token_env')
        if name and os.environ.get(name):
            return os.environ[name].strip(), 'environment variable %s' % name
        return None, 'no token (token, token_file and $%s are unset)' % name

    def client(self, path):
        token, source = self.token(path)
        user = self.get_option('user') or getpass.getuser()
        try:
            client = SlurmRestClient(self.get_option('url'), user=user, token=token, timeout=self.get_option('timeout'),
                                     api_version=self.get_option('api_version'),
                                     validate_certs=self.get_option('validate_certs'))
        except SlurmRestError as exc:
            raise AnsibleParserError('%s: %s' % (path, to_native(exc))) from exc
        return client, source

    def fetch(self, path):
        """Ask slurmrestd; returns what is cached: {"api_version": "v0.0.42", "nodes": [normalised node dicts]}."""
        client, token_source = self.client(path)
        url = self.get_option('url')
        try:
            nodes = client.nodes()
        except SlurmRestAuthError as exc:
            raise AnsibleParserError('%s: slurmrestd at %s did not accept the token (from %s): %s'
                                     % (path, url, token_source, to_native(exc))) from exc
        except SlurmRestUnreachable as exc:
            raise AnsibleParserError('%s: %s' % (path, to_native(exc))) from exc
        except SlurmRestVersionError as exc:
            if self.get_option('api_version'):
                hint = 'api_version %s is pinned; remove it to negotiate one' % self.get_option('api_version')
            else:
                hint = 'this plugin supports Slurm 22.05 to 26.05 (API v0.0.38 to v0.0.45)'
            raise AnsibleParserError('%s: no usable slurmrestd API version at %s (%s): %s'
                                     % (path, url, hint, to_native(exc))) from exc
        except SlurmRestServerError as exc:
            hint = ' (on Slurm 22.05 a rejected token looks like this too)' \
                if (client.versions or {}).get('slurm') == 'v0.0.38' else ''
            raise AnsibleParserError('%s: slurmrestd at %s failed, is slurmctld up?%s: %s'
                                     % (path, url, hint, to_native(exc))) from exc
        except SlurmRestError as exc:
            raise AnsibleParserError('%s: %s' % (path, to_native(exc))) from exc
        return {'api_version': client.versions['slurm'], 'nodes': nodes}

    # -- inventory -----------------------------------------------------------------------------
    def populate(self, result):
        inventory = self.inventory
        strict = self.get_option('strict')
        for group in ALWAYS_GROUPS:
            inventory.add_group(group)
        inventory.set_variable('all', 'slurm_live_api_version', result['api_version'])
        for node in result['nodes']:
            host = node['name']
            inventory.add_host(host)
            for variable, key in HOST_VARS:
                inventory.set_variable(host, variable, node.get(key))
            for group in node_groups(node):
                inventory.add_group(group)
                inventory.add_host(host, group=group)
            host_vars = inventory.get_host(host).get_vars()
            self._set_composite_vars(self.get_option('compose'), host_vars, host, strict=strict)
            self._add_host_to_composed_groups(self.get_option('groups'), host_vars, host, strict=strict)
            self._add_host_to_keyed_groups(self.get_option('keyed_groups'), host_vars, host, strict=strict)
