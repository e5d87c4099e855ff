# -*- coding: utf-8 -*-
# Copyright (c) hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One provider per node class, made on first use (boto3 is imported only when a class uses ec2)."""

from __future__ import annotations

from collections.abc import Callable

from ..config import Config, NodeClass
from .base import Address, Instance, LaunchRequest, Provider, ProviderError

__all__ = ("Address", "Instance", "LaunchRequest", "Provider", "ProviderError", "Providers")

Factory = Callable[[Config, NodeClass], Provider]


def default_factory(aws: object | None = None) -> Factory:
    """Real providers; one AwsClients (clients, assumed-role credentials) serves every ec2 class."""
    shared = {"aws": aws}

    def make(config: Config, node_class: NodeClass) -> Provider:
        if node_class.provider == "ec2":
            from .aws import AwsClients
            from .ec2 import Ec2Provider
            if shared["aws"] is None:
                shared["aws"] = AwsClients(timeout=config.timeouts.api, parallelism=config.launch_parallelism)
            return Ec2Provider(config.cluster, node_class.name, node_class.settings, shared["aws"])
        if node_class.provider == "docker":
            from .docker import DockerProvider
            return DockerProvider(config.cluster, node_class.name, node_class.settings, timeout=config.timeouts.api)
        raise ValueError("unknown provider %r" % node_class.provider)
    return make


class Providers:
    def __init__(self, config: Config, factory: Factory | None = None) -> None:
        self.config = config
        self._factory = factory or default_factory()
        self._made: dict[str, Provider] = {}

    def for_class(self, name: str) -> Provider:
        if name not in self._made:
            self._made[name] = self._factory(self.config, self.config.classes[name])
        return self._made[name]

    def by_scope(self) -> dict[tuple, Provider]:
        """One provider per distinct scope: listing each once finds every instance of the cluster."""
        scopes: dict[tuple, Provider] = {}
        for name in sorted(self.config.classes):
            provider = self.for_class(name)
            scopes.setdefault(provider.scope, provider)
        return scopes
