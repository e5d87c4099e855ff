# -*- coding: utf-8 -*-
# Copyright (c) 2026, hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Documentation: slurm_node_readiness.yml next to this file.

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.hpcstack.cluster.plugins.plugin_utils.node_readiness import readiness


def slurm_node_readiness(nodes, expected, reason_prefix='hpcstack-health'):
    if isinstance(expected, str):
        raise AnsibleFilterError('slurm_node_readiness expects a list of node names, got the string %r' % expected)
    try:
        return readiness(nodes, expected, reason_prefix)
    except (KeyError, TypeError) as error:
        raise AnsibleFilterError('slurm_node_readiness expects the nodes of hpcstack.cluster.slurm_info: %s' % error)


class FilterModule:
    def filters(self):
        return {'slurm_node_readiness': slurm_node_readiness}
