# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""make test-site-project: follow docs/site-project.md literally against three fresh machines.

The steps are the page's code blocks marked `<!-- site-project-test: ... -->`, in order:
  write PATH          the block is written to PATH in the empty project directory;
  run[, expecting the lines A and B]
                      the block runs in bash in the project (the project's .venv/bin first on
                      PATH, as after `source .venv/bin/activate`);
  instead, install …  Galaxy is not reachable here: the built tarball and the dependencies its
                      galaxy.yml declares (from the developer venv's `ansible` package) are
                      installed offline into the project's collections_path.
Any other marker fails the test, so the page and the test cannot drift apart. The machines are
containers (hpcsp-<host>, Docker network hpcsp, 172.31.247.0/24, addresses from the page's
hand-written inventory) with sshd and the test's key, reached over SSH as the page says; they are
removed at the end unless --keep. Finally the hand-written inventory must give the same groups,
addresses and slurm.conf lines as the cluster spec.

    python tests/site_project/run.py DEV_VENV TARBALL [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "site-project.md"
PROJECT = REPO / ".cache" / "site-project"
IMAGE = "hpcstack/debian:trixie"
PREFIX = "hpcsp"
NETWORK = "hpcsp"
SUBNET = "172.31.247.0/24"
APTCACHE = "hpcstack-aptcache"
STEP = re.compile(r"<!-- site-project-test: (.+?) -->\n```[^\n]*\n(.*?)```", re.S)
PROXY_DETECT = """#!/bin/bash
# Print the shared apt cache's URL when it answers, DIRECT otherwise (machine provisioning).
if timeout 2 bash -c 'exec 3<>/dev/tcp/aptcache/3142' 2>/dev/null; then echo http://aptcache:3142; else echo DIRECT; fi
"""


def log(msg: str) -> None:
    print(f"[site-project {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def sh(*argv: str, check: bool = True, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(argv, check=check, text=True, capture_output=True, **kw)


def steps() -> list[tuple[str, str]]:
    found = STEP.findall(DOC.read_text())
    if not found:
        sys.exit(f"{DOC}: no steps marked for the test")
    return found


def machines(found: list[tuple[str, str]]) -> dict[str, str]:
    """host -> address, from the page's hand-written inventory."""
    hosts_yml = next(body for marker, body in found if marker == "write inventory-by-hand/hosts.yml")
    addresses: dict[str, str] = {}

    def walk(group: dict) -> None:
        for host, hostvars in (group.get("hosts") or {}).items():
            addresses[host] = hostvars["ansible_host"]
        for child in (group.get("children") or {}).values():
            walk(child or {})

    walk(yaml.safe_load(hosts_yml)["all"])
    return addresses


def remove_machines(hosts) -> None:
    for host in hosts:
        sh("docker", "rm", "-f", f"{PREFIX}-{host}", check=False)
    sh("docker", "network", "disconnect", "-f", NETWORK, APTCACHE, check=False)
    sh("docker", "network", "rm", NETWORK, check=False)


def start_machines(addresses: dict[str, str], public_key: str) -> None:
    """Fresh Debian machines: systemd, the site's apt setup, sshd with the test's key for root."""
    remove_machines(addresses)
    sh("docker", "network", "create", "--subnet", SUBNET, NETWORK)
    for host, address in addresses.items():
        sh("docker", "run", "-d", "--name", f"{PREFIX}-{host}", "--hostname", host, "--network", NETWORK,
           "--ip", address, "--network-alias", host, "--cap-add", "SYS_ADMIN", "--cap-add", "SYS_NICE",
           "--cgroupns=private", "--tmpfs", "/sys/fs/cgroup", "--tmpfs", "/run", "--tmpfs", "/run/lock",
           "--stop-signal", "SIGRTMIN+3", "--label", "org.hpcstack.test=site-project", IMAGE, "/usr/local/sbin/hpcstack-init")
    aptcache = sh("docker", "inspect", "-f", "{{.State.Running}}", APTCACHE, check=False).stdout.strip() == "true"
    if aptcache:
        sh("docker", "network", "connect", "--alias", "aptcache", NETWORK, APTCACHE)
    provision = (
        "systemctl is-system-running --wait >/dev/null || true; "
        + (f"cat >/usr/local/bin/apt-proxy <<'EOF'\n{PROXY_DETECT}EOF\nchmod 755 /usr/local/bin/apt-proxy; "
           "echo 'Acquire::http::Proxy-Auto-Detect \"/usr/local/bin/apt-proxy\";' >/etc/apt/apt.conf.d/01proxy; "
           if aptcache else "")
        + "export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq openssh-server >/dev/null"
        + f" && install -d -m 700 /root/.ssh && echo '{public_key}' >/root/.ssh/authorized_keys"
        + " && systemctl enable --now ssh >/dev/null 2>&1"
    )
    jobs = {host: subprocess.Popen(["docker", "exec", f"{PREFIX}-{host}", "bash", "-c", provision],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for host in addresses}
    for host, job in jobs.items():
        out, _unused = job.communicate(timeout=600)
        if job.returncode:
            sys.exit(f"provisioning {host} failed: {out}")
    log(f"machines up: {', '.join(f'{PREFIX}-{h} ({a})' for h, a in addresses.items())}"
        f"{' (apt through ' + APTCACHE + ')' if aptcache else ''}")


def project_env(key: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env["PATH"] = f"{PROJECT / '.venv' / 'bin'}:{env['PATH']}"
    env["VIRTUAL_ENV"] = str(PROJECT / ".venv")
    # What a site has in ~/.ssh: the key, and known host keys (these machines are new each run).
    env["ANSIBLE_PRIVATE_KEY_FILE"] = str(key)
    env["ANSIBLE_HOST_KEY_CHECKING"] = "False"
    return env


def run_block(marker: str, body: str, env: dict[str, str]) -> None:
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", body], cwd=PROJECT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=3600, check=False)
    (PROJECT / "steps.log").open("a").write(f"==== {marker}\n{body}\n---- output\n{result.stdout}\n")
    if result.returncode:
        sys.exit(f"step failed ({marker}):\n{body}\n{result.stdout[-6000:]}")
    expected = re.search(r"expecting the lines (.+)$", marker)
    for line in re.split(r",\s*|\s+and\s+", expected.group(1)) if expected else []:
        if line not in result.stdout.splitlines():
            sys.exit(f"step ({marker}): no line {line!r} in the output:\n{result.stdout[-3000:]}")
    for line in result.stdout.splitlines():
        if " : ok=" in line:
            log("  " + line.strip())


def install_offline(dev_venv: Path, tarball: Path, env: dict[str, str]) -> None:
    requirements = PROJECT / ".offline-requirements.yml"
    subprocess.run([str(dev_venv / "bin" / "python"), str(REPO / "tools" / "collection_deps.py"), "requirements",
                    str(requirements), "--tarball", str(tarball)], check=True)
    run_block("offline install", f"ansible-galaxy collection install --offline -r {requirements}", env)
    installed = sorted(f"{p.parent.name}.{p.name}" for p in (PROJECT / "collections" / "ansible_collections").glob("*/*"))
    declared = yaml.safe_load((REPO / "galaxy.yml").read_text())["dependencies"]
    if installed != sorted(["hpcstack.cluster", *declared]):
        sys.exit(f"installed {installed}, expected hpcstack.cluster and {sorted(declared)}")
    log(f"installed offline: {', '.join(installed)}")


# What the roles read, derived by the collection's own model filter from either inventory.
MODEL = ("{{ {'groups': group_names | reject('in', ['all', 'ungrouped']) | sort, 'address': node_address,"
         " 'model': (groups | hpcstack.cluster.cluster_model(hostvars, slurm_cluster_name, slurm_nodes,"
         " slurm_partitions)).variables.hpcstack_cluster} }}")


def model(inventory: str, env: dict[str, str]) -> dict:
    result = subprocess.run(["ansible", "all", "-i", inventory, "-m", "ansible.builtin.debug", "-a", f"msg={MODEL}"],
                            cwd=PROJECT, env=dict(env, ANSIBLE_STDOUT_CALLBACK="json", ANSIBLE_LOAD_CALLBACK_PLUGINS="1"),
                            text=True, capture_output=True, check=False)
    if result.returncode:
        sys.exit(f"reading the model of {inventory} failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
    report, _end = json.JSONDecoder().raw_decode(result.stdout)
    return {host: res["msg"] for host, res in report["plays"][0]["tasks"][0]["hosts"].items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dev_venv", type=Path)
    parser.add_argument("tarball", type=Path)
    parser.add_argument("--keep", action="store_true", help="leave the machines running")
    args = parser.parse_args()
    started = time.time()
    found = steps()
    addresses = machines(found)
    if sh("docker", "image", "inspect", IMAGE, check=False).returncode:
        sys.exit(f"no image {IMAGE}: flock /tmp/hpcstack-images.lock bash images/build.sh trixie")
    shutil.rmtree(PROJECT, ignore_errors=True)
    PROJECT.mkdir(parents=True)
    key = REPO / ".cache" / "site-project-key"
    key.unlink(missing_ok=True)
    sh("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "site-project-test", "-f", str(key))
    env = project_env(key)
    try:
        start_machines(addresses, Path(f"{key}.pub").read_text().strip())
        for marker, body in found:
            step_start = time.time()
            if marker.startswith("write "):
                path = PROJECT / marker.split(" ", 1)[1]
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(body)
            elif marker.startswith("run"):
                run_block(marker, body, env)
            elif marker.startswith("instead, install"):
                install_offline(args.dev_venv, args.tarball.resolve(), env)
            else:
                sys.exit(f"{DOC}: unknown test marker {marker!r}")
            log(f"{marker} ({time.time() - step_start:.0f} s)")
        by_spec, by_hand = model("inventory", env), model("inventory-by-hand", env)
        if by_spec != by_hand:
            sys.exit(f"the hand-written inventory differs from the cluster spec:\n{by_spec}\n{by_hand}")
        log(f"hand-written inventory = cluster spec for {', '.join(sorted(by_spec))}")
    finally:
        if not args.keep:
            remove_machines(addresses)
    log(f"passed in {time.time() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
