# -*- coding: utf-8 -*-
# Copyright (c) hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""hpcstack-exporters: the collection's Prometheus exporters, one program (docs/monitoring.md).

``hpcstack-exporters slurm`` reads slurmrestd (:mod:`.slurm_collector`), ``hpcstack-exporters job``
reads the cgroups of the jobs on a node (:mod:`.job_collector`); both serve through :mod:`.cli`.
Roles install it as one zipapp built from this package (plugins/plugin_utils/_zipapp.py).
"""

__version__ = "1.1.0"
