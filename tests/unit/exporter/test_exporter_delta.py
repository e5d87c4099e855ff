# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Slurm exporter: nodes, partitions and jobs asked with update_time, kept records, the bounded full refresh.

Jobs are asked with ``flags=ALL`` (without DETAIL: no job_resources) from v0.0.40 on. The
recorded jobs answers were asked without it and carry job_resources, which the exporter does not read.
The fakes here answer only the paths they were given (no ``*`` answer: anything else fails the test).
What slurmrestd answers when nothing changed is not in the recordings yet (record.py now records
it as ``<tail>_unchanged``); until then it is built as Slurm's source gives it (24.11 to 26.05):
HTTP 304 without a body for nodes and partitions (SLURM_NO_CHANGE_IN_DATA reaches the REST layer),
HTTP 200 for jobs with an empty list, ``last_update`` and ``last_backfill`` 0 and a warning
(op_handler_jobs dumps its zeroed response).
"""

from __future__ import annotations

import copy

import pytest

from exporter_helpers import Clock, asked, exact_cluster, jobs_unchanged, recorded, refresh, value

from ansible_collections.hpcstack.cluster.plugins.module_utils import _slurm_rest as rest

NOT_MODIFIED = (304, b"")


def unchanged(answers, api, tails):
    """Answer the next update_time request of each of ``tails`` with "nothing changed"."""
    for tail in tails:
        first = answers[asked(api, tail)][0]
        answers[asked(api, tail, first)] = [(200, jobs_unchanged(first[1])) if tail == "jobs" else NOT_MODIFIED]


JOB_FAMILIES = ("slurm_jobs", "slurm_job_count", "slurm_user_jobs", "slurm_partition_jobs_running",
                "slurm_partition_state_info", "slurm_partition_cpus", "slurm_node_state_info", "slurm_info")


@pytest.mark.parametrize("version,api,delta", [("24.11", "v0.0.42", ("partitions", "jobs")),
                                               ("24.11", "v0.0.40", ("partitions", "jobs")),
                                               ("26.05", "v0.0.45", ("nodes", "partitions", "jobs"))])
def test_unchanged_answers_reuse_the_kept_records(fake_rest, make_exporter, version, api, delta):
    answers = exact_cluster(version, api)
    unchanged(answers, api, delta)
    fake = fake_rest(answers)
    exporter, collector = make_exporter(fake.url, api_version=api, cache_seconds=0)
    first, paths = refresh(collector, fake)
    assert [p for p in paths if "?" in p] == [asked(api, "jobs")] == ["/slurm/%s/jobs?flags=ALL" % api]
    second, paths = refresh(collector, fake)

    last = dict((tail, answers[asked(api, tail)][0][1]["last_update"]["number"]) for tail in delta)
    jobs = "/slurm/%s/jobs?update_time=uts%d&flags=ALL" % (api, last["jobs"])
    nodes = "/slurm/%s/nodes?update_time=uts%d" % (api, last["nodes"]) if "nodes" in delta else "/slurm/%s/nodes" % api
    expected = ["/slurm/%s/ping" % api, nodes, "/slurm/%s/partitions?update_time=uts%d" % (api, last["partitions"]),
                jobs, "/slurm/%s/diag" % api, "/slurmdb/%s/associations" % api]
    assert paths == expected  # exactly these, with exactly these query parameters (shares: asked once, missing)
    for name in JOB_FAMILIES:
        assert second[name] == first[name], name
    assert value(second, "slurm_job_count") == value(first, "slurm_job_count") >= 1
    for tail in ("nodes", "partitions", "jobs"):
        assert value(second, "slurm_exporter_unchanged_answers_total", endpoint=tail) == (1 if tail in delta else None)
    assert value(second, "slurm_exporter_requests_total", endpoint="jobs") == 2
    assert value(second, "slurm_exporter_refreshes_total", result="success") == 2
    assert second["slurm_exporter_request_errors_total"] == {
        frozenset({("endpoint", "shares"), ("kind", "version")}): 1.0}


def test_a_changed_answer_replaces_the_kept_records(fake_rest, make_exporter):
    """slurmctld sends every job once any changed: the new list is used and its last_update sent next."""
    api = "v0.0.42"
    answers = exact_cluster("24.11", api)
    unchanged(answers, api, ("partitions",))
    first = answers[asked(api, "jobs")][0]
    status, body = copy.deepcopy(first)
    body["jobs"] = [j for j in body["jobs"] if j["job_state"] == ["RUNNING"]]
    body["last_update"] = dict(body["last_update"], number=body["last_update"]["number"] + 40)
    answers[asked(api, "jobs", first)] = [(status, body)]
    answers[asked(api, "jobs", (status, body))] = [(200, jobs_unchanged(body))]
    fake = fake_rest(answers)
    exporter, collector = make_exporter(fake.url, cache_seconds=0)
    assert value(refresh(collector, fake)[0], "slurm_job_count") == 3
    second, paths = refresh(collector, fake)
    assert value(second, "slurm_job_count") == 1 and value(second, "slurm_jobs", state="failed") == 0
    assert asked(api, "jobs", first) in paths
    third, paths = refresh(collector, fake)
    assert asked(api, "jobs", (status, body)) in paths
    assert value(third, "slurm_job_count") == 1
    assert value(third, "slurm_exporter_unchanged_answers_total", endpoint="jobs") == 1


def test_a_job_gone_from_slurm_disappears_after_the_full_refresh(fake_rest, make_exporter):
    """A "no change" that is wrong (e.g. a backup controller with its clock behind) lasts at most full_refresh_seconds."""
    api = "v0.0.42"
    answers = exact_cluster("24.11", api)
    unchanged(answers, api, ("partitions", "jobs"))
    jobs_path = asked(api, "jobs")
    status, body = answers[jobs_path][0]
    gone = copy.deepcopy(body)
    gone["jobs"] = [j for j in gone["jobs"] if j["job_state"] != ["FAILED"]]
    answers[jobs_path] = [(status, body), (status, gone)]  # the first full answer, then the next one
    fake = fake_rest(answers)
    clock = Clock()
    exporter, collector = make_exporter(fake.url, clock=clock, cache_seconds=0, full_refresh_seconds=300)
    assert value(refresh(collector, fake)[0], "slurm_jobs", state="failed") == 1
    for dummy in range(9):
        clock.advance(33)
        result, paths = refresh(collector, fake)
        assert jobs_path not in paths and value(result, "slurm_jobs", state="failed") == 1
    clock.advance(3)  # 300 s after the full answer
    result, paths = refresh(collector, fake)
    assert jobs_path in paths and "/slurm/%s/partitions" % api in paths
    assert value(result, "slurm_jobs", state="failed") == 0 and value(result, "slurm_job_count") == 2
    assert value(result, "slurm_exporter_unchanged_answers_total", endpoint="jobs") == 9


def test_full_refresh_seconds_zero_never_sends_update_time(fake_rest, make_exporter):
    fake = fake_rest(exact_cluster("24.11", "v0.0.42"))
    exporter, collector = make_exporter(fake.url, cache_seconds=0, full_refresh_seconds=0)
    for dummy in range(3):
        result, paths = refresh(collector, fake)
        assert [p for p in paths if "update_time" in p] == []
    assert value(result, "slurm_exporter_unchanged_answers_total", endpoint="jobs") is None


def test_v0_0_38_is_never_asked_with_update_time(fake_rest, make_exporter):
    answers = exact_cluster("22.05", "v0.0.38")
    del answers["/slurm/v0.0.38/shares"]  # Slurm 22.05 has no shares endpoint: never asked
    answers["/openapi/v3"] = [recorded("22.05", "error_unknown_version")]
    answers["/openapi"] = [recorded("22.05", "openapi")]
    fake = fake_rest(answers)
    exporter, collector = make_exporter(fake.url, cache_seconds=0)
    for dummy in range(2):
        result, paths = refresh(collector, fake)
        assert [p for p in paths if "?" in p] == [] and value(result, "slurm_node_count") == 1


def test_a_new_api_version_asks_for_everything(fake_rest, make_exporter):
    """Kept records belong to the API version that answered; after renegotiation nothing is sent as update_time."""
    answers = exact_cluster("24.11", "v0.0.42")
    unchanged(answers, "v0.0.42", ("partitions", "jobs"))
    fake = fake_rest(answers)
    exporter, collector = make_exporter(fake.url, cache_seconds=0)
    refresh(collector, fake)
    exporter._version_problem()  # what a 404 from slurmrestd (upgraded) does
    assert exporter.kept == {}
    result, paths = refresh(collector, fake)
    assert [p for p in paths if "update_time" in p] == [] and value(result, "slurm_job_count") == 3


def test_a_failed_update_time_request_is_asked_again_without_and_never_again(fake_rest, make_exporter):
    """Slurm before 26.05.3 answers /nodes?update_time= with HTTP 500 when only the nodes changed: were a
    release to answer partitions or jobs that way, the exporter falls back to asking for everything."""
    api = "v0.0.42"
    answers = exact_cluster("24.11", api)
    first = answers[asked(api, "partitions")][0]
    answers[asked(api, "partitions", first)] = [recorded("24.11", api + "/nodes_ctld_down")]  # a slurmrestd 5xx
    unchanged(answers, api, ("jobs",))
    fake = fake_rest(answers)
    exporter, collector = make_exporter(fake.url, cache_seconds=0, retries=0)
    refresh(collector, fake)
    result, paths = refresh(collector, fake)
    assert paths[1:4] == [asked(api, "nodes"), asked(api, "partitions", first), asked(api, "partitions")]
    assert value(result, "slurm_exporter_refreshes_total", result="success") == 2 and value(result, "slurm_up") == 1
    assert value(result, "slurm_exporter_request_errors_total", endpoint="partitions", kind="server") == 1
    assert value(result, "slurm_partition_up", partition="debug") == 1
    assert value(result, "slurm_exporter_unchanged_answers_total", endpoint="jobs") == 1  # jobs: still asked so
    result, paths = refresh(collector, fake)
    assert asked(api, "partitions") in paths and [p for p in paths if "partitions?" in p] == []


@pytest.mark.parametrize("version,tail,release,expected", [
    ("v0.0.42", "jobs", "24.11.5", True), ("v0.0.40", "partitions", "", True),
    ("v0.0.42", "nodes", "24.11.5", False), ("v0.0.44", "nodes", "26.05.2", False),
    ("v0.0.45", "nodes", "26.05.3", True), ("v0.0.45", "nodes", "26.11.0", True), ("v0.0.45", "nodes", "", False),
    ("v0.0.38", "jobs", "22.05.8", False), ("v0.0.42", "diag", "24.11.5", False), (None, "jobs", "24.11.5", False),
])
def test_which_endpoints_take_update_time(version, tail, release, expected):
    assert rest.takes_update_time(version, tail, release) is expected


@pytest.mark.parametrize("version,tail,expected", [
    ("v0.0.40", "jobs", (("flags", "ALL"),)), ("v0.0.45", "jobs", (("flags", "ALL"),)),
    ("v0.0.38", "jobs", ()), ("v0.0.42", "nodes", ()), ("v0.0.42", "partitions", ()), (None, "jobs", ()),
])
def test_jobs_are_asked_without_detail(version, tail, expected):
    """Nodes keep slurmrestd's default (SHOW_DETAIL gives gres_used, which the GRES families read)."""
    assert rest.lean_query(version, tail) == expected
