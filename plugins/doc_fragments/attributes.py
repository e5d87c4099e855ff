# -*- coding: utf-8 -*-
# Copyright (c) hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The attributes every module of the collection documents (check mode, diff mode, platform, groups)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # A module that changes state (hpcstack.cluster.attributes).
    DOCUMENTATION = r"""
attributes:
  check_mode:
    description: Can run in check mode and report what would change without changing the target.
    support: full
  diff_mode:
    description: Returns what changed (or would change in check mode) in diff mode.
    support: full
  platform:
    description: Target OS families the module can act on.
    support: full
    platforms: posix
"""

    # A module that never changes anything (hpcstack.cluster.attributes.info_module).
    INFO_MODULE = r"""
attributes:
  check_mode:
    description: Can run in check mode and report what would change without changing the target.
    support: full
    details: This module does not change anything; it runs the same in check mode.
  diff_mode:
    description: Returns what changed (or would change in check mode) in diff mode.
    support: N/A
    details: This module does not change anything.
  platform:
    description: Target OS families the module can act on.
    support: full
    platforms: posix
"""

    # Members of the action groups slurm and sacctmgr (meta/runtime.yml).
    SACCTMGR_GROUP = r"""
attributes:
  action_group:
    description: Use C(group/hpcstack.cluster.<name>) in C(module_defaults) to set options for every module of the group.
    support: full
    membership:
      - hpcstack.cluster.slurm
      - hpcstack.cluster.sacctmgr
"""

    # Members of the action groups slurm and scontrol (meta/runtime.yml).
    SCONTROL_GROUP = r"""
attributes:
  action_group:
    description: Use C(group/hpcstack.cluster.<name>) in C(module_defaults) to set options for every module of the group.
    support: full
    membership:
      - hpcstack.cluster.slurm
      - hpcstack.cluster.scontrol
"""
