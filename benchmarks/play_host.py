# -*- coding: utf-8 -*-
# Copyright (c) 2026, hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the play host itself spends per managed host and task, for 2, 8 and 500 hosts.

A site with thousands of nodes is limited by the ansible-playbook main process: the strategy loop
(variables per host and task, queueing, results, callbacks) runs there on one core, whatever the
forks. This benchmark measures that process apart from its workers and modules:

1. preflight: playbooks/preflight.yml on a cluster spec with N compute nodes (the collection's
   first play: builds the cluster model once, validates every host's variables, hands every host
   the model; contacts no host);
2. no-op role: preflight, then a role of six controller-side tasks (set_fact, assert, debug) and
   one module task (ansible.builtin.ping) on every host over local connections (loopback; nothing
   leaves this machine), with the same inventory and therefore the model's variables on each host.

Prints per run: wall seconds, CPU seconds of the main process (getrusage of ansible-playbook
itself, recorded at its exit) and of the whole tree (workers, modules), and the main process's
milliseconds per host and task beyond the smallest host count (start-up and per-play costs cancel
out). Options: --hosts 2,8,500 --forks 5,50 --strategy linear,free.

    .venv/bin/python benchmarks/play_host.py
    .venv/bin/python benchmarks/play_host.py --hosts 500 --forks 50 --strategy free

Takes /tmp/hpcstack-heavy.lock (flock) for the whole measurement.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LOCK = "/tmp/hpcstack-heavy.lock"
NOOP_TASKS = 7  # the role below: six controller-side tasks and one ping

SPEC = """---
plugin: hpcstack.cluster.cluster
cluster_name: bench
address_prefix: "10.0"
controllers: [ctl1]
hosts:
  ctl1: {{address: "{{prefix}}.0.1"}}
nodes:
  - names: c[1-{computes}]
    cpus: 64
    sockets: 2
    cores_per_socket: 32
    threads_per_core: 1
    real_memory: 256000
    address: "10.0.1.1"
partitions:
  - name: batch
    nodes: c[1-{computes}]
    default: true
"""

# Every host is reached over a local connection: the benchmark measures the play host, not SSH.
LOCAL = """---
ansible_connection: local
ansible_python_interpreter: {python}
"""

ROLE_TASKS = """---
- name: A fact from the model
  ansible.builtin.set_fact:
    bench_partitions: "{{ hpcstack_cluster.partitions | default([]) | length }}"
- name: A check on it
  ansible.builtin.assert:
    that: bench_partitions | int >= 0
    quiet: true
- name: A second fact
  ansible.builtin.set_fact:
    bench_name: "{{ inventory_hostname | upper }}"
- name: A message only at -v
  ansible.builtin.debug:
    msg: "{{ bench_name }}"
    verbosity: 1
- name: A check on the host's groups
  ansible.builtin.assert:
    that: group_names | length >= 0
    quiet: true
- name: A third fact
  ansible.builtin.set_fact:
    bench_done: true
- name: The module round trip
  ansible.builtin.ping:
"""

PLAYBOOK = """---
- name: Preflight
  ansible.builtin.import_playbook: {repo}/playbooks/preflight.yml

- name: A no-op role on every host
  hosts: all
  gather_facts: false
  strategy: {strategy}
  roles:
    - role: bench_noop
"""

# ansible-playbook run in this wrapper writes its own CPU time (not its children's) when it exits;
# forked workers leave through os._exit and do not run atexit handlers.
WRAPPER = """
import atexit, json, os, resource, sys
def _record():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    with open(os.environ['BENCH_SELF_USAGE'], 'w') as handle:
        json.dump({'user': usage.ru_utime, 'system': usage.ru_stime, 'maxrss_kb': usage.ru_maxrss}, handle)
atexit.register(_record)
sys.argv = ['ansible-playbook'] + sys.argv[1:]
from ansible.cli.playbook import main
main()
"""


def write_project(directory: Path, hosts: int, strategy: str) -> Path:
    inventory = directory / "inventory"
    (inventory / "group_vars" / "all").mkdir(parents=True)
    (inventory / "cluster.yml").write_text(SPEC.format(computes=hosts - 1))
    (inventory / "group_vars" / "all" / "local.yml").write_text(LOCAL.format(python=sys.executable))
    tasks = directory / "roles" / "bench_noop" / "tasks"
    tasks.mkdir(parents=True)
    (tasks / "main.yml").write_text(ROLE_TASKS)
    (directory / "noop.yml").write_text(PLAYBOOK.format(repo=REPO, strategy=strategy))
    return inventory


def run(directory: Path, playbook: str, forks: int) -> dict:
    usage_file = directory / "self-usage.json"
    env = dict(os.environ, BENCH_SELF_USAGE=str(usage_file), ANSIBLE_FORKS=str(forks),
               ANSIBLE_COLLECTIONS_PATH=str(REPO / ".cache" / "collections"),
               ANSIBLE_ROLES_PATH=str(directory / "roles"), ANSIBLE_HOST_KEY_CHECKING="False",
               ANSIBLE_STDOUT_CALLBACK="ansible.builtin.minimal")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    result = subprocess.run([sys.executable, "-c", WRAPPER, "-i", str(directory / "inventory"), playbook],
                            cwd=directory, env=env, capture_output=True, text=True, check=False)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        sys.exit("ansible-playbook %s failed (rc=%d):\n%s%s"
                 % (playbook, result.returncode, result.stdout[-3000:], result.stderr[-3000:]))
    own = json.loads(usage_file.read_text())
    tree = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": wall, "main_cpu": own["user"] + own["system"], "tree_cpu": tree,
            "main_rss_mb": own["maxrss_kb"] / 1024}


def marginal_ms(first: tuple, hosts: int, numbers: dict, tasks: int) -> str:
    """Main-process milliseconds per host and task beyond the smallest host count of the same kind."""
    if hosts <= first[0]:
        return "%13s" % "-"
    return "%13.2f" % (1000 * (numbers["main_cpu"] - first[1]) / ((hosts - first[0]) * tasks))


def print_row(label: str, hosts: int, forks: int, strategy: str, numbers: dict, marginal: str) -> None:
    print("%-9s %5d %5d %-7s %8.1f %9.1f %9.1f %9.0f %s" % (
        label, hosts, forks, strategy, numbers["wall"], numbers["main_cpu"], numbers["tree_cpu"],
        numbers["main_rss_mb"], marginal))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("--hosts", default="2,8,500", help="comma-separated host counts (default 2,8,500)")
    parser.add_argument("--forks", default="5,50", help="comma-separated forks (default 5,50)")
    parser.add_argument("--strategy", default="linear", help="comma-separated strategies (default linear)")
    parser.add_argument("--no-lock", action="store_true", help="do not wait for the heavy lock (a smoke run)")
    options = parser.parse_args()
    with open(LOCK, "w") as lock:
        if not options.no_lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
        print("load before: %s" % " ".join(Path("/proc/loadavg").read_text().split()[:3]))
        print("%-9s %5s %5s %-7s %8s %9s %9s %9s %13s" % ("run", "hosts", "forks", "strategy", "wall s",
                                                          "main CPU", "tree CPU", "main MB", "main ms/h·t"))
        smallest = {}
        for hosts in [int(h) for h in options.hosts.split(",")]:
            for forks in [int(f) for f in options.forks.split(",")]:
                for strategy in options.strategy.split(","):
                    with tempfile.TemporaryDirectory(prefix="hpcstack-playhost-") as name:
                        directory = Path(name)
                        write_project(directory, hosts, strategy)
                        rows = [("preflight", run(directory, str(REPO / "playbooks" / "preflight.yml"), forks), 3),
                                ("no-op", run(directory, "noop.yml", forks), 3 + NOOP_TASKS)]
                        for label, numbers, tasks in rows:
                            first = smallest.setdefault((label, forks, strategy), (hosts, numbers["main_cpu"]))
                            print_row(label, hosts, forks, strategy, numbers, marginal_ms(first, hosts, numbers, tasks))
        print("load after: %s" % " ".join(Path("/proc/loadavg").read_text().split()[:3]))


if __name__ == "__main__":
    main()
