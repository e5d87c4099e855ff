# -*- coding: utf-8 -*-
# Copyright (c) 2026, hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Documentation: slurm_accounting_plan.yml next to this file.

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.hpcstack.cluster.plugins.plugin_utils.slurm_accounting import plan


def slurm_accounting_plan(qos, accounts, users, local_users=None, default_account=''):
    try:
        return plan(qos, accounts, users, local_users or [], default_account or '')
    except ValueError as error:
        raise AnsibleFilterError(str(error))


class FilterModule:
    def filters(self):
        return {'slurm_accounting_plan': slurm_accounting_plan}
