"""A whole power-saving cycle on a real Slurm (docs/elastic.md): the program hpcstack-elastic with the docker provider
powers cloud nodes lab1/lab2 up as containers for a job that needs them, and down after SuspendTime; a failed launch
ends DOWN with the provider's reason and comes back by itself; reconcile removes an orphan container.

Tests run in file order and each starts from where the previous one left the cluster. Times are printed (-s) as
``MEASURED ...`` lines.
"""

import json
import re
import time
from datetime import datetime

import pytest

from conftest import CLOUD, CLUSTER, CONFIG, IMAGE, STATIC, cloud_containers, docker, job, journal, node
from hpcstack_harness import as_user, submit, wait_for

STEP = 0.5
RESULTS = {}


def measured(what, seconds):
    RESULTS[what] = seconds
    print("MEASURED %s: %.1f s" % (what, seconds))


def job_state(ctl, job_id):
    return job(ctl, job_id).get("JobState")


def slurmctld_log_time(ctl, pattern, since):
    """Epoch seconds of the first slurmctld log line at or after ``since`` matching ``pattern`` (None if none)."""
    path = ctl.check_output("scontrol show config | awk '$1 == \"SlurmctldLogFile\" {print $3}'").strip()
    text = ctl.check_output("cat %s 2>/dev/null || journalctl -u slurmctld --no-pager -o short-iso-precise" % path)
    for line in text.splitlines():
        match = re.match(r"\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+)\] (.*)", line)
        if match and re.search(pattern, match.group(2)):
            stamp = datetime.fromisoformat(match.group(1)).timestamp()  # the containers share the host's clock and zone
            if stamp >= since - 1:
                return stamp
    return None


def started_at(name):
    """When a container started (docker inspect), epoch seconds."""
    text = docker("inspect", "-f", "{{.State.StartedAt}}", name).stdout.strip()
    return datetime.fromisoformat(text.rstrip("Z").split(".")[0] + "+00:00").timestamp() + float("0." + text.rstrip("Z").split(".")[1])


def test_node_image_and_program_are_there(ctl):
    assert docker("image", "inspect", IMAGE, check=False).returncode == 0, "converge bakes %s" % IMAGE
    config = json.loads(ctl.check_output("cat %s", CONFIG))
    assert config["classes"]["lab"]["docker"]["image"] == IMAGE
    assert ctl.run("runuser -u slurm -- python3 /usr/local/lib/hpcstack/hpcstack-elastic.pyz --config %s check-config"
                   % CONFIG).rc == 0
    for name in CLOUD:
        state = node(ctl, name)
        assert {"CLOUD", "POWERED_DOWN"} <= state["flags"], state["State"]
    assert cloud_containers() == {}


def test_one_node_job_runs_on_the_static_node_first(ctl):
    job_id = submit(ctl, "-N1 -t 5 --wait --wrap hostname")
    record = job(ctl, job_id)
    assert (record["JobState"], record["NodeList"], record["ExitCode"]) == ("COMPLETED", STATIC, "0:0")
    assert cloud_containers() == {}, "a one-node job powered up a cloud node"


def test_cloud_job_powers_up_runs_and_completes(ctl):
    start = time.time()
    job_id = submit(ctl, "-N2 -C lab -t 10 --wrap 'srun hostname && sleep 3'")
    seen = {}
    deadline = time.monotonic() + 300
    while job_state(ctl, job_id) != "RUNNING":
        now = time.time()
        containers = cloud_containers()
        if len(containers) == 2:
            seen.setdefault("containers", now)
        assert time.monotonic() < deadline, "job %s not RUNNING in 300 s: %s, containers %s, nodes %s" % (
            job_id, job(ctl, job_id), containers, [node(ctl, name)["State"] for name in CLOUD])
        time.sleep(STEP)
    running = time.time()
    assert sorted(cloud_containers()) == ["hpcel-lab1", "hpcel-lab2"]
    for name in CLOUD:
        state = node(ctl, name)
        assert state["NodeAddr"].startswith("172.31.245."), state
    wait_for("job %s completed" % job_id, lambda: job_state(ctl, job_id) in ("COMPLETED", "FAILED", "CANCELLED"), 120)
    record = job(ctl, job_id)
    assert (record["JobState"], record["NodeList"], record["ExitCode"]) == ("COMPLETED", "lab[1-2]", "0:0"), record
    # The nodes are up: an interactive step reaches both.
    out = as_user(ctl, "srun -N2 -C lab -t 1 hostname")
    assert out.rc == 0 and sorted(out.stdout.split()) == ["lab1", "lab2"], out.stdout + out.stderr
    RESULTS["last_use"] = time.time()

    # The parts: slurmctld asks the program, the program's worker has launched both, the containers booted,
    # slurmd registered (the job runs).
    measured("resume latency, submit -> job RUNNING (2 nodes)", running - start)
    waking = slurmctld_log_time(ctl, r"power_save: .*waking nodes", start)
    launched = [stamp for stamp, message in journal(ctl, start) if message.startswith("launched")]
    if waking:
        measured("  submit -> slurmctld runs ResumeProgram", waking - start)
    if launched:
        measured("  ResumeProgram -> both containers created and started (program)", max(launched) - (waking or start))
    container_start = max(started_at("hpcel-" + name) for name in CLOUD)
    measured("  last container start -> job RUNNING (boot, configless slurmd registration)", running - container_start)
    assert len(launched) == 2, journal(ctl, start)


def test_idle_cloud_nodes_power_down_and_containers_go(ctl):
    last_use = RESULTS.get("last_use") or pytest.skip("the cloud job did not run")
    _, gone = wait_for("cloud containers removed", lambda: cloud_containers() == {}, 300, STEP)
    gone = time.time()
    measured("power down, last use -> containers gone (SuspendTime 30 s)", gone - last_use)
    terminated = [stamp for stamp, message in journal(ctl, last_use) if message.startswith("terminated")]
    assert len(terminated) == 2, journal(ctl, last_use)
    wait_for("lab nodes POWERED_DOWN", lambda: all("POWERED_DOWN" in node(ctl, name)["flags"] for name in CLOUD), 120)
    measured("power down, last use -> both nodes POWERED_DOWN (+ SuspendTimeout 30 s)", time.time() - last_use)
    for name in CLOUD:
        state = node(ctl, name)
        assert "DOWN" not in state["State"].split("+")[0] and state["NodeAddr"] == name, state


def _set_image(ctl, image):
    ctl.check_output("python3 -c 'import json,sys; p=sys.argv[1]; c=json.load(open(p)); "
                     "c[\"classes\"][\"lab\"][\"docker\"][\"image\"]=sys.argv[2]; json.dump(c, open(p, \"w\"), indent=2)' %s %s",
                     CONFIG, image)


def test_a_failed_launch_ends_down_with_the_reason(ctl):
    """The image is missing: Docker refuses the container, the node is DOWN at once with Docker's message (not
    after ResumeTimeout), and the job waits in the queue instead of failing."""
    _set_image(ctl, "hpcel/missing:none")
    try:
        start = time.time()
        job_id = submit(ctl, "-N1 -w lab1 -t 5 --wrap true")
        state, _ = wait_for("lab1 DOWN", lambda: (lambda s: s if "DOWN" in s["State"] else None)(node(ctl, "lab1")), 120, STEP)
        measured("failed launch, submit -> node DOWN", time.time() - start)
    finally:
        _set_image(ctl, IMAGE)
    print("lab1 after the failed launch: State=%s Reason=%s" % (state["State"], state["Reason"]))
    assert state["Reason"].startswith("elastic: (Code:DockerNotFound)") and "hpcel/missing" in state["Reason"], state
    assert "hpcel-lab1" not in cloud_containers()
    assert job_state(ctl, job_id) == "PENDING", job(ctl, job_id)
    RESULTS["failed"] = (time.time(), job_id)


def test_the_failed_node_returns_after_the_cooldown_and_reconfigure_does_not_wait_for_a_resume(ctl):
    failed_at, job_id = RESULTS.get("failed") or pytest.skip("the launch failure test did not get its node DOWN")
    _, seconds = wait_for("lab1 powering up again", lambda: "POWERING_UP" in node(ctl, "lab1")["flags"], 300, STEP)
    # Slurm holds a requeued job back (BeginTime) for about two minutes: that, not the cool-down, sets when it runs.
    measured("failed node, DOWN -> powering up again for the requeued job", time.time() - failed_at)
    returned = [(stamp, message) for stamp, message in journal(ctl, failed_at) if message.startswith("return-to-service")]
    assert returned and "node=lab1" in returned[0][1], journal(ctl, failed_at)
    measured("failed node, DOWN -> returned to service by reconcile (cool-down 45 s, timer 10 s)", returned[0][0] - failed_at)
    # While the resume is under way: a reconfigure (slurmctld restarts itself on 24.11) returns at once.
    begin = time.monotonic()
    reconfigure = ctl.run("timeout 60 scontrol reconfigure")
    measured("scontrol reconfigure during a resume", time.monotonic() - begin)
    assert reconfigure.rc == 0, reconfigure.stderr
    assert time.monotonic() - begin < 10
    wait_for("job %s completed on lab1" % job_id, lambda: job_state(ctl, job_id) == "COMPLETED", 300)
    assert job(ctl, job_id)["NodeList"] == "lab1"


def test_reconcile_removes_an_orphan_container(ctl):
    """A container labelled as lab2's instance while lab2 is powered down: gone after orphan_grace (20 s)."""
    assert "POWERED_DOWN" in node(ctl, "lab2")["flags"]
    labels = {"org.hpcstack.elastic.cluster": CLUSTER, "org.hpcstack.elastic.node": "lab2",
              "org.hpcstack.elastic.class": "lab", "org.hpcstack.molecule": "elastic"}
    args = [item for key, value in labels.items() for item in ("--label", "%s=%s" % (key, value))]
    start = time.time()
    orphan = docker("run", "-d", "--name", "hpcel-orphan", "--network", "hpcel", *args,
                    "hpcstack/debian:trixie", "sleep", "600").stdout.strip()
    try:
        wait_for("orphan removed", lambda: "hpcel-orphan" not in cloud_containers(), 180, STEP)
        measured("orphan, started -> removed by reconcile (orphan_grace 20 s, timer 10 s)", time.time() - start)
        actions = [message for _, message in journal(ctl, start) if message.startswith("terminate ")]
        assert any("instance=%s" % orphan in message and "orphan" in message for message in actions), actions
    finally:
        docker("rm", "-f", "hpcel-orphan", check=False)
