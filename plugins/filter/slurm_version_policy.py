# -*- coding: utf-8 -*-
# Copyright (c) 2026, hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Documentation: slurm_version_policy.yml next to this file.

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.hpcstack.cluster.plugins.plugin_utils.slurm_version_policy import policy


def slurm_version_policy(platform, requested):
    if not isinstance(requested, dict):
        raise AnsibleFilterError("slurm_version_policy expects the requested settings as a dict")
    try:
        return policy(platform, requested)
    except ValueError as error:
        raise AnsibleFilterError("slurm_version_policy: %s" % error)


class FilterModule:
    def filters(self):
        return {"slurm_version_policy": slurm_version_policy}
