# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures for the Slurm exporter tests (helpers are in exporter_helpers.py)."""

from __future__ import annotations

import pytest

from exporter_helpers import TOKEN, Clock, FakeSlurmrestd, build_program

from ansible_collections.hpcstack.cluster.plugins.module_utils import _slurm_rest as rest
from ansible_collections.hpcstack.cluster.programs.hpcstack_exporters.slurm_collector import SlurmCollector, SlurmExporter


@pytest.fixture(scope="session")
def program(tmp_path_factory):
    """Path of the exporters' zipapp (what a host runs)."""
    return build_program(tmp_path_factory.mktemp("pyz"))


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
    assert [fake.unexpected for fake in started if fake.unexpected] == [], "paths asked that no answer was given for"


@pytest.fixture
def make_exporter():
    """Build (exporter, collector) against a URL; sleeps of the client are no-ops, the clock is manual."""

    def make(url, clock=None, **kw):
        clock = clock or Clock()
        client_kw = dict(user="slurm", token=TOKEN, timeout=2, retries=kw.pop("retries", 1), backoff=0.01,
                         max_retry_time=5, sleep=lambda s: None, api_version=kw.pop("api_version", None))
        client = rest.SlurmRestClient(url, **client_kw)
        kw.setdefault("cache_seconds", 30)
        exporter = SlurmExporter(client, clock=clock, **kw)
        return exporter, SlurmCollector(exporter)
    return make
