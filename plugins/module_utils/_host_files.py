# -*- coding: utf-8 -*-
# Copyright (c) 2026, hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Reading the managed host's /proc and /sys files, for modules that only report what a host has."""

from __future__ import annotations


def read_text(path):
    """The file's text, or None when it cannot be read (absent on this kernel or platform)."""
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except OSError:
        return None
