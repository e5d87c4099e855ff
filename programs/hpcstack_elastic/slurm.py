# -*- coding: utf-8 -*-
# Copyright (c) hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Everything the program asks of Slurm, through the collection's one scontrol wrapper.

Reads are ``scontrol --json show node`` where the installed Slurm has it (23.11+), else
``scontrol show -o node``; both come back as the normalised nodes of ``_slurm_data`` (state,
flags, reason, address, hostname), so no caller matches version-specific state strings.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable, Iterable, Sequence

from ansible_collections.hpcstack.cluster.plugins.module_utils._scontrol import Scontrol
from ansible_collections.hpcstack.cluster.plugins.module_utils._slurm_cmd import SlurmCommandError

Runner = Callable[[Sequence[str]], tuple[int, str, str]]
REASON_MAX = 250  # long reasons clutter sinfo -R; the journal keeps the whole message
# ``scontrol ping``, the same line from 22.05 to 26.05: "Slurmctld(primary) at ctl1 is UP".
PING_RE = re.compile(r"^Slurmctld\((\S+)\) at (\S+) is (UP|DOWN)\s*$", re.M)

__all__ = ("Slurm", "SlurmCommandError", "subprocess_runner")


def subprocess_runner(timeout: float = 60) -> Runner:
    """A runner for :class:`Scontrol` that never raises: (rc, stdout, stderr)."""

    def run(argv: Sequence[str]) -> tuple[int, str, str]:
        try:
            done = subprocess.run(list(argv), capture_output=True, text=True, timeout=timeout, check=False)
        except FileNotFoundError:
            return 127, "", "%s: command not found" % argv[0]
        except subprocess.TimeoutExpired:
            return 124, "", "%s timed out after %s s" % (argv[0], timeout)
        return done.returncode, done.stdout, done.stderr
    return run


def _names(names: Iterable[str]) -> str:
    return ",".join(names)


class Slurm:
    """Node reads and the few node updates power saving needs (each one ``scontrol`` call)."""

    def __init__(self, run: Runner, binary: str = "scontrol") -> None:
        self.tool = Scontrol(run, binary)

    @property
    def calls(self) -> int:
        return self.tool.calls

    def hostnames(self, expression: str) -> list[str]:
        """Node names of a hostlist expression, expanded by Slurm itself."""
        return self.tool.hostnames(expression) if expression else []

    def active_controller(self) -> str | None:
        """The controller in charge: the first one (primary, then backups) that answers; None if none does."""
        out = self.tool.execute(["ping"], ok_rc=(0, 1))
        return next((host for dummy, host, state in PING_RE.findall(out) if state == "UP"), None)

    def nodes(self, names: Iterable[str] | None = None) -> dict[str, dict]:
        """Normalised nodes by name (all of them, or those of ``names`` that Slurm knows)."""
        wanted = None if names is None else set(names)
        return {node["name"]: node for node in self.tool.show("node")
                if wanted is None or node["name"] in wanted}

    def set_addresses(self, entries: Sequence[tuple[str, str, str]]) -> None:
        """One update for many nodes: [(node, NodeAddr, NodeHostname)]."""
        if entries:
            self.tool.execute(["update", "nodename=" + _names(e[0] for e in entries),
                               "nodeaddr=" + _names(e[1] for e in entries),
                               "nodehostname=" + _names(e[2] for e in entries)], change=True)

    def reset_addresses(self, names: Sequence[str]) -> None:
        """NodeAddr and NodeHostname back to the node's name (what Slurm does once powered down)."""
        self.set_addresses([(name, name, name) for name in names])

    def down(self, names: Sequence[str], reason: str) -> None:
        if names:
            self.tool.execute(Scontrol.node_command(list(names), "down", reason=reason[:REASON_MAX]), change=True)

    def power_down(self, names: Sequence[str]) -> None:
        """POWER_DOWN_FORCE: ends any power-up in progress and runs the SuspendProgram."""
        if names:
            self.tool.execute(Scontrol.node_command(list(names), "power_down_force"), change=True)

    def resume(self, names: Sequence[str]) -> None:
        """Back to service: a DOWN+POWERED_DOWN cloud node becomes IDLE+POWERED_DOWN (resumed on demand)."""
        if names:
            self.tool.execute(Scontrol.node_command(list(names), "resume"), change=True)
