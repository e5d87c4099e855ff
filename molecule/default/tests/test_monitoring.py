"""Monitoring: Prometheus scrapes every exporter; jobs, drains and a slurmrestd outage show in the metrics."""

import json
import time
import urllib.parse

import pytest

from hpcstack_harness import host, wait_for as _wait_for

QUERY = ("python3 -c 'import sys, urllib.request; "
         "print(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())' %s")


@pytest.fixture(scope="module")
def mon():
    return host("mon1")


def api(mon, path, **params):
    url = "http://127.0.0.1:9090/api/v1/" + path + ("?" + urllib.parse.urlencode(params) if params else "")
    answer = json.loads(mon.check_output(QUERY, url))
    assert answer["status"] == "success", answer
    return answer["data"]


def query(mon, promql):
    """{frozenset(labels): value} of an instant query."""
    return {frozenset(item["metric"].items()): float(item["value"][1]) for item in api(mon, "query", query=promql)["result"]}


def wait_for(what, check, timeout=90, step=2):
    """Poll check() until it returns something true; return it. Fail with what and the last value after timeout."""
    return _wait_for(what, check, timeout, step)[0]


def values(mon, promql):
    return list(query(mon, promql).values())


def test_promtool_accepts_the_configuration(mon):
    result = mon.run("promtool check config /etc/prometheus/prometheus.yml")
    assert result.rc == 0, result.stdout + result.stderr


def test_alert_rule_unit_tests_pass(mon):
    """Includes SlurmrestdDown and SlurmExporterFailing firing after slurmrestd stops."""
    result = mon.run("promtool test rules /etc/prometheus/tests/hpcstack-rules.test.yml")
    assert result.rc == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout + result.stderr


# The GPU node's dcgm-exporter is configured but not started (no GPU, no DCGM in the lab): Prometheus
# has its target, which is down for that reason alone.
NOT_RUNNING_HERE = {"http://c2:9400/metrics"}


def test_every_target_is_up(mon):
    def targets():
        active = api(mon, "targets", state="active")["activeTargets"]
        jobs = {target["labels"]["job"] for target in active}
        down = [(target["scrapeUrl"], target["health"], target["lastError"]) for target in active
                if target["health"] != "up" and target["scrapeUrl"] not in NOT_RUNNING_HERE]
        return (jobs, down) if {"node", "process", "job", "slurm", "prometheus", "dcgm"} <= jobs and not down else None

    wait_for("every scrape target up", targets)
    dcgm = [target for target in api(mon, "targets", state="active")["activeTargets"] if target["labels"]["job"] == "dcgm"]
    assert [target["scrapeUrl"] for target in dcgm] == ["http://c2:9400/metrics"]


def test_slurm_exporter_service_is_sandboxed(controller):
    properties = controller.check_output("systemctl show hpcstack-slurm-exporter.service -p User -p ProtectSystem -p NoNewPrivileges")
    assert "User=slurm-exporter" in properties and "ProtectSystem=strict" in properties and "NoNewPrivileges=yes" in properties
    token = controller.file("/var/lib/hpcstack-slurm-exporter/token")
    assert (token.user, token.group, token.mode) == ("root", "slurm-exporter", 0o640)
    assert controller.service("hpcstack-slurm-exporter-token.timer").is_enabled


def test_renewed_token_is_used(mon, controller):
    token = "/var/lib/hpcstack-slurm-exporter/token"
    before = controller.file(token).mtime
    time.sleep(1.1)  # the exporter notices a new token by its modification time
    assert controller.run("systemctl start hpcstack-slurm-exporter-token.service").rc == 0
    assert controller.file(token).mtime > before
    since = time.time()
    wait_for("a refresh with the renewed token",
             lambda: [v for v in values(mon, "slurm_exporter_last_success_timestamp_seconds") if v > since + 1])
    assert values(mon, "slurm_slurmrestd_up") == [1]


def test_running_job_shows_in_slurm_and_cgroup_metrics(mon, controller):
    submitted = controller.run("cd /tmp && runuser -u alice -- sbatch --parsable --mem=200M --time=5 --nodes=1 "
                               "--wrap \"python3 -c 'import time; x = bytearray(80 * 1024 * 1024); time.sleep(300)'\"")
    assert submitted.rc == 0, submitted.stderr
    jobid = submitted.stdout.strip().split(";")[0]
    try:
        wait_for("alice's running job in the Slurm metrics",
                 lambda: [v for v in values(mon, 'slurm_user_jobs{user="alice",state="running"}') if v >= 1])
        memory = wait_for("job %s's memory in the cgroup metrics" % jobid,
                          lambda: query(mon, 'slurm_job_memory_usage_bytes{jobid="%s"} > 80e6' % jobid))
        labels = dict(next(iter(memory)))
        assert labels["user"] == "alice" and labels["account"], labels
        limit = values(mon, 'slurm_job_memory_limit_bytes{jobid="%s"}' % jobid)
        assert limit == [200 * 1024 * 1024]
        assert values(mon, 'slurm_job_cpus_allowed{jobid="%s"}' % jobid) == [1]
    finally:
        controller.run("scancel %s", jobid)


def test_drained_node_changes_its_state_metric(mon, controller):
    wait_for("c2 not drained", lambda: values(mon, 'slurm_node_drain{node="c2"}') == [0])
    assert controller.run("scontrol update nodename=c2 state=drain reason=monitoring-test").rc == 0
    try:
        wait_for("c2 drained in the metrics", lambda: values(mon, 'slurm_node_drain{node="c2"}') == [1])
        wait_for("c2's drain reason", lambda: query(mon, 'slurm_node_reason_info{node="c2",reason="monitoring-test"}'))
    finally:
        controller.run("scontrol update nodename=c2 state=resume")
    wait_for("c2 resumed in the metrics", lambda: values(mon, 'slurm_node_drain{node="c2"}') == [0])


def test_exporter_reports_a_slurmrestd_outage_and_recovers(mon, controller):
    wait_for("slurmrestd up", lambda: values(mon, "slurm_slurmrestd_up") == [1])
    assert controller.run("systemctl stop slurmrestd.service").rc == 0
    try:
        wait_for("the outage in the exporter's self-metrics",
                 lambda: values(mon, "slurm_slurmrestd_up") == [0] and values(mon, "slurm_exporter_data_stale") == [1])
        assert values(mon, 'up{job="slurm"}') == [1], "the exporter keeps answering"
        assert values(mon, 'slurm_exporter_refreshes_total{result="failure"}')[0] > 0
    finally:
        controller.run("systemctl start slurmrestd.service")
    wait_for("the exporter recovering",
             lambda: values(mon, "slurm_slurmrestd_up") == [1] and values(mon, "slurm_exporter_data_stale") == [0], timeout=120)


def test_dcgm_exporter_is_configured_on_the_gpu_node(computes):
    """site.yml put dcgm-exporter on the GPU node c2 only (configured, not started: no GPU, no DCGM here)."""
    gpu_node, other = computes[1], computes[0]
    counters = gpu_node.file("/etc/dcgm-exporter/hpcstack-counters.csv").content_string
    assert "DCGM_FI_DEV_GPU_UTIL, gauge," in counters
    unit = gpu_node.file("/etc/systemd/system/dcgm-exporter.service").content_string
    assert "-f /etc/dcgm-exporter/hpcstack-counters.csv -a :9400" in unit
    assert not other.file("/etc/systemd/system/dcgm-exporter.service").exists


def test_dcgm_exporter_serves_gpu_metrics(computes):
    node = computes[1]
    if not node.exists("nvidia-smi"):
        pytest.skip("no NVIDIA GPU in the lab containers: dcgm-exporter cannot run here, only its configuration is checked")
    result = node.run(QUERY, "http://127.0.0.1:9400/metrics")
    assert result.rc == 0 and "DCGM_FI_DEV_GPU_UTIL" in result.stdout, result.stderr
