# -*- coding: utf-8 -*-
# Copyright (c) 2025, hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Documentation: cluster_model_errors.yml and slurm_conf_lines.yml next to this file.

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.hpcstack.cluster.plugins.module_utils import _cluster_model


@_cluster_model.reraise_as(AnsibleFilterError)
def cluster_model_errors(cluster_name, nodes, partitions, slurmd_hosts=None):
    return _cluster_model.validate_model(cluster_name, nodes, partitions, slurmd_hosts)


@_cluster_model.reraise_as(AnsibleFilterError)
def slurm_conf_lines(nodes, partitions):
    try:
        return _cluster_model.slurm_conf_lines(nodes, partitions)
    except (KeyError, TypeError, AttributeError) as e:
        raise AnsibleFilterError('slurm_conf_lines needs a valid cluster model (check it with cluster_model_errors first): %r' % (e,))


class FilterModule:
    def filters(self):
        return {'cluster_model_errors': cluster_model_errors, 'slurm_conf_lines': slurm_conf_lines}
