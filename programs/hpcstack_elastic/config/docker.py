# -*- coding: utf-8 -*-
# Copyright (c) hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``docker`` settings of a node class: the lab's provider (standard library only)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .checks import Problems, check_keys, get_str, get_str_list, get_str_map

KEYS = ("image", "network", "name_prefix", "conf_servers", "socket", "labels")
NAME_PREFIX_RE = r"[a-zA-Z0-9][a-zA-Z0-9_.-]*"
CONF_SERVER_RE = r"[A-Za-z0-9][A-Za-z0-9.-]*(:\d{1,5})?"
SOCKET_RE = r"/\S+"
RESERVED_LABEL_PREFIX = "org.hpcstack.elastic."


@dataclass(frozen=True)
class DockerSettings:
    image: str
    network: str
    name_prefix: str
    conf_servers: tuple[str, ...]
    socket: str = "/var/run/docker.sock"
    labels: dict[str, str] = field(default_factory=dict)


def parse_docker(raw: Mapping, problems: Problems, cluster: str) -> DockerSettings:
    """Settings from the ``docker`` object of a class; every problem goes to ``problems``."""
    check_keys(raw, KEYS, problems)
    labels = get_str_map(raw, "labels", problems)
    for key in sorted(labels):
        if key.startswith(RESERVED_LABEL_PREFIX):
            problems.add("labels.%s" % key, "labels starting with %s are reserved" % RESERVED_LABEL_PREFIX)
    servers = get_str_list(raw, "conf_servers", problems, pattern=CONF_SERVER_RE, hint="a controller's host[:port]")
    if not servers and "conf_servers" not in raw:
        problems.add("conf_servers", "is required (the controllers configless slurmd fetches slurm.conf from)")
    return DockerSettings(
        image=get_str(raw, "image", problems, required=True, hint="the compute node image, e.g. hpclab/compute:trixie")
        or "",
        network=get_str(raw, "network", problems, required=True, hint="the Docker network of the cluster") or "",
        name_prefix=get_str(raw, "name_prefix", problems, pattern=NAME_PREFIX_RE, default=cluster + "-",
                            hint="letters, digits and _.- (container names)") or cluster + "-",
        conf_servers=tuple(servers),
        socket=get_str(raw, "socket", problems, pattern=SOCKET_RE, default="/var/run/docker.sock",
                       hint="an absolute path") or "/var/run/docker.sock",
        labels=labels,
    )
