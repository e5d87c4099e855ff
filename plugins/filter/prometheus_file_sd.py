# -*- coding: utf-8 -*-
# Copyright (c) 2026, hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Documentation: prometheus_file_sd.yml next to this file.

from __future__ import annotations

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.hpcstack.cluster.plugins.plugin_utils.scrape_targets import TargetError, file_sd


def prometheus_file_sd(cluster, port=9100, roles=None, use_address=False, labels=None):
    """file_sd entries for the hosts of the model's groups (``cluster`` is ``hpcstack_cluster``)."""
    if not isinstance(cluster, Mapping) or not isinstance(cluster.get('groups'), Mapping):
        raise AnsibleFilterError('prometheus_file_sd: the input must be the cluster model (hpcstack_cluster, set by the preflight), got %s'
                                 % (type(cluster).__name__,))
    try:
        return file_sd(cluster['groups'], cluster.get('addresses'), port=port, cluster=cluster.get('name'), roles=roles,
                       use_address=use_address, labels=labels)
    except TargetError as error:
        raise AnsibleFilterError('prometheus_file_sd: %s' % error) from None


class FilterModule:
    def filters(self):
        return {'prometheus_file_sd': prometheus_file_sd}
