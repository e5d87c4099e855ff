# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers for the Slurm exporter tests: a fake slurmrestd on 127.0.0.1 serving recorded answers, scraping."""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
FIXTURES = os.path.join(ROOT, "tests", "unit", "fixtures", "slurm")
sys.path.insert(0, FIXTURES)
from slurm_fixtures import jobs_unchanged  # noqa: E402,F401  pylint: disable=wrong-import-position,unused-import
TOKEN = "jwt-very-secret-token"
API = {"22.05": ("v0.0.38",), "24.11": ("v0.0.40", "v0.0.41", "v0.0.42"),
       "26.05": ("v0.0.42", "v0.0.43", "v0.0.44", "v0.0.45")}


def recorded(version, name):
    with open(os.path.join(FIXTURES, version, "rest", name + ".json")) as handle:
        rec = json.load(handle)
    return rec["status"], rec["body"]


# What the exporter asks with update_time (Slurm's source: v0.0.40 on; nodes only from 26.05.3 on)
DELTA_TAILS = {"22.05": (), "24.11": ("partitions", "jobs"), "26.05": ("nodes", "partitions", "jobs")}


def asked(api, tail, answer=None):
    """The path the exporter asks for ``tail``: with update_time = the last_update of ``answer`` when given,
    jobs with flags=ALL (without DETAIL) from v0.0.40 on."""
    params = ["update_time=uts%d" % answer[1]["last_update"]["number"]] if answer is not None else []
    if tail == "jobs" and api != "v0.0.38":
        params.append("flags=ALL")
    return "/slurm/%s/%s" % (api, tail) + ("?" + "&".join(params) if params else "")


def recorded_cluster(version, api):
    """Answers of a healthy recorded cluster (one node draining, three jobs) for one API version.

    Asked again with update_time, the endpoints that take it give the same recorded answer: what
    slurmctld sends when anything changed (every record; see test_exporter_delta for "unchanged").
    """
    openapi = recorded(version, "openapi")
    unknown = recorded(version, "error_unknown_version")  # slurmrestd's 404 for a path it does not serve
    answers = {"/openapi/v3": [openapi] if version != "22.05" else [unknown], "/openapi": [openapi], "*": [unknown]}
    for tail, name in (("ping", "ping"), ("nodes", "nodes_draining"), ("partitions", "partitions"),
                       ("jobs", "jobs"), ("diag", "diag")):
        path = asked(api, tail)
        answers[path] = answers["/slurm/%s/%s" % (api, tail)] = [recorded(version, "%s/%s" % (api, name))]  # the
        # exporter's path, and the plain one other clients of the recorded cluster ask (the slurm_info module)
        if tail in DELTA_TAILS[version]:
            answers[asked(api, tail, answers[path][0])] = answers[path]
    answers["/slurmdb/%s/associations" % api] = [recorded(version, "%s/db_associations" % api)]
    return answers


def exact_cluster(version, api):
    """Every path the exporter asks on its first refresh, each answered from the recordings; no other
    (no ``*`` answer: a path not given fails the test)."""
    answers = {"/openapi/v3": [recorded(version, "openapi")]}
    for tail, name in (("ping", "ping"), ("nodes", "nodes_draining"), ("partitions", "partitions"),
                       ("jobs", "jobs"), ("diag", "diag")):
        answers[asked(api, tail)] = [recorded(version, "%s/%s" % (api, name))]
    answers["/slurmdb/%s/associations" % api] = [recorded(version, "%s/db_associations" % api)]
    answers["/slurm/%s/shares" % api] = [recorded(version, "error_unknown_version")]  # not in the recordings
    return answers


class FakeSlurmrestd:
    """A slurmrestd stand-in answering from a dict: path -> [(status, body)], the last one repeating.

    Path ``*`` answers every other path (recorded_cluster: slurmrestd's recorded 404). Without it a
    path nobody gave an answer for is listed in ``unexpected`` (the fake_rest fixture fails the
    test then) and answered with HTTP 500. ``down`` makes every request fail with a closed
    connection, ``delays`` slows paths down; ``requests`` lists the paths asked.
    """

    def __init__(self, answers):
        self.answers = dict((k, list(v)) for k, v in answers.items())
        self.requests = []
        self.unexpected = []
        self.headers = []
        self.down = False
        self.delays = {}  # path -> seconds to wait before answering
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def do_GET(self):  # noqa: N802
                with fake.lock:
                    fake.requests.append(self.path)
                    fake.headers.append(dict(self.headers))
                    if fake.down:
                        self.close_connection = True
                        return
                    queue = fake.answers.get(self.path) or fake.answers.get("*")
                    if not queue:
                        fake.unexpected.append(self.path)
                        queue = [(500, "fake slurmrestd: no answer given for %s" % self.path)]
                    status, body = queue.pop(0) if len(queue) > 1 else queue[0]
                    delay = fake.delays.get(self.path, 0)
                if delay:
                    time.sleep(delay)
                raw = body if isinstance(body, bytes) else (
                    body if isinstance(body, str) else json.dumps(body)).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs=dict(poll_interval=0.05), daemon=True)
        self.thread.start()

    def count(self, prefix=""):
        with self.lock:
            return sum(1 for p in self.requests if p.startswith(prefix))

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class Clock:
    """A monotonic clock the tests move by hand."""

    def __init__(self, now=1000.0):
        self.now = now

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


def scrape(collector):
    """{family name: {frozenset(labels.items()): value}} of one collect()."""
    result = {}
    for family in collector.collect():
        series = result.setdefault(family.name + ("_total" if family.type == "counter" else ""), {})
        for sample in family.samples:
            if sample.name.endswith("_created"):
                continue
            series[frozenset(sample.labels.items())] = sample.value
    return result


def refresh(collector, fake):
    """One scrape; returns (scrape, the paths it asked)."""
    before = len(fake.requests)
    result = scrape(collector)
    return result, fake.requests[before:]


def value(scraped, name, /, **labels):
    return scraped[name].get(frozenset(labels.items()))


def exposition(collector):
    from prometheus_client import CollectorRegistry, generate_latest
    registry = CollectorRegistry(auto_describe=True)
    registry.register(collector)
    return generate_latest(registry).decode()


def build_program(folder) -> str:
    """The exporters' zipapp, built as the roles build it (hpcstack.cluster.program), in ``folder``."""
    from ansible_collections.hpcstack.cluster.plugins.plugin_utils import _zipapp
    path = os.path.join(str(folder), "hpcstack-exporters.pyz")
    _zipapp.write("hpcstack_exporters", path, root=ROOT)
    return path
