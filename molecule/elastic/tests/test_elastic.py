"""A whole power-saving cycle on a real Slurm (docs/elastic.md): the program hpcstack-elastic with the docker provider
powers cloud nodes lab1/lab2 up as containers for a job that needs them, and down after SuspendTime; a failed launch
ends DOWN with the provider's reason and comes back by itself; reconcile removes an orphan container; a reconfigure
during a slow resume returns at once.

What a test needs from another comes as a fixture (the cloud job, the power-down, the failed launch); a test that needs
a node powered down waits for it. Times are printed (-s) as ``MEASURED ...`` lines.
"""

import json
import re
import time
from datetime import datetime

import pytest

from conftest import CLOUD, CLUSTER, CONFIG, IMAGE, METRICS, STATIC, cloud_containers, docker, job, journal, node
from hpcstack_harness import as_user, submit, wait_for

STEP = 0.5
SLOW_PROXY = "/run/hpcel-slow-docker.sock"
SLOW_SECONDS = 20


def measured(what, seconds):
    print("MEASURED %s: %.1f s" % (what, seconds))


def job_state(ctl, job_id):
    return job(ctl, job_id).get("JobState")


def slurm_time(text):
    """Epoch seconds of a Slurm timestamp (2026-12-07T09:30:01; the containers share the host's clock and zone)."""
    return datetime.fromisoformat(text).timestamp()


def started_at(name):
    """When a container started (docker inspect), epoch seconds."""
    text = docker("inspect", "-f", "{{.State.StartedAt}}", name).stdout.strip().rstrip("Z")
    whole, dummy, fraction = text.partition(".")
    return datetime.fromisoformat(whole + "+00:00").timestamp() + float("0." + (fraction or "0"))


def wait_powered_down(ctl, names, timeout=240):
    """Until the nodes are POWERED_DOWN (not DOWN) and their containers are gone."""
    def done():
        states = [node(ctl, name) for name in names]
        containers = cloud_containers()
        return all("POWERED_DOWN" in s["flags"] and "DOWN" not in s["State"].split("+")[:1] for s in states) and \
            not any("hpcel-" + name in containers for name in names)
    wait_for("%s powered down" % ",".join(names), done, timeout, STEP)


def _set_class(ctl, key, value):
    """Change the lab class's docker settings in the program's config (the role rewrites it on the next converge)."""
    ctl.check_output("python3 -c 'import json,sys; p=sys.argv[1]; c=json.load(open(p)); "
                     "c[\"classes\"][\"lab\"][\"docker\"][sys.argv[2]]=sys.argv[3]; json.dump(c, open(p, \"w\"), indent=2)' "
                     "%s %s %s", CONFIG, key, value)


def reconcile_metrics(ctl):
    """hpcstack_elastic_* samples as node_exporter on the controller serves them (its textfile collector)."""
    out = ctl.check_output("python3 -c 'import urllib.request; "
                           "print(urllib.request.urlopen(\"http://127.0.0.1:9100/metrics\", timeout=10).read().decode())'")
    return {name: float(value) for name, value in re.findall(r"^(hpcstack_elastic_\w+) (\S+)$", out, re.M)}


# -- what later tests build on ---------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def cloud_job(ctl):
    """A two-node job of class lab: submitted, running on both cloud nodes, completed; the times of its parts."""
    wait_powered_down(ctl, CLOUD)
    start = time.time()
    job_id = submit(ctl, "-N2 -C lab -t 10 --wrap 'srun hostname && sleep 3'")
    deadline = time.monotonic() + 300
    while job_state(ctl, job_id) != "RUNNING":
        assert time.monotonic() < deadline, "job %s not RUNNING in 300 s: %s, containers %s, nodes %s" % (
            job_id, job(ctl, job_id), cloud_containers(), [node(ctl, name)["State"] for name in CLOUD])
        time.sleep(STEP)
    running = time.time()
    containers = cloud_containers()
    nodes = {name: node(ctl, name) for name in CLOUD}
    wait_for("job %s ended" % job_id, lambda: job_state(ctl, job_id) in ("COMPLETED", "FAILED", "CANCELLED"), 120)
    record = job(ctl, job_id)
    out = as_user(ctl, "srun -N2 -C lab -t 1 hostname")  # the nodes are up: an interactive step reaches both
    return {"start": start, "running": running, "job": record, "containers": containers, "nodes": nodes,
            "srun": out, "last_use": time.time(), "journal": journal(ctl, start)}


@pytest.fixture(scope="session")
def powered_down(ctl, cloud_job):
    """The cloud nodes of the job, powered down after SuspendTime: (seconds to containers gone, to POWERED_DOWN)."""
    last_use = cloud_job["last_use"]
    wait_for("cloud containers removed", lambda: not set(cloud_containers()) & {"hpcel-lab1", "hpcel-lab2"}, 300, STEP)
    gone = time.time() - last_use
    wait_powered_down(ctl, CLOUD)
    return {"gone": gone, "powered_down": time.time() - last_use, "journal": journal(ctl, last_use)}


@pytest.fixture(scope="session")
def failed_launch(ctl, powered_down):
    """lab1's launch fails (its image is missing): the node's state right after, and the pending job."""
    _set_class(ctl, "image", "hpcel/missing:none")
    try:
        start = time.time()
        job_id = submit(ctl, "-N1 -w lab1 -t 5 --wrap true")

        def down():
            state = node(ctl, "lab1")
            return state if state["State"].split("+")[0] == "DOWN" else None  # not POWERED_DOWN
        state = wait_for("lab1 DOWN", down, 120, STEP)[0]
        seconds = time.time() - start
    finally:
        _set_class(ctl, "image", IMAGE)
    return {"time": time.time(), "seconds": seconds, "state": state, "job": job_id, "pending": job_state(ctl, job_id),
            "containers": cloud_containers()}


# -- tests -----------------------------------------------------------------------------------------------------------
def test_node_image_and_program_are_there(ctl):
    assert docker("image", "inspect", IMAGE, check=False).returncode == 0, "converge bakes %s" % IMAGE
    config = json.loads(ctl.check_output("cat %s", CONFIG))
    assert config["classes"]["lab"]["docker"]["image"] == IMAGE
    assert ctl.run("runuser -u slurm -- python3 /usr/local/lib/hpcstack/hpcstack-elastic.pyz --config %s check-config"
                   % CONFIG).rc == 0
    for name in CLOUD:
        state = node(ctl, name)
        assert {"CLOUD", "POWERED_DOWN"} <= state["flags"], state["State"]


def test_one_node_job_runs_on_the_static_node_first(ctl):
    job_id = submit(ctl, "-N1 -t 5 --wait --wrap hostname")
    record = job(ctl, job_id)
    assert (record["JobState"], record["NodeList"], record["ExitCode"]) == ("COMPLETED", STATIC, "0:0")
    assert cloud_containers() == {}, "a one-node job powered up a cloud node"


def test_cloud_job_powers_up_runs_and_completes(ctl, cloud_job):
    assert sorted(cloud_job["containers"]) == ["hpcel-lab1", "hpcel-lab2"]
    for name, state in cloud_job["nodes"].items():
        assert state["NodeAddr"].startswith("172.31.245."), state
    record = cloud_job["job"]
    assert (record["JobState"], record["NodeList"], record["ExitCode"]) == ("COMPLETED", "lab[1-2]", "0:0"), record
    out = cloud_job["srun"]
    assert out.rc == 0 and sorted(out.stdout.split()) == ["lab1", "lab2"], out.stdout + out.stderr
    entries = cloud_job["journal"]
    requested = [stamp for stamp, message in entries if message.startswith("resume-requested")]
    launched = [stamp for stamp, message in entries if message.startswith("launched")]
    assert len(launched) == 2 and requested, entries
    # The parts: slurmctld runs ResumeProgram; the program's worker creates and starts both containers; they boot
    # and slurmd starts (SlurmdStartTime); slurmd registers and the job starts.
    start, running = cloud_job["start"], cloud_job["running"]
    container_start = max(started_at("hpcel-" + name) for name in CLOUD)
    slurmd_start = max(slurm_time(state["SlurmdStartTime"]) for state in cloud_job["nodes"].values())
    measured("resume latency, submit -> job RUNNING (2 nodes)", running - start)
    measured("  submit -> slurmctld runs ResumeProgram", min(requested) - start)
    measured("  ResumeProgram -> both containers started (program)", max(launched) - min(requested))
    measured("  container start -> slurmd started (boot)", slurmd_start - container_start)
    measured("  slurmd started -> job RUNNING (configless fetch, registration, scheduling)", running - slurmd_start)


def test_idle_cloud_nodes_power_down_and_containers_go(ctl, powered_down):
    terminated = [message for dummy, message in powered_down["journal"] if message.startswith("terminated")]
    assert len(terminated) == 2 and all('why=suspend' in m for m in terminated), powered_down["journal"]
    measured("power down, last use -> containers gone (SuspendTime 30 s)", powered_down["gone"])
    measured("power down, last use -> both nodes POWERED_DOWN (+ SuspendTimeout 30 s)", powered_down["powered_down"])
    for name in CLOUD:
        state = node(ctl, name)
        assert state["NodeAddr"] == name and "DOWN" not in state["State"].split("+")[:1], state


def test_a_failed_launch_ends_down_with_the_reason(failed_launch):
    """The image is missing: Docker refuses the container, the node is DOWN at once with Docker's message (not
    after ResumeTimeout), and the job waits in the queue instead of failing."""
    state = failed_launch["state"]
    print("lab1 after the failed launch: State=%s Reason=%s" % (state["State"], state["Reason"]))
    measured("failed launch, submit -> node DOWN", failed_launch["seconds"])
    assert failed_launch["seconds"] < 60  # ResumeTimeout is 180 s
    assert state["Reason"].startswith("elastic: (Code:DockerNotFound)") and "hpcel/missing" in state["Reason"], state
    assert "hpcel-lab1" not in failed_launch["containers"]
    assert failed_launch["pending"] == "PENDING"


def test_the_failed_node_returns_by_itself_and_its_job_runs(ctl, failed_launch):
    failed_at, job_id = failed_launch["time"], failed_launch["job"]
    returned = wait_for("lab1 returned to service", lambda: [
        (stamp, message) for stamp, message in journal(ctl, failed_at) if message.startswith("return-to-service ")
        and "node=lab1" in message], 300, 2)[0]
    measured("failed node, DOWN -> returned to service by reconcile (cool-down 45 s, timer 10 s)",
             returned[0][0] - failed_at)
    # Slurm holds a requeued job back (BeginTime) for about two minutes: that, not the cool-down, sets when it runs.
    wait_for("job %s completed" % job_id, lambda: job_state(ctl, job_id) == "COMPLETED", 400, 2)
    assert job(ctl, job_id)["NodeList"] == "lab1"
    measured("failed node, DOWN -> its job completed", time.time() - failed_at)


def test_reconcile_removes_an_orphan_container_and_counts_it(ctl):
    """A container labelled as lab2's instance while lab2 is powered down: gone after orphan_grace (20 s), counted
    in the metrics node_exporter serves (the alert SlurmElasticOrphans reads them)."""
    wait_powered_down(ctl, ["lab2"])
    before = reconcile_metrics(ctl)
    labels = {"org.hpcstack.elastic.cluster": CLUSTER, "org.hpcstack.elastic.node": "lab2",
              "org.hpcstack.elastic.class": "lab", "org.hpcstack.molecule": "elastic"}
    args = [item for key, value in labels.items() for item in ("--label", "%s=%s" % (key, value))]
    start = time.time()
    orphan = docker("run", "-d", "--name", "hpcel-orphan", "--network", "hpcel", *args,
                    "hpcstack/debian:trixie", "sleep", "600").stdout.strip()
    try:
        wait_for("orphan removed", lambda: "hpcel-orphan" not in cloud_containers(), 180, STEP)
        measured("orphan, started -> removed by reconcile (orphan_grace 20 s, timer 10 s)", time.time() - start)
        actions = [message for dummy, message in journal(ctl, start) if message.startswith("terminate ")]
        assert any("instance=%s" % orphan in message and "orphan" in message for message in actions), actions
        counter = "hpcstack_elastic_reconcile_orphans_terminated_total"

        def counted():
            metrics = reconcile_metrics(ctl)
            return metrics if metrics.get(counter, 0) > before.get(counter, 0) else None
        after = wait_for("the orphan counted", counted, 60, 2)[0]
        assert after["hpcstack_elastic_reconcile_orphans_terminated_total"] == \
            before.get("hpcstack_elastic_reconcile_orphans_terminated_total", 0) + 1
        assert after["hpcstack_elastic_reconcile_last_run_timestamp_seconds"] >= start
        published = ctl.file(METRICS)
        assert (published.user, published.mode) == ("root", 0o644)
    finally:
        docker("rm", "-f", "hpcel-orphan", check=False)


SLOW_DOCKER = r'''
import os, socket, sys, threading, time
listen, target, delay = sys.argv[1], sys.argv[2], float(sys.argv[3])
def pipe(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
def handle(client):
    head = client.recv(65536)
    if head.split(b"\r\n", 1)[0].startswith(b"POST ") and b"/containers/create" in head.split(b"\r\n", 1)[0]:
        time.sleep(delay)  # an engine (or a cloud API) that takes its time to create an instance
    upstream = socket.socket(socket.AF_UNIX)
    upstream.connect(target)
    upstream.sendall(head)
    threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()
    pipe(client, upstream)
if os.path.exists(listen):
    os.unlink(listen)
server = socket.socket(socket.AF_UNIX)
server.bind(listen)
os.chmod(listen, 0o666)
server.listen(16)
while True:
    conn, _ = server.accept()
    threading.Thread(target=handle, args=(conn,), daemon=True).start()
'''


@pytest.fixture
def slow_docker(ctl):
    """The lab class reaches Docker through a proxy on the controller that holds each container create for 20 s."""
    ctl.run("systemctl stop hpcel-slow-docker; systemctl reset-failed hpcel-slow-docker")  # a run before this one
    ctl.check_output("cat > /run/hpcel-slow-docker.py <<'EOF'\n%s\nEOF" % SLOW_DOCKER)
    ctl.check_output("systemd-run --unit hpcel-slow-docker /usr/bin/python3 /run/hpcel-slow-docker.py %s /var/run/docker.sock %d"
                     % (SLOW_PROXY, SLOW_SECONDS))
    wait_for("slow proxy listening", lambda: ctl.run("test -S %s" % SLOW_PROXY).rc == 0, 30)
    _set_class(ctl, "socket", SLOW_PROXY)
    yield
    _set_class(ctl, "socket", "/var/run/docker.sock")
    ctl.run("systemctl stop hpcel-slow-docker")


def test_reconfigure_during_a_slow_resume_returns_at_once(ctl, powered_down, slow_docker):
    """While the worker waits 20 s for Docker to create lab2's container, ``scontrol reconfigure`` (slurmctld
    re-executes itself on 24.11 and waits for slurmscriptd) returns in seconds; the resume then completes."""
    wait_powered_down(ctl, ["lab2"])
    start = time.time()
    job_id = submit(ctl, "-N1 -w lab2 -t 5 --wrap true")
    wait_for("ResumeProgram run for lab2", lambda: [m for dummy, m in journal(ctl, start)
                                                    if m.startswith("resume-requested") and "lab2" in m], 60, STEP)
    begin = time.monotonic()
    reconfigure = ctl.run("timeout 60 scontrol reconfigure")
    seconds = time.monotonic() - begin
    launched = [stamp for stamp, message in journal(ctl, start) if message.startswith("launched node=lab2")]
    measured("scontrol reconfigure during a slow resume (Docker create held %d s)" % SLOW_SECONDS, seconds)
    assert reconfigure.rc == 0, reconfigure.stderr
    assert seconds < 10
    assert not launched, "the launch had finished before the reconfigure: it did not test a resume in progress"

    def still_powering_up():  # slurmctld may take a moment to answer again after re-executing itself
        line = ctl.run("scontrol show node -o lab2")
        return line.rc == 0 and "POWERING_UP" in line.stdout
    wait_for("lab2 still POWERING_UP after the reconfigure", still_powering_up, 30, STEP)
    wait_for("job %s completed on lab2" % job_id, lambda: job_state(ctl, job_id) == "COMPLETED", 240, 2)
    assert job(ctl, job_id)["NodeList"] == "lab2"
    measured("slow resume, submit -> job COMPLETED", time.time() - start)
