"""What every Molecule scenario's tests (and `make lab-check`) use to reach the cluster under test.

On the verifier's PYTHONPATH (molecule/*/molecule.yml `verifier.env`, Makefile `lab-check`); each
scenario's conftest.py imports it and adds only the hosts and helpers of its own shape.

- INVENTORY: Molecule's inventory directory, or HPCSTACK_TEST_INVENTORY (e.g. inventories/lab) to
  run the same tests against another cluster.
- host / hosts_in: testinfra hosts by name or inventory group; inventory_vars: a host's variables.
- as_user / submit / job_states / all_completed / Job: work as the unprivileged lab user.
- wait_for: poll until something holds, fail with what was awaited.
- run_playbook / run_module: this collection's playbooks and modules against the inventory.
- Markers: ``converges`` for tests that run site.yml again (the lab's quick proof skips them).
- Ordering: tests marked ``@pytest.mark.irreversible`` change the cluster for good (a restored
  state, an added node) and run after every other test of the session, whatever their file name.
"""

import json
import os
import re
import subprocess
import sys
import time

import pytest
import testinfra

INVENTORY = os.environ.get("HPCSTACK_TEST_INVENTORY") or os.path.dirname(os.environ["MOLECULE_INVENTORY_FILE"])
PROJECT = os.environ.get("MOLECULE_PROJECT_DIRECTORY") or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
USER = "alice"
BIN = os.path.dirname(sys.executable)

# ansible and ansible-inventory read host_vars/ and group_vars/ next to the inventory and in their
# base directory, which is the working directory unless given: pytest runs in a scenario's
# directory, whose host_vars/ are that scenario's, not those of the inventory under test.
_BASEDIR = ("--playbook-dir", os.path.join(PROJECT, "playbooks"))
# Plain output for the assertions that read it.
# Failures on stdout too: Molecule's ansible.cfg sends them to stderr (display_failed_stderr), and
# the tests read a failed task's message from stdout, as a site's run shows it.
_ANSIBLE_ENV = {"ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0", "ANSIBLE_DISPLAY_FAILED_STDERR": "0"}


def host(name):
    """The testinfra host of an inventory host.

    Containers (community.docker.docker connection) are reached with testinfra's docker backend
    directly: testinfra's ansible backend refuses an ansible_host that ansible-inventory prints
    as a marked value (ansible-core 2.19 does so for the lab's constructed container names).
    """
    variables = _inventory_listing()["_meta"]["hostvars"].get(name)
    assert variables is not None, "%s is not a host of the inventory %s" % (name, INVENTORY)
    if _plain(variables.get("ansible_connection")) in ("community.docker.docker", "docker"):
        return testinfra.get_host("docker://" + _plain(variables.get("ansible_host", name)))
    return testinfra.get_host("ansible://" + name, ansible_inventory=INVENTORY)


def _plain(value):
    """A value as ansible-inventory prints it: plain, or wrapped when marked unsafe."""
    return value.get("__ansible_unsafe") if isinstance(value, dict) else value


_LISTING = {}


def _inventory_listing():
    if not _LISTING:
        _LISTING.update(_ansible_inventory("--list"))
    return _LISTING


def hosts_in(group):
    """Names of the inventory's hosts in ``group``, in inventory order."""
    return _members(_inventory_listing(), group)


def _members(listing, group):
    entry = listing.get(group, {})
    names = list(entry.get("hosts", []))
    for child in entry.get("children", []):
        names += [name for name in _members(listing, child) if name not in names]
    return names


def inventory_vars(name):
    """The variables the inventory gives one host (ansible-inventory --host)."""
    return _ansible_inventory("--host", name)


def _ansible_inventory(*args):
    result = subprocess.run([os.path.join(BIN, "ansible-inventory"), "-i", INVENTORY, *_BASEDIR, *args],
                            capture_output=True, text=True, check=True, timeout=120)
    return json.loads(result.stdout)


def as_user(target, command, user=USER):
    """Run a command on a host as the unprivileged lab user, from /tmp."""
    return target.run("cd /tmp && runuser -u %s -- %s" % (user, command))


def submit(target, options, user=USER):
    """Submit a batch job as the lab user; return its id."""
    job = as_user(target, "sbatch --parsable --output=/dev/null " + options, user)
    assert job.rc == 0, job.stderr
    return job.stdout.strip().split(";")[0]


def job_states(target, jobs):
    """Job id -> state as accounting records it (empty for jobs it does not know)."""
    out = target.run("sacct --noheader --parsable2 --allocations --allusers --format=JobID,State --jobs=%s",
                     ",".join(jobs))
    states = dict(line.split("|", 1) for line in out.stdout.splitlines() if "|" in line)
    return {job: states.get(job, "").split(" ")[0] for job in jobs}


def all_completed(target, jobs):
    return all(state == "COMPLETED" for state in job_states(target, jobs).values())


def wait_for(what, check, timeout, interval=1.0):
    """Poll check() until it returns something true; return (value, seconds). Fail after timeout."""
    start = time.monotonic()
    while True:
        value = check()
        if value:
            return value, time.monotonic() - start
        if time.monotonic() - start > timeout:
            pytest.fail("%s: not reached within %d s (last: %r)" % (what, timeout, value))
        time.sleep(interval)


def scontrol_show(target, kind, name, detail=False):
    """``scontrol -o show KIND NAME``: one line, on every Slurm release (not ``--json``, which Debian 12's
    Slurm 22.05 lacks). ``detail`` adds ``-d`` (a job's GRES with their indices, e.g. ``GRES=gpu:lab:1(IDX:0)``)."""
    return target.check_output("scontrol %s-o show %%s %%s" % ("-d " if detail else ""), kind, name)


def fields_of(line):
    """The KEY=VALUE fields of one ``scontrol -o show`` line (values without spaces)."""
    return dict(re.findall(r"(\w+)=(\S*)", line))


def scontrol_fields(target, kind, name, detail=False):
    return fields_of(scontrol_show(target, kind, name, detail))


def slurm_config(target):
    """``scontrol show config`` as {Key: value} (values may hold spaces)."""
    lines = target.check_output("scontrol show config").splitlines()
    return dict(line.split("=", 1) for line in (re.sub(r"\s+=\s+", "=", line.strip(), count=1) for line in lines) if "=" in line)


# Why Slurm cannot confine jobs in this project's Debian 14 containers (docs/slurm-versions.md): measured on the
# cgroup v1 test host, where systemd 258+ gets a cgroup2 mount without controllers.
NO_CONFINEMENT = ("no cgroup confinement on this host: Slurm's cgroup/v2 stops with 'Hybrid mode is not supported' in "
                  "containers on a cgroup v1 host, so the version policy chose ProctrackType=proctrack/linuxproc and "
                  "CgroupPlugin=disabled; memory and core limits need a pure cgroup v2 host")


def skip_without_cgroup_confinement(target):
    if slurm_config(target).get("ProctrackType") != "proctrack/cgroup":
        pytest.skip(NO_CONFINEMENT)


# Debian testing has no sssd packages (sssd, sssd-ldap, libnss-sss, libpam-sss removed from forky; checked on
# 2026-12-07), so the lab configures no directory there (inventories/lab/group_vars/all/lab.yml).
NO_DIRECTORY = "Debian 14 (forky) has no sssd packages at the moment, so the lab's LDAP users do not resolve there"


def skip_without_directory(target):
    if target.check_output(". /etc/os-release && echo $VERSION_CODENAME") == "forky":
        pytest.skip(NO_DIRECTORY)


def node_state(ctl, name):
    """(state with flags, reason) of a node as sinfo shows it, e.g. ('drained', 'disk')."""
    out = ctl.check_output("sinfo -h -N -n %s -o '%%T|%%E'" % name).strip().splitlines()[0]
    state, reason = out.split("|", 1)
    return state, reason


def wait_node_state(ctl, name, state, timeout=90):
    """Wait until sinfo shows the node in ``state`` (e.g. idle); return (state, reason), reached or not."""
    deadline = time.monotonic() + timeout
    while True:
        current = node_state(ctl, name)
        if current[0] == state or time.monotonic() > deadline:
            return current
        time.sleep(2)


class Job:
    """A batch job of the lab user on one node that runs until released (a file on that node)."""

    def __init__(self, ctl, node, tag):
        self.ctl, self.node, self.tag = ctl, node, tag
        self.release_file = "/tmp/hpcstack-release-" + tag
        host(node).run("rm -f " + self.release_file)
        wait = "while [ ! -e %s ]; do sleep 1; done" % self.release_file
        self.id = submit(ctl, "-J %s -w %s -t 30 --wrap '%s'" % (tag, node, wait))
        self.wait_for("RUNNING")

    def state(self):
        return self.ctl.check_output("squeue -h -j %s -o %%T || true" % self.id).strip()

    def wait_for(self, state, timeout=120):
        wait_for("job %s (%s) %s" % (self.id, self.tag, state), lambda: self.state() == state, timeout)

    def release(self):
        """End the job and return its accounting record 'State|ExitCode'."""
        host(self.node).check_output("touch " + self.release_file)

        def record():
            line = self.ctl.check_output("sacct -n -X -P -j %s -o State,ExitCode" % self.id).strip()
            return line if line and not line.startswith(("RUNNING", "PENDING", "COMPLETING")) else None

        return wait_for("job %s (%s) ended" % (self.id, self.tag), record, 120, 2)[0]


def run_playbook(name, *args, inventory=INVENTORY, log=None, may_fail=False, timeout=1800, env=None):
    """Run playbooks/<name> of this collection (or a playbook by absolute path) against the
    inventory; return (process, seconds).

    Fails the test on a non-zero exit unless may_fail; log= keeps the whole output in a file;
    env= adds environment variables (e.g. ANSIBLE_CALLBACK_RESULT_FORMAT) for this run only.
    """
    env = dict(os.environ, **_ANSIBLE_ENV, **(env or {}))
    env.setdefault("ANSIBLE_CONFIG", os.path.join(PROJECT, "ansible.cfg"))
    env.setdefault("ANSIBLE_COLLECTIONS_PATH", os.path.join(PROJECT, ".cache", "collections"))
    command = [os.path.join(BIN, "ansible-playbook"), "-i", inventory, os.path.join(PROJECT, "playbooks", name), *args]
    start = time.monotonic()
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False, timeout=timeout)
    seconds = time.monotonic() - start
    if log:
        with open(log, "w", encoding="utf-8") as handle:
            handle.write(result.stdout + result.stderr)
    assert result.returncode == 0 or may_fail, result.stdout[-6000:] + result.stderr[-3000:]
    return result, seconds


def changed_counts(output):
    """Host -> changed= of a playbook's PLAY RECAP."""
    return {name: int(count) for name, count in re.findall(r"^(\S+)\s+:\s+ok=\d+\s+changed=(\d+)", output, re.M)}


def run_module(target, module, *args, check=False, may_fail=False):
    """Run hpcstack.cluster.<module> on one inventory host; return its result.

    Arguments are key=value strings, or one dict (sent as JSON).
    """
    arguments = json.dumps(args[0]) if len(args) == 1 and isinstance(args[0], dict) else " ".join(args)
    command = [os.path.join(BIN, "ansible"), "-i", INVENTORY, *_BASEDIR, target,
               "-m", "hpcstack.cluster." + module, "-a", arguments, "-o"]
    if check:
        command.append("--check")
    env = dict(os.environ, ANSIBLE_LOAD_CALLBACK_PLUGINS="1", ANSIBLE_STDOUT_CALLBACK="ansible.builtin.minimal",
               **_ANSIBLE_ENV)
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False, timeout=300)
    assert result.returncode == 0 or may_fail, result.stdout + result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith(target + " | "))
    data = json.loads(line.split("=>", 1)[1])
    data.setdefault("failed", " | FAILED" in line)
    return data


def pytest_configure(config):
    config.addinivalue_line("markers", "irreversible: changes the cluster for good; runs after every other test")
    config.addinivalue_line("markers", "converges: runs site.yml again (minutes); `make lab` leaves these to `make lab-check`")


def pytest_collection_modifyitems(items):
    """Irreversible tests last (stable: the rest keep pytest's order)."""
    items.sort(key=lambda item: item.get_closest_marker("irreversible") is not None)
