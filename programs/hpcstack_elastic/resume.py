# -*- coding: utf-8 -*-
# Copyright (c) hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The resume worker (runs detached): launch, wait for addresses, tell Slurm, fail fast.

Per batch of at most ``batch_size`` nodes: launch in parallel threads, wait up to
``timeouts.address`` for addresses that are not there yet (EC2 is eventually consistent), then
one ``scontrol update`` with every node's NodeAddr/NodeHostname. A node whose launch failed is
set DOWN at once with the provider's reason and then POWER_DOWN_FORCE'd: it never waits out
ResumeTimeout in POWERING_UP, its jobs are requeued, and reconcile returns it to service after
``timeouts.failure_cooldown``.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from ansible_collections.hpcstack.cluster.plugins.module_utils._power_state import ELASTIC_REASON_PREFIX

from . import journal
from .classes import by_class, launch_token, node_classes
from .config import Config
from .providers import Instance, LaunchRequest, ProviderError, Providers
from .resume_file import JobNodes
from .slurm import Slurm, SlurmCommandError
from .state import StateDir

REASON_PREFIX = ELASTIC_REASON_PREFIX  # every DOWN reason this program sets


@dataclass
class Unit:
    """Nodes launched together: one node, or a job's nodes when its class is all-or-nothing."""
    node_class: str
    nodes: list[str]
    job_id: int | None = None


@dataclass
class Outcome:
    node: str
    node_class: str
    instance: Instance | None = None
    error: ProviderError | None = None


@dataclass
class BatchResult:
    started: dict[str, Instance] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)  # node -> reason


def failure_reason(error: ProviderError) -> str:
    return REASON_PREFIX + error.reason


class Resumer:
    def __init__(self, config: Config, slurm: Slurm, providers: Providers, state: StateDir,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self.slurm = slurm
        self.providers = providers
        self.state = state
        self.sleep = sleep
        self.clock = clock

    # -- planning ----------------------------------------------------------------------------
    def units(self, nodes: Sequence[str], jobs: Sequence[JobNodes], owner: dict[str, str]) -> list[Unit]:
        """One unit per node, except that a job's nodes in an all-or-nothing class form one unit."""
        units: list[Unit] = []
        grouped: set[str] = set()
        wanted = {n for n in nodes if n in owner and self.config.classes[owner[n]].all_or_nothing}
        for job in jobs if wanted else ():
            job_nodes = [n for n in self.slurm.hostnames(job.nodes) if n in wanted and n not in grouped]
            for name, members in by_class(job_nodes, owner).items():
                units.append(Unit(name, members, job.job_id))
                grouped.update(members)
        units.extend(Unit(owner[n], [n]) for n in nodes if n in owner and n not in grouped)
        return units

    def batches(self, units: Sequence[Unit]) -> list[list[Unit]]:
        """Units packed into batches of at most ``batch_size`` nodes (a job's unit is never split)."""
        batches: list[list[Unit]] = []
        size = 0
        for unit in units:
            if not batches or size + len(unit.nodes) > self.config.batch_size:
                batches.append([])
                size = 0
            batches[-1].append(unit)
            size += len(unit.nodes)
        return batches

    # -- launching ---------------------------------------------------------------------------
    def _launch_unit(self, unit: Unit, attempt: str) -> list[Outcome]:
        provider = self.providers.for_class(unit.node_class)
        requests = [LaunchRequest(node, launch_token(self.config.cluster, node, attempt)) for node in unit.nodes]
        if unit.job_id is not None and provider.native_groups:
            token = launch_token(self.config.cluster, "job", str(unit.job_id), attempt)
            try:
                instances = provider.launch_group(requests, token)
            except ProviderError as exc:
                return [Outcome(r.node, unit.node_class, error=exc) for r in requests]
            return [Outcome(r.node, unit.node_class, instance=i) for r, i in zip(requests, instances)]
        outcomes = []
        for request in requests:
            try:
                outcomes.append(Outcome(request.node, unit.node_class, instance=provider.launch(request)))
            except ProviderError as exc:
                outcomes.append(Outcome(request.node, unit.node_class, error=exc))
        return outcomes

    def _launch(self, batch: Sequence[Unit], attempt: str) -> dict[str, Outcome]:
        # Single-node units run in parallel; a job's unit runs in one thread (its nodes start together).
        with ThreadPoolExecutor(max_workers=self.config.launch_parallelism) as pool:
            futures = [pool.submit(self._launch_unit, unit, attempt) for unit in batch]
            return {o.node: o for future in futures for o in future.result()}

    def _await_addresses(self, outcomes: dict[str, Outcome]) -> None:
        """Poll for addresses not known yet; past ``timeouts.address`` the launch has failed."""
        deadline = self.clock() + self.config.timeouts.address
        delay = 0.0
        while True:
            waiting = [o for o in outcomes.values() if o.instance is not None and o.instance.address is None]
            if not waiting:
                return
            if delay:
                if self.clock() + delay > deadline:
                    break
                self.sleep(delay)
            delay = min(delay * 2, 10.0) or 1.0
            for name in sorted({o.node_class for o in waiting}):
                members = {o.instance.id: o for o in waiting if o.node_class == name}
                try:
                    found = self.providers.for_class(name).address_of(list(members))
                except ProviderError as exc:
                    journal.LOG.warning("address lookup for class %s failed, will retry: %s", name, exc.reason)
                    continue
                for instance_id, address in found.items():
                    if address is not None and instance_id in members:
                        outcome = members[instance_id]
                        outcome.instance = dataclasses.replace(outcome.instance, address=address)
        for outcome in outcomes.values():
            if outcome.instance is not None and outcome.instance.address is None:
                self._terminate_quietly(outcome.node_class, [outcome.instance.id])
                outcome.error = ProviderError("NoAddress", "instance %s had no address after %d s; terminated"
                                              % (outcome.instance.id, self.config.timeouts.address))
                outcome.instance = None

    def _all_or_nothing(self, batch: Sequence[Unit], outcomes: dict[str, Outcome]) -> None:
        """A job of an all-or-nothing class gets all its nodes or none (emulated where the provider can't)."""
        for unit in batch:
            if unit.job_id is None:
                continue
            members = [outcomes[n] for n in unit.nodes]
            failed = next((o for o in members if o.error is not None), None)
            if failed is None:
                continue
            started = [o.instance.id for o in members if o.instance is not None]
            self._terminate_quietly(unit.node_class, started)
            for outcome in members:
                if outcome.error is None:
                    outcome.error = ProviderError(failed.error.code, "%s (all-or-nothing for job %d: %s failed)"
                                                  % (failed.error.message, unit.job_id, failed.node))
                outcome.instance = None

    def _terminate_quietly(self, node_class: str, instance_ids: list[str]) -> None:
        if not instance_ids:
            return
        try:
            self.providers.for_class(node_class).terminate(instance_ids)
            for instance_id in instance_ids:
                journal.action("terminated", instance=instance_id, node_class=node_class, why="failed launch")
        except ProviderError as exc:  # reconcile finds them later (orphans)
            journal.LOG.error("could not terminate %s: %s", ",".join(instance_ids), exc.reason)

    # -- telling Slurm -----------------------------------------------------------------------
    def _stale_holders(self, started: dict[str, Instance], class_nodes: Sequence[str]) -> list[str]:
        """Other cloud nodes whose NodeAddr still is an address now given to a started node (IP reuse)."""
        new_ips = {i.address.ip for i in started.values() if i.address}
        holders = []
        for name, node in self.slurm.nodes(class_nodes).items():
            if name not in started and node.get("address") in new_ips:
                holders.append(name)
        return holders

    def fail(self, reasons: dict[str, str]) -> None:
        """DOWN with the reason (one call per distinct reason), then POWER_DOWN_FORCE for all."""
        if not reasons:
            return
        self.state.record_failures(reasons)
        by_reason: dict[str, list[str]] = {}
        for node, reason in reasons.items():
            by_reason.setdefault(reason, []).append(node)
            journal.action("launch-failed", node=node, reason=reason)
        try:
            for reason, nodes in by_reason.items():
                self.slurm.down(nodes, reason)
            self.slurm.power_down(list(reasons))
        except SlurmCommandError as exc:
            journal.LOG.error("could not set %s DOWN and power them down: %s", ",".join(reasons), exc.message)

    def _apply(self, outcomes: dict[str, Outcome], class_nodes: Sequence[str]) -> BatchResult:
        result = BatchResult()
        for outcome in outcomes.values():
            if outcome.error is not None:
                result.failed[outcome.node] = failure_reason(outcome.error)
            elif outcome.instance is not None:
                result.started[outcome.node] = outcome.instance
        if result.started:
            entries = [(n, i.address.ip, i.address.hostname) for n, i in result.started.items() if i.address]
            stale = self._stale_holders(result.started, class_nodes)
            for holder in stale:
                journal.action("reset-stale-address", node=holder, why="its address now belongs to a new instance")
            try:
                self.slurm.set_addresses(entries + [(h, h, h) for h in stale])
            except SlurmCommandError as exc:  # reconcile sets them later from the provider's list
                journal.LOG.error("could not set node addresses: %s", exc.message)
            for node, instance in result.started.items():
                journal.action("launched", node=node, instance=instance.id, address=instance.address.ip,
                               hostname=instance.address.hostname)
        self.fail(result.failed)
        return result

    # -- the whole resume ----------------------------------------------------------------------
    def run(self, nodes: Sequence[str], jobs: Sequence[JobNodes], attempt: str) -> BatchResult:
        owner = node_classes(self.config, self.slurm.hostnames)
        total = BatchResult()
        unknown = [n for n in nodes if n not in owner]
        if unknown:
            total.failed.update({n: REASON_PREFIX + "(Code:NotConfigured) node is in no class of the elastic config"
                                 for n in unknown})
            self.fail(dict(total.failed))
        class_nodes = sorted(owner)
        for batch in self.batches(self.units(nodes, jobs, owner)):
            members = [n for unit in batch for n in unit.nodes]
            self.state.mark_inflight(members)
            try:
                outcomes = self._launch(batch, attempt)
                self._await_addresses(outcomes)
                self._all_or_nothing(batch, outcomes)
                result = self._apply(outcomes, class_nodes)
            except Exception as exc:  # never leave a node POWERING_UP because of a bug or an outage
                journal.LOG.exception("resume of %s failed", ",".join(members))
                result = BatchResult(failed={n: REASON_PREFIX + "(Code:InternalError) %s" % exc for n in members})
                self.fail(result.failed)
            finally:
                self.state.clear_inflight(members)
            total.started.update(result.started)
            total.failed.update(result.failed)
        return total
