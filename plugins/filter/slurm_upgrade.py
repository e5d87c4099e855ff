# Copyright (c) 2026, hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Slurm release arithmetic for upgrades: which major releases lie between two versions, and
whether Slurm supports upgrading across them in one step."""

from __future__ import annotations

import re

from ansible.errors import AnsibleFilterError

# Major releases before the six-month cycle; from 24.05 on there is one in May and one in November.
_RELEASES_BEFORE_2024 = ("17.02", "17.11", "18.08", "19.05", "20.02", "20.11", "21.08", "22.05", "23.02", "23.11")
# A Debian version (epoch, revision), a tag or `sinfo --version` output: the first YY.MM.
_RELEASE = re.compile(r"(?:^|[^0-9.])(\d{2})\.(\d{2})(?:\.\d+)?")


def slurm_release(version):
    """Return the major release ("24.11") of a Slurm version ("1:24.11.5-1+b1", "slurm 24.11.5")."""
    match = _RELEASE.search(" " + str(version).strip())
    if not match:
        raise AnsibleFilterError("%r is not a Slurm version (expected e.g. 24.11.5)" % (version,))
    release = "%s.%s" % match.groups()
    if release not in _releases_until(release):
        raise AnsibleFilterError("%r: %s is not a Slurm major release" % (version, release))
    return release


def _releases_until(release):
    year = int(release[:2])
    later = ["%02d.%s" % (y, month) for y in range(24, max(year, 24) + 1) for month in ("05", "11")]
    return list(_RELEASES_BEFORE_2024) + later


def slurm_upgrade_window(target):
    """How many prior major releases the target release accepts upgrades from (Slurm's upgrade guide:
    two, and three from 24.11 on)."""
    return 3 if _key(slurm_release(target)) >= _key("24.11") else 2


def _key(release):
    return tuple(int(part) for part in release.split("."))


def slurm_upgrade_path(installed, target):
    """The major releases an upgrade from ``installed`` to ``target`` crosses, target included;
    [] for the same release. A downgrade is an error."""
    start, end = slurm_release(installed), slurm_release(target)
    if _key(end) < _key(start):
        raise AnsibleFilterError("Slurm %s cannot be downgraded to %s" % (installed, target))
    releases = _releases_until(end)
    return releases[releases.index(start) + 1:releases.index(end) + 1]


def slurm_upgrade_errors(installed, target):
    """Why an upgrade to ``target`` is not supported: one message per installed version, naming its
    hosts; [] when it is supported.

    ``installed`` is a mapping of host to its installed version (or one version).
    """
    if not isinstance(installed, dict):
        installed = {"installed": installed}
    hosts_by_version = {}
    for host, version in sorted(installed.items()):
        hosts_by_version.setdefault(str(version), []).append(host)
    window = slurm_upgrade_window(target)
    errors = []
    for version, hosts in sorted(hosts_by_version.items(), key=lambda item: item[1][0]):
        try:
            path = slurm_upgrade_path(version, target)
        except AnsibleFilterError as error:
            errors.append("%s: %s" % (", ".join(hosts), error.message))
            continue
        if len(path) > window:
            release = slurm_release(target)
            releases = _releases_until(release)
            accepted = releases[releases.index(release) - window:releases.index(release)]
            errors.append(
                "%s: Slurm %s cannot be upgraded to %s in one step: %s accepts upgrades only from the %d prior major "
                "releases (%s). Upgrade to %s first." % (
                    ", ".join(hosts), version, release, release, window, ", ".join(accepted), _furthest_step(path)))
    return errors


def _furthest_step(path):
    """The newest release of ``path`` that accepts an upgrade from the release before ``path``."""
    return [release for steps, release in enumerate(path, 1) if steps <= slurm_upgrade_window(release)][-1]


class FilterModule:
    def filters(self):
        return {
            "slurm_release": slurm_release,
            "slurm_upgrade_path": slurm_upgrade_path,
            "slurm_upgrade_errors": slurm_upgrade_errors,
        }
