# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The same metric families on Slurm 24.11 and 26.05: scrapes of both recorded clusters compared; the
API version after an upgrade from one to the other.

The upgrade tests' fakes answer only the paths they were given (exact_cluster: no ``*`` answer).
"""

from __future__ import annotations

import pytest

from exporter_helpers import (API, DELTA_TAILS, Clock, asked, exact_cluster, recorded, recorded_cluster, refresh, scrape,
                              value)

from ansible_collections.hpcstack.cluster.programs.hpcstack_exporters.catalogue import SPECS, VERSION_DIFFERENCES


def families_with_samples(fake_rest, make_exporter, version, api):
    fake = fake_rest(recorded_cluster(version, api))
    exporter, collector = make_exporter(fake.url, api_version=api)
    result = scrape(collector)
    assert sorted(result) == sorted(SPECS)  # every family is served, with or without samples
    assert value(result, "slurm_up") == 1 and value(result, "slurm_controller_up", hostname="rec", mode="primary") == 1
    return set(name for name, series in result.items() if series)


@pytest.mark.parametrize("api", API["26.05"])
def test_families_are_the_same_on_24_11_and_26_05(fake_rest, make_exporter, api):
    old = families_with_samples(fake_rest, make_exporter, "24.11", "v0.0.42")
    new = families_with_samples(fake_rest, make_exporter, "26.05", api)
    listed = set(name for name, dummy, dummy in VERSION_DIFFERENCES)
    assert sorted((old ^ new) - listed) == [], "differences not listed in catalogue.VERSION_DIFFERENCES (docs/metrics.md)"
    assert sorted(listed - (old ^ new)) == [], "listed differences that are gone: remove them from VERSION_DIFFERENCES"


WALL = 1795700000.0  # one wall clock for every exporter below: job ages are the same in every scrape
CORE = ("ping", "nodes", "partitions", "jobs", "diag")


def upgraded_to_26_05(before):
    """slurmrestd 26.05 after 24.11 (``before``: the 24.11 answers given): v0.0.45 and the deprecated v0.0.42.

    Between full refreshes an exporter still on v0.0.42 asks the endpoints that take update_time with
    the last_update of the 24.11 answers: slurmctld 26.05 changed since, so it answers everything.
    """
    answers = exact_cluster("26.05", "v0.0.42")
    for tail in DELTA_TAILS["24.11"]:
        answers[asked("v0.0.42", tail, before[asked("v0.0.42", tail)][0])] = answers[asked("v0.0.42", tail)]
    answers.update(exact_cluster("26.05", "v0.0.45"))
    return answers


def upgrade(fake, answers):
    with fake.lock:
        fake.answers = dict((k, list(v)) for k, v in answers.items())


def versions_in_use(result):
    return sorted(dict(labels)["version"] for labels in result["slurm_exporter_api_version_info"])


def slurm_families(result):
    return dict((name, series) for name, series in result.items() if not name.startswith("slurm_exporter_"))


def test_an_upgrade_to_26_05_moves_to_v0_0_45_at_the_full_refresh(fake_rest, make_exporter):
    """24.11 (v0.0.40 to v0.0.42) upgraded to 26.05 (v0.0.42 deprecated to v0.0.45) under a running exporter.

    The version in use stays served, so nothing fails; the next full refresh reads /openapi/v3 again and
    asks everything with v0.0.45 in the same scrape, which has all the data a new exporter would have.
    """
    before = exact_cluster("24.11", "v0.0.42")
    fake = fake_rest(before)
    clock = Clock()
    exporter, collector = make_exporter(fake.url, clock=clock, full_refresh_seconds=300, wall_clock=lambda: WALL)
    result, paths = refresh(collector, fake)
    assert versions_in_use(result) == ["v0.0.42", "v0.0.42"] and paths[0] == "/openapi/v3"
    upgrade(fake, upgraded_to_26_05(before))
    clock.advance(31)  # a cache miss before the full refresh: the version is kept, /openapi/v3 not asked
    result, paths = refresh(collector, fake)
    assert "/openapi/v3" not in paths and versions_in_use(result) == ["v0.0.42", "v0.0.42"]
    assert value(result, "slurm_up") == 1 and value(result, "slurm_info", cluster="rec", release="26.05.5") == 1
    clock.advance(300)
    result, paths = refresh(collector, fake)
    assert paths == ["/openapi/v3"] + [asked("v0.0.45", tail) for tail in CORE] + [
        "/slurmdb/v0.0.45/associations", "/slurm/v0.0.45/shares"]  # everything, shares too (once per version)
    assert versions_in_use(result) == ["v0.0.45", "v0.0.45"]
    assert value(result, "slurm_exporter_data_stale") == 0
    assert value(result, "slurm_exporter_refreshes_total", result="failure") == 0
    new = scrape(make_exporter(fake_rest(exact_cluster("26.05", "v0.0.45")).url, wall_clock=lambda: WALL)[1])
    assert versions_in_use(new) == ["v0.0.45", "v0.0.45"]
    assert slurm_families(result) == slurm_families(new)  # every Slurm family, every series, every value
    assert value(result, "slurm_job_count") == 1 and value(result, "slurm_node_count") == 1  # as recorded on 26.05


def test_a_pinned_version_never_moves(fake_rest, make_exporter):
    """--api-version v0.0.42 across the same upgrade: /openapi/v3 is never asked (the fakes do not answer it)."""
    without_openapi = dict((k, v) for k, v in exact_cluster("24.11", "v0.0.42").items() if k != "/openapi/v3")
    fake = fake_rest(without_openapi)
    clock = Clock()
    exporter, collector = make_exporter(fake.url, clock=clock, api_version="v0.0.42", full_refresh_seconds=300)
    results = [refresh(collector, fake)[0]]
    upgrade(fake, dict((k, v) for k, v in exact_cluster("26.05", "v0.0.42").items() if k != "/openapi/v3"))
    for dummy in range(3):
        clock.advance(301)  # each a full refresh
        results.append(refresh(collector, fake)[0])
    assert [versions_in_use(r) for r in results] == [["v0.0.42", "v0.0.42"]] * 4
    assert [value(r, "slurm_info", cluster="rec", release="26.05.5") for r in results] == [None, 1, 1, 1]
    assert [value(r, "slurm_node_count") for r in results] == [1] * 4
    assert fake.count("/openapi") == 0 and fake.count("/slurm/v0.0.45/") == 0


def test_a_failed_renegotiation_keeps_the_version_in_use(fake_rest, make_exporter):
    """/openapi/v3 failing at the full refresh costs no data: the version in use stays, asked again at the next one."""
    answers = exact_cluster("24.11", "v0.0.42")
    for tail in DELTA_TAILS["24.11"]:  # the last scrape's: the same answer (changed since)
        answers[asked("v0.0.42", tail, answers[asked("v0.0.42", tail)][0])] = answers[asked("v0.0.42", tail)]
    fake = fake_rest(answers)
    clock = Clock()
    exporter, collector = make_exporter(fake.url, clock=clock, retries=0, full_refresh_seconds=300)
    refresh(collector, fake)
    upgrade(fake, dict(answers, **{"/openapi/v3": [recorded("24.11", "v0.0.42/nodes_ctld_down")]}))  # a slurmrestd 5xx
    clock.advance(301)
    result, paths = refresh(collector, fake)
    assert paths[0] == "/openapi/v3" and versions_in_use(result) == ["v0.0.42", "v0.0.42"]
    assert value(result, "slurm_exporter_request_errors_total", endpoint="openapi", kind="server") == 1
    assert value(result, "slurm_up") == 1 and value(result, "slurm_job_count") == 3
    assert value(result, "slurm_exporter_data_stale") == 0
    clock.advance(31)  # not at every scrape: at the next full refresh
    assert "/openapi/v3" not in refresh(collector, fake)[1]
