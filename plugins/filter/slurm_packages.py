# -*- coding: utf-8 -*-
# Copyright (c) 2026, hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Documentation: slurm_packages.yml next to this file.

from __future__ import annotations

import re

from ansible.errors import AnsibleFilterError

_VERSION = re.compile(r"^\d+\.\d+(\.\d+)?([-+~.][0-9A-Za-z.+~-]*)?$")


def slurm_packages(names, version=""):
    """Package names as apt's name=VERSION* when a Slurm version is asked for, else unchanged."""
    if not isinstance(names, (list, tuple)) or not all(isinstance(name, str) for name in names):
        raise AnsibleFilterError("slurm_packages expects a list of package names, got %r" % (names,))
    if not version:
        return list(names)
    if not isinstance(version, str) or not _VERSION.match(version):
        raise AnsibleFilterError("slurm_package_version must look like 25.05.5 or 25.05.5-1, got %r" % (version,))
    return ["%s=%s*" % (name, version) for name in names]


class FilterModule:
    def filters(self):
        return {"slurm_packages": slurm_packages}
