# -*- coding: utf-8 -*-
# Copyright (c) hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""scontrol: read nodes/partitions/jobs/config/reservations, change node states, reservations.

Reads use ``scontrol --json`` where the installed Slurm prints a format the normalisers know
(23.11+), else ``scontrol show -o`` text; both come back as the dicts of ``_slurm_data``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re
import time

try:
    from ansible_collections.hpcstack.cluster.plugins.module_utils import _slurm_data as data
    from ansible_collections.hpcstack.cluster.plugins.module_utils._slurm_cmd import (
        SlurmCommand, SlurmCommandError)
except ImportError:  # used outside Ansible
    import _slurm_data as data  # noqa
    from _slurm_cmd import SlurmCommand, SlurmCommandError  # noqa

JSON_MIN_VERSION = (23, 11)
NODE_STATES = ("drain", "undrain", "resume", "down", "reboot")
_REBOOT_FLAGS = ("reboot_requested", "reboot_issued")
_ERRORS = (
    ("Invalid node name specified", "unknown node name (not in slurm.conf)"),
    ("Invalid node state specified", "Slurm refused this state change for the node's current state"),
    ("Duplicate reservation name", "a reservation of that name already exists"),
    ("Requested reservation is invalid", "unknown reservation"),
    ("Invalid account or account/partition combination", "unknown account, or a user without an association"),
    ("Invalid user id", "unknown user"),
)

UNKNOWN_NODES = "unknown node(s): %s (Slurm has no node of that name; check the name and slurm.conf)"
_NOT_FOUND = re.compile(r"^Node \S+ not found$", re.MULTILINE)

_ENTITY_KEYS = {"node": ("nodes", data.normalise_node), "partition": ("partitions", data.normalise_partition),
                "job": ("jobs", data.normalise_job)}


def node_in_state(node, state):
    """True when ``node`` (normalised) needs no change to be in ``state``."""
    flags = node["flags"]
    if state == "drain":
        return "drain" in flags
    if state == "undrain":
        return "drain" not in flags
    if state == "resume":
        return "drain" not in flags and node["state"] != "down"
    if state == "down":
        return node["state"] == "down"
    if state == "reboot":
        return any(f in flags for f in _REBOOT_FLAGS)
    raise ValueError("unknown node state %r" % state)


def node_settled(node, state):
    """True when a change to ``state`` has finished (drain: no jobs left; reboot: node back)."""
    if state == "drain":
        return node["drained"]
    if state == "reboot":
        return not any(f in node["flags"] for f in _REBOOT_FLAGS) and node["state"] != "down"
    return node_in_state(node, state)


def node_summary(node):
    """A short state string for diffs, e.g. ``mixed+drain`` (``draining``/``drained`` noted)."""
    text = "+".join([node["state"]] + node["flags"])
    if node["draining"]:
        text += " (draining)"
    elif node["drained"]:
        text += " (drained)"
    return text


class Scontrol(SlurmCommand):
    def __init__(self, run, binary="scontrol"):
        super(Scontrol, self).__init__(run, binary, _ERRORS)
        self._version = None

    def version(self):
        """(major, minor) of the installed Slurm, from ``scontrol --version``."""
        if self._version is None:
            out = self.execute(["--version"])
            match = re.search(r"(\d+)\.(\d+)", out)
            self._version = (int(match.group(1)), int(match.group(2))) if match else (0, 0)
        return self._version

    def use_json(self):
        return self.version() >= JSON_MIN_VERSION

    def hostnames(self, names):
        """Expand hostlist expressions (``n[01-04],gpu1``) or a list of them to node names."""
        if isinstance(names, (list, tuple)):
            names = ",".join(names)
        if "[" not in names:
            return [n for n in names.split(",") if n]
        return self.execute(["show", "hostnames", names]).split()

    def show(self, entity, name=None):
        """Normalised list for ``node``, ``partition`` or ``job``."""
        key, normalise = _ENTITY_KEYS[entity]
        target = [name] if name else []
        if self.use_json():
            body = json.loads(self.execute(["--json", "show", entity] + target))
            return [normalise(item) for item in body.get(key) or []]
        out = self.execute(["show", "-o", entity] + target)
        return [normalise(rec) for rec in data.parse_scontrol_records(out)]

    def nodes(self, names=None):
        """Normalised nodes; ``names`` a list restricts the result (unknown names raise)."""
        if not names:
            return self.show("node")
        try:
            found = self.show("node", ",".join(names))
        except SlurmCommandError as exc:  # text: rc 1, "Node NAME not found" per unknown name
            if not _NOT_FOUND.search(exc.stdout + exc.stderr):
                raise
            found = [data.normalise_node(rec) for rec in data.parse_scontrol_records(exc.stdout)]
        missing = sorted(set(names) - set(n["name"] for n in found))
        if missing:  # --json (24.11): rc 0, the known ones only (none: warning "No nodes to dump")
            raise SlurmCommandError(UNKNOWN_NODES % ", ".join(missing))
        return found

    def config(self):
        return data.parse_scontrol_config(self.execute(["show", "config"]))

    def reservation(self, name):
        """The normalised reservation ``name`` or None."""
        try:
            out = self.execute(["show", "-o", "reservation", name])
        except SlurmCommandError as exc:
            if "not found" in (exc.stdout + exc.stderr):
                return None
            raise
        records = data.parse_scontrol_records(out)
        return data.normalise_reservation(records[0]) if records else None

    # -- node changes ----------------------------------------------------------------------
    @staticmethod
    def node_command(names, state, reason=None, next_state=None, asap=False):
        """argv (without the binary) that puts ``names`` in ``state``."""
        if state == "reboot":
            args = ["reboot"] + (["ASAP"] if asap else [])
            if next_state:
                args.append("nextstate=%s" % next_state)
            if reason:
                args.append("reason=%s" % reason)
            return args + [",".join(names)]
        args = ["update", "nodename=%s" % ",".join(names), "state=%s" % state]
        if reason and state in ("drain", "down"):
            args.append("reason=%s" % reason)
        return args

    def wait_nodes(self, names, state, timeout, interval, sleep=None, clock=None):
        """Poll until every node has settled in ``state``; returns (settled, last nodes)."""
        sleep = sleep or time.sleep
        clock = clock or time.monotonic
        deadline = clock() + timeout
        while True:
            nodes = self.nodes(names)
            if all(node_settled(n, state) for n in nodes):
                return True, nodes
            if clock() + interval > deadline:
                return False, nodes
            sleep(interval)


def reservation_changes(current, want):
    """scontrol ``key=value`` settings turning reservation ``current`` (or None) into ``want``.

    ``want`` holds only the options the user set: start_time, end_time, duration (minutes or a
    Slurm time string), nodes, partition, users, accounts, flags. Flags are only added (Slurm
    adds implied ones such as SPEC_NODES); users/accounts are exact sets.
    """
    settings = []
    cur = current or {}
    if want.get("start_time") and (not current or want["start_time"] != cur.get("start_time")):
        settings.append("StartTime=%s" % want["start_time"])
    if want.get("end_time") and (not current or want["end_time"] != cur.get("end_time")):
        settings.append("EndTime=%s" % want["end_time"])
    if want.get("duration") is not None:
        minutes = data.parse_duration(want["duration"])
        if not current or minutes != cur.get("duration"):
            settings.append("Duration=%s" % (minutes if minutes is not None else "UNLIMITED"))
    if want.get("nodes") and (not current or want["nodes"] != cur.get("nodes")):
        settings.append("Nodes=%s" % want["nodes"])
    if want.get("partition") and (not current or want["partition"] != cur.get("partition")):
        settings.append("PartitionName=%s" % want["partition"])
    for key, option in (("users", "Users"), ("accounts", "Accounts")):
        if want.get(key) is not None and (not current or sorted(want[key]) != sorted(cur.get(key, []))):
            settings.append("%s=%s" % (option, ",".join(want[key])))
    if want.get("flags"):
        missing = [f.upper() for f in want["flags"] if f.upper() not in cur.get("flags", [])]
        if missing:
            settings.append(("Flags=%s" if not current else "Flags+=%s") % ",".join(missing))
    return settings
