# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: the Slurm exporter against a synthetic 1,000-node, 10,000-job slurmrestd (v0.0.40 shape).

    python3 benchmarks/slurm_exporter.py [--nodes 1000 --jobs 10000 --scrapes 5 --compact --strict]

Builds the answers from the recorded Slurm 24.11 v0.0.40 answers (tests/unit/fixtures/slurm), so every
node and job carries all the fields slurmrestd sends, serves them from 127.0.0.1, runs the exporter as
a subprocess (the zipapp a host gets, built from programs/hpcstack_exporters) and scrapes it.

The server answers ``update_time`` as Slurm 24.11's source does (slurmctld proc_req.c, slurmrestd
openapi/slurmctld): when anything changed after update_time minus one second, every record (slurmctld
has no "only what changed"); otherwise HTTP 304 without a body for nodes and partitions, and HTTP 200
with no job and ``last_update`` 0 for jobs. ``last_update`` is the time of the answer, as slurmctld
packs it. Nothing changes unless the benchmark says so.

Measures, each scrape a cache miss (--cache-seconds 0): full scrapes (``--full-refresh-seconds 0``: every
refresh reads all of slurmrestd, the work of a first scrape), the first scrape of a new exporter, warm
delta scrapes (nothing changed: partitions and jobs answered "no change"; nodes are read whole, 24.11
answers /nodes?update_time= wrongly), one warm scrape after the jobs changed, a cached scrape, and the
exporter's resident memory (VmRSS now, VmHWM peak) from /proc/<pid>/status. Targets: full (cold) scrape
< 1 s, memory < 60 MB. Stops by itself; --strict exits 1 when a target is missed.
"""

import argparse
import atexit
import copy
import json
import os
import socket
import statistics
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
BUILDER = os.path.join(ROOT, "plugins", "plugin_utils", "_zipapp.py")
FIXTURES = os.path.join(ROOT, "tests", "unit", "fixtures", "slurm")
RECORDED = os.path.join(FIXTURES, "24.11", "rest")
sys.path.insert(0, FIXTURES)
from slurm_fixtures import jobs_unchanged  # noqa: E402  pylint: disable=wrong-import-position
API = "v0.0.40"
TARGET_SECONDS = 1.0
TARGET_MB = 60.0
STAMP = 1999999999  # placeholder of last_update in the encoded answers, replaced by the answer's time
DELTA_TAILS = ("nodes", "partitions", "jobs")


def recorded(name):
    with open(os.path.join(RECORDED, name + ".json")) as handle:
        return json.load(handle)["body"]


def num(value):
    return {"set": True, "infinite": False, "number": value}


def synthetic_cluster(node_count, job_count):
    """path -> JSON body of a big cluster, every item a copy of a recorded one with its values varied."""
    nodes = recorded(API + "/nodes")
    template = nodes["nodes"][0]
    partitions = ["cpu", "gpu", "long", "debug"]
    states = [["IDLE"], ["ALLOCATED"], ["MIXED"], ["MIXED", "DRAIN"], ["DOWN", "NOT_RESPONDING"], ["IDLE", "DRAIN"]]
    nodes["nodes"] = []
    for index in range(node_count):
        node = copy.deepcopy(template)
        gpu = index % 4 == 0
        node.update(name="n%04d" % index, hostname="n%04d" % index, address="n%04d" % index, cpus=128,
                    alloc_cpus=(index * 7) % 129, real_memory=515000, alloc_memory=(index * 997) % 515000,
                    free_mem=num(200000 + index), cpu_load=index % 12800, state=states[index % 31 % len(states)],
                    partitions=["gpu" if gpu else "cpu", "long"] + (["debug"] if index < 16 else []),
                    gres="gpu:a100:4(S:0-1)" if gpu else "", gres_used="gpu:a100:%d(IDX:0-%d)" % (index % 5, 3) if gpu else "",
                    reason="disk failed" if index % 31 == 3 else "")
        nodes["nodes"].append(node)
    parts = recorded(API + "/partitions")
    part_template = parts["partitions"][0]
    parts["partitions"] = []
    for name in partitions:
        part = copy.deepcopy(part_template)
        part["name"] = name
        part["nodes"]["total"] = sum(1 for n in nodes["nodes"] if name in n["partitions"])
        part["cpus"]["total"] = 128 * part["nodes"]["total"]
        parts["partitions"].append(part)
    jobs = recorded(API + "/jobs")
    job_template = [j for j in jobs["jobs"] if j["job_state"] == ["RUNNING"]][0]
    jobs["jobs"] = []
    reasons = ["Priority", "Resources", "Dependency", "QOSMaxJobsPerUserLimit", "ReqNodeNotAvail"]
    for index in range(job_count):
        job = copy.deepcopy(job_template)
        running = index % 3 != 0
        job.update(job_id=1000 + index, user_name="user%04d" % (index % 1500), account="acct%03d" % (index % 120),
                   partition=partitions[index % 4] if running else "cpu,long", name="job-%d" % index,
                   job_state=["RUNNING"] if running else ["PENDING"],
                   state_reason="None" if running else reasons[index % 5],
                   cpus=num(1 + index % 64), node_count=num(1 + index % 4),
                   submit_time=num(1795600000 + index), nodes="n%04d" % (index % node_count) if running else "",
                   tres_req_str="cpu=%d,mem=%dM,node=1,billing=1%s" % (1 + index % 64, 1024 * (1 + index % 32),
                                                                       ",gres/gpu=2" if index % 4 == 1 else ""))
        job["tres_alloc_str"] = job["tres_req_str"] if running else ""
        jobs["jobs"].append(job)
    answers = {"/openapi/v3": {"paths": dict(("/%s/%s/%s" % (plugin, API, tail), {}) for plugin, tail in (
        ("slurm", "ping"), ("slurm", "nodes"), ("slurm", "partitions"), ("slurm", "jobs"), ("slurm", "diag"),
        ("slurmdb", "associations")))}}
    for tail, body in (("ping", recorded(API + "/ping")), ("nodes", nodes), ("partitions", parts), ("jobs", jobs),
                       ("diag", recorded(API + "/diag"))):
        if tail in DELTA_TAILS:
            body = dict([("last_update", num(STAMP))] + [(k, v) for k, v in body.items() if k != "last_update"])
        answers["/slurm/%s/%s" % (API, tail)] = body
    answers["/slurmdb/%s/associations" % API] = recorded(API + "/db_associations")
    # jobs?flags=ALL (SHOW_ALL without SHOW_DETAIL): slurmctld packs no job_resources and no GRES detail
    # (job_mgr.c pack_job); the data parser dumps the missing optional pointer as null, the list as []
    lean = dict(answers["/slurm/%s/jobs" % API])
    lean["jobs"] = [dict(job, job_resources=None, gres_detail=[]) for job in lean["jobs"]]
    answers["/slurm/%s/jobs?flags=ALL" % API] = lean
    return answers


class Slurm:
    """What changed when: per endpoint, the time of its last change (slurmctld's last_*_update)."""

    def __init__(self):
        now = int(time.time())
        self.changed = dict((tail, now - 1) for tail in DELTA_TAILS)
        self.answered = {}  # path -> how it was last answered: full, unchanged
        self.lean = set()  # what was asked with flags=ALL

    def change(self, tail):
        self.changed[tail] = int(time.time())


def serve(answers, compact):
    def dump(body):
        return (json.dumps(body, separators=(",", ":")) if compact else json.dumps(body, indent=2)).encode("utf-8")
    encoded = {}
    for path, body in answers.items():
        raw = dump(body)
        tail = path.rsplit("/", 1)[1].split("?")[0]
        if tail in DELTA_TAILS:  # (before, after) the last_update number, set per answer
            cut = raw.index(b"%d" % STAMP)
            encoded[path] = (raw[:cut], raw[cut + len(b"%d" % STAMP):])
            encoded[path + "?unchanged"] = dump(jobs_unchanged(body)) if tail == "jobs" else None
        else:
            encoded[path] = (raw, b"")
    slurm = Slurm()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def answer(self, status, parts):
            self.send_response(status)
            self.send_header("Content-Length", str(sum(len(p) for p in parts)))
            self.end_headers()
            for part in parts:
                self.wfile.write(part)

        def do_GET(self):  # noqa: N802
            url = urllib.parse.urlsplit(self.path)
            query = urllib.parse.parse_qs(url.query)
            lean = query.get("flags") == ["ALL"]
            raw = encoded.get(url.path + ("?flags=ALL" if lean else ""))
            if raw is None or set(query) - {"update_time", "flags"}:
                self.answer(404, [b"Unable find requested URL."])
                return
            tail = url.path.rsplit("/", 1)[1]
            if "update_time" in query:
                text = query["update_time"][0]
                if tail not in DELTA_TAILS or not text.startswith("uts"):  # parse_time() takes no bare number
                    self.answer(422, [b'{"errors": [{"description": "Rejecting request. Failure parsing query."}]}'])
                    return
                since = int(text[3:])
                if since - 1 >= slurm.changed[tail]:  # slurmctld: (last_update - 1) >= last_*_update
                    slurm.answered[tail] = "unchanged"
                    if tail == "jobs":
                        self.answer(200, [encoded[url.path + "?unchanged"]])
                    else:
                        self.answer(304, [])
                    return
                if tail == "nodes" and since - 1 >= slurm.changed["partitions"]:  # 24.11's bug (fixed in 26.05.3)
                    self.answer(500, [b'{"errors": [{"description": "Unable to query partitions"}]}'])
                    return
            if lean:
                slurm.lean.add(tail)
            if tail in DELTA_TAILS:
                slurm.answered[tail] = "full"
                self.answer(200, [raw[0], b"%d" % int(time.time()), raw[1]])
            else:
                self.answer(200, [raw[0]])

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.slurm = slurm
    threading.Thread(target=server.serve_forever, kwargs=dict(poll_interval=0.1), daemon=True).start()
    return server, dict((path, sum(len(p) for p in raw)) for path, raw in encoded.items() if isinstance(raw, tuple))


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def memory(pid):
    result = {}
    with open("/proc/%d/status" % pid) as handle:
        for line in handle:
            key, dummy, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                result[key] = int(rest.split()[0]) / 1024.0  # kB -> MB
    return result


def scrape(port):
    start = time.monotonic()
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=60) as response:
        text = response.read().decode("utf-8")
    return time.monotonic() - start, text


def exporter_value(text, name):
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


def build_exporter():
    """The exporters' zipapp, built as the roles build it, in a directory removed at exit."""
    folder = tempfile.mkdtemp(prefix="bench-exporter-")
    atexit.register(shutil.rmtree, folder, True)
    path = os.path.join(folder, "hpcstack-exporters.pyz")
    subprocess.run([sys.executable, BUILDER, "hpcstack_exporters", path], check=True, stdout=subprocess.DEVNULL)
    return path


PROGRAM = []  # the zipapp, built once


def run_exporter(url, cache_seconds, scrapes, full_refresh_seconds=300, between=None):
    """Start the exporter, scrape it ``scrapes`` times; returns (durations, self-reported, idle memory, memory, text).

    ``between(index)`` runs before each scrape after the first (e.g. to change the synthetic cluster).
    """
    if not PROGRAM:
        PROGRAM.append(build_exporter())
    port = free_port()
    env = dict(os.environ, SLURM_JWT="bench-token", PYTHONPATH="")
    proc = subprocess.Popen([sys.executable, PROGRAM[0], "slurm", "--url", url, "--listen-address", "127.0.0.1:%d" % port,
                             "--cache-seconds", str(cache_seconds), "--full-refresh-seconds", str(full_refresh_seconds),
                             "--timeout", "30", "--log-level", "ERROR"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for dummy in range(200):  # up to ~20 s for the exporter to listen
            if proc.poll() is not None:
                raise RuntimeError("exporter exited: %s" % proc.stderr.read().decode())
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("exporter did not start listening")
        idle = memory(proc.pid)
        durations, reported, text = [], [], ""
        for index in range(scrapes):
            if index and between:
                between(index)
            seconds, text = scrape(port)
            durations.append(seconds)
            reported.append(exporter_value(text, "slurm_exporter_scrape_duration_seconds"))
        return durations, reported, idle, memory(proc.pid), text
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def summary(seconds):
    return "min %.3f s  median %.3f s  max %.3f s" % (min(seconds), statistics.median(seconds), max(seconds))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=10000)
    parser.add_argument("--scrapes", type=int, default=5)
    parser.add_argument("--compact", action="store_true", help="serve compact JSON (default: indented, like slurmrestd)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()

    start = time.monotonic()
    answers = synthetic_cluster(args.nodes, args.jobs)
    server, sizes = serve(answers, args.compact)
    del answers
    url = "http://127.0.0.1:%d" % server.server_address[1]
    print("synthetic slurmrestd %s at %s: %d nodes (%.1f MB JSON), %d jobs (%.1f MB JSON; %.1f MB with flags=ALL), "
          "built in %.1f s" % (API, url, args.nodes, sizes["/slurm/%s/nodes" % API] / 1e6, args.jobs,
                               sizes["/slurm/%s/jobs" % API] / 1e6, sizes["/slurm/%s/jobs?flags=ALL" % API] / 1e6,
                               time.monotonic() - start))
    slurm = server.slurm
    answered = []

    def jobs_change_last(index):
        answered.append(dict(slurm.answered))
        if index == args.scrapes + 1:  # the last scrape: a job changed in between
            slurm.change("jobs")
    try:
        cold, cold_reported, idle, mem, text = run_exporter(url, 0, args.scrapes, full_refresh_seconds=0)
        delta, delta_reported, dummy, delta_mem, delta_text = run_exporter(
            url, 0, args.scrapes + 2, between=jobs_change_last)
        answered.append(dict(slurm.answered))
        warm, warm_reported, dummy, warm_mem, dummy = run_exporter(url, 600, 2)
    finally:
        server.shutdown()
        server.server_close()

    series = sum(1 for line in text.splitlines() if line and not line.startswith("#"))
    families = sum(1 for line in text.splitlines() if line.startswith("# TYPE "))
    for scraped in (text, delta_text):
        assert exporter_value(scraped, "slurm_node_count") == args.nodes, "exporter did not see every node"
        assert exporter_value(scraped, "slurm_job_count") == args.jobs, "exporter did not see every job"
    assert slurm.lean == {"jobs"}, slurm.lean  # the exporter asked jobs without DETAIL
    assert answered[1:-1] == [{"nodes": "full", "partitions": "unchanged", "jobs": "unchanged"}] * args.scrapes, answered
    assert answered[-1] == {"nodes": "full", "partitions": "unchanged", "jobs": "full"}, answered
    print("exporter answer: %d families, %d series, %.1f MB of text" % (families, series, len(text) / 1e6))
    print("full scrape (cold: cache miss, --full-refresh-seconds 0: openapi, ping, nodes, partitions, jobs, diag, "
          "associations), %d scrapes:" % len(cold))
    print("  wall     " + summary(cold))
    print("  exporter " + summary(cold_reported) + "  (slurm_exporter_scrape_duration_seconds)")
    print("first scrape of a new exporter (full): %.3f s wall" % delta[0])
    print("warm delta scrape (cache miss, nothing changed: nodes whole, partitions 304, jobs 'no change'), %d scrapes:"
          % args.scrapes)
    print("  wall     " + summary(delta[1:-1]))
    print("  exporter " + summary(delta_reported[1:-1]))
    print("warm scrape after the jobs changed (every job again, partitions 304): %.3f s wall" % delta[-1])
    print("cached scrape: %.3f s wall" % warm[-1])
    print("exporter memory: idle VmRSS %.1f MB; full scrapes: VmRSS %.1f MB, peak VmHWM %.1f MB; "
          "delta scrapes: VmRSS %.1f MB, peak VmHWM %.1f MB"
          % (idle["VmRSS"], mem["VmRSS"], mem["VmHWM"], delta_mem["VmRSS"], delta_mem["VmHWM"]))
    ok_time = statistics.median(cold) < TARGET_SECONDS and delta[0] < TARGET_SECONDS
    ok_mem = max(mem["VmHWM"], delta_mem["VmHWM"]) < TARGET_MB
    print("targets: full (cold) scrape < %.0f s: %s; memory (peak) < %.0f MB: %s"
          % (TARGET_SECONDS, "met" if ok_time else "MISSED", TARGET_MB, "met" if ok_mem else "MISSED"))
    return 0 if (ok_time and ok_mem) or not args.strict else 1


if __name__ == "__main__":
    sys.exit(main())
