# -*- coding: utf-8 -*-
# Copyright (c) hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lab's provider: a node is a systemd container started from a compute node image.

The container is named ``<name_prefix><node>``, has the node's name as hostname and network
alias, and gets ``/etc/default/slurmd`` before it starts (what EC2 user data does on a cloud
instance): configless slurmd with ``--conf-server`` pointed at the controllers, under the node's
name. Only the lab's controller is given the Docker socket; no role default ever mounts it.

A container shares the Docker host's kernel and never boots: its uptime is the host's, so its
boot time is long before the power-up, and slurmctld keeps such a node POWERING_UP ("Still
waiting for boot") until ResumeTimeout. slurmd's ``-b`` (report the node rebooted when slurmd
started; kept across ``scontrol reconfigure``, which re-executes slurmd from 23.11) gives
slurmctld the boot an instance would have had.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ..config.docker import DockerSettings
from .base import TAG_CLASS, TAG_CLUSTER, TAG_NODE, Address, Instance, LaunchRequest, Provider, ProviderError
from .docker_api import DockerApi, DockerError, unix_transport

LABELS = {TAG_CLUSTER: "org.hpcstack.elastic.cluster", TAG_NODE: "org.hpcstack.elastic.node",
          TAG_CLASS: "org.hpcstack.elastic.class"}
TOKEN_LABEL = "org.hpcstack.elastic.token"
DEFAULT_NETWORKS = ("bridge", "host", "none", "default")  # no network-scoped aliases there
_CODES = {0: "EngineUnreachable", 400: "BadRequest", 404: "NotFound", 409: "Conflict", 500: "EngineError"}


def docker_error(exc: DockerError) -> ProviderError:
    return ProviderError("Docker" + _CODES.get(exc.status, str(exc.status)), exc.message)


def _created(value) -> float:
    """``Created`` is epoch seconds in lists and RFC 3339 (nanoseconds) in inspect answers."""
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).rstrip("Z").split(".", maxsplit=1)[0]
    return datetime.fromisoformat(text + "+00:00").timestamp()


class DockerProvider(Provider):
    def __init__(self, cluster: str, node_class: str, settings: DockerSettings, api: DockerApi | None = None,
                 timeout: float = 30) -> None:
        super().__init__(cluster, node_class)
        self.settings = settings
        self.api = api or DockerApi(unix_transport(settings.socket, timeout))

    @property
    def scope(self) -> tuple:
        return ("docker", self.settings.socket)

    def container_name(self, node: str) -> str:
        return self.settings.name_prefix + node

    def _address(self, networks: dict, node: str | None) -> Address | None:
        ip = (networks.get(self.settings.network) or {}).get("IPAddress")
        return Address(ip=ip, hostname=node or ip) if ip else None

    def _instance(self, item: dict) -> Instance:
        """An Instance from a list entry or an inspect answer."""
        labels = item.get("Labels") or (item.get("Config") or {}).get("Labels") or {}
        node = labels.get(LABELS[TAG_NODE])
        state = item.get("State")
        return Instance(id=item["Id"], node=node, node_class=labels.get(LABELS[TAG_CLASS]),
                        launched=_created(item.get("Created") or 0),
                        address=self._address((item.get("NetworkSettings") or {}).get("Networks") or {}, node),
                        state=state.get("Status", "unknown") if isinstance(state, dict) else str(state or "unknown"))

    def _spec(self, request: LaunchRequest) -> dict:
        s = self.settings
        labels = dict(s.labels)
        labels.update({LABELS[key]: value for key, value in self.tags(request.node).items()})
        labels[TOKEN_LABEL] = request.token
        spec = {
            "Image": s.image, "Hostname": request.node, "Labels": labels, "Cmd": ["/sbin/init"],
            "StopSignal": "SIGRTMIN+3",
            "HostConfig": {"NetworkMode": s.network, "CapAdd": ["SYS_ADMIN", "SYS_NICE"], "CgroupnsMode": "private",
                           "Tmpfs": {"/sys/fs/cgroup": "", "/run": "", "/run/lock": ""}},
        }
        if s.network not in DEFAULT_NETWORKS:
            spec["NetworkingConfig"] = {"EndpointsConfig": {s.network: {"Aliases": [request.node]}}}
        return spec

    def _slurmd_defaults(self, node: str) -> str:
        return 'SLURMD_OPTIONS="-b --conf-server %s -N %s"\n' % (",".join(self.settings.conf_servers), node)

    def launch(self, request: LaunchRequest) -> Instance:
        name = self.container_name(request.node)
        try:
            existing = self.api.inspect(name)
            if existing and (existing.get("Config") or {}).get("Labels", {}).get(TOKEN_LABEL) == request.token:
                container = existing["Id"]  # a retry of this very attempt: finish it
            else:
                if existing:  # left over from an earlier attempt
                    self.api.remove(existing["Id"])
                container = self.api.create(name, self._spec(request))
                self.api.put_files(container, "/etc/default", {"slurmd": self._slurmd_defaults(request.node)})
            self.api.start(container)
            info = self.api.inspect(container)
        except DockerError as exc:
            try:
                self.api.remove(name)
            except DockerError:
                pass
            raise docker_error(exc) from exc
        if info is None:
            raise ProviderError("DockerNotFound", "container %s disappeared right after it started" % name)
        return self._instance(info)

    def terminate(self, instance_ids: Sequence[str]) -> None:
        for instance_id in instance_ids:
            try:
                self.api.remove(instance_id)
            except DockerError as exc:
                raise docker_error(exc) from exc

    def list(self) -> list[Instance]:
        try:
            items = self.api.list({LABELS[TAG_CLUSTER]: self.cluster})
        except DockerError as exc:
            raise docker_error(exc) from exc
        return [self._instance(item) for item in items if item.get("State") not in ("removing", "dead")]

    def address_of(self, instance_ids: Sequence[str]) -> dict[str, Address | None]:
        result = {}
        for instance_id in instance_ids:
            try:
                info = self.api.inspect(instance_id)
            except DockerError as exc:
                raise docker_error(exc) from exc
            if info is not None:
                result[instance_id] = self._instance(info).address
        return result
