# -*- coding: utf-8 -*-
# Copyright (c) hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""hpcstack-elastic: Slurm power saving for cloud node classes (docs/elastic.md).

Slurm runs ``resume``, ``suspend`` and ``resume-fail`` as its Resume/Suspend/ResumeFail
programs; a systemd timer runs ``reconcile``. Every command reads one JSON file
(``/etc/hpcstack/elastic.json``, schema in :mod:`.config`) and acts through one Slurm wrapper
(:mod:`.slurm`) and one provider per node class (:mod:`.providers`).
"""

__version__ = "0.1.0"
