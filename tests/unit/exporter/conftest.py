# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures for the Slurm exporter tests (helpers are in exporter_helpers.py)."""

from __future__ import annotations

import pytest

from exporter_helpers import TOKEN, Clock, FakeSlurmrestd, load_exporter


@pytest.fixture(scope="session")
def exp():
    return load_exporter()


@pytest.fixture
def fake_rest():
    started = []

    def start(answers):
        fake = FakeSlurmrestd(answers)
        started.append(fake)
        return fake
    yield start
    for fake in started:
        fake.close()


@pytest.fixture
def make_exporter(exp):
    """Build (exporter, collector) against a URL; sleeps of the client are no-ops, the clock is manual."""

    def make(url, clock=None, **kw):
        clock = clock or Clock()
        client_kw = dict(user="slurm", token=TOKEN, timeout=2, retries=kw.pop("retries", 1), backoff=0.01,
                         max_retry_time=5, sleep=lambda s: None, api_version=kw.pop("api_version", None))
        client = exp._StreamingClient(url, **client_kw)
        kw.setdefault("cache_seconds", 30)
        exporter = exp.SlurmExporter(client, clock=clock, **kw)
        return exporter, exp.SlurmCollector(exporter)
    return make
