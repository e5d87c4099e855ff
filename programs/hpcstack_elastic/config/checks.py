# -*- coding: utf-8 -*-
# Copyright (c) hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Typed reads of a JSON object that collect every problem instead of stopping at the first.

Each problem names where it is (``class 'aws': ec2.region``) and what to write instead, so the
cluster model can show the same message before any host is touched.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

MISSING = object()


class Problems:
    """Problems found under one place of the config: ``where`` prefixes each message, ``prefix`` each key."""

    def __init__(self, where: str = "", found: list[str] | None = None, prefix: str = "") -> None:
        self.where = where
        self.prefix = prefix
        self.found: list[str] = [] if found is None else found

    def at(self, where: str, prefix: str = "") -> Problems:
        """Problems of a nested place, collected into the same list."""
        return Problems(where, self.found, prefix)

    def add(self, key: str, message: str) -> None:
        label = ": ".join(part for part in (self.where, self.prefix + key if key else self.prefix.rstrip(".")) if part)
        self.found.append("%s: %s" % (label, message))


def _type_name(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", int: "a number",
            float: "a number", type(None): "null"}.get(type(value), type(value).__name__)


def _absent(value: Any, label: str, problems: Problems, required: bool = False, hint: str = "") -> bool:
    """True when the key is missing or null (reported when ``required``)."""
    if value is not MISSING and value is not None:
        return False
    if required:
        problems.add(label, "is required" + (" (%s)" % hint if hint else ""))
    return True


def check_keys(obj: Mapping, allowed: tuple[str, ...], problems: Problems, section: str = "") -> None:
    """Report keys that are not in ``allowed`` (typos must not be ignored silently)."""
    for key in sorted(set(obj) - set(allowed)):
        problems.add(section + key, "unknown key (known: %s)" % ", ".join(allowed))


def get_str(obj: Mapping, key: str, problems: Problems, *, required: bool = False, pattern: str | None = None,
            hint: str = "", default: str | None = None, section: str = "") -> str | None:
    """A non-empty string, optionally matching ``pattern``; ``default`` when absent."""
    value = obj.get(key, MISSING)
    label = section + key
    if _absent(value, label, problems, required, hint):
        return default
    if not isinstance(value, str) or not value.strip():
        problems.add(label, "must be a non-empty string, got %s" % _type_name(value))
        return default
    if pattern and not re.fullmatch(pattern, value):
        problems.add(label, "%r is not valid%s" % (value, " (%s)" % hint if hint else ""))
        return default
    return value


def get_int(obj: Mapping, key: str, problems: Problems, *, default: int, minimum: int = 1,
            maximum: int | None = None, section: str = "") -> int:
    value = obj.get(key, MISSING)
    label = section + key
    if value is MISSING or value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        problems.add(label, "must be a whole number, got %s" % _type_name(value))
        return default
    if value < minimum or (maximum is not None and value > maximum):
        limit = "between %d and %d" % (minimum, maximum) if maximum is not None else "at least %d" % minimum
        problems.add(label, "must be %s, got %d" % (limit, value))
        return default
    return value


def get_bool(obj: Mapping, key: str, problems: Problems, *, default: bool = False, section: str = "") -> bool:
    value = obj.get(key, MISSING)
    if value is MISSING or value is None:
        return default
    if not isinstance(value, bool):
        problems.add(section + key, "must be true or false, got %s" % _type_name(value))
        return default
    return value


def get_str_list(obj: Mapping, key: str, problems: Problems, *, pattern: str | None = None, hint: str = "",
                 section: str = "") -> list[str]:
    """A list of strings (a single string is not accepted: it is a common YAML slip)."""
    value = obj.get(key, MISSING)
    label = section + key
    if value is MISSING or value is None:
        return []
    if not isinstance(value, list):
        problems.add(label, "must be a list of strings, got %s" % _type_name(value))
        return []
    result = []
    for index, item in enumerate(value):
        if not isinstance(item, str) or not item:
            problems.add("%s[%d]" % (label, index), "must be a non-empty string, got %s" % _type_name(item))
        elif pattern and not re.fullmatch(pattern, item):
            problems.add("%s[%d]" % (label, index), "%r is not valid%s" % (item, " (%s)" % hint if hint else ""))
        else:
            result.append(item)
    if len(set(result)) != len(result):
        problems.add(label, "lists a value twice")
    return result


def get_str_map(obj: Mapping, key: str, problems: Problems, *, section: str = "") -> dict[str, str]:
    value = obj.get(key, MISSING)
    label = section + key
    if value is MISSING or value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        problems.add(label, "must be an object of string keys and string values")
        return {}
    return dict(value)


def get_object(obj: Mapping, key: str, problems: Problems, *, required: bool = False, hint: str = "",
               section: str = "") -> dict | None:
    value = obj.get(key, MISSING)
    label = section + key
    if _absent(value, label, problems, required, hint):
        return None
    if not isinstance(value, dict):
        problems.add(label, "must be an object, got %s" % _type_name(value))
        return None
    return value
