# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Detached workers log each action to the journal's syslog socket under the identifier hpcstack-elastic."""

from __future__ import annotations

import gc
import os
import socket

from ansible_collections.hpcstack.cluster.programs.hpcstack_elastic import journal


def test_actions_reach_the_syslog_socket_with_the_identifier(tmp_path, monkeypatch):
    path = str(tmp_path / "log")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(path)
        server.settimeout(5)
        monkeypatch.setattr(journal, "SYSLOG_SOCKET", path)
        try:
            journal.setup(detached=True)
            journal.action("terminate", instance="i-0abc", node="aws-3", why="orphan: node aws-3 is powered down")
            message = server.recv(4096).decode()
        finally:
            journal.setup(detached=False)
    # <30> = facility daemon, level info; journald takes "hpcstack-elastic" as SYSLOG_IDENTIFIER.
    assert message == '<30>hpcstack-elastic[%d]: terminate instance=i-0abc node=aws-3 why="orphan: node aws-3 ' \
                      'is powered down"\x00' % os.getpid()


def test_without_a_syslog_socket_actions_go_to_stderr(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(journal, "SYSLOG_SOCKET", str(tmp_path / "none"))
    monkeypatch.setenv("INVOCATION_ID", "x")  # under systemd: no timestamp, the journal adds its own
    journal.setup(detached=True)
    journal.action("set-address", node="c1", address="10.0.0.1")
    assert capsys.readouterr().err == "set-address node=c1 address=10.0.0.1\n"


def test_a_detached_worker_loses_no_message_to_its_inherited_socket(tmp_path, monkeypatch):
    """The worker closed every inherited descriptor (detach.py) and the new syslog socket gets the old one's
    number: forgetting the old handler must not close the new socket (its first messages went nowhere)."""
    path = str(tmp_path / "log")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(path)
        server.settimeout(5)
        monkeypatch.setattr(journal, "SYSLOG_SOCKET", path)
        try:
            journal.setup(detached=True)
            inherited = journal.LOG.handlers[0].socket.fileno()
            os.close(inherited)  # what detach's closerange does in the worker
            journal.setup(detached=True, inherited=True)
            assert journal.LOG.handlers[0].socket.fileno() == inherited  # the number is reused
            gc.collect()
            journal.action("launched", node="lab1")
            journal.action("launched", node="lab2")
            received = [server.recv(4096).decode(), server.recv(4096).decode()]
        finally:
            journal.setup(detached=False)
    assert [m.split(": ", 1)[1] for m in received] == ["launched node=lab1\x00", "launched node=lab2\x00"]
