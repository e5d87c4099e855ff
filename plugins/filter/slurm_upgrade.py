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


# Newest first: slurmdbd must be at least as new as slurmctld, slurmctld at least as new as everything else.
_TIERS = (("slurmdbd", "the slurmdbd hosts"), ("slurmctld", "the controllers"), (None, "the other hosts"))


def slurm_version_mix_errors(groups, versions):
    """Why the Slurm versions hosts are to install (``versions``: host -> version, empty for the one apt offers)
    cannot run together: slurmdbd >= slurmctld >= slurmd and the clients, and the oldest within the window of
    prior releases the newest accepts. [] when they can (or when no two differ)."""
    declared = {host: str(version) for host, version in versions.items() if version}
    if len({slurm_release(version) for version in declared.values()}) < 2:
        return []
    placed, tiers = set(), []
    for group, label in _TIERS:
        members = [host for host in sorted(declared) if host not in placed and (group is None or host in groups.get(group, []))]
        placed.update(members)
        if members:
            tiers.append((label, {host: slurm_release(declared[host]) for host in members}))
    errors = []
    for (newer_label, newer), (older_label, older) in zip(tiers, tiers[1:]):
        lowest = min(newer.values(), key=_key)
        too_new = sorted(host for host, release in older.items() if _key(release) > _key(lowest))
        if too_new:
            errors.append("slurm_package_version: %s (%s) would be newer than %s (%s); Slurm needs slurmdbd at least as "
                          "new as slurmctld and slurmctld at least as new as slurmd and the commands"
                          % (older_label, ", ".join("%s %s" % (host, older[host]) for host in too_new), newer_label, lowest))
    releases = sorted({release for _label, tier in tiers for release in tier.values()}, key=_key)
    oldest, newest = releases[0], releases[-1]
    if len(slurm_upgrade_path(oldest, newest)) > slurm_upgrade_window(newest):
        errors.append("slurm_package_version: Slurm %s cannot work with %s: a release talks to the %d prior major releases only"
                      % (newest, oldest, slurm_upgrade_window(newest)))
    return errors


class FilterModule:
    def filters(self):
        return {
            "slurm_release": slurm_release,
            "slurm_upgrade_path": slurm_upgrade_path,
            "slurm_upgrade_errors": slurm_upgrade_errors,
            "slurm_version_mix_errors": slurm_version_mix_errors,
        }
