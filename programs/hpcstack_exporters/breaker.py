# -*- coding: utf-8 -*-
# Copyright (c) hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Circuit breaker: after ``threshold`` failed refreshes in a row, stop asking for ``backoff`` seconds.

A failed trial after the pause (half open) opens it again for twice as long, up to ``max_backoff``;
a success closes it. Not thread-safe: its owner holds a lock around it.
"""

from __future__ import annotations

import logging

STATES = ("closed", "open", "half_open")
LOG = logging.getLogger("hpcstack_exporters.breaker")


class CircuitBreaker:
    def __init__(self, threshold: int = 3, backoff: float = 30, max_backoff: float = 600) -> None:
        self.threshold = max(threshold, 1)
        self.initial_backoff = backoff
        self.max_backoff = max(max_backoff, backoff)
        self.failures = 0
        self.open_until: float | None = None
        self.backoff = backoff
        self.trips = 0
        self.skipped = 0

    def state(self, now: float) -> str:
        if self.open_until is None:
            return "closed"
        return "open" if now < self.open_until else "half_open"

    def allows(self, now: float) -> bool:
        """May the protected call be made now? Counts the calls it refuses."""
        if self.state(now) == "open":
            self.skipped += 1
            return False
        return True

    def record(self, ok: bool, now: float) -> None:
        if ok:
            if self.open_until is not None:
                LOG.warning("slurmrestd answers again: circuit breaker closed")
            self.failures, self.open_until, self.backoff = 0, None, self.initial_backoff
            return
        self.failures += 1
        if self.open_until is not None:  # the half-open trial failed: open again, for longer
            self.backoff = min(self.backoff * 2, self.max_backoff)
        elif self.failures < self.threshold:
            return
        self.open_until = now + self.backoff
        self.trips += 1
        LOG.warning("circuit breaker open for %ss after %d failed refresh(es)", self.backoff, self.failures)
