# -*- coding: utf-8 -*-
# Copyright (c) hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Suspend and resume-fail workers: terminate the nodes' instances, forget their addresses.

Slurm resets a cloud node's NodeAddr only after SuspendTimeout; resetting it at once closes the
window in which a new instance that got the old IP would receive messages meant for this node.
``resume-fail`` (nodes that missed ResumeTimeout: Slurm already set them DOWN) also starts
their cool-down, after which reconcile returns them to service.
"""

from __future__ import annotations

from collections.abc import Sequence

from . import journal
from .classes import node_classes
from .config import Config
from .nodestate import RESUME_TIMEOUT_REASON
from .providers import ProviderError, Providers
from .slurm import Slurm, SlurmCommandError
from .state import StateDir


class Suspender:
    def __init__(self, config: Config, slurm: Slurm, providers: Providers, state: StateDir) -> None:
        self.config = config
        self.slurm = slurm
        self.providers = providers
        self.state = state

    def run(self, nodes: Sequence[str], resume_failed: bool = False) -> int:
        """Terminate every instance of ``nodes``; returns how many could not be terminated."""
        owner = node_classes(self.config, self.slurm.hostnames)
        mine = [n for n in nodes if n in owner]
        for node in sorted(set(nodes) - set(mine)):
            journal.LOG.warning("%s is in no class of the elastic config: nothing to terminate", node)
        if resume_failed:
            failures = self.state.failures()
            self.state.record_failures({n: RESUME_TIMEOUT_REASON for n in mine if n not in failures})
        wanted = set(mine)
        errors = 0
        for provider in self.providers.by_scope().values():
            try:
                found = [i for i in provider.list() if i.node in wanted]
                provider.terminate([i.id for i in found])
            except ProviderError as exc:  # reconcile terminates them later (orphans)
                journal.LOG.error("could not terminate instances of %s: %s", ",".join(sorted(wanted)), exc.reason)
                errors += 1
                continue
            for instance in found:
                journal.action("terminated", node=instance.node, instance=instance.id,
                               why="resume failed (ResumeTimeout)" if resume_failed else "suspend")
        try:
            self.slurm.reset_addresses(mine)
        except SlurmCommandError as exc:
            journal.LOG.error("could not reset the addresses of %s: %s", ",".join(mine), exc.message)
            errors += 1
        return errors
