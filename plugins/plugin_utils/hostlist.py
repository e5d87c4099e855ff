# -*- coding: utf-8 -*-
# Copyright (c) 2025, hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Hostlist expressions (``c[1-3],login1``) through python-hostlist; controller-side only."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable

try:
    import hostlist
except ImportError:
    hostlist = None

MISSING_HOSTLIST = "the python-hostlist library is missing: install python-hostlist on the controller"


class HostlistError(ValueError):
    """A hostlist expression does not parse, or python-hostlist is not installed."""


def require_hostlist() -> None:
    if hostlist is None:
        raise HostlistError(MISSING_HOSTLIST)


def expand(expr: str, allow_duplicates: bool = False) -> list[str]:
    """Expand a hostlist expression (``c[1-3],login1``) into host names, in order."""
    require_hostlist()
    if not isinstance(expr, str):
        raise HostlistError('a hostlist expression must be a string, got %r' % (expr,))
    try:
        return hostlist.expand_hostlist(expr, allow_duplicates=allow_duplicates)
    except hostlist.BadHostlist as e:
        raise HostlistError('invalid hostlist expression %r: %s' % (expr, e)) from None


def expand_or_empty(expr) -> list[str]:
    """Names of a hostlist expression; nothing if it is not a valid one (validation reports that)."""
    try:
        return expand(expr)
    except HostlistError:
        return []


def compress(names: Iterable[str]) -> str:
    """Compress host names into the shortest hostlist expression (``c[1-3],login1``)."""
    require_hostlist()
    return hostlist.collect_hostlist([str(name) for name in names])


def expand_unique(expr: str, what: str) -> tuple[list[str] | None, list[str]]:
    """Expand ``expr`` for validation: ``(names, problems)``; names is None if it does not parse.

    A name listed twice is a problem (python-hostlist would silently drop it).
    """
    try:
        names = expand(expr, allow_duplicates=True)
    except HostlistError as e:
        return None, ['%s: %s' % (what, e)]
    if not names:
        return None, ['%s %r names no hosts' % (what, expr)]
    unique = list(dict.fromkeys(names))
    if len(unique) == len(names):
        return names, []
    seen: set[str] = set()
    twice = [name for name in names if name in seen or seen.add(name)]
    return unique, ['%s lists %s more than once' % (what, compress(twice))]


def reraise_as(error_type: type[Exception]) -> Callable:
    """Decorator: raise ``error_type`` (say AnsibleFilterError) instead of HostlistError."""
    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            try:
                return func(*args, **kwargs)
            except HostlistError as e:
                raise error_type(str(e)) from None
        return wrapper
    return decorate
