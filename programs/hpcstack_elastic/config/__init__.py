# -*- coding: utf-8 -*-
# Copyright (c) hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The program's one input: ``/etc/hpcstack/elastic.json`` (written by the role from the cluster model).

Standard library only, so the cluster model can import it and reject the same mistakes before
any host is touched::

    from ansible_collections.hpcstack.cluster.programs.hpcstack_elastic.config import validate
    problems = validate(data, expand=hostlist.expand)   # [] when valid

Schema (``*`` required; times in seconds)::

    {"version": 1*, "cluster": "hpc"*, "state_dir": "/var/lib/hpcstack/elastic", "scontrol": "scontrol",
     "batch_size": 50, "launch_parallelism": 16,
     "timeouts": {"address": 120, "orphan_grace": 300, "vanished_grace": 120, "failure_cooldown": 600,
                  "api": 30},
     "classes": {"<class>"*: {"nodes": "aws-c5-[1-100]"*, "provider": "ec2|docker"*,
                              "all_or_nothing": false, "ec2"|"docker": {...}*}}}

``ec2`` and ``docker`` settings: :mod:`.ec2`, :mod:`.docker`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from .checks import Problems, check_keys, get_bool, get_int, get_object, get_str
from .docker import DockerSettings, parse_docker
from .ec2 import Ec2Settings, parse_ec2

DEFAULT_PATH = "/etc/hpcstack/elastic.json"
SCHEMA_VERSION = 1
PROVIDERS = ("docker", "ec2")
KEYS = ("version", "cluster", "state_dir", "scontrol", "batch_size", "launch_parallelism", "timeouts", "classes")
CLASS_KEYS = ("nodes", "provider", "all_or_nothing") + PROVIDERS
CLUSTER_RE = r"[A-Za-z0-9_-]{1,40}"
CLASS_RE = r"[a-z0-9][a-z0-9_-]{0,39}"
ABSOLUTE_PATH_RE = r"/\S*"
TIMEOUT_DEFAULTS = {"address": 120, "orphan_grace": 300, "vanished_grace": 120, "failure_cooldown": 600, "api": 30}


class ConfigError(ValueError):
    """The config is unusable; ``problems`` lists every reason."""

    def __init__(self, problems: list[str], path: str = "") -> None:
        self.problems = problems
        head = "invalid elastic config%s" % (" %s" % path if path else "")
        super().__init__("%s:\n  %s" % (head, "\n  ".join(problems)))


@dataclass(frozen=True)
class Timeouts:
    address: int = TIMEOUT_DEFAULTS["address"]
    orphan_grace: int = TIMEOUT_DEFAULTS["orphan_grace"]
    vanished_grace: int = TIMEOUT_DEFAULTS["vanished_grace"]
    failure_cooldown: int = TIMEOUT_DEFAULTS["failure_cooldown"]
    api: int = TIMEOUT_DEFAULTS["api"]


@dataclass(frozen=True)
class NodeClass:
    name: str
    nodes: str  # a Slurm hostlist expression
    provider: str
    settings: Ec2Settings | DockerSettings
    all_or_nothing: bool = False


@dataclass(frozen=True)
class Config:
    cluster: str
    classes: dict[str, NodeClass]
    state_dir: str = "/var/lib/hpcstack/elastic"
    scontrol: str = "scontrol"
    batch_size: int = 50
    launch_parallelism: int = 16
    timeouts: Timeouts = field(default_factory=Timeouts)


def _timeouts(raw: Mapping, problems: Problems) -> Timeouts:
    section = get_object(raw, "timeouts", problems) or {}
    check_keys(section, tuple(TIMEOUT_DEFAULTS), problems, "timeouts.")
    return Timeouts(**{key: get_int(section, key, problems, default=default, maximum=86400, section="timeouts.")
                       for key, default in TIMEOUT_DEFAULTS.items()})


def _node_class(name: str, raw, cluster: str, problems: Problems) -> NodeClass | None:
    where = problems.at("class %r" % name)
    if not isinstance(raw, dict):
        where.add("", "must be an object")
        return None
    check_keys(raw, CLASS_KEYS, where)
    nodes = get_str(raw, "nodes", where, required=True, hint="the class's nodes as a hostlist, e.g. aws-c5-[1-100]")
    provider = get_str(raw, "provider", where, required=True, hint="one of %s" % ", ".join(PROVIDERS))
    all_or_nothing = get_bool(raw, "all_or_nothing", where)
    if provider is not None and provider not in PROVIDERS:
        where.add("provider", "unknown provider %r (known: %s)" % (provider, ", ".join(PROVIDERS)))
        return None
    for other in PROVIDERS:
        if other != provider and other in raw:
            where.add(other, "settings for provider %r, but the class uses %r" % (other, provider))
    if provider is None:
        return None
    section = get_object(raw, provider, where, required=True, hint="the %s provider's settings" % provider)
    if section is None:
        return None
    inner = problems.at("class %r" % name, provider + ".")
    settings = parse_ec2(section, inner) if provider == "ec2" else parse_docker(section, inner, cluster)
    return NodeClass(name=name, nodes=nodes or "", provider=provider, settings=settings,
                     all_or_nothing=all_or_nothing)


def _classes(raw: Mapping, cluster: str, problems: Problems) -> dict[str, NodeClass]:
    section = get_object(raw, "classes", problems, required=True, hint="at least one cloud node class")
    if section is None:
        return {}
    if not section:
        problems.add("classes", "needs at least one class")
    classes = {}
    for name in sorted(section):
        if not isinstance(name, str) or not re.fullmatch(CLASS_RE, name):
            problems.add("classes", "class name %r is not valid (lower-case letters, digits, _ and -, "
                                    "at most 40, used in tags and node features)" % (name,))
            continue
        node_class = _node_class(name, section[name], cluster, problems)
        if node_class is not None:
            classes[name] = node_class
    return classes


def _overlaps(classes: Mapping[str, NodeClass], expand: Callable[[str], list[str]], problems: Problems) -> None:
    owner: dict[str, str] = {}
    for name, node_class in sorted(classes.items()):
        try:
            nodes = expand(node_class.nodes)
        except ValueError as exc:
            problems.add("class %r: nodes" % name, str(exc))
            continue
        if not nodes:
            problems.add("class %r: nodes" % name, "names no node")
        for node in nodes:
            if node in owner:
                problems.add("class %r: nodes" % name, "node %s is also in class %r" % (node, owner[node]))
                break
            owner[node] = name


def parse(data, expand: Callable[[str], list[str]] | None = None) -> tuple[Config | None, list[str]]:
    """(config, problems) from decoded JSON; config is None when there are problems.

    ``expand`` turns a hostlist into node names (the model passes python-hostlist's, the program
    Slurm's own); with it, classes that name no node or share a node are reported too.
    """
    problems = Problems()
    if not isinstance(data, dict):
        return None, ["the config must be a JSON object"]
    check_keys(data, KEYS, problems)
    version = data.get("version")
    if version != SCHEMA_VERSION:
        problems.add("version", "must be %d (the schema this program reads), got %r" % (SCHEMA_VERSION, version))
    cluster = get_str(data, "cluster", problems, required=True, pattern=CLUSTER_RE,
                      hint="the Slurm ClusterName: letters, digits, _ and -, at most 40") or ""
    config = Config(
        cluster=cluster,
        classes=_classes(data, cluster, problems),
        state_dir=get_str(data, "state_dir", problems, pattern=ABSOLUTE_PATH_RE, default=Config.state_dir,
                          hint="an absolute path") or Config.state_dir,
        scontrol=get_str(data, "scontrol", problems, default=Config.scontrol) or Config.scontrol,
        batch_size=get_int(data, "batch_size", problems, default=Config.batch_size, maximum=1000),
        launch_parallelism=get_int(data, "launch_parallelism", problems, default=Config.launch_parallelism,
                                   maximum=64),
        timeouts=_timeouts(data, problems),
    )
    if expand is not None and not problems.found:
        _overlaps(config.classes, expand, problems)
    return (None if problems.found else config), problems.found


def validate(data, expand: Callable[[str], list[str]] | None = None) -> list[str]:
    """Every problem of decoded JSON ``data`` (empty when valid)."""
    return parse(data, expand)[1]


def load(path: str = DEFAULT_PATH, expand: Callable[[str], list[str]] | None = None) -> Config:
    """The config at ``path``; raises ConfigError naming every problem."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except OSError as exc:
        raise ConfigError(["cannot read: %s" % exc.strerror], path) from None
    except ValueError as exc:
        raise ConfigError(["not valid JSON: %s" % exc], path) from None
    config, problems = parse(data, expand)
    if config is None:
        raise ConfigError(problems, path)
    return config
