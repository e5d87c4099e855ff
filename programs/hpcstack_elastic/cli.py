# -*- coding: utf-8 -*-
# Copyright (c) hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Command line: ``hpcstack-elastic [--config FILE] resume|suspend|resume-fail HOSTLIST``, ``reconcile``,
``check-config``.

``resume``, ``suspend`` and ``resume-fail`` are what slurm.conf's ResumeProgram, SuspendProgram
and ResumeFailProgram run (as SlurmUser, on the controllers). They copy their input (and
SLURM_RESUME_FILE) into the state directory, detach a worker and exit 0 within milliseconds;
``--foreground`` keeps the work in the process (tests, the benchmark, an admin at a terminal).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from . import __version__, journal, resume_file
from .config import DEFAULT_PATH, Config, ConfigError, load
from .detach import detach
from .providers import Factory, Providers, default_factory
from .reconcile import Reconciler
from .resume import REASON_PREFIX, Resumer
from .slurm import Runner, Slurm, SlurmCommandError, subprocess_runner
from .state import StateDir
from .suspend import Suspender

WORKERS = ("resume", "suspend", "resume-fail")
EXIT_CONFIG = 2


@dataclass
class Environment:
    """What the commands act on; tests replace the runner and the provider factory."""
    environ: Mapping[str, str]
    runner: Runner | None = None
    factory: Factory | None = None
    background: Callable[[Callable[[], int]], int | None] = detach
    hostname: str | None = None  # this controller's name in ``scontrol ping`` (default: the short host name)

    def slurm(self, config: Config) -> Slurm:
        return Slurm(self.runner or subprocess_runner(), config.scontrol)

    def providers(self, config: Config) -> Providers:
        return Providers(config, self.factory or default_factory())


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hpcstack-elastic", description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--config", default=None, help="the JSON config (default: $HPCSTACK_ELASTIC_CONFIG or %s)"
                        % DEFAULT_PATH)
    parser.add_argument("--foreground", action="store_true", help="do the work now instead of in a detached worker")
    parser.add_argument("--verbose", "-v", action="store_true", help="log debug messages")
    parser.add_argument("--quiet", "-q", action="store_true", help="log warnings and errors only")
    parser.add_argument("--version", action="version", version="%(prog)s " + __version__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, what in (("resume", "launch instances for nodes Slurm powers up (ResumeProgram)"),
                       ("suspend", "terminate the instances of nodes Slurm powers down (SuspendProgram)"),
                       ("resume-fail", "clean up nodes that missed ResumeTimeout (ResumeFailProgram)")):
        sub.add_parser(name, help=what).add_argument("nodes", help="a Slurm hostlist, e.g. aws-c5-[1-4]")
    reconcile = sub.add_parser("reconcile", help="make instances and Slurm's cloud nodes agree (run by a systemd timer)")
    reconcile.add_argument("--metrics-file", default=None,
                           help="write the pass's counts there as Prometheus text (node_exporter's textfile collector)")
    check = sub.add_parser("check-config", help="validate the config; prints its classes")
    check.add_argument("--offline", action="store_true", help="do not ask Slurm to expand the hostlists")
    return parser


def _work(kind: str, config: Config, env: Environment, request_id: str) -> int:
    state = StateDir(config.state_dir)
    request = state.load_request(request_id)
    slurm = env.slurm(config)
    providers = env.providers(config)
    try:
        nodes = slurm.hostnames(request.get("nodes") or "")
        if kind == "resume":
            result = Resumer(config, slurm, providers, state).run(nodes, resume_file.jobs(request.get("resume_file")),
                                                                  attempt=request_id)
            status = 0 if not result.failed else 1
        else:
            status = 1 if Suspender(config, slurm, providers, state).run(nodes, kind == "resume-fail") else 0
    except Exception:  # the journal must show why, whatever it was
        journal.LOG.exception("%s of %s failed", kind, request.get("nodes"))
        return 1
    finally:
        state.drop_request(request_id)
    return status


def _fail_unconfigured(nodes: str, error: Exception, env: Environment) -> None:
    """Without a usable config, still end the power-up: DOWN with the reason, then powered down."""
    slurm = Slurm(env.runner or subprocess_runner())
    try:
        names = slurm.hostnames(nodes)
        slurm.down(names, REASON_PREFIX + "(Code:ConfigError) %s" % str(error).splitlines()[0])
        slurm.power_down(names)
    except SlurmCommandError as exc:
        journal.LOG.error("could not set %s DOWN: %s", nodes, exc.message)


def _start_worker(args: argparse.Namespace, config_path: str, env: Environment, resume_data: dict | None) -> int:
    try:
        config = load(config_path)
    except ConfigError as exc:
        journal.LOG.error("%s", exc)
        if args.command == "resume":
            _fail_unconfigured(args.nodes, exc, env)
        return EXIT_CONFIG
    state = StateDir(config.state_dir)
    request_id = state.save_request(args.command, {"nodes": args.nodes, "resume_file": resume_data})
    journal.action(args.command + "-requested", nodes=args.nodes, request=request_id)

    def work() -> int:
        if not args.foreground:
            journal.setup(detached=True, level=journal.LOG.level, inherited=True)
        return _work(args.command, config, env, request_id)
    if args.foreground:
        return work()
    env.background(work)
    return 0


def _slurm_expander(env: Environment) -> Callable[[str], list[str]]:
    slurm = Slurm(env.runner or subprocess_runner())

    def expand(expression: str) -> list[str]:
        try:
            return slurm.hostnames(expression)
        except SlurmCommandError as exc:
            raise ValueError(exc.message) from exc
    return expand


def _check_config(args: argparse.Namespace, config_path: str, env: Environment) -> int:
    expand = None if args.offline else _slurm_expander(env)
    try:
        config = load(config_path, expand)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return EXIT_CONFIG
    print(json.dumps({"cluster": config.cluster, "classes": {n: {"nodes": c.nodes, "provider": c.provider}
                                                             for n, c in sorted(config.classes.items())}}))
    return 0


def main(argv: Sequence[str] | None = None, env: Environment | None = None) -> int:
    env = env or Environment(os.environ)
    # Slurm removes SLURM_RESUME_FILE soon after starting the program: read it before anything else.
    resume_data, resume_problem = resume_file.read(env.environ)
    args = _parser().parse_args(argv)
    # Run by slurmctld, the program's output would only reach slurmctld's log: use the journal.
    journal.setup(detached=args.command in WORKERS and not args.foreground,
                  level=logging.DEBUG if args.verbose else logging.WARNING if args.quiet else logging.INFO)
    if resume_problem:
        journal.LOG.warning("%s (jobs are not known; all-or-nothing launches are off for this resume)",
                            resume_problem)
    config_path = args.config or env.environ.get("HPCSTACK_ELASTIC_CONFIG") or DEFAULT_PATH
    if args.command in WORKERS:
        return _start_worker(args, config_path, env, resume_data if args.command == "resume" else None)
    if args.command == "check-config":
        return _check_config(args, config_path, env)
    try:
        config = load(config_path)
    except ConfigError as exc:
        journal.LOG.error("%s", exc)
        return EXIT_CONFIG
    counts = Reconciler(config, env.slurm(config), env.providers(config), StateDir(config.state_dir),
                        hostname=env.hostname, metrics_file=args.metrics_file).run()
    journal.LOG.info("reconcile: %s", "skipped" if counts is None else json.dumps(counts, sort_keys=True))
    return 0
