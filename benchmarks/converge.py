# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Converge benchmark: playbooks/site.yml cold, as a no-op re-converge and with --limit to one node.

Without --inventory it makes the three-host shape of issue 17 itself: one controller (ctl1) and two
compute nodes (c1, c2) as systemd containers of the locally built image hpcstack/debian:trixie
(hpcbench-<host> on the Docker network hpcbench, 172.31.246.0/24), with the collection's defaults
and the site settings of docs/site-project.md; packages come straight from the Debian mirror. The
containers and the network are removed at the end unless --keep.

    .venv/bin/python benchmarks/converge.py                                  # cold, no-op, --limit c1
    .venv/bin/python benchmarks/converge.py -i inventories/lab --skip-cold   # an existing cluster

Each run has ansible.posix.profile_tasks and profile_roles on. Prints per run: wall seconds, changed
(the no-op and --limit runs must report changed=0), CPU seconds of the ansible-playbook process tree
(getrusage of its waited-for children: forks, modules' local parts, `docker exec`), per managed host;
then the ten slowest tasks and the per-role totals of the no-op run. Logs: .cache/bench-converge/<start time>/.
Takes /tmp/hpcstack-heavy.lock (flock) for the whole measurement.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import re
import resource
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
WORK = REPO / ".cache" / "bench-converge"
LOCK = "/tmp/hpcstack-heavy.lock"
IMAGE = "hpcstack/debian:trixie"
PREFIX = "hpcbench"
NETWORK = "hpcbench"
SUBNET = "172.31.246.0/24"
HOSTS = {"ctl1": "172.31.246.10", "c1": "172.31.246.101", "c2": "172.31.246.102"}
TOP = 10
LOGS = WORK / time.strftime("%Y%m%d-%H%M%S")

# The three-host shape: the cluster spec of docs/site-project.md on this network, its site
# settings, reached through `docker exec` like the lab (inventories/lab/containers.yml).
INVENTORY = {
    "cluster.yml": """---
plugin: hpcstack.cluster.cluster
cluster_name: bench
address_prefix: 172.31.246
controllers: [ctl1]
hosts:
  ctl1: {address: "{prefix}.10"}
nodes:
  - names: c[1-2]
    cpus: 2
    sockets: 1
    cores_per_socket: 2
    threads_per_core: 1
    real_memory: 1000
    address: "{prefix}.101"
partitions:
  - name: batch
    nodes: c[1-2]
    default: true
    max_time: "1:00:00"
""",
    "containers.yml": """---
all:
  vars:
    ansible_connection: community.docker.docker
    ansible_python_interpreter: /usr/bin/python3
""",
    "zz_container_names.yml": """---
plugin: ansible.builtin.constructed
strict: true
compose:
  ansible_host: "'%s-' ~ inventory_hostname"
""" % PREFIX,
    "group_vars/all/site.yml": """---
slurm_def_mem_per_cpu: 100
accounts_users:
  - name: alice
    uid: 2001
    comment: First user
""",
}

RECAP = re.compile(r"^(?P<host>\S+)\s+:\s+ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+unreachable=(?P<unreachable>\d+)"
                   r"\s+failed=(?P<failed>\d+)")
# profile_tasks / profile_roles summary lines: "NAME ------------ 1.23s" (no dashes when NAME is long).
TIMED = re.compile(r"^(?P<name>.*?) -* ?(?P<seconds>\d+\.\d\d)s$")


def sh(*argv: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(argv, check=check, text=True, capture_output=True)


def load() -> str:
    return " ".join("%.2f" % value for value in os.getloadavg())


def remove_containers() -> None:
    for host in HOSTS:
        sh("docker", "rm", "-f", f"{PREFIX}-{host}", check=False)
    sh("docker", "network", "rm", NETWORK, check=False)


def start_containers() -> Path:
    """Fresh containers for the three-host shape and its inventory; returns the inventory path."""
    if sh("docker", "image", "inspect", IMAGE, check=False).returncode:
        sys.exit(f"no image {IMAGE}: build it first (make images)")
    taken = [line for line in sh("docker", "network", "inspect", "-f", "{{.Name}} {{range .IPAM.Config}}{{.Subnet}}{{end}}",
                                 *sh("docker", "network", "ls", "-q").stdout.split()).stdout.splitlines()
             if line.split()[1:] == [SUBNET] and line.split()[0] != NETWORK]
    if taken:
        sys.exit(f"subnet {SUBNET} is used by the network {taken[0].split()[0]}")
    remove_containers()
    sh("docker", "network", "create", "--subnet", SUBNET, "--label", "org.hpcstack.bench=converge", NETWORK)
    for host, address in HOSTS.items():
        # SYS_NICE: task/affinity on the compute nodes (PLATFORM.md); private cgroup namespace.
        sh("docker", "run", "-d", "--name", f"{PREFIX}-{host}", "--hostname", host, "--network", NETWORK,
           "--ip", address, "--network-alias", host, "--cap-add", "SYS_ADMIN", "--cap-add", "SYS_NICE",
           "--cgroupns=private", "--tmpfs", "/sys/fs/cgroup", "--tmpfs", "/run", "--tmpfs", "/run/lock",
           "--stop-signal", "SIGRTMIN+3", "--label", "org.hpcstack.bench=converge", IMAGE, "/sbin/init")
    for host in HOSTS:
        state = sh("docker", "exec", f"{PREFIX}-{host}", "systemctl", "is-system-running", "--wait", check=False).stdout.strip()
        if state not in ("running", "degraded"):
            sys.exit(f"{PREFIX}-{host}: systemd is {state!r}")
    inventory = WORK / "inventory"
    for name, text in INVENTORY.items():
        (inventory / name).parent.mkdir(parents=True, exist_ok=True)
        (inventory / name).write_text(text)
    return inventory


def ansible_env() -> dict:
    env = dict(os.environ)
    env.update({"ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "ANSIBLE_COLLECTIONS_PATH": str(REPO / ".cache" / "collections")})
    return env


def parse(text: str) -> tuple[dict, list, list]:
    """The play recap by host, and the (seconds, name) lines of profile_tasks and profile_roles."""
    recap, tasks, roles = {}, [], []
    section = None
    for line in text.splitlines():
        if line.startswith("PLAY RECAP"):
            section = "recap"
        elif line.startswith("TASKS RECAP"):
            section = "tasks"
        elif line.startswith("ROLES RECAP"):
            section = "roles"
        elif section == "recap" and RECAP.match(line):
            match = RECAP.match(line)
            recap[match["host"]] = {key: int(match[key]) for key in ("ok", "changed", "unreachable", "failed")}
        elif section in ("tasks", "roles") and TIMED.match(line) and not line.startswith("="):
            match = TIMED.match(line)
            (tasks if section == "tasks" else roles).append((float(match["seconds"]), match["name"]))
    return recap, tasks, roles


def converge(name: str, inventory: str, extra: list[str]) -> dict:
    """One ansible-playbook run of site.yml with the profilers; its numbers, parsed from its output."""
    env = ansible_env()
    env.update({
        "ANSIBLE_CALLBACKS_ENABLED": "ansible.builtin.timer,ansible.posix.profile_tasks,ansible.posix.profile_roles",
        "PROFILE_TASKS_TASK_OUTPUT_LIMIT": "all",
        "PROFILE_TASKS_SORT_ORDER": "descending",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_NOCOLOR": "1",
        "COLUMNS": "200",
    })
    argv = [str(REPO / ".venv" / "bin" / "ansible-playbook"), "-i", inventory, "playbooks/site.yml", *extra]
    log = LOGS / f"{name.split()[0]}.log"
    before, load_before, start = resource.getrusage(resource.RUSAGE_CHILDREN), load(), time.monotonic()
    with log.open("w") as out:
        returncode = subprocess.run(argv, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, check=False).returncode
    wall, after = time.monotonic() - start, resource.getrusage(resource.RUSAGE_CHILDREN)
    recap, tasks, roles = parse(log.read_text())
    managed = [host for host in recap if host != "localhost"]
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"name": name, "rc": returncode, "wall": wall, "cpu": cpu, "hosts": len(managed), "log": log,
            "changed": sum(host["changed"] for host in recap.values()),
            "failed": sum(host["failed"] + host["unreachable"] for host in recap.values()),
            "tasks": tasks, "roles": [role for role in roles if role[1] != "total"],
            "load": (load_before, load())}


def task_modules() -> dict[str, str]:
    """'hpcstack.cluster.ROLE : task name' -> module, read from the roles' task files.

    Names with Jinja in them stay unmatched ("?")."""
    from ansible.playbook.task import Task  # pylint: disable=import-outside-toplevel
    keywords = set(Task.fattributes) | {"block", "rescue", "always", "local_action"}
    found = {}

    def walk(tasks, role):
        for task in tasks if isinstance(tasks, list) else []:
            if not isinstance(task, dict):
                continue
            for key in ("block", "rescue", "always"):
                walk(task.get(key), role)
            module = next((key for key in task if key not in keywords and not key.startswith("with_")), None)
            if "name" in task and module:
                found[f"hpcstack.cluster.{role} : {task['name']}"] = module

    for path in sorted(REPO.glob("roles/*/tasks/*.yml")):
        walk(yaml.safe_load(path.read_text()), path.parts[-3])
    return found


def report(runs: list[dict]) -> list[str]:
    """Print the table and the no-op profile; returns the problems found."""
    print("%-14s %8s %8s %7s %9s %10s  %s" % ("run", "wall s", "changed", "hosts", "CPU s", "CPU s/host", "load before -> after"))
    problems = []
    for run in runs:
        per_host = run["cpu"] / run["hosts"] if run["hosts"] else 0.0
        print("%-14s %8.1f %8d %7d %9.1f %10.1f  %s -> %s" % (
            run["name"], run["wall"], run["changed"], run["hosts"], run["cpu"], per_host, *run["load"]))
        if run["rc"] or run["failed"]:
            problems.append(f"{run['name']}: exit code {run['rc']}, {run['failed']} failed/unreachable (see {run['log']})")
        if run["name"] != "cold" and run["changed"]:
            problems.append(f"{run['name']}: changed={run['changed']}, expected 0 (see {run['log']})")
    noop = next((run for run in runs if run["name"] == "no-op"), None)
    if noop:
        total = sum(seconds for seconds, _name in noop["tasks"])
        print(f"\nno-op: the {TOP} slowest of {len(noop['tasks'])} tasks (profile_tasks; {total:.1f} s in all tasks)")
        for seconds, name in noop["tasks"][:TOP]:
            print("  %7.2f s  %s" % (seconds, name))
        kinds = {"fact gathering": lambda name: name == "Gathering Facts",
                 "argument validation": lambda name: name.startswith("Validating arguments against arg spec")}
        for kind, test in kinds.items():
            hits = [seconds for seconds, name in noop["tasks"] if test(name.split(" : ")[-1])]
            print("  %7.2f s  all %s (%d tasks)" % (sum(hits), kind, len(hits)))
        modules, packages = task_modules(), defaultdict(float)
        by_module = defaultdict(lambda: [0.0, 0])
        for seconds, name in noop["tasks"]:
            module = modules.get(name, "Validating arguments" if "Validating arguments" in name else "?")
            by_module[module][0] += seconds
            by_module[module][1] += 1
            if module in ("ansible.builtin.apt", "ansible.builtin.package"):
                packages[name.split(" : ")[0].rsplit(".", 1)[-1]] += seconds
        print("\nno-op: by module (task rounds; ? = name not found in roles/*/tasks)")
        for module, (seconds, count) in sorted(by_module.items(), key=lambda item: -item[1][0])[:TOP]:
            print("  %7.2f s  %-40s %3d tasks" % (seconds, module, count))
        by_role = sorted(packages.items(), key=lambda item: -item[1])
        print("  package tasks by role: " + ", ".join("%s %.1f s" % (role, seconds) for role, seconds in by_role))
        print("\nno-op: per-role totals (profile_roles; tasks outside roles by action)")
        for seconds, name in noop["roles"]:
            print("  %7.2f s  %s" % (seconds, name))
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-i", "--inventory", help="an existing cluster's inventory (default: make the three-host shape)")
    parser.add_argument("--skip-cold", action="store_true", help="no first converge (the cluster is already converged)")
    parser.add_argument("--limit", help="the host of the --limit run (default: the inventory's first slurmd host)")
    parser.add_argument("--skip-limit", action="store_true", help="no --limit run")
    parser.add_argument("--keep", action="store_true", help="leave the three-host shape's containers running")
    parser.add_argument("-e", "--extra-vars", action="append", default=[], help="passed to every ansible-playbook run")
    args = parser.parse_args()
    LOGS.mkdir(parents=True, exist_ok=True)
    if not (REPO / ".cache" / "collections" / "ansible_collections" / "hpcstack" / "cluster").exists():
        sys.exit("the collection is not linked under .cache/collections: run make venv")

    with open(LOCK, "w") as lock:
        waited = time.monotonic()
        fcntl.flock(lock, fcntl.LOCK_EX)
        waited = time.monotonic() - waited
        own = args.inventory is None
        try:
            inventory = str(start_containers()) if own else args.inventory
            limit = args.limit or ("c1" if own else first_compute(inventory))
            print(f"converge benchmark: {inventory}, {os.cpu_count()} CPUs, waited {waited:.0f} s for {LOCK}", flush=True)
            runs = []
            extra_vars = [arg for value in args.extra_vars for arg in ("-e", value)]
            for name, extra in (("cold", []), ("no-op", []), (f"limit {limit}", ["--limit", limit])):
                if (name == "cold" and args.skip_cold) or (extra and args.skip_limit):
                    continue
                runs.append(converge(name, inventory, extra + extra_vars))
                print(f"  {name}: {runs[-1]['wall']:.1f} s, changed={runs[-1]['changed']}, rc={runs[-1]['rc']}", flush=True)
                if runs[-1]["rc"] and name == "cold":
                    break
        finally:
            if own and not args.keep:
                remove_containers()
    print()
    problems = report(runs)
    if problems:
        sys.exit("\n".join(problems))


def first_compute(inventory: str) -> str:
    graph = subprocess.run([str(REPO / ".venv" / "bin" / "ansible-inventory"), "-i", inventory, "--graph", "slurmd"],
                           env=ansible_env(), cwd=REPO, text=True, capture_output=True, check=False).stdout
    hosts = [line.strip(" |-@") for line in graph.splitlines() if line.strip(" |").startswith("--") and ":" not in line]
    if not hosts:
        sys.exit(f"{inventory}: no host in the group slurmd; give --limit")
    return hosts[0]


if __name__ == "__main__":
    main()
