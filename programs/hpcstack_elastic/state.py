# -*- coding: utf-8 -*-
# Copyright (c) hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the program remembers between runs, in its state directory (owned by SlurmUser, mode 0700).

- ``requests/``: a resume/suspend request copied before the command detaches (Slurm's
  SLURM_RESUME_FILE disappears), removed once handled;
- ``inflight/NODE``: a worker is launching NODE (pid, since); reconcile leaves such nodes alone;
- ``failures.json``: nodes this program (or ResumeTimeout) failed, when and why: the cool-down clock;
- ``missing.json``: powered-up nodes whose instance the provider did not list, since when.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from collections.abc import Callable, Iterable, Iterator

Clock = Callable[[], float]


def _write_json(path: str, data) -> None:
    tmp = "%s.%d.tmp" % (path, os.getpid())
    with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as handle:
        json.dump(data, handle, sort_keys=True)
    os.replace(tmp, path)


def _read_json(path: str, default):
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        return default
    except ValueError:  # a torn or hand-edited file must not stop power saving
        return default


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class StateDir:
    def __init__(self, path: str, clock: Clock = time.time) -> None:
        self.path = path
        self.clock = clock
        for sub in ("", "requests", "inflight"):
            os.makedirs(os.path.join(path, sub), mode=0o700, exist_ok=True)

    def _file(self, *parts: str) -> str:
        return os.path.join(self.path, *parts)

    @contextlib.contextmanager
    def lock(self, name: str = "state", blocking: bool = True) -> Iterator[bool]:
        """An flock on ``name.lock``; yields False when ``blocking`` is off and another process holds it."""
        fd = os.open(self._file(name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
            except BlockingIOError:
                yield False
                return
            yield True
        finally:
            os.close(fd)

    # -- requests --------------------------------------------------------------------------
    def save_request(self, kind: str, data: dict) -> str:
        """Store a request for the detached worker; returns its id (unique per invocation)."""
        request_id = "%s-%d-%d" % (kind, time.time_ns(), os.getpid())
        _write_json(self._file("requests", request_id + ".json"), data)
        return request_id

    def load_request(self, request_id: str) -> dict:
        return _read_json(self._file("requests", request_id + ".json"), {})

    def drop_request(self, request_id: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._file("requests", request_id + ".json"))

    # -- in-flight launches ----------------------------------------------------------------
    def mark_inflight(self, nodes: Iterable[str]) -> None:
        record = {"pid": os.getpid(), "since": self.clock()}
        for node in nodes:
            _write_json(self._file("inflight", node), record)

    def clear_inflight(self, nodes: Iterable[str]) -> None:
        for node in nodes:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._file("inflight", node))

    def inflight(self) -> set[str]:
        """Nodes a live worker is launching (records of dead workers are removed)."""
        alive = set()
        for node in os.listdir(self._file("inflight")):
            record = _read_json(self._file("inflight", node), {})
            if isinstance(record, dict) and _pid_alive(int(record.get("pid") or 0) or -1):
                alive.add(node)
            else:
                self.clear_inflight([node])
        return alive

    # -- failures (the cool-down clock) ----------------------------------------------------
    def failures(self) -> dict[str, dict]:
        data = _read_json(self._file("failures.json"), {})
        return data if isinstance(data, dict) else {}

    def record_failures(self, reasons: dict[str, str]) -> None:
        if not reasons:
            return
        with self.lock():
            data = self.failures()
            now = self.clock()
            for node, reason in reasons.items():
                data[node] = {"time": now, "reason": reason}
            _write_json(self._file("failures.json"), data)

    def forget_failures(self, nodes: Iterable[str]) -> None:
        nodes = set(nodes)
        if not nodes:
            return
        with self.lock():
            data = self.failures()
            if nodes & set(data):
                _write_json(self._file("failures.json"), {k: v for k, v in data.items() if k not in nodes})

    # -- instances missing from the provider's list ----------------------------------------
    def missing_since(self, nodes: Iterable[str]) -> dict[str, float]:
        """Remember when each of ``nodes`` was first seen without an instance; forget the others."""
        with self.lock():
            known = _read_json(self._file("missing.json"), {})
            now = self.clock()
            result = {node: float(known.get(node, now)) for node in nodes}
            _write_json(self._file("missing.json"), result)
        return result
