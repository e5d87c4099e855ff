# -*- coding: utf-8 -*-
# Copyright (c) hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Command line and HTTP serving shared by both exporters.

    hpcstack-exporters slurm [options]     # slurmrestd -> /metrics on :9341 (see slurm --help)
    hpcstack-exporters job [options]       # job cgroups of this node -> /metrics on :9306

Common options: ``--listen-address``, ``--log-level``, ``--list-metrics`` (the metric reference,
without prometheus_client), ``--once`` (one scrape to stdout). Each exporter's module gives its
``DESCRIPTION``, ``ENV_PREFIX``, ``DEFAULT_PORT``, ``add_arguments``, ``build`` and ``list_metrics``.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from types import ModuleType

from ansible_collections.hpcstack.cluster.plugins.module_utils import _slurm_rest as rest

from . import __version__, job_collector, slurm_collector

try:
    import prometheus_client
except ImportError:  # only --list-metrics works without it
    prometheus_client = None

PROGRAM = "hpcstack-exporters"
EXPORTERS: dict[str, ModuleType] = {"slurm": slurm_collector, "job": job_collector}
LOG = logging.getLogger("hpcstack_exporters")


def split_listen_address(text: str) -> tuple[str, int]:
    """``host:port``, ``[v6]:port``, ``:port`` or ``port`` to (host, port); the host defaults to 0.0.0.0."""
    host, sep, port = text.rpartition(":")
    if not sep:
        host, port = "", text
    host = host.strip("[]") or "0.0.0.0"
    return host, int(port)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog=PROGRAM, description=__doc__.split("\n\n", maxsplit=1)[0])
    top.add_argument("--version", action="version", version="%(prog)s " + __version__)
    commands = top.add_subparsers(dest="exporter", metavar="{%s}" % ",".join(EXPORTERS), required=True)
    for name, module in EXPORTERS.items():
        def env(option: str, default: str | None, prefix: str = module.ENV_PREFIX) -> str | None:
            return os.environ.get(prefix + option, default)
        sub = commands.add_parser(name, description=module.DESCRIPTION,
                                  help=module.DESCRIPTION.split(".", maxsplit=1)[0])
        sub.add_argument("--listen-address", default=env("LISTEN_ADDRESS", "0.0.0.0:%d" % module.DEFAULT_PORT),
                         help="host:port to serve /metrics on (default %(default)s)")
        sub.add_argument("--log-level", default=env("LOG_LEVEL", "INFO"))
        sub.add_argument("--list-metrics", action="store_true", help="print the metric reference and exit")
        sub.add_argument("--once", action="store_true", help="print one scrape to stdout and exit")
        module.add_arguments(sub, env)
    return top


def serve(registry, listen_address: str, what: str) -> None:
    """Serve ``registry`` on ``listen_address`` until SIGTERM or SIGINT."""
    host, port = split_listen_address(listen_address)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *a: stop.set())
    # prometheus_client 0.17 and later return (server, thread); Debian 12's 0.16 returns None and
    # serves from a daemon thread, which ends with the process.
    started = prometheus_client.start_http_server(port, addr=host, registry=registry)
    LOG.info("serving %s on %s:%d", what, host, port)
    stop.wait()
    if started is not None:
        started[0].shutdown()


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    module = EXPORTERS[args.exporter]
    if args.list_metrics:
        sys.stdout.write(module.list_metrics())
        return 0
    logging.basicConfig(level=getattr(logging, str(args.log_level).upper(), logging.INFO),
                        format="%(asctime)s %(levelname)s %(message)s")
    if prometheus_client is None:
        sys.stderr.write("%s: the Python package prometheus_client is required\n" % PROGRAM)
        return 2
    try:
        collector = module.build(args)
    except rest.SlurmRestError as exc:
        sys.stderr.write("%s %s: %s\n" % (PROGRAM, args.exporter, exc))
        return 2
    registry = prometheus_client.CollectorRegistry(auto_describe=True)
    registry.register(collector)
    if args.once:
        sys.stdout.write(prometheus_client.generate_latest(registry).decode("utf-8"))
        return 0
    serve(registry, args.listen_address, "%s metrics" % args.exporter)
    return 0
