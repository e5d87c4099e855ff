# -*- coding: utf-8 -*-
# Copyright (c) hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Logging to the journal: every action on a node or an instance is one line there.

Detached workers have no stderr, so they log through ``/dev/log`` (journald's syslog socket)
under the identifier ``hpcstack-elastic``; a run under systemd (the reconcile timer) or in a
terminal logs to stderr, which the journal or the user sees. ``journalctl -t hpcstack-elastic``
shows both.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import socket
import sys

IDENT = "hpcstack-elastic"
LOG = logging.getLogger(IDENT)
SYSLOG_SOCKET = "/dev/log"


def setup(detached: bool, level: int = logging.INFO, inherited: bool = False) -> logging.Logger:
    """(Re)configure the program's logger; call again in a detached child with ``inherited``.

    The detached child has closed every descriptor it inherited, the old handler's syslog socket
    among them, and the new handler's socket may get the same number. Closing the old socket
    object then (explicitly, or when it is garbage-collected) would close the new one: a message
    written right after was lost that way. ``inherited`` forgets the old sockets without closing.
    """
    for handler in list(LOG.handlers):
        LOG.removeHandler(handler)
        sock = getattr(handler, "socket", None)
        if inherited and isinstance(sock, socket.socket):
            sock.detach()  # the descriptor is gone already; never close its number again
    handler: logging.Handler
    if detached and os.path.exists(SYSLOG_SOCKET):
        handler = logging.handlers.SysLogHandler(address=SYSLOG_SOCKET,
                                                 facility=logging.handlers.SysLogHandler.LOG_DAEMON)
        handler.ident = IDENT + "[%d]: " % os.getpid()
        handler.setFormatter(logging.Formatter("%(message)s"))
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(
            "%(message)s" if os.environ.get("INVOCATION_ID") else "%(asctime)s %(levelname)s %(message)s"))
    LOG.addHandler(handler)
    LOG.setLevel(level)
    LOG.propagate = False
    return LOG


def action(what: str, **facts) -> None:
    """One action, as ``what key=value ...`` (what changed, on which node or instance, and why)."""
    LOG.info("%s %s", what, " ".join("%s=%s" % (k, _quote(v)) for k, v in facts.items() if v is not None))


def _quote(value) -> str:
    text = str(value)
    return '"%s"' % text.replace('"', "'") if (" " in text or not text) else text
