# Copyright (c) 2026, hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


def slurm_restart_fingerprint(slurm_conf, restart_keys, nodes_need_restart=False):
    """Return the lines of a rendered slurm.conf that a running daemon cannot re-read.

    A change in the result needs a restart of slurmctld and slurmd; any other change to
    slurm.conf is applied with ``scontrol reconfigure``. Before Slurm 23.11 adding or removing
    nodes also needs a restart, hence ``nodes_need_restart``.
    """
    wanted = {key.lower() for key in restart_keys}
    if nodes_need_restart:
        wanted.add("nodename")
    kept = []
    for raw in slurm_conf.splitlines():
        line = raw.split("#", 1)[0].strip()
        if "=" not in line:
            continue
        key = line.split("=", 1)[0].strip().lower()
        if key in wanted:
            kept.append(line)
    return "\n".join(sorted(kept)) + "\n"


class FilterModule:
    def filters(self):
        return {"slurm_restart_fingerprint": slurm_restart_fingerprint}
