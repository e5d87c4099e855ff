# -*- coding: utf-8 -*-
# Copyright (c) hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which class each cloud node belongs to (class hostlists expanded by Slurm, once per run)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable

from .config import Config


def node_classes(config: Config, expand: Callable[[str], list[str]]) -> dict[str, str]:
    """node name -> class name for every node of every class."""
    owner = {}
    for name in sorted(config.classes):
        for node in expand(config.classes[name].nodes):
            owner.setdefault(node, name)
    return owner


def by_class(nodes: Iterable[str], owner: dict[str, str]) -> dict[str, list[str]]:
    """Nodes grouped by class, in the given order; nodes of no class under ``""``."""
    groups: dict[str, list[str]] = {}
    for node in nodes:
        groups.setdefault(owner.get(node, ""), []).append(node)
    return groups


def launch_token(*parts: str) -> str:
    """An idempotency token (EC2 ClientToken: at most 64 ASCII characters) for one launch attempt."""
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:48]
