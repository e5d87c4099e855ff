# -*- coding: utf-8 -*-
# Copyright (c) hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Slurm exporter: slurmrestd (Slurm 22.05 to 26.05) to Prometheus, one snapshot per refresh.

    hpcstack-exporters slurm --url http://ctl:6820 --user slurm --token-file /etc/slurm/exporter.jwt

Talks to slurmrestd through the collection's ``_slurm_rest`` client, which negotiates the API
version (v0.0.38 for Slurm 22.05, v0.0.42 of v0.0.40-42 for 24.11, v0.0.45 of v0.0.42-45 for 26.05)
and normalises what differs; metric names never depend on the version. The version is negotiated
again every ``--full-refresh-seconds`` (:meth:`SlurmExporter._negotiation_due`) unless pinned with
``--api-version``. slurmrestd is asked at most once per ``--cache-seconds`` whatever the number of
scrapers, and a circuit breaker stops asking after repeated failures (the last good data is
served, marked stale). Nodes, partitions and jobs are asked with ``update_time`` (the previous answer's ``last_update``) where the Slurm
release answers it right (:class:`Kept`); an answer "nothing changed" reuses the kept records. Jobs
are asked without their per-node allocation detail (``flags=ALL``, ``_slurm_rest.LEAN_QUERY``).
``slurm_up`` is only reported when the exporter can tell whether slurmctld runs: a rejected token
and an API version in common with none are reported by their own families (``slurm_exporter_authenticated``, ``slurm_exporter_api_version_supported``).
"""

from __future__ import annotations

import argparse
import collections
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from ansible_collections.hpcstack.cluster.plugins.module_utils import _slurm_data as data
from ansible_collections.hpcstack.cluster.plugins.module_utils import _slurm_rest as rest

from . import __version__
from .breaker import STATES as BREAKER_STATES
from .breaker import CircuitBreaker
from .catalogue import SPECS, families, family, prometheus_client_version, slurm_markdown
from .slurm_samples import (REDUCERS, Samples, Skipped, analyse_associations, analyse_diag, analyse_jobs,
                            analyse_nodes, analyse_partitions, analyse_shares, as_label, as_number, guarded, slurm_meta)
from .stream import decoder

try:
    from prometheus_client.registry import Collector
except ImportError:  # only --list-metrics works without it
    Collector = object

DEFAULT_PORT = 9341
LOG = logging.getLogger("hpcstack_exporters.slurm")


def _versions_text(versions: dict) -> str:
    return ", ".join("%s %s" % (plugin, version) for plugin, version in sorted(versions.items()) if version)


def error_kind(exc: Exception) -> str:
    if isinstance(exc, rest.SlurmRestAuthError):
        return "auth"
    if isinstance(exc, rest.SlurmRestUnreachable):
        return "unreachable"
    if isinstance(exc, rest.SlurmRestServerError):
        return "server"
    if isinstance(exc, rest.SlurmRestVersionError):
        return "version"
    if isinstance(exc, rest.SlurmRestError):
        return "refused"
    return "parse"


class Snapshot:
    """What one successful refresh produced; never modified afterwards (scrapes share it)."""

    def __init__(self, samples: Samples, wall_time: float, monotonic_time: float) -> None:
        self.samples = samples
        self.wall_time = wall_time
        self.monotonic_time = monotonic_time


class Kept:
    """The records of the last complete answer of one endpoint (nodes, partitions, jobs).

    Later refreshes send ``update_time=<last_update>``; slurmctld then answers every record again
    when anything changed and "no change" otherwise (proc_req.c), so the kept records are exactly
    what a full answer would hold. Not trusted for longer than ``full_refresh_seconds``: "no change"
    compares the exporter's timestamp from one slurmctld's clock with the last change as recorded
    by whatever slurmctld answers now (a backup after failover, a restart with its clock set back),
    and a change slurmctld does not date would go unseen; a bounded full refresh keeps a job that is
    gone from Slurm from being reported for longer than that.
    """

    def __init__(self, items: list, last_update: int | None, meta: dict, version: str | None, when: float) -> None:
        self.items = items
        self.last_update = last_update
        self.meta = meta
        self.version = version
        self.when = when  # monotonic time of the answer the records came from


class SlurmExporter:
    """Refreshes Slurm data from slurmrestd at most every ``cache_seconds``, behind a circuit breaker."""

    def __init__(self, client: rest.SlurmRestClient, cache_seconds: float = 30, max_job_label_series: int = 200,
                 top_rpc: int = 20, breaker_threshold: int = 3, breaker_backoff: float = 30,
                 breaker_max_backoff: float = 600, token_file: str | None = None, full_refresh_seconds: float = 300,
                 clock: Callable[[], float] = time.monotonic, wall_clock: Callable[[], float] = time.time) -> None:
        self.client = client
        self.cache_seconds = cache_seconds
        self.full_refresh_seconds = full_refresh_seconds
        self.kept: dict[str, Kept] = {}
        self.no_update_time: set[str] = set()  # endpoints whose answer to update_time failed
        self.unchanged: collections.Counter = collections.Counter()
        self.max_job_label_series = max_job_label_series
        self.top_rpc = top_rpc
        self.breaker = CircuitBreaker(breaker_threshold, breaker_backoff, breaker_max_backoff)
        self.token_file = token_file
        self._token_mtime: float | None = None
        self._clock = clock
        self._wall = wall_clock
        self._fixed_versions = bool(client.versions)
        self._negotiated: float | None = None  # monotonic time slurmrestd last answered /openapi
        self.lock = threading.Lock()
        self._refreshing = threading.Lock()
        self.snapshot: Snapshot | None = None
        self.last_attempt: float | None = None
        self.failing = False
        self.controllers: list[tuple[str, tuple, float]] = []
        self.up: int | None = None  # None: cannot tell (no answer, token rejected, no common version)
        self.rest_up = 0
        self.dbd_up: int | None = None
        self.authenticated: int | None = None
        self.version_supported: int | None = None
        self._auth = {"rejected": False, "accepted": False}  # what the current refresh has seen
        self.shares_supported = True
        self.cache_hits = 0
        self.refreshes: collections.Counter = collections.Counter()
        self.requests: collections.Counter = collections.Counter()
        self.errors: collections.Counter = collections.Counter()
        self.durations: dict[str, float] = {}
        self.parse_errors: collections.Counter = collections.Counter()
        self.refresh_duration: float | None = None

    # cache and breaker ---------------------------------------------------------------------
    def _due(self) -> bool:
        """Under self.lock: may slurmrestd be asked now? Counts cache hits and breaker skips."""
        now = self._clock()
        if self.last_attempt is not None and now - self.last_attempt < self.cache_seconds:
            self.cache_hits += 1
            return False
        return self.breaker.allows(now)

    def refresh_if_due(self) -> bool:
        """Refresh unless the cache is fresh or the breaker is open. Returns True if slurmrestd was asked.

        One refresh at a time. While one runs, other scrapes are answered at once from the previous
        snapshot (they only wait for it when there is none yet), so a slow slurmrestd does not pile
        up scrapes behind it.
        """
        with self.lock:
            due = self._due()
        if not due:
            if self.snapshot is None and self._refreshing.locked():  # the first refresh is running: wait for it
                with self._refreshing:
                    pass
            return False
        if not self._refreshing.acquire(self.snapshot is None):  # pylint: disable=consider-using-with
            with self.lock:
                self.cache_hits += 1
            return False
        try:
            with self.lock:
                if not self._due():  # another scrape refreshed while this one waited
                    return False
                self.last_attempt = self._clock()
            ok = self._refresh()
            with self.lock:
                self.refreshes["success" if ok else "failure"] += 1
                self.failing = not ok
                self.breaker.record(ok, self._clock())
            return True
        finally:
            self._refreshing.release()

    # one refresh ---------------------------------------------------------------------------
    def _load_token(self) -> None:
        if not self.token_file:
            return
        try:
            mtime = os.stat(self.token_file).st_mtime
            if mtime != self._token_mtime:
                with open(self.token_file, encoding="utf-8") as handle:
                    self.client.token = handle.read().strip()
                self._token_mtime = mtime
        except OSError as exc:
            LOG.error("cannot read token file %s: %s", self.token_file, exc.strerror or exc)

    def _call(self, endpoint: str, func: Callable[[], Any], token: bool = True) -> tuple[Any, Exception | None]:
        """Run one slurmrestd call; returns (answer, None) or (None, exception), with accounting.

        ``token``: the answer tells whether slurmrestd accepted the token (not so for /openapi,
        nor for /ping, which Slurm 24.11 answers with 200 whatever the token).
        """
        before, start = self.client.requests, self._clock()
        try:
            answer = func()
        except (rest.SlurmRestError, ValueError) as exc:
            with self.lock:
                self.errors[(endpoint, error_kind(exc))] += 1
            if isinstance(exc, rest.SlurmRestAuthError):
                self._auth["rejected"] = True
            LOG.warning("slurmrestd %s: %s", endpoint, self._redact(exc))
            return None, exc
        else:
            if token:
                self._auth["accepted"] = True
            return answer, None
        finally:
            with self.lock:
                self.requests[endpoint] += self.client.requests - before
                self.durations[endpoint] = self._clock() - start

    def _get(self, endpoint: str, plugin: str, tail: str, reducers: dict | None = None,
             token: bool = True) -> tuple[Any, Exception | None]:
        return self._call(endpoint, lambda: self.client.get(plugin, tail, decoder(reducers or {})), token)

    def _since(self, name: str) -> int | None:
        """The update_time to send for ``name``: the kept answer's last_update, or None for a full answer."""
        kept = self.kept.get(name)
        version = (self.client.versions or {}).get("slurm")
        if kept is None or kept.version != version or not kept.last_update \
                or self._clock() - kept.when >= self.full_refresh_seconds:
            return None
        nodes = self.kept.get("nodes")
        release = slurm_meta({"meta": nodes.meta})[1] if nodes is not None else ""
        return kept.last_update if rest.takes_update_time(version, name, release) else None

    def _records(self, name: str, full: bool = False) -> tuple[Kept | None, Exception | None]:
        """The records of one of nodes, partitions, jobs: a new answer, or the kept one when nothing changed.

        A request with update_time that fails for another reason than the token, the network or the
        API version is asked again without; when that succeeds, update_time is never sent for that
        endpoint again (a Slurm that answers it otherwise than its source says).
        """
        since = None if full or name in self.no_update_time else self._since(name)
        if since is None:
            self.kept.pop(name, None)  # not held twice while a full answer is read
        reducers = {k: guarded(f, self._parse_error, name) for k, f in REDUCERS[name].items()}
        version = (self.client.versions or {}).get("slurm")
        query = rest.lean_query(version, name)
        body, exc = self._call(name, lambda: self.client.get_since("slurm", name, since, decoder(reducers), query))
        if exc is not None and since is not None and not isinstance(
                exc, (rest.SlurmRestAuthError, rest.SlurmRestUnreachable, rest.SlurmRestVersionError)):
            kept, exc = self._records(name, full=True)
            if exc is None:
                LOG.warning("slurmrestd %s: failed when asked with update_time, answered without: "
                            "not sending update_time for %s again", name, name)
                self.no_update_time.add(name)
            return kept, exc
        if exc is not None:
            return None, exc
        if body is rest.NOT_MODIFIED:
            with self.lock:
                self.unchanged[name] += 1
            return self.kept[name], None
        items = [item for item in body.get(name) or [] if item is not Skipped]
        kept = Kept(items, rest.last_update(body), body.get("meta") or {}, version, self._clock())
        self.kept[name] = kept
        return kept, None

    def _parse_error(self, what: str) -> None:
        with self.lock:
            self.parse_errors[what] += 1

    def _redact(self, exc: Exception) -> str:
        text = str(exc)
        if self.client.token:
            text = text.replace(self.client.token, "***")
        return text

    def _negotiation_due(self) -> bool:
        """Whether to read slurmrestd's API versions again although versions are in use.

        At the full refresh (every ``full_refresh_seconds``), not only when the version in use is no
        longer served: an upgraded slurmrestd still serves it, deprecated, beside the one the client
        prefers (24.11 to 26.05: v0.0.42 deprecated, v0.0.45 preferred; 26.11 drops v0.0.42). That
        costs one /openapi/v3 per full refresh (~1 MB that slurmrestd builds without asking
        slurmctld; 10,000 jobs are ~50 MB), and a version change asks for everything anyway
        (Kept.version). The release in each answer's meta would tell of an upgrade at no cost, but not
        a slurmrestd restarted with other data parser plugins (-d) of the same release.
        """
        return not self._fixed_versions and bool(self.client.versions) and self._negotiated is not None \
            and self._clock() - self._negotiated >= self.full_refresh_seconds

    def _negotiate(self) -> Exception | None:
        """Choose the API versions (again when due); None, or the exception that leaves none usable.

        A failed renegotiation keeps the versions in use (the ping then tells whether they are still
        served), so it never costs a refresh by itself, unless slurmrestd does not answer at all.
        """
        client, again = self.client, self._negotiation_due()
        asks, before, start = again or not client.versions, client.versions, self._clock()
        dummy, exc = self._call("openapi", lambda: client.negotiate(again), token=False)
        self.rest_up = 0 if isinstance(exc, rest.SlurmRestUnreachable) else 1
        if asks and not isinstance(exc, rest.SlurmRestUnreachable):
            self._negotiated = start
        if exc is not None:
            return None if again and not isinstance(exc, rest.SlurmRestUnreachable) else exc
        if before and client.versions != before:
            LOG.info("slurmrestd API versions changed from %s to %s (the newest not deprecated)",
                     _versions_text(before), _versions_text(client.versions))
            self.shares_supported = True  # asked again with the new version
        return None

    def _version_problem(self) -> None:
        """slurmrestd does not serve what the exporter asked: unsupported when pinned, else negotiate again."""
        if self._fixed_versions:
            self.version_supported = 0
        else:
            self.client.versions = None  # slurmrestd may have been upgraded: ask /openapi again
            self.shares_supported = True
        self.kept = {}
        self.up = None

    def _refresh(self) -> bool:
        """Ask slurmrestd for everything; True when the core data (nodes, partitions, jobs) arrived."""
        start = self._clock()
        self._auth = {"rejected": False, "accepted": False}
        try:
            return self._refresh_inner()
        finally:
            self.refresh_duration = self._clock() - start
            if self._auth["rejected"]:
                self.authenticated = 0
            elif self._auth["accepted"]:
                self.authenticated = 1

    def _failed(self, exc: Exception, pinged_up: bool) -> bool:
        """What a failed core call says of slurmctld; always False (the refresh failed)."""
        if isinstance(exc, rest.SlurmRestVersionError):
            self._version_problem()
        elif isinstance(exc, rest.SlurmRestAuthError):
            self.up = 1 if pinged_up else None  # 24.11 pings slurmctld DOWN when the token is bad
            if not pinged_up:
                self.controllers = []
        elif isinstance(exc, rest.SlurmRestUnreachable):
            self.up = None
        elif isinstance(exc, rest.SlurmRestServerError):
            self.up = 0  # slurmrestd answered that slurmctld (or what it needs) failed
        elif not pinged_up:  # refused or not understood: only an UP ping still tells something
            self.up = None
        return False

    def _refresh_inner(self) -> bool:
        self._load_token()
        self.controllers = []
        exc = self._negotiate()
        if exc is not None:
            if isinstance(exc, rest.SlurmRestVersionError):
                self.version_supported = 0
            self.up = None
            return False
        if not self._fixed_versions:
            self.version_supported = 1
        pings, exc = self._get("ping", "slurm", "ping", token=False)
        self.rest_up = 0 if isinstance(exc, rest.SlurmRestUnreachable) else 1
        if self._fixed_versions and not isinstance(exc, (rest.SlurmRestVersionError, rest.SlurmRestUnreachable)):
            self.version_supported = 1  # slurmrestd serves the forced version's paths (whatever it answered)
        if exc is not None:
            return self._failed(exc, False)
        out = Samples()
        up, controllers = 0, []
        for ping in data.normalise_pings(pings.get("pings")):
            up = max(up, 1 if ping["up"] else 0)
            host = as_label(ping["hostname"])
            controllers.append(("slurm_controller_up", (host, as_label(ping["mode"])), 1 if ping["up"] else 0))
            latency = as_number(ping["latency"])
            if latency is not None:
                controllers.append(("slurm_controller_latency_seconds", (host,), latency * 1e-6))
        self.up, self.controllers = up, controllers
        answers = {}
        for name in ("nodes", "partitions", "jobs"):
            answers[name], exc = self._records(name)
            if exc is not None:
                return self._failed(exc, up == 1)
        now = self._wall()
        nodes, jobs = answers["nodes"].items, answers["jobs"].items
        analyse_nodes(out, nodes)
        analyse_partitions(out, answers["partitions"].items, nodes, jobs, now)
        analyse_jobs(out, jobs, self.max_job_label_series)
        cluster, release = slurm_meta({"meta": answers["nodes"].meta})
        out.set("slurm_info", (cluster, release), 1)
        del answers, nodes, jobs
        diag, exc = self._get("diag", "slurm", "diag")
        if diag is not None:
            analyse_diag(out, diag.get("statistics") or {}, self.top_rpc)
        self._refresh_slurmdb(out)
        self.snapshot = Snapshot(out, now, self._clock())
        return True

    def _refresh_slurmdb(self, out: Samples) -> None:
        client = self.client
        if not (client.versions or {}).get("slurmdb"):
            self.dbd_up = None
            return
        reducers = {"associations": guarded(REDUCERS["associations"]["associations"], self._parse_error, "associations")}
        body, exc = self._get("associations", "slurmdb", "associations", reducers)
        if body is not None:
            self.dbd_up = 1
            analyse_associations(out, body.get("associations") or [])
        elif not isinstance(exc, rest.SlurmRestAuthError):
            self.dbd_up = 0
        if self.shares_supported and client.versions.get("slurm") != "v0.0.38":
            body, exc = self._get("shares", "slurm", "shares")
            if isinstance(exc, rest.SlurmRestVersionError) or type(exc) is rest.SlurmRestError:  # pylint: disable=unidiomatic-typecheck
                self.shares_supported = False  # not served, or refused (no priority/multifactor): stop asking
            elif body is not None:
                analyse_shares(out, body)

    # what a scrape sees --------------------------------------------------------------------
    def status(self) -> dict:
        """A consistent copy of the exporter's state for one scrape."""
        with self.lock:
            now = self._clock()
            return dict(
                snapshot=self.snapshot, stale=self.snapshot is not None and self.failing,
                controllers=list(self.controllers), up=self.up, rest_up=self.rest_up, dbd_up=self.dbd_up,
                authenticated=self.authenticated, version_supported=self.version_supported,
                versions=dict(self.client.versions or {}), breaker=self.breaker.state(now),
                failures=self.breaker.failures, backoff=self.breaker.backoff, trips=self.breaker.trips,
                skipped=self.breaker.skipped, cache_hits=self.cache_hits, refreshes=dict(self.refreshes),
                requests=dict(self.requests), errors=dict(self.errors), durations=dict(self.durations),
                unchanged=dict(self.unchanged),
                parse_errors=dict(self.parse_errors), refresh_duration=self.refresh_duration, now=now)


class SlurmCollector(Collector):
    """prometheus_client collector: one consistent snapshot per scrape."""

    def __init__(self, exporter: SlurmExporter) -> None:
        self.exporter = exporter

    def describe(self) -> list:
        return [family(spec) for spec in SPECS.values()]

    def collect(self) -> list:
        start = time.monotonic()
        self.exporter.refresh_if_due()
        state = self.exporter.status()
        found = families(SPECS.values())
        snapshot = state["snapshot"]
        if snapshot is not None:
            for name, series in snapshot.samples.values.items():
                for labels, value in series.items():
                    found[name].add_metric(labels, value)

        def one(name: str, value: float | None, labels: tuple = ()) -> None:
            if value is not None:
                found[name].add_metric(list(labels), value)
        one("slurm_up", state["up"])
        for name, labels, value in state["controllers"]:
            one(name, value, labels)
        one("slurm_slurmrestd_up", state["rest_up"])
        one("slurm_slurmdbd_up", state["dbd_up"])
        one("slurm_exporter_authenticated", state["authenticated"])
        one("slurm_exporter_api_version_supported", state["version_supported"])
        one("slurm_exporter_build_info", 1, (__version__, "%d.%d.%d" % sys.version_info[:3], prometheus_client_version()))
        for plugin, version in sorted(state["versions"].items()):
            if version:
                one("slurm_exporter_api_version_info", 1, (plugin, version))
        one("slurm_exporter_refresh_duration_seconds", state["refresh_duration"])
        for result in ("success", "failure"):
            one("slurm_exporter_refreshes_total", state["refreshes"].get(result, 0), (result,))
        one("slurm_exporter_cache_hits_total", state["cache_hits"])
        if snapshot is not None:
            one("slurm_exporter_cache_age_seconds", max(state["now"] - snapshot.monotonic_time, 0.0))
            one("slurm_exporter_last_success_timestamp_seconds", snapshot.wall_time)
        one("slurm_exporter_data_stale", 1 if state["stale"] else 0)
        for endpoint, seconds in sorted(state["durations"].items()):
            one("slurm_exporter_request_duration_seconds", seconds, (endpoint,))
        for endpoint, count in sorted(state["requests"].items()):
            one("slurm_exporter_requests_total", count, (endpoint,))
        for endpoint, count in sorted(state["unchanged"].items()):
            one("slurm_exporter_unchanged_answers_total", count, (endpoint,))
        for (endpoint, kind), count in sorted(state["errors"].items()):
            one("slurm_exporter_request_errors_total", count, (endpoint, kind))
        for breaker in BREAKER_STATES:
            one("slurm_exporter_circuit_breaker_state", 1 if breaker == state["breaker"] else 0, (breaker,))
        one("slurm_exporter_circuit_breaker_consecutive_failures", state["failures"])
        one("slurm_exporter_circuit_breaker_backoff_seconds", state["backoff"])
        one("slurm_exporter_circuit_breaker_trips_total", state["trips"])
        one("slurm_exporter_circuit_breaker_skipped_total", state["skipped"])
        for what, count in sorted(state["parse_errors"].items()):
            one("slurm_exporter_parse_errors_total", count, (what,))
        one("slurm_exporter_scrape_duration_seconds", time.monotonic() - start)
        return list(found.values())


# -- command line (served by .cli) -------------------------------------------------------------
DESCRIPTION = ("Prometheus exporter for Slurm via slurmrestd. Every option can also be set by the environment "
               "variable SLURM_EXPORTER_<OPTION> (e.g. SLURM_EXPORTER_URL); the token comes from --token-file "
               "or SLURM_JWT.")
ENV_PREFIX = "SLURM_EXPORTER_"


def add_arguments(parser: argparse.ArgumentParser, env: Callable[[str, str | None], str | None]) -> None:
    parser.add_argument("--url", default=env("URL", "http://127.0.0.1:6820"),
                        help="slurmrestd URL, http(s)://host:port or unix:/path/to/socket")
    parser.add_argument("--user", default=env("USER", None), help="X-SLURM-USER-NAME to send (optional with JWT)")
    parser.add_argument("--token-file", default=env("TOKEN_FILE", None),
                        help="file holding the JWT (re-read when it changes); default: env SLURM_JWT")
    parser.add_argument("--api-version", default=env("API_VERSION", None), help="force an API version (default: negotiate)")
    parser.add_argument("--cache-seconds", type=float, default=float(env("CACHE_SECONDS", "30")))
    parser.add_argument("--full-refresh-seconds", type=float, default=float(env("FULL_REFRESH_SECONDS", "300")),
                        help="ask slurmrestd for all nodes, partitions and jobs, and negotiate the API version "
                             "again, at least this often; in between only for what changed since the last answer "
                             "(update_time); 0: always all")
    parser.add_argument("--timeout", type=float, default=float(env("TIMEOUT", "10")),
                        help="seconds per HTTP request to slurmrestd")
    parser.add_argument("--retries", type=int, default=int(env("RETRIES", "1")),
                        help="retries of a request on connection errors and 5xx")
    parser.add_argument("--max-job-label-series", type=int, default=int(env("MAX_JOB_LABEL_SERIES", "200")),
                        help="maximum user (and account) label values in per-user/account job metrics")
    parser.add_argument("--top-rpc", type=int, default=int(env("TOP_RPC", "20")),
                        help="RPC types and users reported from sdiag (the busiest)")
    parser.add_argument("--breaker-threshold", type=int, default=int(env("BREAKER_THRESHOLD", "3")))
    parser.add_argument("--breaker-backoff", type=float, default=float(env("BREAKER_BACKOFF", "30")))
    parser.add_argument("--breaker-max-backoff", type=float, default=float(env("BREAKER_MAX_BACKOFF", "600")))
    parser.add_argument("--no-verify-tls", action="store_true", help="do not verify slurmrestd's certificate")
    parser.add_argument("--ca-path", default=env("CA_PATH", None), help="CA bundle for slurmrestd's certificate")


def build(args: argparse.Namespace) -> SlurmCollector:
    """The collector for parsed arguments (raises SlurmRestError on a bad URL)."""
    token = None if args.token_file else os.environ.get("SLURM_JWT")
    if not args.token_file and not token:
        LOG.warning("no token (--token-file or SLURM_JWT): relying on slurmrestd's local authentication")
    client = rest.SlurmRestClient(args.url, user=args.user, token=token, timeout=args.timeout, retries=args.retries,
                                  backoff=0.5, max_retry_time=args.timeout * (args.retries + 1),
                                  api_version=args.api_version, validate_certs=not args.no_verify_tls,
                                  ca_path=args.ca_path)
    exporter = SlurmExporter(client, cache_seconds=args.cache_seconds, max_job_label_series=args.max_job_label_series,
                             top_rpc=args.top_rpc, breaker_threshold=args.breaker_threshold,
                             breaker_backoff=args.breaker_backoff, breaker_max_backoff=args.breaker_max_backoff,
                             token_file=args.token_file, full_refresh_seconds=args.full_refresh_seconds)
    return SlurmCollector(exporter)


list_metrics = slurm_markdown
