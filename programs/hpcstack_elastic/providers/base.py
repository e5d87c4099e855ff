# -*- coding: utf-8 -*-
# Copyright (c) hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The interface every provider implements: launch, terminate, list by cluster tag, address of.

Instances carry three tags (labels for Docker): the cluster, the node name and the node class.
``list`` returns every live instance with the cluster's tag, in any class, so reconcile also
finds instances of nodes or classes that no longer exist.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass

TAG_CLUSTER = "hpcstack:cluster"
TAG_NODE = "hpcstack:node"
TAG_CLASS = "hpcstack:class"
TAG_JOB = "hpcstack:job"


class ProviderError(Exception):
    """A provider call failed. ``code`` is the provider's error code; ``reason`` the node's DOWN reason."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__("(Code:%s) %s" % (code, message))
        self.code = code
        self.message = message

    @property
    def reason(self) -> str:
        return "(Code:%s) %s" % (self.code, " ".join(self.message.split()))


@dataclass(frozen=True)
class Address:
    ip: str
    hostname: str


@dataclass(frozen=True)
class Instance:
    id: str
    node: str | None  # None: launched without a node tag (an interrupted all-or-nothing launch)
    node_class: str | None
    launched: float  # epoch seconds
    address: Address | None = None
    state: str = "running"  # pending, running, stopping, stopped (terminated ones are not listed)


@dataclass(frozen=True)
class LaunchRequest:
    node: str
    token: str  # idempotency token: one per node and attempt


class Provider(abc.ABC):
    """One node class's provider (a class has its own settings: account, region, image ...)."""

    #: True when :meth:`launch_group` is all-or-nothing on the provider's side.
    native_groups = False

    def __init__(self, cluster: str, node_class: str) -> None:
        self.cluster = cluster
        self.node_class = node_class

    @property
    @abc.abstractmethod
    def scope(self) -> tuple:
        """Instances listed by providers with equal scopes are the same (same account, region or engine)."""

    def tags(self, node: str | None) -> dict[str, str]:
        tags = {TAG_CLUSTER: self.cluster, TAG_CLASS: self.node_class}
        if node:
            tags[TAG_NODE] = node
        return tags

    @abc.abstractmethod
    def launch(self, request: LaunchRequest) -> Instance:
        """Start one node's instance; raises ProviderError. The address may still be unknown."""

    def launch_group(self, requests: Sequence[LaunchRequest], token: str) -> list[Instance]:
        """Start all nodes or none (only called when :attr:`native_groups`); same order as ``requests``."""
        raise NotImplementedError

    @abc.abstractmethod
    def terminate(self, instance_ids: Sequence[str]) -> None:
        """Terminate instances (already gone ones are not an error)."""

    @abc.abstractmethod
    def list(self) -> list[Instance]:
        """Every live instance with this cluster's tag, of any class."""

    @abc.abstractmethod
    def address_of(self, instance_ids: Sequence[str]) -> dict[str, Address | None]:
        """Address per instance id: None while it has none yet; ids the provider does not know yet are absent."""
