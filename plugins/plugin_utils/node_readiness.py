# -*- coding: utf-8 -*-
# Copyright (c) 2026, hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Whether the compute nodes a converge brought up can run jobs; controller-side only.

Input: nodes as ``slurm_info`` returns them (``_slurm_data.normalise_node``). A node is a problem
when it is not responding, never registered, registered with a configuration Slurm rejected, or is
drained/down for a reason that Slurm or the health check set. A node drained or downed with any
other reason was taken out by an admin: it is reported as held, not as a problem, so that site.yml
can run on a cluster with nodes out for repair.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

# Reasons slurmctld sets itself (registration checks, failed prologs, lost daemons).
SLURM_REASONS = (
    'Not responding', 'Low RealMemory', 'Low socket', 'Low CPUs', 'Low TmpDisk', 'Low GRES',
    'Node unexpectedly rebooted', 'Kill task failed', 'Prolog error', 'Epilog error',
    'batch job complete failure', 'gres/', 'Invalid', 'NO NETWORK ADDRESS FOUND', 'reboot timed out',
)
_OUT_FLAGS = ('drain', 'fail')


def node_problem(node: Mapping, reason_prefix: str) -> str | None:
    """Why ``node`` cannot run jobs after a converge, or None (usable, or held by an admin)."""
    flags = set(node['flags'])
    reason = node.get('reason') or ''
    if 'not_responding' in flags:
        return 'not responding (slurmd unreachable)'
    if node['state'] == 'unknown':
        return 'state unknown (slurmd has not registered)'
    if 'invalid_reg' in flags:
        return 'registration rejected: %s' % (reason or 'hardware differs from slurm.conf')
    if _taken_out(node):
        if not reason or reason.startswith(reason_prefix) or reason.startswith(SLURM_REASONS):
            return '%s: %s' % ('+'.join([node['state']] + sorted(flags)), reason or 'no reason given')
    return None


def _taken_out(node: Mapping) -> bool:
    """Drained, failed or down: out of scheduling, whoever did it."""
    return node['state'] == 'down' or bool(set(node['flags']).intersection(_OUT_FLAGS))


def readiness(nodes: Iterable[Mapping], expected: Iterable[str], reason_prefix: str = 'hpcstack-health') -> dict:
    """``{'problems': ['c1: ...'], 'held': ['c2: reason']}`` for the expected node names."""
    by_name = {node['name']: node for node in nodes}
    problems, held = [], []
    for name in expected:
        node = by_name.get(name)
        if node is None:
            problems.append('%s: not known to slurmctld (not in its slurm.conf)' % name)
            continue
        problem = node_problem(node, reason_prefix)
        if problem:
            problems.append('%s: %s' % (name, problem))
        elif _taken_out(node):  # not a problem, so an admin's own reason
            held.append('%s: %s' % (name, node.get('reason')))
    return {'problems': problems, 'held': held}
