# -*- coding: utf-8 -*-
# Copyright (c) hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reconcile: make the provider's instances and Slurm's cloud nodes agree (a systemd timer runs it).

The counterpart of ParallelCluster's clustermgtd and slurm-gcp's slurmsync. One pass:

- orphans: an instance of a powered-down node, of no known node, or a node's second instance,
  older than ``orphan_grace`` -> terminated;
- vanished: a powered-up node whose instance is gone for ``vanished_grace`` -> DOWN, powered down;
- powering up without a worker (it died): an instance with an address -> NodeAddr set; one still
  without an address after ``timeouts.address`` -> terminated, node DOWN and powered down;
- failed nodes (this program's DOWN reasons, or ResumeTimeout) -> back to service after
  ``failure_cooldown``; a DOWN one not yet powered down -> powered down;
- a running node whose NodeAddr is not its instance's address -> NodeAddr corrected.

Nodes a live resume worker is launching are left alone. Each action is one journal line. The
timer may run on every controller: only the one in charge (``scontrol ping``) acts.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ansible_collections.hpcstack.cluster.plugins.module_utils._power_state import failed_resume_reason

from . import journal, metrics
from .classes import node_classes
from .config import Config
from .nodestate import POWERED_DOWN, POWERING_UP, UP, describe, is_down, phase
from .providers import Instance, Provider, ProviderError, Providers
from .resume import REASON_PREFIX
from .slurm import Slurm, SlurmCommandError
from .state import StateDir

SUMMARY_FILE = "last_reconcile.json"


@dataclass
class Plan:
    terminate: list[tuple[Provider, Instance, str]] = field(default_factory=list)
    addresses: list[tuple[str, str, str]] = field(default_factory=list)
    down: dict[str, str] = field(default_factory=dict)  # node -> reason (also powered down)
    power_down: list[str] = field(default_factory=list)
    back: list[str] = field(default_factory=list)
    settled: list[str] = field(default_factory=list)  # failure records of nodes no longer failed
    counts: dict[str, int] = field(default_factory=dict)

    def count(self, what: str) -> None:
        self.counts[what] = self.counts.get(what, 0) + 1


class Reconciler:
    def __init__(self, config: Config, slurm: Slurm, providers: Providers, state: StateDir,
                 clock: Callable[[], float] = time.time, hostname: str | None = None,
                 metrics_file: str | None = None) -> None:
        self.hostname = hostname or socket.gethostname().split(".")[0]
        self.metrics_file = metrics_file
        self.config = config
        self.slurm = slurm
        self.providers = providers
        self.state = state
        self.clock = clock
        self.timeouts = config.timeouts

    def _instances(self) -> tuple[list[tuple[Provider, Instance]], bool]:
        """Every instance of the cluster (each scope listed once); False if a listing failed."""
        found, complete = [], True
        for provider in self.providers.by_scope().values():
            try:
                found.extend((provider, i) for i in provider.list())
            except ProviderError as exc:
                journal.LOG.error("listing instances of class %s failed: %s", provider.node_class, exc.reason)
                complete = False
        return found, complete

    @staticmethod
    def _failed_by_us(node: dict) -> bool:
        """DOWN with this program's reason or Slurm's ResumeTimeout: ours to return to service.

        The reason decides, not a record in failures.json: a node an admin resumed and later set
        DOWN with a reason of their own is the admin's, whatever this program remembers about it.
        """
        return is_down(node) and failed_resume_reason(node.get("reason"))

    def _powered_down(self, name: str, node: dict | None, instances: list, failures: dict, now: float,
                      plan: Plan) -> None:
        for provider, instance in instances:
            if now - instance.launched > self.timeouts.orphan_grace:
                plan.terminate.append((provider, instance, "orphan: node %s is powered down" % name))
        if node is None:
            return
        if self._failed_by_us(node):
            since = (failures.get(name) or {}).get("time")
            if since is None:
                self.state.record_failures({name: node.get("reason") or "DOWN"})
            elif now - float(since) >= self.timeouts.failure_cooldown:
                plan.back.append(name)

    def _powering_up(self, name: str, node: dict, instances: list, now: float, plan: Plan) -> None:
        if not instances:
            return  # nothing launched: Slurm's ResumeTimeout, then resume-fail, take over
        provider, instance = max(instances, key=lambda pi: pi[1].launched)
        if instance.address is not None:
            if node.get("address") != instance.address.ip:
                plan.addresses.append((name, instance.address.ip, instance.address.hostname))
                plan.count("addresses_set")
        elif now - instance.launched > self.timeouts.address:
            plan.terminate.append((provider, instance, "no address after %d s" % self.timeouts.address))
            plan.down[name] = REASON_PREFIX + "(Code:NoAddress) instance %s had no address after %d s" % (
                instance.id, self.timeouts.address)

    def _up(self, name: str, node: dict, instances: list, now: float, plan: Plan, missing: set[str]) -> None:
        if not instances:
            missing.add(name)
            return
        keep = next(((p, i) for p, i in instances if i.address and i.address.ip == node.get("address")),
                    max(instances, key=lambda pi: pi[1].launched))
        for provider, instance in instances:
            if instance is not keep[1] and now - instance.launched > self.timeouts.orphan_grace:
                plan.terminate.append((provider, instance, "orphan: second instance of node %s" % name))
        address = keep[1].address
        if address is not None and node.get("address") != address.ip:
            plan.addresses.append((name, address.ip, address.hostname))
            plan.count("addresses_corrected")
            journal.action("correct-address", node=name, state=describe(node), was=node.get("address"), now=address.ip)
        if self._failed_by_us(node):
            plan.power_down.append(name)  # a failure whose power-down did not happen

    def plan(self) -> Plan:
        owner = node_classes(self.config, self.slurm.hostnames)
        nodes = self.slurm.nodes(owner)
        instances, complete = self._instances()
        inflight = self.state.inflight()
        failures = self.state.failures()
        now = self.clock()
        plan = Plan()
        hidden = sorted(set(owner) - set(nodes))
        if hidden:
            journal.LOG.warning("Slurm does not show %d cloud nodes (Slurm before 23.02 needs PrivateData=cloud); "
                                "they are taken as powered down", len(hidden))
        by_node: dict[str, list] = {}
        for provider, instance in instances:
            if instance.node in owner and instance.node_class == owner[instance.node]:
                by_node.setdefault(instance.node, []).append((provider, instance))
            elif now - instance.launched > self.timeouts.orphan_grace:
                plan.terminate.append((provider, instance, "orphan: no node %s in class %s"
                                       % (instance.node, instance.node_class)))
        missing: set[str] = set()
        for name in sorted(owner):
            if name in inflight:
                continue
            node, mine = nodes.get(name), by_node.get(name, [])
            if name in failures and node is not None and not self._failed_by_us(node):
                plan.settled.append(name)  # back in service another way (an admin's resume): forget it
            current = phase(node) if node is not None else POWERED_DOWN
            if current == POWERED_DOWN:
                self._powered_down(name, node, mine, failures, now, plan)
            elif current == POWERING_UP:
                self._powering_up(name, node, mine, now, plan)
            elif current == UP:
                self._up(name, node, mine, now, plan, missing)
        if complete:  # a failed listing must not make every node look vanished
            for name, since in self.state.missing_since(missing).items():
                if now - since >= self.timeouts.vanished_grace:
                    plan.down[name] = REASON_PREFIX + "(Code:InstanceVanished) the node's instance no longer exists"
        return plan

    def apply(self, plan: Plan) -> dict[str, int]:
        counts = dict(plan.counts)
        by_provider: dict[int, tuple[Provider, list[Instance]]] = {}
        for provider, instance, why in plan.terminate:
            by_provider.setdefault(id(provider), (provider, []))[1].append(instance)
            journal.action("terminate", instance=instance.id, node=instance.node, why=why)
        counts["orphans_found"] = sum(1 for dummy, dummy, why in plan.terminate if why.startswith("orphan"))
        for provider, doomed in by_provider.values():
            try:
                provider.terminate([i.id for i in doomed])
                counts["orphans_terminated"] = counts.get("orphans_terminated", 0) + sum(
                    1 for p, dummy, why in plan.terminate if p is provider and why.startswith("orphan"))
            except ProviderError as exc:
                journal.LOG.error("terminating %s failed: %s", ",".join(i.id for i in doomed), exc.reason)
        try:
            self._apply_slurm(plan, counts)
        except SlurmCommandError as exc:
            journal.LOG.error("reconcile could not update Slurm: %s", exc.message)
            counts["slurm_errors"] = 1
        return counts

    def _apply_slurm(self, plan: Plan, counts: dict[str, int]) -> None:
        for name, ip, hostname in plan.addresses:
            journal.action("set-address", node=name, address=ip, hostname=hostname)
        self.slurm.set_addresses(plan.addresses)
        by_reason: dict[str, list[str]] = {}
        for name, reason in plan.down.items():
            by_reason.setdefault(reason, []).append(name)
            journal.action("down", node=name, reason=reason)
        self.state.record_failures(plan.down)
        for reason, names in by_reason.items():
            self.slurm.down(names, reason)
        counts["downed"] = len(plan.down)
        self.slurm.power_down(sorted(set(plan.power_down) | set(plan.down)))
        returned = self._return_to_service(plan.back)
        self.state.forget_failures(plan.back + plan.settled)
        counts["returned"] = len(returned)

    def _return_to_service(self, names: list[str]) -> list[str]:
        """``state=resume`` for nodes whose cool-down is over; returns those back in service.

        Someone may resume a node between the plan and the update (an admin, or a reconcile on a
        controller that just took over). Slurm then resumes the other nodes of the update and
        answers with an error for that one ("Invalid node state specified"). So after an error the
        nodes are read again: those still DOWN with a failure reason are resumed once more (an
        error then is a real one), the others are in service and left as they are.
        """
        if not names:
            return []
        try:
            self.slurm.resume(names)
        except SlurmCommandError as exc:
            current = self.slurm.nodes(names)
            still = [name for name in names if name in current and self._failed_by_us(current[name])]
            if still == list(names):
                raise
            for name in sorted(set(names) - set(still)):
                journal.action("return-to-service-raced", node=name,
                               state=describe(current[name]) if name in current else None,
                               why="the resume was answered with %r; the node is no longer DOWN" % exc.message)
            self.slurm.resume(still)
        for name in names:
            journal.action("return-to-service", node=name, why="failure cool-down of %d s is over"
                           % self.timeouts.failure_cooldown)
        return list(names)

    def run(self) -> dict[str, int] | None:
        """One pass under a lock; None when another reconcile runs or this host is not the controller in charge."""
        with self.state.lock("reconcile", blocking=False) as locked:
            if not locked:
                journal.LOG.info("another reconcile is running; skipping this one")
                return None
            active = self.slurm.active_controller()
            if active != self.hostname:  # with backup controllers, only the one in charge acts
                journal.LOG.info("%s is in charge, not %s; skipping this reconcile", active or "no controller",
                                 self.hostname)
                if self.metrics_file:  # still a pass: the timer runs, nothing to count here
                    metrics.write(self.metrics_file, self.state, {"time": self.clock(), "counts": {}})
                return None
            counts = self.apply(self.plan())
            summary = {"time": self.clock(), "counts": counts}
            with open(os.path.join(self.state.path, SUMMARY_FILE), "w", encoding="utf-8") as handle:
                json.dump(summary, handle, sort_keys=True)
            if self.metrics_file:
                metrics.write(self.metrics_file, self.state, summary)
            return counts
