# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The docker provider: against a fake Engine API (raises on any call it does not know), and once
against the real engine here when it answers."""

from __future__ import annotations

import io
import json
import os
import re
import socket
import tarfile
import time
import uuid
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from elastic_helpers import make_config

from ansible_collections.hpcstack.cluster.programs.hpcstack_elastic.providers.base import LaunchRequest, ProviderError
from ansible_collections.hpcstack.cluster.programs.hpcstack_elastic.providers.docker import DockerProvider
from ansible_collections.hpcstack.cluster.programs.hpcstack_elastic.providers.docker_api import DockerApi, unix_transport

SOCKET = "/var/run/docker.sock"


class FakeEngine:
    """A Docker Engine API v1.41 of containers only; anything else fails the test."""

    def __init__(self, images=("hpclab/compute:trixie",)):
        self.images = set(images)
        self.containers: dict[str, dict] = {}
        self.files: dict[str, dict] = {}
        self.calls: list[tuple[str, str]] = []

    def _find(self, ref):
        for cid, c in self.containers.items():
            if ref in (cid, c["Name"]):
                return cid
        return None

    def __call__(self, method, url, body, headers):
        parts = urlsplit(url)
        assert parts.path.startswith("/v1.41/"), "unversioned API call %s" % url
        path, query = parts.path[len("/v1.41"):], {k: v[0] for k, v in parse_qs(parts.query).items()}
        self.calls.append((method, path))
        if (method, path) == ("POST", "/containers/create"):
            spec = json.loads(body)
            if spec["Image"] not in self.images:
                return 404, b'{"message": "No such image: %s"}' % spec["Image"].encode()
            if self._find(query["name"]):
                return 409, b'{"message": "Conflict. The container name is already in use"}'
            cid = uuid.uuid4().hex
            self.containers[cid] = {"Name": query["name"], "Spec": spec, "State": "created", "Created": 1700000000}
            return 201, json.dumps({"Id": cid, "Warnings": []}).encode()
        if method == "GET" and path == "/containers/json":
            assert query["all"] == "1"
            wanted = json.loads(query["filters"])["label"]
            items = [{"Id": cid, "Names": ["/" + c["Name"]], "Labels": c["Spec"]["Labels"], "State": c["State"],
                      "Created": c["Created"], "NetworkSettings": {"Networks": self._networks(c)}}
                     for cid, c in self.containers.items()
                     if all(c["Spec"]["Labels"].get(k) == v for k, v in (w.split("=", 1) for w in wanted))]
            return 200, json.dumps(items).encode()
        match = re.fullmatch(r"/containers/([^/]+)(/json|/start|/archive)?", path)
        assert match, "unexpected Docker API call %s %s" % (method, url)
        cid = self._find(unquote(match.group(1)))
        if cid is None:
            return 404, b'{"message": "No such container"}'
        container, action = self.containers[cid], match.group(2)
        if method == "PUT" and action == "/archive":
            assert headers["Content-Type"] == "application/x-tar" and container["State"] == "created"
            with tarfile.open(fileobj=io.BytesIO(body)) as archive:
                for member in archive.getmembers():
                    self.files.setdefault(cid, {})[query["path"] + "/" + member.name] = \
                        archive.extractfile(member).read().decode()
            return 200, b""
        if method == "POST" and action == "/start":
            container["State"] = "running"
            return 204, b""
        if method == "GET" and action == "/json":
            return 200, json.dumps({"Id": cid, "Name": "/" + container["Name"], "Created": "2023-11-14T22:13:20.5Z",
                                    "Config": {"Labels": container["Spec"]["Labels"]},
                                    "State": {"Status": container["State"]},
                                    "NetworkSettings": {"Networks": self._networks(container)}}).encode()
        if method == "DELETE" and action is None:
            assert query == {"force": "1", "v": "1"}
            del self.containers[cid]
            return 204, b""
        raise AssertionError("unexpected Docker API call %s %s" % (method, url))

    @staticmethod
    def _networks(container):
        if container["State"] != "running":
            return {}
        net = container["Spec"]["HostConfig"]["NetworkMode"]
        return {net: {"IPAddress": "172.31.254.%d" % (10 + int(container["Name"][-1]))}}


def provider(tmp_path, engine, **docker):
    settings = {"image": "hpclab/compute:trixie", "network": "hpclab", "conf_servers": ["ctl1", "ctl2:6817"],
                "labels": {"org.hpcstack.lab": "hpclab"}}
    settings.update(docker)
    cfg = make_config(tmp_path, {"lab": {"nodes": "cloud[1-2]", "provider": "docker", "docker": settings}})
    return DockerProvider("hpc", "lab", cfg.classes["lab"].settings, api=DockerApi(engine))


def test_launch_starts_a_configless_node_container(tmp_path):
    engine = FakeEngine()
    lab = provider(tmp_path, engine)
    instance = lab.launch(LaunchRequest("cloud1", "tok1"))
    assert (instance.node, instance.node_class, instance.state) == ("cloud1", "lab", "running")
    assert instance.address.ip == "172.31.254.11" and instance.address.hostname == "cloud1"
    spec = engine.containers[instance.id]["Spec"]
    assert engine.containers[instance.id]["Name"] == "hpc-cloud1"
    assert spec["Hostname"] == "cloud1" and spec["NetworkingConfig"]["EndpointsConfig"]["hpclab"]["Aliases"] == ["cloud1"]
    assert spec["Labels"] == {"org.hpcstack.lab": "hpclab", "org.hpcstack.elastic.cluster": "hpc",
                              "org.hpcstack.elastic.class": "lab", "org.hpcstack.elastic.node": "cloud1",
                              "org.hpcstack.elastic.token": "tok1"}
    assert spec["HostConfig"]["CapAdd"] == ["SYS_ADMIN", "SYS_NICE"] and "Binds" not in spec["HostConfig"]
    assert engine.files[instance.id] == {"/etc/default/slurmd": 'SLURMD_OPTIONS="-b --conf-server ctl1,ctl2:6817 -N cloud1"\n'}
    assert [c for c in engine.calls if c[0] != "GET"] == [
        ("POST", "/containers/create"), ("PUT", "/containers/%s/archive" % instance.id),
        ("POST", "/containers/%s/start" % instance.id)]


def test_a_retry_of_the_same_attempt_reuses_the_container_and_a_new_attempt_replaces_it(tmp_path):
    engine = FakeEngine()
    lab = provider(tmp_path, engine)
    first = lab.launch(LaunchRequest("cloud1", "tok1"))
    assert lab.launch(LaunchRequest("cloud1", "tok1")).id == first.id
    second = lab.launch(LaunchRequest("cloud1", "tok2"))
    assert second.id != first.id and list(engine.containers) == [second.id]


def test_list_terminate_and_address_of(tmp_path):
    engine = FakeEngine()
    lab = provider(tmp_path, engine)
    one, two = lab.launch(LaunchRequest("cloud1", "a")), lab.launch(LaunchRequest("cloud2", "b"))
    other = provider(tmp_path, engine, name_prefix="x-")
    other.cluster = "other"
    other.launch(LaunchRequest("cloud1", "c"))
    assert sorted(i.node for i in lab.list()) == ["cloud1", "cloud2"]
    assert lab.address_of([one.id, "missing"]) == {one.id: one.address}
    lab.terminate([one.id, "missing"])
    assert [i.id for i in lab.list()] == [two.id]


def test_a_missing_image_is_the_reason_and_leaves_nothing_behind(tmp_path):
    engine = FakeEngine(images=())
    lab = provider(tmp_path, engine)
    with pytest.raises(ProviderError) as raised:
        lab.launch(LaunchRequest("cloud1", "tok1"))
    assert raised.value.reason == "(Code:DockerNotFound) No such image: hpclab/compute:trixie"
    assert engine.containers == {}


def test_an_unreachable_engine_is_the_reason(tmp_path):
    lab = provider(tmp_path, None)
    lab.api = DockerApi(unix_transport(str(tmp_path / "no.sock")))
    with pytest.raises(ProviderError, match=r"^\(Code:DockerEngineUnreachable\) cannot reach the Docker engine"):
        lab.list()


def _engine_answers():
    if not os.path.exists(SOCKET):
        return False
    try:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(2)
            sock.connect(SOCKET)
            sock.sendall(b"GET /_ping HTTP/1.0\r\n\r\n")
            return b"OK" in sock.recv(1024)
    except OSError:
        return False


@pytest.mark.skipif(not _engine_answers(), reason="no Docker engine answers on %s here" % SOCKET)
def test_real_engine_start_list_remove(tmp_path):
    image = "hpcstack/debian:trixie"
    cfg = make_config(tmp_path, {"lab": {"nodes": "n1", "provider": "docker", "docker": {
        "image": image, "network": "bridge", "conf_servers": ["ctl1"], "name_prefix": "tmp-elastic-%d-" % os.getpid()}}})
    lab = DockerProvider("tmp-elastic-%d" % os.getpid(), "lab", cfg.classes["lab"].settings, timeout=30)
    try:
        instance = lab.launch(LaunchRequest("n1", "tok"))
    except ProviderError as exc:
        if "No such image" in exc.message:
            pytest.skip("image %s is not built here (make images)" % image)
        raise
    try:
        assert instance.address is not None and instance.address.hostname == "n1"
        assert [i.id for i in lab.list()] == [instance.id]
        assert abs(instance.launched - time.time()) < 120
    finally:
        lab.terminate([instance.id])
    assert lab.list() == []
