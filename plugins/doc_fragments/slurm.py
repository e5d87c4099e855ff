# -*- coding: utf-8 -*-
# Copyright (c) hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Modules that run sacctmgr.
    SACCTMGR = r"""
options:
  sacctmgr_path:
    description:
      - Path or name of the C(sacctmgr) binary.
    type: path
    default: sacctmgr
requirements:
  - C(sacctmgr) on the target, run as root or a Slurm administrator, with slurmdbd reachable.
"""

    # sacctmgr modules that manage associations of one cluster.
    CLUSTER = r"""
options:
  cluster:
    description:
      - Cluster whose associations are managed. Defaults to the cluster of the local C(slurm.conf).
      - Set it when the accounting database holds more than one cluster.
    type: str
"""

    # Modules that run scontrol.
    SCONTROL = r"""
options:
  scontrol_path:
    description:
      - Path or name of the C(scontrol) binary.
    type: path
    default: scontrol
requirements:
  - C(scontrol) on the target with a working C(slurm.conf) and munge (usually the controller or a login node).
"""

    # Modules that can talk to slurmrestd.
    REST = r"""
options:
  url:
    description:
      - slurmrestd URL, C(http://host:6820), C(https://host:6820) or C(unix:/path/to/slurmrestd.socket).
      - When set, the module talks to slurmrestd instead of running Slurm commands.
    type: str
  user:
    description:
      - Slurm user name sent as C(X-SLURM-USER-NAME); the token must belong to it.
    type: str
    default: root
  token:
    description:
      - JWT sent as C(X-SLURM-USER-TOKEN), for example from C(scontrol token username=USER).
    type: str
  timeout:
    description:
      - Seconds to wait for each HTTP answer.
    type: int
    default: 30
  validate_certs:
    description:
      - Verify the TLS certificate of an C(https) URL.
    type: bool
    default: true
"""
