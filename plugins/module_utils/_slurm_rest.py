# -*- coding: utf-8 -*-
# Copyright (c) hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small slurmrestd client (standard library only: modules, inventory plugins and exporters).

    client = SlurmRestClient("http://ctl:6820", user="root", token=jwt)   # or "unix:/run/x.sock"
    client.nodes()          # [{"name", "state", "flags", "reason", "cpus", ...}]
    client.get("slurm", "jobs", decoder=decode)   # decode(read): the caller's own decoding as it arrives
    client.get_since("slurm", "jobs", since=last_update)  # None when nothing changed since then

The client reads ``/openapi/v3`` (``/openapi`` on old servers) once (again on
``negotiate(again=True)``), picks the newest API version both sides know for ``/slurm`` and
``/slurmdb`` that the server does not mark deprecated (an older deprecated one only when nothing
else is in common), and returns the dicts of
``_slurm_data`` whatever version answered. Connection errors and 5xx answers are retried with
exponential backoff, bounded in count and total time; a rejected token never is (Slurm 22.05
answers it with an opaque HTTP 500, which one slurmdbd request tells apart from slurmctld down;
Slurm 26.05 answers it on ``/slurmdb`` as it answers slurmdbd down, which slurmctld's answer
tells apart).
"""

from __future__ import annotations

import json
import re
import socket
import ssl
import time
from typing import List, Optional, Tuple

from collections.abc import Callable
from http import client as http_client
from urllib.parse import quote, urlsplit

try:
    from ansible_collections.hpcstack.cluster.plugins.module_utils import _slurm_data as data
except ImportError:  # used outside Ansible (exporter, benchmarks)
    import _slurm_data as data  # noqa

SUPPORTED_VERSIONS = ("v0.0.45", "v0.0.44", "v0.0.43", "v0.0.42", "v0.0.41", "v0.0.40", "v0.0.38")
RETRY_STATUS = (500, 502, 503, 504)
_VERSION = re.compile(r"^v\d+\.\d+\.\d+$")
_VERSION_PATH = re.compile(r"^/(slurm|slurmdb)/(v\d+\.\d+\.\d+)/")
_AUTH_ERROR_NUMBERS = (1007,)  # ESLURM_PROTOCOL_AUTHENTICATION_ERROR (bad/expired token)
_RELEASE = re.compile(r"^(\d+)\.(\d+)(?:\.(\d+))?")
# GET /slurm/<v>/{nodes,partitions,jobs} take ``update_time`` from data_parser v0.0.40 on (Slurm 23.11+:
# OPENAPI_{NODES,PARTITIONS,JOB_INFO}_QUERY); v0.0.38 is left out (not checked against its source).
UPDATE_TIME_TAILS = ("nodes", "partitions", "jobs")
# Before Slurm 26.05.3, /nodes?update_time= passes the same time to its partition load and answers
# HTTP 500 ("Unable to query partitions") when the nodes changed but the partitions did not
# (SchedMD commit ef88eadf88, "Fix HTTP 500 from get_nodes when update_time is passed").
NODES_UPDATE_TIME_RELEASE = (26, 5, 3)
NOT_MODIFIED = None  # what get_since() returns when slurmrestd answers that nothing changed
# jobs?flags=ALL: SHOW_ALL without SHOW_DETAIL (slurmrestd's default is both). slurmctld then leaves
# out each job's job_resources (the allocation per node, socket and core) and GRES detail
# (job_mgr.c pack_job), which no normalised job field reads. A single flag is taken as a string by
# every data parser from v0.0.40 on (parsing.c _parse_flag).
LEAN_QUERY = {"jobs": (("flags", "ALL"),)}


class SlurmRestError(Exception):
    """Any failure talking to slurmrestd; ``status`` is the HTTP status or None."""

    def __init__(self, message, status=None, errors=None):
        super(SlurmRestError, self).__init__(message)
        self.status = status
        self.errors = errors or []


class SlurmRestAuthError(SlurmRestError):
    """401/403/511, or Slurm's "Protocol authentication error": the token was not accepted."""


class SlurmRestVersionError(SlurmRestError):
    """No API version in common, or the server does not serve the requested path (404/405)."""


class SlurmRestServerError(SlurmRestError):
    """5xx after all retries (slurmctld or slurmdbd behind slurmrestd failing)."""


class SlurmRestUnreachable(SlurmRestError):
    """No HTTP answer at all after all retries (refused, timeout, DNS, missing socket)."""


def release_tuple(release: Optional[str]) -> Tuple[int, ...]:
    """``"26.05.3"`` (meta.slurm.release) to (26, 5, 3); () when unknown."""
    match = _RELEASE.match(str(release or ""))
    return tuple(int(part or 0) for part in match.groups()) if match else ()


def takes_update_time(version: Optional[str], tail: str, release: Optional[str]) -> bool:
    """Whether ``GET /slurm/<version>/<tail>?update_time=`` is answered right by the Slurm ``release``.

    Slurm's source (slurmctld proc_req.c ``_slurm_rpc_dump_{jobs,nodes,partitions}``) answers all
    records when anything changed after update_time minus one second, and nothing else: "no change".
    """
    if tail not in UPDATE_TIME_TAILS or not _takes_query_parameters(version):
        return False
    if tail == "nodes":
        return release_tuple(release) >= NODES_UPDATE_TIME_RELEASE
    return True


def lean_query(version: Optional[str], tail: str) -> Tuple[Tuple[str, str], ...]:
    """Query parameters that ask ``GET /slurm/<version>/<tail>`` for less than its default (LEAN_QUERY)."""
    return LEAN_QUERY.get(tail, ()) if _takes_query_parameters(version) else ()


def _takes_query_parameters(version: Optional[str]) -> bool:
    """update_time and flags are read from v0.0.40 on; 22.05's v0.0.38 is always asked plainly."""
    return bool(version) and version != "v0.0.38" and bool(_VERSION.match(version))


def last_update(body: Optional[dict]) -> Optional[int]:
    """``last_update`` of a nodes/partitions/jobs answer (Unix time slurmctld packed it), None when absent."""
    value = data.number(body.get("last_update")) if isinstance(body, dict) else None
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


class _UnixHTTPConnection(http_client.HTTPConnection):
    def __init__(self, path, timeout):
        http_client.HTTPConnection.__init__(self, "localhost", timeout=timeout)
        self._socket_path = path

    def connect(self):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self._socket_path)
        self.sock = sock


def _error_text(errors):
    parts = []
    for err in errors:
        text = err.get("description") or ""
        detail = err.get("error") or ""
        if detail and detail not in text:
            text = "%s: %s" % (text, detail) if text else detail
        parts.append(text or json.dumps(err, sort_keys=True))
    return "; ".join(parts)


def _is_auth_failure(status, errors):
    if status in (401, 403, 511):
        return True
    for err in errors:
        if err.get("error_number") in _AUTH_ERROR_NUMBERS:
            return True
        if "authentication" in (err.get("description") or "").lower():
            return True
    return False


def _opaque_v0_0_38(path: str, status: Optional[int], errors: List[dict]) -> bool:
    """True for Slurm 22.05's answer that hides its cause: HTTP 500, only "Unspecified error" (-1).

    slurmrestd v0.0.38 gives it on /slurm/ paths both for a token slurmctld rejected and for a
    slurmctld it cannot reach (recorded: 22.05/rest/error_bad_token_nodes and
    v0.0.38/nodes_ctld_down are the same); only slurmdbd's answer tells the two apart.
    """
    match = _VERSION_PATH.match(path)
    if status != 500 or not errors or not match or match.groups() != ("slurm", "v0.0.38"):
        return False
    return all(err.get("error") == "Unspecified error" and err.get("errno", err.get("error_number")) == -1
               for err in errors)


def _opaque_slurmdb(path: str, status: Optional[int], errors: List[dict]) -> bool:
    """True for the answer on /slurmdb/ that hides its cause: only "Failed to open slurmdbd connection".

    26.05 gives it (HTTP 502, error 7000) both for a token it rejects and for a slurmdbd it cannot
    reach (recorded: 26.05/rest/v0.0.4x/error_bad_token_db and db_accounts_db_down are the same);
    24.11 said "authentication error" in the first case. Only slurmctld's answer tells them apart.
    """
    match = _VERSION_PATH.match(path)
    if status is None or status < 500 or not errors or not match or match.groups()[0] != "slurmdb" \
            or match.group(2) == "v0.0.38":
        return False
    return all(err.get("error_number") == 7000 and err.get("description") == "Failed to open slurmdbd connection"
               for err in errors)


def _data_parsers(spec: dict) -> Optional[set]:
    """The versions ``info["x-slurm"].data_parsers`` lists (Slurm 23.11+), None when absent."""
    info = spec.get("info") if isinstance(spec.get("info"), dict) else {}
    xslurm = info.get("x-slurm")
    parsers = xslurm.get("data_parsers") if isinstance(xslurm, dict) else None
    if not isinstance(parsers, list):
        return None
    return set(item["plugin"] for item in parsers
               if isinstance(item, dict) and _VERSION.match(str(item.get("plugin") or "")))


def served_versions(spec: Optional[dict]) -> Tuple[dict, dict]:
    """({plugin: served versions}, {plugin: deprecated versions}) of an OpenAPI document.

    Served: the versions with paths under ``/slurm/`` and ``/slurmdb/``, restricted to the data
    parsers ``info["x-slurm"]`` lists where the server gives that list (23.11+). Deprecated: the
    versions whose every operation the document marks ``deprecated`` (26.05 marks all of v0.0.42
    so; its data_parsers list carries no deprecation mark).
    """
    spec = spec if isinstance(spec, dict) else {}
    parsers = _data_parsers(spec)
    served = {"slurm": set(), "slurmdb": set()}
    live = {"slurm": set(), "slurmdb": set()}
    paths = spec.get("paths") if isinstance(spec.get("paths"), dict) else {}
    for path, operations in paths.items():
        match = _VERSION_PATH.match(path)
        if not match or (parsers is not None and match.group(2) not in parsers):
            continue
        plugin, version = match.groups()
        served[plugin].add(version)
        if not isinstance(operations, dict) or not operations \
                or any(not (isinstance(op, dict) and op.get("deprecated")) for op in operations.values()):
            live[plugin].add(version)
    deprecated = dict((plugin, versions - live[plugin]) for plugin, versions in served.items())
    return served, deprecated


class _NotModified(object):
    """request()'s answer to an HTTP 304 (only asked for with update_time)."""

    def __bool__(self):
        return False


class SlurmRestClient(object):
    """slurmrestd client. ``url``: ``http(s)://host:port`` or ``unix:/path/to/socket``."""

    def __init__(self, url, user=None, token=None, timeout=30, retries=3, backoff=0.5,
                 max_retry_time=60, api_version=None, validate_certs=True, ca_path=None,
                 sleep=time.sleep, clock=time.monotonic):
        self.url = url
        self.user = user
        self.token = token
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_retry_time = max_retry_time
        self.validate_certs = validate_certs
        self.ca_path = ca_path
        self._sleep = sleep
        self._clock = clock
        self.api_version = api_version  # pinned: never negotiated
        self.versions = {"slurm": api_version, "slurmdb": api_version} if api_version else None
        self.requests = 0  # HTTP requests made, retries included
        if url.startswith("unix:"):
            self._target = ("unix", url[len("unix:"):], None)
        else:
            want = "want http(s)://host:port or unix:/path"
            try:
                parts = urlsplit(url)
            except ValueError:  # e.g. an unclosed [ of an IPv6 address
                raise SlurmRestError("invalid slurmrestd URL %r (not a URL; %s)" % (url, want))
            try:
                port = parts.port
            except ValueError:
                raise SlurmRestError("invalid slurmrestd URL %r (the port is not a number from 0 to 65535; %s)"
                                     % (url, want))
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise SlurmRestError("invalid slurmrestd URL %r (%s)" % (url, want))
            self._target = (parts.scheme, parts.hostname, port)
            self._prefix = parts.path.rstrip("/")
        if url.startswith("unix:"):
            self._prefix = ""

    # -- transport -------------------------------------------------------------------------
    def _connection(self):
        scheme, host, port = self._target
        if scheme == "unix":
            return _UnixHTTPConnection(host, self.timeout)
        if scheme == "https":
            context = ssl.create_default_context(cafile=self.ca_path)
            if not self.validate_certs:
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            return http_client.HTTPSConnection(host, port or 443, timeout=self.timeout, context=context)
        return http_client.HTTPConnection(host, port or 80, timeout=self.timeout)

    def _headers(self, body):
        headers = {"Accept": "application/json"}
        if self.user:
            headers["X-SLURM-USER-NAME"] = self.user
        if self.token:
            headers["X-SLURM-USER-TOKEN"] = self.token
        if body is not None:
            headers["Content-Type"] = "application/json"
        return headers

    def _once(self, method: str, path: str, body: dict | None,
              decoder: Callable[[Callable[[int], bytes]], dict] | None = None) -> tuple[int, bytes | dict]:
        conn = self._connection()
        try:
            payload = json.dumps(body).encode("utf-8") if body is not None else None
            conn.request(method, self._prefix + path, body=payload, headers=self._headers(body))
            response = conn.getresponse()
            if decoder is not None and response.status == 200:
                return response.status, decoder(response.read)
            return response.status, response.read()
        finally:
            conn.close()

    def request(self, method: str, path: str, body: dict | None = None,
                decoder: Callable[[Callable[[int], bytes]], dict] | None = None):
        """One API call with retries; returns the decoded JSON body or raises SlurmRestError.

        ``decoder(read)``, when given, decodes a 200 answer from ``read(size)`` instead of the
        whole body being read and parsed at once; it raises ValueError on what it cannot read.
        Other answers (errors) are decoded as usual.
        """
        deadline = self._clock() + self.max_retry_time
        attempt = 0
        while True:
            attempt += 1
            self.requests += 1
            try:
                status, raw = self._once(method, path, body, decoder)
            except (OSError, http_client.HTTPException) as exc:  # socket.timeout is an OSError
                status, raw, failure = None, None, exc
            else:
                failure = None
            decoded, errors = self._decode(raw)
            if status is not None and _is_auth_failure(status, errors):
                raise self._auth_error(status, errors)
            if attempt == 1 and _opaque_v0_0_38(path, status, errors):
                rejected, db_errors = self._token_rejected_v0_0_38()
                if rejected:  # never retried: the same token would be rejected again
                    raise self._auth_error(status, errors + db_errors)
            if attempt == 1 and _opaque_slurmdb(path, status, errors):
                rejected, ctld_errors = self._token_rejected_slurmctld(_VERSION_PATH.match(path).group(2))
                if rejected:
                    raise self._auth_error(status, errors + ctld_errors)
            retryable = status is None or status in RETRY_STATUS
            delay = self.backoff * (2 ** (attempt - 1))
            if retryable and attempt <= self.retries and self._clock() + delay < deadline:
                self._sleep(delay)
                continue
            return self._result(method, path, status, decoded, errors, failure, attempt)

    def _auth_error(self, status: int, errors: List[dict]) -> SlurmRestAuthError:
        return SlurmRestAuthError(
            "token rejected by slurmrestd for user %r (HTTP %s%s); check that the token is "
            "valid and not expired and that X-SLURM-USER-NAME matches it"
            % (self.user, status, ": " + _error_text(errors) if errors else ""),
            status, errors)

    def _token_rejected_v0_0_38(self) -> Tuple[Optional[bool], List[dict]]:
        """(True, errors) when slurmdbd, asked through slurmrestd 22.05, rejects the token.

        (False, []) when it accepts it (then slurmctld is the problem) and (None, errors) when it
        cannot tell (no slurmdbd, or slurmdbd down): one GET, not retried.
        """
        self.requests += 1
        try:
            status, raw = self._once("GET", "/slurmdb/v0.0.38/accounts", None)
        except (OSError, http_client.HTTPException):
            return None, []
        dummy, errors = self._decode(raw)
        if _is_auth_failure(status, errors):
            return True, errors
        return (False if status == 200 and not errors else None), errors

    def _token_rejected_slurmctld(self, version: str) -> Tuple[Optional[bool], List[dict]]:
        """(True, errors) when slurmctld, asked through slurmrestd (23.11 and later), rejects the token.

        One GET of the ping, not retried: a controller that answers means the token is good
        (False); v0.0.45 names "Protocol authentication error" in the ping's status; older versions
        (recorded: v0.0.42 on 24.11, v0.0.42 to v0.0.44 on 26.05) ping a rejected token DOWN, as a
        slurmctld that is down, so then one GET of the nodes tells (HTTP 511 / error 1007 for the token). None when it cannot tell.
        """
        version = (self.versions or {}).get("slurm") or version
        for path in ("/slurm/%s/ping" % version, "/slurm/%s/nodes" % version):
            self.requests += 1
            try:
                status, raw = self._once("GET", path, None)
            except (OSError, http_client.HTTPException):
                return None, []
            decoded, errors = self._decode(raw)
            if _is_auth_failure(status, errors):
                return True, errors
            if path.endswith("/nodes"):
                return (False if status == 200 and not errors else None), errors
            pings = decoded.get("pings") if isinstance(decoded, dict) else None
            if status != 200 or not isinstance(pings, list):
                return None, errors
            if any(data.normalise_ping(p)["up"] for p in pings if isinstance(p, dict)):
                return False, []
            statuses = [p.get("status") for p in pings if isinstance(p, dict) and p.get("status")]
            if any("authentication" in str(text).lower() for text in statuses):
                return True, [{"description": "slurmctld ping", "error": str(text)} for text in statuses]
        return None, []

    @staticmethod
    def _decode(raw):
        if raw is None:
            return None, []
        if isinstance(raw, dict):  # already decoded by the caller's decoder
            return raw, raw.get("errors") or []
        try:
            decoded = json.loads(raw.decode("utf-8")) if raw else None
        except ValueError:
            return raw.decode("utf-8", "replace").strip(), []
        errors = decoded.get("errors") or [] if isinstance(decoded, dict) else []
        return decoded, errors

    def _result(self, method, path, status, decoded, errors, failure, attempts):
        where = "%s %s%s" % (method, self.url.rstrip("/"), path)
        if status is None:
            raise SlurmRestUnreachable("slurmrestd unreachable at %s after %d attempt(s): %s"
                                       % (self.url, attempts, failure))
        if status in (404, 405):
            raise SlurmRestVersionError(
                "slurmrestd does not serve %s (HTTP %d, unknown API version or operation)" % (where, status),
                status, errors)
        if status >= 500:
            hint = ""
            if _opaque_v0_0_38(path, status, errors):
                hint = ("; Slurm 22.05 answers this both when slurmctld is unreachable and when it rejects the "
                        "token, and slurmdbd could not tell which: check slurmctld and the token")
            raise SlurmRestServerError("slurmrestd error for %s (HTTP %d after %d attempt(s)): %s%s"
                                       % (where, status, attempts, _error_text(errors) or decoded, hint),
                                       status, errors)
        if status >= 400 or errors:
            raise SlurmRestError("slurmrestd refused %s (HTTP %d): %s"
                                 % (where, status, _error_text(errors) or decoded), status, errors)
        if status == 304:
            return _NotModified()
        return decoded

    # -- versions --------------------------------------------------------------------------
    def negotiate(self, again=False):
        """Pick a version of each plugin; returns {"slurm": v, "slurmdb": v}.

        The newest both sides know that the server does not mark deprecated; a deprecated one only
        when it is the only one in common (Slurm 26.11 drops v0.0.42, 26.05 deprecates it).
        Asked once; ``again`` asks the server again although versions were chosen (an upgraded
        server may prefer a newer one while still serving the old one deprecated), except pinned
        ones (``api_version``). When that fails the versions chosen before stay.
        """
        if self.versions and (self.api_version or not again):
            return self.versions
        try:
            spec = self.request("GET", "/openapi/v3")
        except SlurmRestVersionError:
            spec = self.request("GET", "/openapi")
        served, deprecated = served_versions(spec)
        chosen = {}
        for plugin, versions in served.items():
            common = [v for v in SUPPORTED_VERSIONS if v in versions]
            current = [v for v in common if v not in deprecated[plugin]]
            chosen[plugin] = (current or common or [None])[0]
        if not chosen["slurm"]:
            raise SlurmRestVersionError(
                "no common slurmrestd API version: server serves %s, client supports %s"
                % (", ".join(sorted(served["slurm"])) or "none", ", ".join(SUPPORTED_VERSIONS)))
        self.versions = chosen
        return chosen

    def _path(self, plugin, tail):
        version = self.negotiate()[plugin]
        if not version:
            raise SlurmRestVersionError("slurmrestd serves no supported /%s API (is slurmdbd configured?)" % plugin)
        return "/%s/%s/%s" % (plugin, version, tail)

    def get(self, plugin: str, tail: str,
            decoder: Callable[[Callable[[int], bytes]], dict] | None = None) -> dict:
        """GET ``/<plugin>/<negotiated version>/<tail>``: the decoded answer ({} when empty)."""
        return self.get_since(plugin, tail, None, decoder)

    def get_since(self, plugin: str, tail: str, since: Optional[int] = None,
                  decoder: Callable[[Callable[[int], bytes]], dict] | None = None,
                  query: Tuple[Tuple[str, str], ...] = ()) -> Optional[dict]:
        """GET ``/<plugin>/<version>/<tail>``, with ``update_time=uts<since>`` when ``since`` is given.

        ``query``: further parameters, e.g. :func:`lean_query`.

        ``since`` is the ``last_update`` of an earlier answer (see :func:`last_update`); the caller
        checks :func:`takes_update_time` first. Returns None (NOT_MODIFIED) when slurmrestd answers
        that nothing changed since then, which it does in two ways (Slurm 24.11 to 26.05 source):
        HTTP 304 without a body (nodes, partitions: SLURM_NO_CHANGE_IN_DATA reaches the REST layer)
        and, for jobs, HTTP 200 with an empty list, ``last_update`` 0 and the warning "No job
        changes since update_time" (op_handler_jobs). Otherwise the whole answer: slurmctld sends
        every record once anything changed. The time goes as ``uts<seconds>``: the data parsers
        read a query string with parse_time(), which takes that form and no bare number.
        """
        path = self._path(plugin, tail)
        params = (("update_time", "uts%d" % int(since)),) if since else ()
        if params or query:
            path += "?" + "&".join("%s=%s" % (quote(k, safe=""), quote(v, safe="")) for k, v in params + tuple(query))
        body = self.request("GET", path, decoder=decoder)
        if isinstance(body, _NotModified):
            return NOT_MODIFIED if since else {}
        body = body or {}
        if since and not body.get(tail) and last_update(body) == 0:
            return NOT_MODIFIED
        return body

    def _get(self, plugin, tail, key):
        body = self.request("GET", self._path(plugin, tail)) or {}
        return body.get(key) or []

    # -- the interface callers use ---------------------------------------------------------
    def ping(self):
        return data.normalise_pings(self._get("slurm", "ping", "pings"))

    def nodes(self):
        return [data.normalise_node(n) for n in self._get("slurm", "nodes", "nodes")]

    def node(self, name):
        nodes = self._get("slurm", "node/" + quote(name, safe=""), "nodes")
        return data.normalise_node(nodes[0]) if nodes else None

    def partitions(self):
        return [data.normalise_partition(p) for p in self._get("slurm", "partitions", "partitions")]

    def jobs(self):
        return [data.normalise_job(j) for j in self._get("slurm", "jobs", "jobs")]

    def diag(self):
        body = self.request("GET", self._path("slurm", "diag")) or {}
        stats = body.get("statistics") or {}
        return dict((k, data.number(v)) for k, v in stats.items() if not isinstance(v, list))

    def node_update(self, name, state=None, reason=None):
        """Set a node's state (DRAIN, RESUME, DOWN, UNDRAIN ...) and/or reason."""
        version = self.negotiate()["slurm"]
        if version == "v0.0.38":
            raise SlurmRestVersionError("slurmrestd v0.0.38 (Slurm 22.05) cannot update nodes; "
                                        "use scontrol on the controller", 405)
        body = {}
        if state:
            body["state"] = [state.upper()]
        if reason is not None:
            body["reason"] = reason
        self.request("POST", self._path("slurm", "node/" + quote(name, safe="")), body)

    def accounts(self):
        return [data.normalise_account(a) for a in self._get("slurmdb", "accounts", "accounts")]

    def users(self):
        return [data.normalise_user(u) for u in self._get("slurmdb", "users", "users")]

    def qos(self):
        body = self.request("GET", self._path("slurmdb", "qos")) or {}
        return [data.normalise_qos(q) for q in body.get("qos") or body.get("QOS") or []]

    def associations(self):
        return [data.normalise_association(a)
                for a in self._get("slurmdb", "associations", "associations")]
