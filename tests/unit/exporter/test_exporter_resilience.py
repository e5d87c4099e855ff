# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Slurm exporter: cache, circuit breaker, failures, cardinality bound, token handling, CLI."""

from __future__ import annotations

import copy
import logging
import os
import socket
import threading
import time

import pytest

from exporter_helpers import API, TOKEN, asked, Clock, exposition, recorded, recorded_cluster, scrape, value

from ansible_collections.hpcstack.cluster.plugins.module_utils import _slurm_rest as rest
from ansible_collections.hpcstack.cluster.programs.hpcstack_exporters import cli
from ansible_collections.hpcstack.cluster.programs.hpcstack_exporters.catalogue import SPECS


def test_cache_answers_second_scrape_without_http(fake_rest, make_exporter):
    fake = fake_rest(recorded_cluster("24.11", "v0.0.42"))
    clock = Clock()
    exporter, collector = make_exporter(fake.url, clock=clock, cache_seconds=30)
    first = scrape(collector)
    asked = len(fake.requests)
    assert asked >= 6
    clock.advance(29)
    second = scrape(collector)
    assert len(fake.requests) == asked  # no HTTP request at all
    assert value(second, "slurm_exporter_cache_hits_total") == 1
    assert value(second, "slurm_exporter_cache_age_seconds") == pytest.approx(29, abs=0.5)
    assert value(second, "slurm_node_count") == value(first, "slurm_node_count") == 1
    clock.advance(2)
    third = scrape(collector)
    assert fake.count("/slurm/v0.0.42/nodes") == 2 and fake.count("/openapi") == 1  # version kept
    assert value(third, "slurm_exporter_cache_age_seconds") < 1


def test_concurrent_scrapes_refresh_once(fake_rest, make_exporter):
    fake = fake_rest(recorded_cluster("24.11", "v0.0.42"))
    exporter, collector = make_exporter(fake.url, cache_seconds=30)
    results, barrier = [], threading.Barrier(8)

    def run():
        barrier.wait()
        results.append(scrape(collector))
    threads = [threading.Thread(target=run) for dummy in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(results) == 8 and all(value(r, "slurm_node_count") == 1 for r in results)
    assert fake.count("/slurm/v0.0.42/nodes") == 1


def test_scrapes_do_not_queue_behind_a_slow_refresh(fake_rest, make_exporter):
    fake = fake_rest(recorded_cluster("24.11", "v0.0.42"))
    clock = Clock()
    exporter, collector = make_exporter(fake.url, clock=clock, cache_seconds=30)
    scrape(collector)
    fake.delays[asked("v0.0.42", "jobs")] = 1.0
    clock.advance(31)
    slow = threading.Thread(target=scrape, args=(collector,))
    slow.start()
    for dummy in range(100):  # wait until the slow refresh is asking for jobs
        if fake.count("/slurm/v0.0.42/jobs") == 2:
            break
        threading.Event().wait(0.01)
    started = time.monotonic()
    result = scrape(collector)
    assert time.monotonic() - started < 0.5  # answered from the previous snapshot at once
    assert value(result, "slurm_node_count") == 1 and value(result, "slurm_exporter_data_stale") == 0
    slow.join(10)
    assert fake.count("/slurm/v0.0.42/jobs") == 2
    assert value(scrape(collector), "slurm_exporter_refreshes_total", result="success") == 2


def set_all(fake, status, body):
    with fake.lock:
        for path in fake.answers:
            fake.answers[path] = [(status, body)]


def test_circuit_breaker_opens_backs_off_and_recovers(fake_rest, make_exporter):
    healthy = recorded_cluster("24.11", "v0.0.42")
    fake = fake_rest(copy.deepcopy(healthy))
    clock = Clock()
    exporter, collector = make_exporter(fake.url, clock=clock, cache_seconds=0, breaker_threshold=3,
                                        breaker_backoff=30, breaker_max_backoff=100)
    assert value(scrape(collector), "slurm_up") == 1

    set_all(fake, *recorded("24.11", "v0.0.42/nodes_ctld_down"))  # slurmctld gone: slurmrestd's HTTP 502
    for failure in (1, 2, 3):
        before = len(fake.requests)
        result = scrape(collector)
        assert len(fake.requests) - before == 2  # the ping, retried once
        assert value(result, "slurm_up") == 0 and value(result, "slurm_slurmrestd_up") == 1
        assert value(result, "slurm_exporter_data_stale") == 1
        assert value(result, "slurm_node_count") == 1  # last good data is still served
        assert value(result, "slurm_exporter_request_errors_total", endpoint="ping", kind="server") == failure
        assert value(result, "slurm_exporter_circuit_breaker_consecutive_failures") == failure
    assert value(result, "slurm_exporter_circuit_breaker_state", state="open") == 1
    assert value(result, "slurm_exporter_circuit_breaker_trips_total") == 1
    assert value(result, "slurm_exporter_refreshes_total", result="failure") == 3

    before = len(fake.requests)
    for dummy in range(5):  # open: nobody calls slurmrestd
        result = scrape(collector)
        clock.advance(5)
    assert len(fake.requests) == before
    assert value(result, "slurm_exporter_circuit_breaker_skipped_total") == 5
    assert value(result, "slurm_up") == 0 and value(result, "slurm_exporter_data_stale") == 1

    clock.advance(6)  # 31 s after opening: half open, one trial, which fails: open for 60 s
    result = scrape(collector)
    assert len(fake.requests) == before + 2
    assert value(result, "slurm_exporter_circuit_breaker_state", state="open") == 1
    assert value(result, "slurm_exporter_circuit_breaker_backoff_seconds") == 60
    clock.advance(59)
    scrape(collector)
    assert len(fake.requests) == before + 2
    clock.advance(2)
    scrape(collector)  # second trial fails: backoff doubles, capped at 100
    assert value(scrape(collector), "slurm_exporter_circuit_breaker_backoff_seconds") == 100

    with fake.lock:
        fake.answers = dict((k, list(v)) for k, v in healthy.items())
    clock.advance(101)
    result = scrape(collector)
    assert value(result, "slurm_up") == 1 and value(result, "slurm_exporter_data_stale") == 0
    assert value(result, "slurm_exporter_circuit_breaker_state", state="closed") == 1
    assert value(result, "slurm_exporter_circuit_breaker_consecutive_failures") == 0
    assert value(result, "slurm_exporter_circuit_breaker_backoff_seconds") == 30
    assert value(result, "slurm_exporter_cache_age_seconds") < 1


def test_server_goes_away_and_comes_back(fake_rest, make_exporter):
    fake = fake_rest(recorded_cluster("22.05", "v0.0.38"))
    clock = Clock()
    exporter, collector = make_exporter(fake.url, clock=clock, cache_seconds=10, breaker_threshold=2,
                                        breaker_backoff=60)
    scrape(collector)
    fake.down = True  # connections are closed without an answer
    clock.advance(11)
    result = scrape(collector)
    assert result["slurm_up"] == {} and value(result, "slurm_slurmrestd_up") == 0  # slurmctld: cannot tell
    assert value(result, "slurm_exporter_request_errors_total", endpoint="ping", kind="unreachable") == 1
    assert value(result, "slurm_nodes", state="mixed") == 1 and value(result, "slurm_exporter_data_stale") == 1
    clock.advance(11)
    result = scrape(collector)
    assert value(result, "slurm_exporter_circuit_breaker_state", state="open") == 1
    before = len(fake.requests)
    clock.advance(30)
    scrape(collector)
    assert len(fake.requests) == before
    fake.down = False
    clock.advance(31)
    result = scrape(collector)
    assert value(result, "slurm_up") == 1 and value(result, "slurm_exporter_data_stale") == 0
    assert value(result, "slurm_exporter_circuit_breaker_state", state="closed") == 1


def test_nothing_listening_from_the_start(make_exporter):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    exporter, collector = make_exporter("http://127.0.0.1:%d" % port)
    result = scrape(collector)
    assert sorted(result) == sorted(SPECS)  # every family is still described
    assert result["slurm_up"] == {} and value(result, "slurm_slurmrestd_up") == 0
    assert result["slurm_exporter_authenticated"] == {} and result["slurm_exporter_api_version_supported"] == {}
    assert value(result, "slurm_exporter_request_errors_total", endpoint="openapi", kind="unreachable") == 1
    assert result["slurm_node_count"] == {} and result["slurm_exporter_cache_age_seconds"] == {}
    assert value(result, "slurm_exporter_data_stale") == 0


@pytest.mark.parametrize("version,api", [("24.11", "v0.0.42"), ("26.05", "v0.0.45")])
def test_controller_down_behind_slurmrestd(fake_rest, make_exporter, version, api):
    answers = recorded_cluster(version, api)
    answers["/slurm/%s/nodes" % api] = [recorded(version, api + "/nodes_ctld_down")]
    fake = fake_rest(answers)
    result = scrape(make_exporter(fake.url)[1])
    assert value(result, "slurm_up") == 0 and value(result, "slurm_slurmrestd_up") == 1
    assert value(result, "slurm_exporter_authenticated") is None  # the answer says nothing of the token
    assert value(result, "slurm_exporter_request_errors_total", endpoint="nodes", kind="server") == 1
    assert fake.count("/slurm/%s/jobs" % api) == 0  # no point asking for the rest


@pytest.mark.parametrize("api", API["26.05"])
def test_controller_down_pinged_on_26_05(fake_rest, make_exporter, api):
    """26.05 with slurmctld stopped: the ping answers HTTP 200, not responding (v0.0.45: responding false)."""
    answers = recorded_cluster("26.05", api)
    answers["/slurm/%s/ping" % api] = [recorded("26.05", api + "/ping_ctld_down")]
    answers["/slurm/%s/nodes" % api] = [recorded("26.05", api + "/nodes_ctld_down")]
    fake = fake_rest(answers)
    result = scrape(make_exporter(fake.url, api_version=api)[1])
    assert value(result, "slurm_up") == 0 and value(result, "slurm_slurmrestd_up") == 1
    assert value(result, "slurm_controller_up", hostname="rec", mode="primary") == 0


def test_token_rejected_after_the_ping_is_an_auth_error_and_never_shown(fake_rest, make_exporter, caplog):
    """The token expires between two calls: slurmctld answered the ping, the nodes are refused (24.11: 511)."""
    answers = recorded_cluster("24.11", "v0.0.42")
    answers["/slurm/v0.0.42/nodes"] = [recorded("24.11", "error_bad_token_nodes")]
    fake = fake_rest(answers)
    exporter, collector = make_exporter(fake.url)
    with caplog.at_level(logging.DEBUG):
        text = exposition(collector)
    assert 'slurm_exporter_request_errors_total{endpoint="nodes",kind="auth"} 1.0' in text
    assert "slurm_up 1.0" in text and "slurm_exporter_authenticated 0.0" in text  # slurmctld pinged UP
    assert fake.count("/slurm/v0.0.42/nodes") == 1  # not retried
    assert "token rejected" in caplog.text
    assert TOKEN not in text and TOKEN not in caplog.text


def bad_token_answers(version):
    """Every recorded answer of a slurmrestd whose slurmctld (and slurmdbd) reject the exporter's token."""
    api = {"22.05": "v0.0.38", "24.11": "v0.0.42", "26.05": "v0.0.45"}[version]  # the error_* answers' version
    answers = recorded_cluster(version, api)
    answers["/slurm/%s/ping" % api] = [recorded(version, "error_bad_token_ping")]
    answers["/slurm/%s/nodes" % api] = [recorded(version, "error_bad_token_nodes")]
    answers["/slurmdb/%s/accounts" % api] = [recorded(version, "error_bad_token_db")]
    return api, answers


@pytest.mark.parametrize("version", ["26.05", "24.11", "22.05"])
def test_rejected_token_is_not_slurmctld_down(fake_rest, make_exporter, caplog, version):
    """A bad token: 24.11 and 26.05 ping slurmctld DOWN (HTTP 200; v0.0.45: not responding, "Protocol
    authentication error") and refuse the nodes with 511; 22.05 answers both
    with HTTP 500 "Unspecified error". slurmctld runs: slurm_up is not reported, authentication is."""
    api, answers = bad_token_answers(version)
    fake = fake_rest(answers)
    exporter, collector = make_exporter(fake.url, api_version=api)
    with caplog.at_level(logging.DEBUG):
        result = scrape(collector)
    assert result["slurm_up"] == {} and result["slurm_controller_up"] == {}
    assert value(result, "slurm_exporter_authenticated") == 0
    assert value(result, "slurm_slurmrestd_up") == 1 and value(result, "slurm_exporter_api_version_supported") == 1
    endpoint = "ping" if version == "22.05" else "nodes"
    assert result["slurm_exporter_request_errors_total"] == {frozenset({("endpoint", endpoint), ("kind", "auth")}): 1}
    assert value(result, "slurm_exporter_refreshes_total", result="failure") == 1
    assert "token rejected" in caplog.text and TOKEN not in caplog.text


def test_no_api_version_in_common(fake_rest, make_exporter, monkeypatch, caplog):
    """A slurmrestd newer (or older) than the exporter: the recorded 24.11 server, a client knowing only v0.0.44."""
    monkeypatch.setattr(rest, "SUPPORTED_VERSIONS", ("v0.0.44",))
    fake = fake_rest(recorded_cluster("24.11", "v0.0.42"))
    exporter, collector = make_exporter(fake.url)
    with caplog.at_level(logging.WARNING):
        result = scrape(collector)
    assert value(result, "slurm_exporter_api_version_supported") == 0
    assert result["slurm_up"] == {} and value(result, "slurm_slurmrestd_up") == 1
    assert value(result, "slurm_exporter_request_errors_total", endpoint="openapi", kind="version") == 1
    assert "no common slurmrestd API version: server serves v0.0.40, v0.0.41, v0.0.42, client supports v0.0.44" \
        in caplog.text
    assert fake.count("/slurm/") == 0


def test_forced_api_version_not_served(fake_rest, make_exporter):
    """--api-version v0.0.99 against 24.11: its recorded 404 for /slurm/v0.0.99/ping."""
    answers = recorded_cluster("24.11", "v0.0.42")
    answers["/slurm/v0.0.99/ping"] = [recorded("24.11", "error_unknown_version")]
    fake = fake_rest(answers)
    result = scrape(make_exporter(fake.url, api_version="v0.0.99")[1])
    assert value(result, "slurm_exporter_api_version_supported") == 0
    assert result["slurm_up"] == {} and value(result, "slurm_slurmrestd_up") == 1
    assert value(result, "slurm_exporter_request_errors_total", endpoint="ping", kind="version") == 1


def test_token_file_is_reread_when_it_changes(fake_rest, make_exporter, tmp_path):
    fake = fake_rest(recorded_cluster("24.11", "v0.0.42"))
    token_file = tmp_path / "jwt"
    token_file.write_text("first-token\n")
    clock = Clock()
    exporter, collector = make_exporter(fake.url, clock=clock, token_file=str(token_file))
    text = exposition(collector)
    assert fake.headers[-1]["X-SLURM-USER-TOKEN"] == "first-token" and "first-token" not in text
    token_file.write_text("second-token\n")
    os.utime(str(token_file), (1, 1))
    clock.advance(31)
    text = exposition(collector)
    assert fake.headers[-1]["X-SLURM-USER-TOKEN"] == "second-token" and "second-token" not in text
    assert "slurm_exporter_authenticated 1.0" in text


def many_jobs_answers(users, jobs_per_user=3):
    answers = recorded_cluster("24.11", "v0.0.42")
    status, body = answers[asked("v0.0.42", "jobs")][0]
    body = copy.deepcopy(body)
    template = body["jobs"][-1]
    body["jobs"] = []
    for user in range(users):
        for index in range(jobs_per_user + user % 3):
            job = dict(template, job_id=len(body["jobs"]) + 1, user_name="user%03d" % user,
                       account="acct%02d" % (user % 30), job_state=["PENDING" if index % 2 else "RUNNING"])
            body["jobs"].append(job)
    answers[asked("v0.0.42", "jobs")] = [(status, body)]
    return answers, len(body["jobs"])


def test_cardinality_bound_folds_into_other(fake_rest, make_exporter):
    answers, total = many_jobs_answers(users=120)
    fake = fake_rest(answers)
    result = scrape(make_exporter(fake.url, max_job_label_series=10)[1])
    users = set(dict(k)["user"] for k in result["slurm_user_jobs"])
    accounts = set(dict(k)["account"] for k in result["slurm_account_jobs"])
    assert len(users) == 10 and "__other__" in users
    assert len(accounts) == 10 and "__other__" in accounts
    assert sum(result["slurm_user_jobs"].values()) == total == value(result, "slurm_job_count")
    assert sum(result["slurm_account_cpus"].values()) == sum(result["slurm_jobs_cpus"].values())
    assert value(result, "slurm_exporter_label_overflow_values", dimension="user") == 111
    assert value(result, "slurm_exporter_label_overflow_values", dimension="account") == 21
    # the heaviest users are the ones kept (users with user % 3 == 2 have 5 jobs)
    assert all(u == "__other__" or int(u[4:]) % 3 == 2 for u in users)


def test_no_bound_needed(fake_rest, make_exporter):
    answers, total = many_jobs_answers(users=5)
    fake = fake_rest(answers)
    result = scrape(make_exporter(fake.url, max_job_label_series=10)[1])
    assert "__other__" not in set(dict(k)["user"] for k in result["slurm_user_jobs"])
    assert value(result, "slurm_exporter_label_overflow_values", dimension="user") == 0


def test_version_error_renegotiates(fake_rest, make_exporter):
    """slurmrestd upgraded under the exporter: the old version 404s, /openapi is read again."""
    fake = fake_rest(recorded_cluster("24.11", "v0.0.42"))
    clock = Clock()
    exporter, collector = make_exporter(fake.url, clock=clock)
    exporter.client.versions = {"slurm": "v0.0.39", "slurmdb": "v0.0.39"}
    result = scrape(collector)
    assert value(result, "slurm_exporter_request_errors_total", endpoint="ping", kind="version") == 1
    assert result["slurm_up"] == {}  # slurmctld: cannot tell yet
    clock.advance(31)
    result = scrape(collector)
    assert value(result, "slurm_up") == 1
    assert value(result, "slurm_exporter_api_version_info", plugin="slurm", version="v0.0.42") == 1


def test_cli_once_and_environment(fake_rest, capsys, monkeypatch):
    fake = fake_rest(recorded_cluster("24.11", "v0.0.42"))
    monkeypatch.setenv("SLURM_JWT", TOKEN)
    monkeypatch.setenv("SLURM_EXPORTER_URL", fake.url)
    monkeypatch.setenv("SLURM_EXPORTER_CACHE_SECONDS", "5")
    args = cli.parser().parse_args(["slurm"])
    assert (args.url, args.cache_seconds, args.listen_address) == (fake.url, 5.0, "0.0.0.0:9341")
    assert cli.main(["slurm", "--once", "--user", "slurm", "--retries", "0"]) == 0
    out = capsys.readouterr().out
    assert "slurm_node_count 1.0" in out and TOKEN not in out
    assert fake.headers[-1]["X-SLURM-USER-TOKEN"] == TOKEN and fake.headers[-1]["X-SLURM-USER-NAME"] == "slurm"


@pytest.mark.parametrize("text,expected", [("0.0.0.0:9341", ("0.0.0.0", 9341)), (":9341", ("0.0.0.0", 9341)),
                                           ("[::]:9341", ("::", 9341)), ("127.0.0.1:1", ("127.0.0.1", 1)),
                                           ("9341", ("0.0.0.0", 9341))])
def test_listen_address(text, expected):
    assert cli.split_listen_address(text) == expected


def test_ping_not_understood_says_nothing_of_slurmctld(fake_rest, make_exporter):
    """A ping answer that is not JSON (the recorded 404 text, served as a 200): slurm_up is not reported."""
    answers = recorded_cluster("24.11", "v0.0.42")
    status, text = recorded("24.11", "error_unknown_version")
    answers["/slurm/v0.0.42/ping"] = [(200, text)]
    fake = fake_rest(answers)
    result = scrape(make_exporter(fake.url)[1])
    assert result["slurm_up"] == {} and value(result, "slurm_slurmrestd_up") == 1
    assert value(result, "slurm_exporter_request_errors_total", endpoint="ping", kind="parse") == 1


class _SetAtOnce(threading.Event):
    def wait(self, timeout=None):  # the SIGTERM that serve() waits for, at once
        return True


class _Server:
    def __init__(self):
        self.shut = False

    def shutdown(self):
        self.shut = True


@pytest.mark.parametrize("answer", ["tuple", None], ids=["prometheus_client>=0.17", "prometheus_client 0.16 (Debian 12)"])
def test_serve_with_either_answer_of_start_http_server(monkeypatch, answer):
    """0.17 and later return (server, thread); Debian 12's 0.16 returns None (the exporters died on it)."""
    server, calls = _Server(), []

    def start(port, addr, registry):
        calls.append((port, addr, registry))
        return (server, None) if answer == "tuple" else None
    monkeypatch.setattr(cli.prometheus_client, "start_http_server", start)
    monkeypatch.setattr(cli.threading, "Event", _SetAtOnce)
    monkeypatch.setattr(cli.signal, "signal", lambda *args: None)
    registry = object()
    cli.serve(registry, "127.0.0.1:9341", "slurm metrics")
    assert calls == [(9341, "127.0.0.1", registry)]
    assert server.shut is (answer == "tuple")
