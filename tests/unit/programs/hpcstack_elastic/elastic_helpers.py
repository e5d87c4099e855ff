# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fakes for the hpcstack-elastic tests: a Slurm that answers from recorded node records, a provider.

Both raise on anything they were not built for, so a test fails on an unexpected call.
"""

from __future__ import annotations

import copy
import json
import os
import re
import sys

import hostlist

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "slurm"))
from slurm_fixtures import load, version_output  # noqa: E402

from ansible_collections.hpcstack.cluster.plugins.plugin_utils import _zipapp  # noqa: E402
from ansible_collections.hpcstack.cluster.programs.hpcstack_elastic.config import parse  # noqa: E402
from ansible_collections.hpcstack.cluster.programs.hpcstack_elastic.providers.base import (  # noqa: E402
    Address, Instance, Provider, ProviderError)

CLOUD_VERSIONS = tuple(v for v in ("22.05", "24.11", "26.05")
                       if os.path.isdir(os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "slurm",
                                                     v, "elastic")))
# What `scontrol --version` prints, from the recordings (slurm_fixtures.version_output).
VERSION_LINE = {v: version_output(v) for v in CLOUD_VERSIONS}


def recorded_node(version: str, name: str) -> dict | str:
    """The first node of a recorded ``scontrol show node`` (a JSON dict from 23.11 on, else the text line)."""
    if version in ("22.05",):
        return load(version, "elastic/" + name)["stdout"].strip().splitlines()[0]
    return json.loads(load(version, "elastic/%s_json" % name)["stdout"])["nodes"][0]


ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))


def build_zipapp(path) -> str:
    """Build hpcstack-elastic's zipapp at ``path`` as a role would (hpcstack.cluster.program uses _zipapp)."""
    _zipapp.write("hpcstack_elastic", str(path), root=ROOT)
    return str(path)


def make_config(tmp_path, classes: dict, **top) -> object:
    data = {"version": 1, "cluster": "hpc", "state_dir": str(tmp_path / "state"), "classes": classes}
    data.update(top)
    config, problems = parse(data)
    assert not problems, problems
    return config


class FakeSlurm:
    """``run(argv)`` for Scontrol: node records rendered in the recorded format of ``version``.

    Nodes: name -> {"state", "flags" (set), "address", "hostname", "reason"}. Updates follow Slurm's
    rules closely enough for the program (checked against the recorded cycle in test_elastic_slurm_cycle).
    """

    def __init__(self, nodes: dict | None = None, version: str = "24.11") -> None:
        self.version = version
        self.nodes: dict[str, dict] = {}
        self.calls: list[list[str]] = []
        self.fail_updates = False
        self.template = recorded_node(version, "powered_down")
        # The ping line is the same from 22.05 to 26.05 (scontrol.c); recorded on 24.11: controller "rec".
        self.ping = load("24.11", "elastic/ping")
        for name, spec in (nodes or {}).items():
            self.add(name, **spec)

    def add(self, name: str, state: str = "idle", flags=("cloud", "powered_down"), address: str | None = None,
            reason: str = "") -> None:
        self.nodes[name] = {"state": state, "flags": set(flags), "address": address or name,
                            "hostname": address and "host-" + name or name, "reason": reason}

    def updates(self) -> list[list[str]]:
        return [c[1:] for c in self.calls if len(c) > 1 and c[1] == "update"]

    # -- rendering ---------------------------------------------------------------------------
    def _json_node(self, name: str, node: dict) -> dict:
        raw = copy.deepcopy(self.template)
        raw.update(name=name, hostname=node["hostname"], address=node["address"], reason=node["reason"],
                   state=[node["state"].upper()] + sorted(f.upper() for f in node["flags"]))
        return raw

    def _text_node(self, name: str, node: dict) -> str:
        line = re.sub(r"\bNodeName=\S+", "NodeName=" + name, self.template)
        line = re.sub(r"\bNodeAddr=\S+", "NodeAddr=" + node["address"], line)
        line = re.sub(r"\bNodeHostName=\S+", "NodeHostName=" + node["hostname"], line)
        state = "+".join([node["state"].upper()] + sorted(f.upper() for f in node["flags"]))
        line = re.sub(r"\bState=\S+", "State=" + state, line)
        line = re.sub(r" Reason=.*$", "", line)
        return line + (" Reason=%s [slurm@2026-12-01T05:00:00]" % node["reason"] if node["reason"] else "")

    def _show(self) -> str:
        if isinstance(self.template, dict):
            return json.dumps({"nodes": [self._json_node(n, v) for n, v in sorted(self.nodes.items())]})
        return "\n".join(self._text_node(n, v) for n, v in sorted(self.nodes.items())) + "\n"

    # -- updates -----------------------------------------------------------------------------
    def _update(self, words: list[str]) -> tuple[int, str, str]:
        args = dict(w.split("=", 1) for w in words)
        names = args.pop("nodename").split(",")
        unknown = [n for n in names if n not in self.nodes]
        if unknown or self.fail_updates:
            return 1, "", "slurm_update error: Invalid node name specified\n"
        if "nodeaddr" in args:
            addrs, hosts = args.pop("nodeaddr").split(","), args.pop("nodehostname").split(",")
            assert len(addrs) == len(names) == len(hosts), "Slurm refuses: nodecount mismatch"
            for name, addr, host in zip(names, addrs, hosts):
                self.nodes[name].update(address=addr, hostname=host)
        state = args.pop("state", None)
        reason = args.pop("reason", None)
        assert not args, "unexpected update arguments %r" % args
        invalid = False
        for name in names:
            node = self.nodes[name]
            if state == "resume" and node["state"] != "down" and "drain" not in node["flags"]:
                invalid = True  # Slurm (update_node): this node is skipped, the others are updated
                continue
            if state == "down":
                assert reason, "scontrol: You must specify a reason when DOWNING or DRAINING a node"
                node.update(state="down", reason=reason)
            elif state == "power_down_force":
                node["flags"] -= {"powering_up", "not_responding", "powered_down"}
                node["flags"].add("powering_down")
            elif state == "resume":
                node["flags"] -= {"drain"}
                if node["state"] == "down":  # Slurm then waits for a registration (fixture returned_to_service)
                    node.update(state="idle", reason="")
                    node["flags"].add("not_responding")
            elif state is not None:
                raise AssertionError("unexpected state %r" % state)
        if invalid:
            return 1, "", "slurm_update error: Invalid node state specified\n"
        return 0, "", ""

    def finish_power_down(self) -> None:
        """SuspendTimeout passed: POWERING_DOWN -> POWERED_DOWN, address back to the name (as Slurm does)."""
        for name, node in self.nodes.items():
            if "powering_down" in node["flags"]:
                node["flags"] = (node["flags"] - {"powering_down"}) | {"powered_down"}
                node.update(address=name, hostname=name)

    def __call__(self, argv) -> tuple[int, str, str]:
        argv = list(argv)
        self.calls.append(argv)
        words = argv[1:]
        if words == ["--version"]:
            return 0, VERSION_LINE[self.version], ""
        if words[:2] == ["show", "hostnames"]:
            return 0, "\n".join(hostlist.expand_hostlist(words[2])) + "\n", ""
        if words in (["--json", "show", "node"], ["show", "-o", "node"]):
            return 0, self._show(), ""
        if words[:1] == ["update"]:
            return self._update(words[1:])
        if words == ["ping"]:
            return self.ping["rc"], self.ping["stdout"], self.ping["stderr"]
        raise AssertionError("unexpected scontrol call %r" % argv)


class FakeProvider(Provider):
    """In-memory instances; ``errors[node]`` makes that node's launch fail, ``addressless`` launches without address."""

    def __init__(self, cluster="hpc", node_class="lab", clock=lambda: 1000.0, scope=("fake",)) -> None:
        super().__init__(cluster, node_class)
        self.instances: dict[str, Instance] = {}
        self.errors: dict[str, ProviderError] = {}
        self.addressless: set[str] = set()
        self.address_after: dict[str, int] = {}  # instance id -> address_of calls before it has one
        self.calls: list[tuple] = []
        self.clock = clock
        self._scope = scope
        self._next = 0

    @property
    def scope(self) -> tuple:
        return self._scope

    def add(self, node, launched=0.0, address=None, node_class=None) -> Instance:
        self._next += 1
        instance = Instance(id="i-%04d" % self._next, node=node, node_class=node_class or self.node_class,
                            launched=launched, address=Address(address, "h-" + str(node)) if address else None)
        self.instances[instance.id] = instance
        return instance

    def launch(self, request) -> Instance:
        self.calls.append(("launch", request.node, request.token))
        if request.node in self.errors:
            raise self.errors[request.node]
        instance = self.add(request.node, launched=self.clock(), address="10.0.0.%d" % (self._next + 1))
        if request.node in self.addressless:
            instance = Instance(instance.id, instance.node, instance.node_class, instance.launched, None)
            self.instances[instance.id] = instance
        return instance

    def terminate(self, instance_ids) -> None:
        self.calls.append(("terminate", tuple(instance_ids)))
        for instance_id in instance_ids:
            assert instance_id in self.instances, "terminate of an unknown instance %s" % instance_id
            del self.instances[instance_id]

    def list(self) -> list[Instance]:
        self.calls.append(("list",))
        return list(self.instances.values())

    def address_of(self, instance_ids) -> dict:
        self.calls.append(("address_of", tuple(instance_ids)))
        result = {}
        for instance_id in instance_ids:
            if instance_id not in self.instances:
                continue
            left = self.address_after.get(instance_id)
            if left is not None:
                self.address_after[instance_id] = left - 1
                if left > 0:
                    result[instance_id] = None
                    continue
                result[instance_id] = Address("10.1.0.9", "h-late")
                continue
            result[instance_id] = self.instances[instance_id].address
        return result


class Clock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
