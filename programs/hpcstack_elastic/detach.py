# -*- coding: utf-8 -*-
# Copyright (c) hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Leave slurmscriptd alone: finish the work in a detached grandchild.

slurmctld (through slurmscriptd) waits for its Resume/Suspend program to exit and reads its
output until end of file. A program that launches hundreds of instances in the foreground, or a
background child that keeps the inherited stdout/stderr pipe open, stalls slurmscriptd, and with
it ``scontrol reconfigure``. So: fork, new session, fork again, close every inherited descriptor,
and return at once in the parent.
"""

from __future__ import annotations

import os
from collections.abc import Callable


def _close_inherited() -> None:
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    if devnull > 2:
        os.close(devnull)
    os.closerange(3, os.sysconf("SC_OPEN_MAX") if hasattr(os, "sysconf") else 4096)


def detach(work: Callable[[], int]) -> int | None:
    """Run ``work`` in a detached grandchild; returns None in the caller (at once), never returns there.

    The grandchild exits with ``work``'s status; nothing waits for it (it is reparented to init).
    """
    pid = os.fork()
    if pid:
        os.waitpid(pid, 0)  # the first child exits right after forking the worker
        return None
    try:
        os.setsid()
        if os.fork():
            os._exit(0)
        _close_inherited()
        os.chdir("/")
        status = work()
    except BaseException:  # noqa: B902 - the worker logs its own failures; never unwind into the caller
        os._exit(1)
    os._exit(status or 0)
