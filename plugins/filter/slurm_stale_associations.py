# -*- coding: utf-8 -*-
# Copyright (c) 2026, hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Documentation: slurm_stale_associations.yml next to this file.

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.hpcstack.cluster.plugins.plugin_utils.slurm_associations import stale_associations


def slurm_stale_associations(assoc_mgr_text, sacctmgr_text, cluster):
    if not isinstance(assoc_mgr_text, str) or not isinstance(sacctmgr_text, str):
        raise AnsibleFilterError("slurm_stale_associations expects the two commands' output as text")
    try:
        return stale_associations(assoc_mgr_text, sacctmgr_text, cluster)
    except ValueError as error:
        raise AnsibleFilterError("slurm_stale_associations: %s" % error)


class FilterModule:
    def filters(self):
        return {"slurm_stale_associations": slurm_stale_associations}
