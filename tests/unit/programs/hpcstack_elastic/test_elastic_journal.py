# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Detached workers log each action to the journal's syslog socket under the identifier hpcstack-elastic."""

from __future__ import annotations

import gc
import os
import socket

import pytest

from ansible_collections.hpcstack.cluster.programs.hpcstack_elastic import journal


@pytest.fixture
def syslog(tmp_path, monkeypatch):
    """A stand-in for journald's syslog socket; the logger goes back to stderr afterwards."""
    path = str(tmp_path / "log")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(path)
        server.settimeout(5)
        monkeypatch.setattr(journal, "SYSLOG_SOCKET", path)
        try:
            yield server
        finally:
            journal.setup(detached=False)


def test_actions_reach_the_syslog_socket_with_the_identifier(syslog):
    journal.setup(detached=True)
    journal.action("terminate", instance="i-0abc", node="aws-3", why="orphan: node aws-3 is powered down")
    message = syslog.recv(4096).decode()
    # <30> = facility daemon, level info; journald takes "hpcstack-elastic" as SYSLOG_IDENTIFIER.
    assert message == '<30>hpcstack-elastic[%d]: terminate instance=i-0abc node=aws-3 why="orphan: node aws-3 ' \
                      'is powered down"\x00' % os.getpid()


def test_without_a_syslog_socket_actions_go_to_stderr(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(journal, "SYSLOG_SOCKET", str(tmp_path / "none"))
    monkeypatch.setenv("INVOCATION_ID", "x")  # under systemd: no timestamp, the journal adds its own
    journal.setup(detached=True)
    journal.action("set-address", node="c1", address="10.0.0.1")
    assert capsys.readouterr().err == "set-address node=c1 address=10.0.0.1\n"


def test_a_detached_worker_loses_no_message_to_its_inherited_socket(syslog):
    """The worker closed every inherited descriptor (detach.py) and the new syslog socket gets the old one's
    number: forgetting the old handler must not close the new socket (its first messages went nowhere)."""
    journal.setup(detached=True)
    inherited = journal.LOG.handlers[0].socket.fileno()
    os.close(inherited)  # what detach's closerange does in the worker
    journal.setup(detached=True, inherited=True)
    assert journal.LOG.handlers[0].socket.fileno() == inherited  # the number is reused
    gc.collect()
    journal.action("launched", node="lab1")
    journal.action("launched", node="lab2")
    received = [syslog.recv(4096).decode(), syslog.recv(4096).decode()]
    assert [m.split(": ", 1)[1] for m in received] == ["launched node=lab1\x00", "launched node=lab2\x00"]
