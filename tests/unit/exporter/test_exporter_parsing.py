# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Slurm exporter: compact records, label bounds, the streaming JSON decoder (GRES/TRES: test_slurm_data)."""

from __future__ import annotations

import io
import json

import pytest

from exporter_helpers import recorded

from ansible_collections.hpcstack.cluster.programs.hpcstack_exporters.slurm_samples import (
    bound_labels, compact_job, compact_node)
from ansible_collections.hpcstack.cluster.programs.hpcstack_exporters.stream import decode_stream


def test_bound_labels():
    weights = {"u%02d" % i: i for i in range(10)}
    mapping, folded = bound_labels(weights, 4)
    assert set(mapping.values()) == {"u09", "u08", "u07", "__other__"} and folded == 7
    assert bound_labels(weights, 10) == (dict((k, k) for k in weights), 0)
    assert bound_labels({"a": 1, "b": 1}, 1)[0] == {"a": "__other__", "b": "__other__"}


class Chunked(io.RawIOBase):
    """A response whose read(n) returns at most ``size`` bytes, like a slow socket."""

    def __init__(self, raw, size):
        super().__init__()
        self.raw, self.size, self.pos = raw, size, 0

    def read(self, n=-1):
        n = min(self.size, n if n >= 0 else self.size)
        chunk, self.pos = self.raw[self.pos:self.pos + n], self.pos + n
        return chunk


@pytest.mark.parametrize("size", [5, 64, 100000])
def test_decode_stream_matches_json(size):
    status, body = recorded("24.11", "v0.0.42/jobs")
    body["number"] = 12345678901234
    body["unicode"] = "h\u00e9las \u2713"
    raw = json.dumps(body, indent=1, ensure_ascii=False).encode("utf-8")
    decoded = decode_stream(Chunked(raw, size).read, {}, chunk=size)
    assert decoded == body
    reduced = decode_stream(Chunked(raw, size).read, {"jobs": lambda j: j["job_id"]}, chunk=size)
    assert reduced["jobs"] == [j["job_id"] for j in body["jobs"]] and reduced["meta"] == body["meta"]


@pytest.mark.parametrize("raw", [b'{"jobs": [1, 2', b'{"jobs": [1 2]}', b"[1]", b'{"a": 1} junk', b""])
def test_decode_stream_rejects_bad_json(raw):
    if raw.endswith(b"junk"):  # trailing data after the object is ignored, like slurmrestd's clients do
        assert decode_stream(Chunked(raw, 3).read, {}) == {"a": 1}
        return
    with pytest.raises(ValueError):
        decode_stream(Chunked(raw, 3).read, {"jobs": int})


def test_decode_stream_empty_things():
    assert decode_stream(Chunked(b" { } ", 2).read, {}) == {}
    assert decode_stream(Chunked(b'{"jobs": [ ], "x": []}', 2).read, {"jobs": int}) == {"jobs": [], "x": []}


@pytest.mark.parametrize("version,api", [("22.05", "v0.0.38"), ("24.11", "v0.0.40"), ("24.11", "v0.0.42")])
def test_compact_job_same_in_every_version(version, api):
    status, body = recorded(version, api + "/jobs")
    running = [compact_job(j) for j in body["jobs"] if "RUNNING" in str(j["job_state"])][0]
    assert running.state == "running" and running.user == "bob" and running.account == "physics"
    assert running.partitions == ("debug",) and running.cpus == 1 and running.nodes == 1
    assert running.memory == 12052 * 1024 ** 2 and running.gpus == 0 and running.submit > 1.7e9


def test_compact_job_gpus_from_tres_per_node():
    status, body = recorded("24.11", "v0.0.42/jobs")
    job = dict(body["jobs"][0], job_state=["PENDING"], tres_req_str="cpu=1,mem=1G", tres_per_node="gres/gpu:a100:2")
    assert compact_job(job).gpus == 2


def test_compact_node_same_in_every_version():
    nodes = []
    for version, api in (("22.05", "v0.0.38"), ("24.11", "v0.0.42")):
        status, body = recorded(version, api + "/nodes_draining")
        nodes.append(compact_node(body["nodes"][0]))
    for node in nodes:
        assert (node["state"], node["flags"], node["cpus"], node["alloc_cpus"], node["real_memory"]) == \
            ("mixed", ["drain"], 2, 1, 12052)
        assert node["free_memory"] > 0 and node["boot_time"] > 1.7e9 and node["arch"] == "x86_64"
