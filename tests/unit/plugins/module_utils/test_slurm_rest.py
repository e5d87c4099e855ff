# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""slurmrestd client against canned (recorded) answers served by a real HTTP server."""

from __future__ import annotations

import json
import os
import socket
import socketserver
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from ansible.plugins.loader import init_plugin_loader
from ansible.utils.collection_loader import AnsibleCollectionConfig

if AnsibleCollectionConfig.collection_finder is None:
    init_plugin_loader()

from ansible_collections.hpcstack.cluster.plugins.module_utils import _slurm_data as data
from ansible_collections.hpcstack.cluster.plugins.module_utils import _slurm_rest as rest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "slurm"))
from slurm_fixtures import jobs_unchanged, load  # noqa: E402


class Canned:
    """Answers: path -> list of (status, body); the last answer repeats. Records requests."""

    def __init__(self, answers):
        self.answers = dict((k, list(v)) for k, v in answers.items())
        self.requests = []

    def answer(self, method, path, headers, body):
        self.requests.append((method, path, dict(headers), json.loads(body) if body else None))
        queue = self.answers.get(path) or [(404, "Unable find requested URL.")]
        return queue.pop(0) if len(queue) > 1 else queue[0]


def handler_for(canned):
    class Handler(BaseHTTPRequestHandler):
        def _reply(self):
            length = int(self.headers.get("Content-Length") or 0)
            status, body = canned.answer(self.command, self.path, self.headers, self.rfile.read(length) if length else b"")
            raw = (json.dumps(body) if not isinstance(body, str) else body).encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        do_GET = do_POST = _reply

        def log_message(self, *args):
            pass

        def address_string(self):
            return "test"
    return Handler


@pytest.fixture
def serve():
    servers = []

    def start(answers, unix_path=None):
        canned = Canned(answers)
        if unix_path:
            class UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
                daemon_threads = True
            server = UnixServer(unix_path, handler_for(canned))
            url = "unix:" + unix_path
        else:
            server = HTTPServer(("127.0.0.1", 0), handler_for(canned))
            url = "http://127.0.0.1:%d" % server.server_address[1]
        threading.Thread(target=server.serve_forever, kwargs=dict(poll_interval=0.05), daemon=True).start()
        servers.append(server)
        return url, canned
    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def recorded(version, name):
    rec = load(version, "rest/" + name)
    return rec["status"], rec["body"]


API_26_05 = ("v0.0.42", "v0.0.43", "v0.0.44", "v0.0.45")


def client(url, **kw):
    kw.setdefault("sleep", lambda s: None)
    return rest.SlurmRestClient(url, user="root", token="jwt-secret", **kw)


def test_negotiates_newest_version_on_24_11(serve):
    url, canned = serve({"/openapi/v3": [recorded("24.11", "openapi")],
                         "/slurm/v0.0.42/ping": [recorded("24.11", "v0.0.42/ping")]})
    c = client(url)
    assert c.negotiate() == {"slurm": "v0.0.42", "slurmdb": "v0.0.42"}
    assert c.ping()[0]["up"] is True
    method, path, headers, body = canned.requests[0]
    assert headers["X-SLURM-USER-NAME"] == "root" and headers["X-SLURM-USER-TOKEN"] == "jwt-secret"


def test_falls_back_to_openapi_and_v0_0_38_on_22_05(serve):
    url, canned = serve({"/openapi/v3": [(404, "Unable find requested URL.")],
                         "/openapi": [recorded("22.05", "openapi")],
                         "/slurm/v0.0.38/ping": [recorded("22.05", "v0.0.38/ping")]})
    c = client(url)
    assert c.negotiate()["slurm"] == "v0.0.38"
    assert c.ping() == [{"hostname": "rec", "up": True, "mode": "primary", "latency": None}]


def test_older_client_version_is_chosen_when_server_is_newer(serve):
    spec = {"paths": {"/slurm/v0.0.46/ping": {}, "/slurm/v0.0.41/ping": {}, "/slurmdb/v0.0.40/qos": {}}}
    url, canned = serve({"/openapi/v3": [(200, spec)]})
    assert client(url).negotiate() == {"slurm": "v0.0.41", "slurmdb": "v0.0.40"}


def test_no_common_version(serve):
    url, canned = serve({"/openapi/v3": [(200, {"paths": {"/slurm/v0.0.36/ping": {}}})]})
    with pytest.raises(rest.SlurmRestVersionError, match="server serves v0.0.36"):
        client(url).nodes()


@pytest.mark.parametrize("version,api", [("22.05", "v0.0.38"), ("24.11", "v0.0.40"), ("24.11", "v0.0.41"),
                                         ("24.11", "v0.0.42")] + [("26.05", api) for api in API_26_05])
def test_nodes_are_the_same_in_every_version(serve, version, api):
    url, canned = serve({"/slurm/%s/nodes" % api: [recorded(version, api + "/nodes_draining")],
                         "/slurm/%s/jobs" % api: [recorded(version, api + "/jobs")],
                         "/slurmdb/%s/qos" % api: [recorded(version, api + "/db_qos")],
                         "/slurmdb/%s/users" % api: [recorded(version, api + "/db_users")]})
    c = client(url, api_version=api)
    node = c.nodes()[0]
    text = data.normalise_node(data.parse_scontrol_records(load(version, "scontrol/show_node_draining")["stdout"])[0])
    assert node == text  # REST and scontrol text agree too
    assert node["state"] == "mixed" and node["flags"] == ["drain"] and node["draining"]
    assert node["features"] == ["rec", "test"] and node["partitions"] == ["debug", "long"]
    running = [j for j in c.jobs() if j["state"] == "running"]
    assert [(j["user"], j["time_limit"], j["qos"]) for j in running] == [("bob", 2880, "long")]
    debugq = [q for q in c.qos() if q["name"] == "debugq"][0]
    assert (debugq["max_wall"], debugq["preempt"], debugq["max_tres_per_user"]) == (30, ["long"], {"cpu": 8, "mem": 16384})
    assert dict((u["name"], u["admin_level"]) for u in c.users())["carol"] == "operator"


def test_node_update_body_and_v0_0_38_refusal(serve):
    url, canned = serve({"/slurm/v0.0.42/node/rec": [recorded("24.11", "v0.0.42/node_update_drain")]})
    client(url, api_version="v0.0.42").node_update("rec", "drain", "disk")
    assert canned.requests[-1][0] == "POST" and canned.requests[-1][3] == {"state": ["DRAIN"], "reason": "disk"}
    with pytest.raises(rest.SlurmRestVersionError, match="cannot update nodes"):
        client(url, api_version="v0.0.38").node_update("rec", "drain", "disk")


@pytest.mark.parametrize("version,name,path", [
    ("24.11", "error_no_token", "/slurm/v0.0.42/nodes"),
    ("24.11", "error_bad_token_nodes", "/slurm/v0.0.42/nodes"),
    ("24.11", "error_bad_token_db", "/slurmdb/v0.0.42/accounts"),
    ("22.05", "error_bad_token_db", "/slurmdb/v0.0.38/accounts"),
    ("22.05", "error_no_token", "/slurm/v0.0.38/nodes"),
])
def test_rejected_tokens(serve, version, name, path):
    url, canned = serve({path: [recorded(version, name)]})
    c = client(url, api_version=path.split("/")[2])
    with pytest.raises(rest.SlurmRestAuthError, match="token rejected") as info:
        c.nodes() if "slurm/" in path else c.accounts()
    assert len(canned.requests) == 1  # never retried
    assert "jwt-secret" not in str(info.value)


def test_unknown_version_is_404(serve):
    url, canned = serve({})
    with pytest.raises(rest.SlurmRestVersionError, match="unknown API version"):
        client(url, api_version="v0.0.99").ping()


def test_retries_5xx_with_backoff_then_succeeds(serve):
    down = recorded("24.11", "v0.0.42/nodes_ctld_down")
    url, canned = serve({"/slurm/v0.0.42/nodes": [down, (503, "busy"), recorded("24.11", "v0.0.42/nodes")]})
    sleeps = []
    c = client(url, api_version="v0.0.42", retries=3, backoff=0.5, sleep=sleeps.append)
    assert c.nodes()[0]["name"] == "rec"
    assert sleeps == [0.5, 1.0] and c.requests == 3


def test_gives_up_after_retries_with_the_server_error(serve):
    url, canned = serve({"/slurmdb/v0.0.42/accounts": [recorded("24.11", "v0.0.42/db_accounts_db_down")],
                         "/slurm/v0.0.42/ping": [recorded("24.11", "v0.0.42/ping")]})
    c = client(url, api_version="v0.0.42", retries=2)
    with pytest.raises(rest.SlurmRestServerError, match="HTTP 502 after 3 attempt.*Unable to connect to database"):
        c.accounts()
    # slurmctld, asked once, accepts the token: slurmdbd is down, retried as any 5xx
    assert [r[1] for r in canned.requests] == ["/slurmdb/v0.0.42/accounts", "/slurm/v0.0.42/ping"] + \
        ["/slurmdb/v0.0.42/accounts"] * 2


def test_retry_time_is_bounded():
    now = [0.0]
    sleeps = []

    def sleep(seconds):
        sleeps.append(seconds)
        now[0] += seconds
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    c = rest.SlurmRestClient("http://127.0.0.1:%d" % port, retries=10, backoff=1, max_retry_time=5,
                             api_version="v0.0.42", sleep=sleep, clock=lambda: now[0])
    with pytest.raises(rest.SlurmRestUnreachable, match="unreachable"):
        c.ping()
    assert sleeps == [1, 2]  # the next delay (4s) would pass the 5s budget


def test_200_with_errors_is_an_error(serve):
    url, canned = serve({"/slurm/v0.0.42/node/nosuch": [recorded("24.11", "v0.0.42/node_unknown")]})
    with pytest.raises(rest.SlurmRestError, match="Failure to query node nosuch"):
        client(url, api_version="v0.0.42").node("nosuch")


def test_unix_socket(serve, tmp_path):
    url, canned = serve({"/slurm/v0.0.40/partitions": [recorded("24.11", "v0.0.40/partitions")]},
                        unix_path=str(tmp_path / "rest.sock"))
    parts = client(url, api_version="v0.0.40").partitions()
    assert [(p["name"], p["max_time"], p["default"]) for p in parts] == [("debug", None, None), ("long", 10080, None)]


def test_invalid_url():
    with pytest.raises(rest.SlurmRestError, match="invalid slurmrestd URL"):
        rest.SlurmRestClient("ftp://x")


REJECTED = ("token rejected by slurmrestd for user 'root' (HTTP 500: %s; Protocol authentication error); check that "
            "the token is valid and not expired and that X-SLURM-USER-NAME matches it")


@pytest.mark.parametrize("name, path, call, detail", [
    ("error_bad_token_nodes", "/slurm/v0.0.38/nodes", "nodes", "Unspecified error"),
    ("error_bad_token_ping", "/slurm/v0.0.38/ping", "ping", "slurmctld config is unable to load: Unspecified error"),
])
def test_rejected_token_on_22_05_is_an_auth_error_never_retried(serve, name, path, call, detail):
    """22.05 answers a bad token on /slurm/ with an opaque HTTP 500; slurmdbd's answer names it."""
    url, canned = serve({path: [recorded("22.05", name)],
                         "/slurmdb/v0.0.38/accounts": [recorded("22.05", "error_bad_token_db")]})
    c = client(url, api_version="v0.0.38", retries=3)
    with pytest.raises(rest.SlurmRestAuthError) as info:
        getattr(c, call)()
    assert str(info.value) == REJECTED % detail
    assert [r[1] for r in canned.requests] == [path, "/slurmdb/v0.0.38/accounts"] and c.requests == 2


def test_slurmctld_down_on_22_05_is_still_retried(serve):
    """The same opaque 500 with a token slurmdbd accepts: slurmctld is down, retry as any 5xx."""
    url, canned = serve({"/slurm/v0.0.38/nodes": [recorded("22.05", "v0.0.38/nodes_ctld_down"),
                                                  recorded("22.05", "v0.0.38/nodes")],
                         "/slurmdb/v0.0.38/accounts": [recorded("22.05", "v0.0.38/db_accounts")]})
    c = client(url, api_version="v0.0.38", retries=3)
    assert c.nodes()[0]["name"] == "rec"
    assert [r[1] for r in canned.requests] == ["/slurm/v0.0.38/nodes", "/slurmdb/v0.0.38/accounts",
                                               "/slurm/v0.0.38/nodes"]


def test_opaque_22_05_answer_that_slurmdbd_cannot_explain(serve):
    url, canned = serve({"/slurm/v0.0.38/nodes": [recorded("22.05", "v0.0.38/nodes_ctld_down")],
                         "/slurmdb/v0.0.38/accounts": [recorded("22.05", "v0.0.38/db_accounts_db_down")]})
    c = client(url, api_version="v0.0.38", retries=2)
    with pytest.raises(rest.SlurmRestServerError) as info:
        c.nodes()
    assert str(info.value) == (
        "slurmrestd error for GET %s/slurm/v0.0.38/nodes (HTTP 500 after 3 attempt(s)): Unspecified error; Slurm "
        "22.05 answers this both when slurmctld is unreachable and when it rejects the token, and slurmdbd could not "
        "tell which: check slurmctld and the token" % url)
    assert c.requests == 4  # three attempts, one slurmdbd question


def test_unknown_node_on_22_05_is_not_taken_for_a_token_problem(serve):
    url, canned = serve({"/slurm/v0.0.38/node/nosuch": [recorded("22.05", "v0.0.38/node_unknown")]})
    c = client(url, api_version="v0.0.38", retries=0)
    with pytest.raises(rest.SlurmRestServerError, match="Invalid node name specified"):
        c.node("nosuch")
    assert c.requests == 1


@pytest.mark.parametrize("url, message", [
    ("http://ctl1:rest", "invalid slurmrestd URL 'http://ctl1:rest' (the port is not a number from 0 to 65535; "
                         "want http(s)://host:port or unix:/path)"),
    ("http://[fe80::1", "invalid slurmrestd URL 'http://[fe80::1' (not a URL; want http(s)://host:port or unix:/path)"),
])
def test_malformed_urls_are_rest_errors(url, message):
    with pytest.raises(rest.SlurmRestError) as info:
        rest.SlurmRestClient(url)
    assert str(info.value) == message


# -- Slurm 26.05: v0.0.42 (deprecated) to v0.0.45 --------------------------------------------------

def test_served_and_deprecated_versions_of_26_05():
    """26.05 lists its data parsers in info["x-slurm"] and marks every v0.0.42 operation deprecated."""
    served, deprecated = rest.served_versions(recorded("26.05", "openapi")[1])
    assert served == {"slurm": set(API_26_05), "slurmdb": set(API_26_05)}
    assert deprecated == {"slurm": {"v0.0.42"}, "slurmdb": {"v0.0.42"}}


def test_served_versions_are_limited_to_the_data_parsers():
    """A path whose version has no data parser (x-slurm) is not served: the recorded 24.11 document, no x-slurm, keeps all."""
    spec = recorded("26.05", "openapi")[1]
    info = dict(spec["info"], **{"x-slurm": dict(spec["info"]["x-slurm"], data_parsers=[{"flags": ["NONE"], "plugin": "v0.0.43"}])})
    assert rest.served_versions(dict(spec, info=info))[0] == {"slurm": {"v0.0.43"}, "slurmdb": {"v0.0.43"}}
    assert rest.served_versions(recorded("24.11", "openapi")[1])[0]["slurm"] == {"v0.0.40", "v0.0.41", "v0.0.42"}


def test_negotiates_v0_0_45_on_26_05(serve):
    url, canned = serve({"/openapi/v3": [recorded("26.05", "openapi")],
                         "/slurm/v0.0.45/ping": [recorded("26.05", "v0.0.45/ping")]})
    c = client(url)
    assert c.negotiate() == {"slurm": "v0.0.45", "slurmdb": "v0.0.45"}
    assert c.ping() == [{"hostname": "rec", "up": True, "mode": "primary", "latency": 468}]
    assert [r[1] for r in canned.requests] == ["/openapi/v3", "/slurm/v0.0.45/ping"]


def test_negotiates_again_only_when_asked_and_never_when_pinned(serve):
    """The recorded 24.11 server, upgraded to 26.05: asked again, the client moves from v0.0.42 (deprecated there)
    to v0.0.45."""
    url, canned = serve({"/openapi/v3": [recorded("24.11", "openapi"), recorded("26.05", "openapi")]})
    c = client(url)
    assert c.negotiate() == c.negotiate() == {"slurm": "v0.0.42", "slurmdb": "v0.0.42"}
    assert c.negotiate(again=True) == {"slurm": "v0.0.45", "slurmdb": "v0.0.45"}
    pinned = client(url, api_version="v0.0.42")
    assert pinned.negotiate(again=True) == {"slurm": "v0.0.42", "slurmdb": "v0.0.42"}
    assert [r[1] for r in canned.requests] == ["/openapi/v3", "/openapi/v3"]


def test_a_failed_negotiation_again_keeps_the_versions(serve):
    url, canned = serve({"/openapi/v3": [recorded("24.11", "openapi"), recorded("26.05", "v0.0.45/nodes_ctld_down")]})
    c = client(url, retries=0)
    c.negotiate()
    with pytest.raises(rest.SlurmRestServerError):
        c.negotiate(again=True)
    assert c.versions == {"slurm": "v0.0.42", "slurmdb": "v0.0.42"}
    assert [r[1] for r in canned.requests] == ["/openapi/v3", "/openapi/v3"]


def test_deprecated_version_only_when_nothing_newer_is_in_common(serve, monkeypatch):
    """A client that knows v0.0.42 at most still talks to 26.05, through the deprecated v0.0.42."""
    monkeypatch.setattr(rest, "SUPPORTED_VERSIONS", ("v0.0.42", "v0.0.41", "v0.0.40", "v0.0.38"))
    url, canned = serve({"/openapi/v3": [recorded("26.05", "openapi")]})
    assert client(url).negotiate() == {"slurm": "v0.0.42", "slurmdb": "v0.0.42"}


def _normalised(c):
    """Everything the client gives, minus what changes from one recording to the next (latency, sdiag timings) and
    what v0.0.45 changed on purpose (partition default, parts_packed: tested below)."""
    return {"nodes": c.nodes(), "jobs": c.jobs(), "qos": c.qos(), "users": c.users(), "accounts": c.accounts(),
            "associations": c.associations(),
            "partitions": [dict(p, default="v0.0.45 only") for p in c.partitions()],
            "ping": [dict(p, latency=None) for p in c.ping()],
            "diag": sorted(set(c.diag()) - {"parts_packed"})}  # the names: the values are timings


def _answers_26_05(api):
    return {"/slurm/%s/%s" % (api, tail): [recorded("26.05", "%s/%s" % (api, name))]
            for tail, name in (("nodes", "nodes_draining"), ("jobs", "jobs"), ("partitions", "partitions"),
                               ("ping", "ping"), ("diag", "diag"))} | {
        "/slurmdb/%s/%s" % (api, tail): [recorded("26.05", "%s/db_%s" % (api, tail))]
        for tail in ("qos", "users", "accounts", "associations")}


def test_one_shape_for_every_26_05_version(serve):
    """The same dicts from v0.0.42 to v0.0.45 of one Slurm 26.05 (the same cluster, recorded once per version)."""
    shapes = {}
    for api in API_26_05:
        answers = _answers_26_05(api)
        url, canned = serve(answers)
        shapes[api] = _normalised(client(url, api_version=api))
        assert sorted(set(r[1] for r in canned.requests)) == sorted(answers)  # every answer asked, nothing else
    assert shapes["v0.0.42"] == shapes["v0.0.43"] == shapes["v0.0.44"] == shapes["v0.0.45"]


def test_v0_0_45_partitions_say_which_is_the_default(serve):
    for api, defaults in (("v0.0.44", [None, None]), ("v0.0.45", [True, False])):
        url, canned = serve({"/slurm/%s/partitions" % api: [recorded("26.05", api + "/partitions")]})
        parts = client(url, api_version=api).partitions()
        assert [(p["name"], p["max_time"], p["default"]) for p in parts] == \
            [("debug", None, defaults[0]), ("long", 10080, defaults[1])]
    text = data.parse_scontrol_records(load("26.05", "scontrol/show_partition")["stdout"])
    assert [data.normalise_partition(p)["default"] for p in text] == [True, False]  # as scontrol says


def test_v0_0_45_diag_without_parts_packed(serve):
    for api, packed in (("v0.0.44", True), ("v0.0.45", False)):
        url, canned = serve({"/slurm/%s/diag" % api: [recorded("26.05", api + "/diag")]})
        stats = client(url, api_version=api).diag()
        assert ("parts_packed" in stats) is packed
        assert stats["schedule_cycle_sum"] == 3376 and isinstance(stats["schedule_cycle_sum"], int)


@pytest.mark.parametrize("api", API_26_05)
@pytest.mark.parametrize("name, up", [("ping", True), ("ping_ctld_down", False), ("error_bad_token_ping", False)])
def test_26_05_pings(serve, api, name, up):
    url, canned = serve({"/slurm/%s/ping" % api: [recorded("26.05", "%s/%s" % (api, name))]})
    pings = client(url, api_version=api).ping()
    assert [(p["hostname"], p["up"], p["mode"]) for p in pings] == [("rec", up, "primary")]


@pytest.mark.parametrize("count, modes", [(1, ["primary"]), (2, ["primary", "backup"]),
                                          (3, ["primary", "backup1", "backup2"])])
def test_ping_mode_without_mode_is_named_as_slurmrestd_names_it(count, modes):
    """v0.0.45 drops ``mode``: the position gives it (data_parser's CONTROLLER_PING_MODE: backup when two controllers)."""
    item = recorded("26.05", "v0.0.45/ping")[1]["pings"][0]
    assert "mode" not in item
    assert [p["mode"] for p in data.normalise_pings([dict(item, hostname="c%d" % i) for i in range(count)])] == modes


def test_new_node_and_job_states_are_flags():
    """v0.0.43/44 add node flags BLOCKED and EXTERNAL and the job flag EXPEDITING, next to a base state."""
    node = recorded("26.05", "v0.0.45/nodes")[1]["nodes"][0]
    assert data.normalise_node(dict(node, state=["IDLE", "BLOCKED", "EXTERNAL"]))["state"] == "idle"
    assert data.normalise_node(dict(node, state=["IDLE", "BLOCKED", "EXTERNAL"]))["flags"] == ["blocked", "external"]
    job = recorded("26.05", "v0.0.45/jobs")[1]["jobs"][0]
    assert data.normalise_job(dict(job, job_state=["PENDING", "EXPEDITING"]))["state"] == "pending+expediting"


TOKEN_26_05 = ("token rejected by slurmrestd for user 'root' (HTTP %s); check that the token is valid and not expired "
               "and that X-SLURM-USER-NAME matches it")


@pytest.mark.parametrize("api", API_26_05)
def test_26_05_rejected_tokens_on_slurm(serve, api):
    url, canned = serve({"/slurm/%s/nodes" % api: [recorded("26.05", api + "/error_bad_token_nodes")]})
    with pytest.raises(rest.SlurmRestAuthError) as info:
        client(url, api_version=api).nodes()
    assert str(info.value) == TOKEN_26_05 % "511: Failure to query nodes: Protocol authentication error"
    url, canned = serve({"/slurm/%s/nodes" % api: [recorded("26.05", api + "/error_no_token")]})
    with pytest.raises(rest.SlurmRestAuthError) as info:
        client(url, api_version=api).nodes()
    assert str(info.value) == TOKEN_26_05 % "401"
    assert len(canned.requests) == 1  # never retried


@pytest.mark.parametrize("api", API_26_05)
def test_26_05_rejected_token_on_slurmdb_is_told_from_slurmdbd_down(serve, api):
    """26.05 answers a bad token on /slurmdb as a slurmdbd that is down; slurmctld's answer (ping, nodes) names it."""
    answers = {"/slurmdb/%s/accounts" % api: [recorded("26.05", api + "/error_bad_token_db")],
               "/slurm/%s/ping" % api: [recorded("26.05", api + "/error_bad_token_ping")],
               "/slurm/%s/nodes" % api: [recorded("26.05", api + "/error_bad_token_nodes")]}
    url, canned = serve(answers)
    with pytest.raises(rest.SlurmRestAuthError) as info:
        client(url, api_version=api, retries=3).accounts()
    db = "502: Failed to open slurmdbd connection: Unable to connect to database; "
    if api == "v0.0.45":  # the ping names the token
        assert str(info.value) == TOKEN_26_05 % (db + "slurmctld ping: Protocol authentication error")
        assert [r[1] for r in canned.requests] == ["/slurmdb/%s/accounts" % api, "/slurm/%s/ping" % api]
    else:  # pinged DOWN, as when slurmctld is down: the nodes tell
        assert str(info.value) == TOKEN_26_05 % (db + "Failure to query nodes: Protocol authentication error")
        assert [r[1] for r in canned.requests] == ["/slurmdb/%s/accounts" % api, "/slurm/%s/ping" % api,
                                                   "/slurm/%s/nodes" % api]


@pytest.mark.parametrize("api", API_26_05)
def test_26_05_slurmdbd_down_is_retried_then_a_server_error(serve, api):
    url, canned = serve({"/slurmdb/%s/accounts" % api: [recorded("26.05", api + "/db_accounts_db_down")],
                         "/slurm/%s/ping" % api: [recorded("26.05", api + "/ping")]})
    with pytest.raises(rest.SlurmRestServerError) as info:
        client(url, api_version=api, retries=2).accounts()
    assert str(info.value) == ("slurmrestd error for GET %s/slurmdb/%s/accounts (HTTP 502 after 3 attempt(s)): "
                               "Failed to open slurmdbd connection: Unable to connect to database" % (url, api))
    assert [r[1] for r in canned.requests] == ["/slurmdb/%s/accounts" % api, "/slurm/%s/ping" % api] + \
        ["/slurmdb/%s/accounts" % api] * 2


@pytest.mark.parametrize("api", API_26_05)
def test_26_05_slurmctld_down(serve, api):
    url, canned = serve({"/slurm/%s/nodes" % api: [recorded("26.05", api + "/nodes_ctld_down")]})
    with pytest.raises(rest.SlurmRestServerError) as info:
        client(url, api_version=api, retries=1).nodes()
    assert str(info.value) == ("slurmrestd error for GET %s/slurm/%s/nodes (HTTP 502 after 2 attempt(s)): Failure to "
                               "query nodes: Unable to contact slurm controller (connect failure)" % (url, api))


def test_26_05_unknown_version_is_404(serve):
    url, canned = serve({"/slurm/v0.0.99/ping": [recorded("26.05", "error_unknown_version")]})
    with pytest.raises(rest.SlurmRestVersionError) as info:
        client(url, api_version="v0.0.99").ping()
    assert str(info.value) == ("slurmrestd does not serve GET %s/slurm/v0.0.99/ping (HTTP 404, unknown API version or "
                               "operation)" % url)


@pytest.mark.parametrize("api", API_26_05)
def test_26_05_node_update(serve, api):
    url, canned = serve({"/slurm/%s/node/rec" % api: [recorded("26.05", api + "/node_update_drain")]})
    client(url, api_version=api).node_update("rec", "drain", "rest drain")
    assert [(r[0], r[1], r[3]) for r in canned.requests] == [("POST", "/slurm/%s/node/rec" % api,
                                                              {"state": ["DRAIN"], "reason": "rest drain"})]


def test_get_since_sends_update_time_and_tells_unchanged_answers(serve):
    """update_time goes as uts<seconds> (parse_time() rejects a bare number); both forms of "no change" give None.

    Slurm's source answers nodes and partitions with HTTP 304 and no body, jobs with HTTP 200, no
    job and last_update 0 (24.11.5's real answers: test_24_11_recorded_answers_to_update_time).
    """
    status, jobs = recorded("24.11", "v0.0.42/jobs")
    last = jobs["last_update"]["number"]
    url, canned = serve({"/slurm/v0.0.42/jobs": [(status, jobs)],
                         "/slurm/v0.0.42/jobs?update_time=uts%d" % last: [(200, jobs_unchanged(jobs))],
                         "/slurm/v0.0.42/partitions?update_time=uts%d" % last: [(304, "")],
                         "/slurm/v0.0.42/nodes?update_time=uts%d" % (last + 1): [recorded("24.11", "v0.0.42/nodes")]})
    c = client(url, api_version="v0.0.42")
    assert rest.last_update(c.get_since("slurm", "jobs")) == last
    assert c.get_since("slurm", "jobs", since=last) is rest.NOT_MODIFIED is None
    assert c.get_since("slurm", "partitions", since=last) is rest.NOT_MODIFIED
    assert c.get_since("slurm", "nodes", since=last + 1)["nodes"][0]["name"] == "rec"  # changed: every node
    assert [path for method, path, headers, body in canned.requests] == [
        "/slurm/v0.0.42/jobs", "/slurm/v0.0.42/jobs?update_time=uts%d" % last,
        "/slurm/v0.0.42/partitions?update_time=uts%d" % last, "/slurm/v0.0.42/nodes?update_time=uts%d" % (last + 1)]
    assert c.requests == 4  # a 304 is not retried


@pytest.mark.parametrize("body,expected", [({"last_update": {"set": True, "infinite": False, "number": 1795611158}}, 1795611158),
                                           ({"last_update": 1700000000}, 1700000000), ({}, None), (None, None),
                                           ({"last_update": {"set": False, "infinite": False, "number": 0}}, None)])
def test_last_update(body, expected):
    assert rest.last_update(body) == expected


@pytest.mark.parametrize("api", ["v0.0.40", "v0.0.41", "v0.0.42"])
def test_24_11_recorded_answers_to_update_time(serve, api):
    """Slurm 24.11.5's own answers (record.py): partitions 304, jobs "no job changes", nodes HTTP 500."""
    paths = {name: load("24.11", "rest/%s/%s_unchanged" % (api, name))["path"] for name in ("jobs", "partitions", "nodes")}
    since = int(paths["partitions"].rsplit("uts", 1)[1])
    answers = {path: [recorded("24.11", "%s/%s_unchanged" % (api, name))] for name, path in paths.items()}
    url, canned = serve(answers)
    c = client(url, api_version=api)
    assert c.get_since("slurm", "partitions", since=since) is rest.NOT_MODIFIED
    assert c.get_since("slurm", "jobs", since=since, query=rest.lean_query(api, "jobs")) is rest.NOT_MODIFIED
    # Slurm before 26.05.3 cannot answer nodes?update_time= when only nodes changed: never asked so.
    with pytest.raises(rest.SlurmRestError, match="Unable to query partitions"):
        c.get_since("slurm", "nodes", since=since)
    assert not rest.takes_update_time(api, "nodes", "24.11.5")
    assert rest.takes_update_time(api, "partitions", "24.11.5") and rest.takes_update_time(api, "jobs", "24.11.5")
    asked = [path for dummy, path, dummy, dummy in canned.requests]
    assert asked[:2] == [paths["partitions"], paths["jobs"]]  # a "no change" is not asked again
    assert set(asked[2:]) == {paths["nodes"]} and len(asked) == 2 + c.retries + 1  # an HTTP 500 is retried


@pytest.mark.parametrize("api", ["v0.0.40", "v0.0.41", "v0.0.42"])
def test_24_11_recorded_lean_jobs_answer_has_no_allocation_detail(api):
    """jobs?flags=ALL on Slurm 24.11.5 (record.py): no job_resources, no GRES detail; what jobs are read from stays."""
    rec = load("24.11", "rest/%s/jobs_lean" % api)
    assert rec["path"] == "/slurm/%s/jobs?%s" % (api, "&".join("%s=%s" % kv for kv in rest.lean_query(api, "jobs")))
    full = recorded("24.11", "%s/jobs" % api)[1]["jobs"][0]
    lean = rec["body"]["jobs"][0]
    assert full["job_resources"] and not lean["job_resources"] and lean["gres_detail"] == []
    job = data.normalise_job(lean)
    assert set(job) == set(data.normalise_job(full))
    assert all(job[key] for key in ("job_id", "user", "account", "partition", "state", "nodes", "cpus", "qos")), job
