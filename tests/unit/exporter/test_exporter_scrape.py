# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Scrapes against recorded slurmrestd answers of Slurm 22.05 (v0.0.38), 24.11 (v0.0.40-42) and 26.05 (v0.0.42-45)."""

from __future__ import annotations

import copy
import re

import pytest

from exporter_helpers import API, TOKEN, asked, exposition, recorded, recorded_cluster, scrape, value

from ansible_collections.hpcstack.cluster.programs.hpcstack_exporters.catalogue import SPECS

ALL_APIS = [(version, api) for version, apis in API.items() for api in apis]
CLUSTER = {"22.05": ("", "22.05.8"), "24.11": ("rec", "24.11.5"), "26.05": ("rec", "26.05.5")}  # (name, release)
JOBS = {"22.05": 1, "24.11": 3, "26.05": 1}  # recorded jobs


@pytest.mark.parametrize("version,api", ALL_APIS)
def test_recorded_cluster(fake_rest, make_exporter, version, api):
    fake = fake_rest(recorded_cluster(version, api))
    exporter, collector = make_exporter(fake.url, api_version=api)
    result = scrape(collector)

    assert sorted(result) == sorted(SPECS)
    assert all(name.startswith("slurm_") for name in result)
    assert value(result, "slurm_up") == 1 and value(result, "slurm_slurmrestd_up") == 1
    assert value(result, "slurm_exporter_authenticated") == 1
    assert value(result, "slurm_exporter_api_version_supported") == 1
    assert value(result, "slurm_slurmdbd_up") == 1
    assert value(result, "slurm_controller_up", hostname="rec", mode="primary") == 1
    assert value(result, "slurm_info", cluster=CLUSTER[version][0], release=CLUSTER[version][1]) == 1
    # the recorded node: 2 CPUs, one allocated to bob's running job, DRAIN set while it runs
    assert value(result, "slurm_nodes", state="mixed") == 1 and value(result, "slurm_nodes", state="idle") == 0
    assert value(result, "slurm_node_count") == 1 and value(result, "slurm_nodes_draining") == 1
    assert value(result, "slurm_nodes_drained") == 0 and value(result, "slurm_nodes_flag", flag="drain") == 1
    assert value(result, "slurm_node_state_info", node="rec", state="mixed") == 1
    assert value(result, "slurm_node_drain", node="rec") == 1
    assert value(result, "slurm_node_reason_info", node="rec", reason="rec maintenance") == 1
    assert value(result, "slurm_node_cpus", node="rec") == 2
    assert value(result, "slurm_node_cpus_alloc", node="rec") == 1
    assert value(result, "slurm_node_cpus_idle", node="rec") == 1
    assert value(result, "slurm_node_memory_bytes", node="rec") == 12052 * 1024 ** 2
    assert 0 < value(result, "slurm_node_memory_free_bytes", node="rec") < 64 * 1024 ** 3
    assert 0 <= value(result, "slurm_node_cpu_load", node="rec") < 4
    assert value(result, "slurm_cpus") == 2 and value(result, "slurm_cpus_alloc") == 1
    assert value(result, "slurm_cpus_idle") == 0 and value(result, "slurm_cpus_other") == 1  # drained CPU
    assert result["slurm_node_gres"] == {} and result["slurm_gres"] == {}
    # partitions debug (unlimited) and long (7 days), both on the node
    assert value(result, "slurm_partition_up", partition="debug") == 1
    assert value(result, "slurm_partition_state_info", partition="long", state="up") == 1
    assert value(result, "slurm_partition_cpus", partition="debug") == 2
    assert value(result, "slurm_partition_cpus_alloc", partition="long") == 1
    assert value(result, "slurm_partition_nodes", partition="long") == 1
    assert value(result, "slurm_partition_max_time_seconds", partition="long") == 7 * 86400
    assert value(result, "slurm_partition_max_time_seconds", partition="debug") is None
    assert value(result, "slurm_partition_jobs_running", partition="debug") == 1
    assert value(result, "slurm_partition_jobs_pending", partition="debug") == 0
    # jobs: 22.05 and 26.05 recorded one running job; 24.11 a failed, a cancelled and a running one
    assert value(result, "slurm_jobs", state="running") == 1
    assert value(result, "slurm_job_count") == JOBS[version]
    assert value(result, "slurm_jobs_cpus", state="running") == 1
    assert value(result, "slurm_jobs_memory_bytes", state="running") == 12052 * 1024 ** 2
    assert value(result, "slurm_user_jobs", user="bob", state="running") == 1
    assert value(result, "slurm_account_jobs", account="physics", state="running") == 1
    if version == "24.11":
        assert value(result, "slurm_jobs", state="failed") == 1 and value(result, "slurm_jobs", state="cancelled") == 1
        assert value(result, "slurm_controller_latency_seconds", hostname="rec") == pytest.approx(0.0014, abs=0.001)
    # sdiag
    assert value(result, "slurm_scheduler_threads") >= 1
    assert value(result, "slurm_scheduler_jobs_submitted_total") == 1
    assert value(result, "slurm_scheduler_jobs_started_total") == 1
    assert value(result, "slurm_scheduler_jobs_canceled_total") == 1
    assert 0 < value(result, "slurm_scheduler_mean_cycle_seconds") < 1
    assert value(result, "slurm_scheduler_rpc_calls_total", type="REQUEST_PING") >= 4
    assert len(result["slurm_scheduler_rpc_calls_total"]) <= 20
    # slurmdb associations: hpc (100 shares) under root, chem (5) and physics (1) under hpc
    assert value(result, "slurm_account_shares", account="hpc", parent="root") == 100
    assert value(result, "slurm_account_shares", account="chem", parent="hpc") == 5
    assert value(result, "slurm_account_users", account="physics") == 2
    # exporter
    assert value(result, "slurm_exporter_api_version_info", plugin="slurm", version=api) == 1
    assert value(result, "slurm_exporter_data_stale") == 0
    assert value(result, "slurm_exporter_circuit_breaker_state", state="closed") == 1
    assert value(result, "slurm_exporter_requests_total", endpoint="jobs") == 1
    # 24.11 and 26.05 are asked for /shares (sshare, Slurm 23.11+), which the recordings lack: slurmrestd's 404, asked once
    errors = {} if version == "22.05" else {frozenset({("endpoint", "shares"), ("kind", "version")}): 1.0}
    assert result["slurm_exporter_request_errors_total"] == errors
    assert result["slurm_exporter_parse_errors_total"] == {}


def test_family_names_do_not_depend_on_the_version(fake_rest, make_exporter):
    names = {}
    for version, api in ALL_APIS:
        fake = fake_rest(recorded_cluster(version, api))
        names[api] = set(scrape(make_exporter(fake.url, api_version=api)[1]))
    assert len(set(frozenset(n) for n in names.values())) == 1


@pytest.mark.parametrize("version,expected", [("22.05", "v0.0.38"), ("24.11", "v0.0.42"), ("26.05", "v0.0.45")])
def test_version_is_negotiated(fake_rest, make_exporter, version, expected):
    fake = fake_rest(recorded_cluster(version, expected))
    result = scrape(make_exporter(fake.url)[1])
    assert value(result, "slurm_exporter_api_version_info", plugin="slurm", version=expected) == 1
    assert value(result, "slurm_exporter_api_version_info", plugin="slurmdb", version=expected) == 1
    assert value(result, "slurm_node_count") == 1


def test_exposition_is_valid_with_help_for_every_family(fake_rest, make_exporter):
    from prometheus_client.parser import text_string_to_metric_families
    fake = fake_rest(recorded_cluster("24.11", "v0.0.42"))
    text = exposition(make_exporter(fake.url)[1])
    families = list(text_string_to_metric_families(text))
    assert len(families) == len(SPECS)
    helps = dict(re.findall(r"^# HELP (\S+) (.+)$", text, re.M))
    for name, spec in SPECS.items():
        assert helps[name] == spec[3].replace("\\", "\\\\")
    assert TOKEN not in text
    assert all(headers.get("X-SLURM-USER-TOKEN") == TOKEN for headers in fake.headers)


@pytest.mark.parametrize("version,api", [("24.11", "v0.0.42"), ("26.05", "v0.0.45")])
def test_slurmdb_down_is_reported_and_not_fatal(fake_rest, make_exporter, version, api):
    answers = recorded_cluster(version, api)
    answers["/slurmdb/%s/associations" % api] = [recorded(version, api + "/db_accounts_db_down")]
    fake = fake_rest(answers)
    result = scrape(make_exporter(fake.url)[1])
    assert value(result, "slurm_up") == 1 and value(result, "slurm_slurmdbd_up") == 0
    assert value(result, "slurm_exporter_authenticated") == 1  # slurmctld, asked, accepts the token
    assert value(result, "slurm_node_count") == 1 and result["slurm_account_shares"] == {}
    assert value(result, "slurm_exporter_request_errors_total", endpoint="associations", kind="server") == 1


def test_no_slurmdb_api_omits_slurmdbd_up(fake_rest, make_exporter):
    answers = recorded_cluster("24.11", "v0.0.42")
    status, spec = answers["/openapi/v3"][0]
    spec = copy.deepcopy(spec)
    spec["paths"] = dict((k, v) for k, v in spec["paths"].items() if not k.startswith("/slurmdb/"))
    answers["/openapi/v3"] = [(status, spec)]
    fake = fake_rest(answers)
    result = scrape(make_exporter(fake.url)[1])
    assert result["slurm_slurmdbd_up"] == {} and value(result, "slurm_up") == 1
    assert fake.count("/slurmdb/") == 0


def shares_answer():
    """A /slurm/v0.0.42/shares answer (sshare), in the documented shape (not recorded: needs multifactor)."""
    def num(x):
        return {"set": True, "infinite": False, "number": x}
    rows = [
        {"id": 1, "cluster": "rec", "name": "root", "parent": "", "partition": "", "type": ["ASSOCIATION"],
         "shares": num(1), "shares_normalized": num(1.0), "usage": 1000, "usage_normalized": num(1.0),
         "effective_usage": num(1.0), "fairshare": {"factor": num(1.0), "level": num(1.0)}},
        {"id": 3, "cluster": "rec", "name": "hpc", "parent": "root", "partition": "", "type": ["ASSOCIATION"],
         "shares": num(100), "shares_normalized": num(0.95), "usage": 900, "usage_normalized": num(0.9),
         "effective_usage": num(0.9), "fairshare": {"factor": num(0.25), "level": num(1.05)}},
        {"id": 7, "cluster": "rec", "name": "bob", "parent": "physics", "partition": "", "type": ["USER"],
         "shares": num(1), "shares_normalized": num(0.5), "usage": 10, "usage_normalized": num(0.01),
         "effective_usage": num(0.01), "fairshare": {"factor": num(0.7), "level": num(1.2)}},
    ]
    return 200, {"shares": {"shares": rows, "total_shares": 107}, "errors": [], "warnings": [], "meta": {}}


def test_fairshare_from_the_shares_endpoint(fake_rest, make_exporter):
    answers = recorded_cluster("24.11", "v0.0.42")
    answers["/slurm/v0.0.42/shares"] = [shares_answer()]
    fake = fake_rest(answers)
    result = scrape(make_exporter(fake.url)[1])
    assert value(result, "slurm_account_fairshare_factor", account="hpc") == 0.25
    assert value(result, "slurm_account_fairshare_level", account="hpc") == 1.05
    assert value(result, "slurm_account_usage_normalized", account="hpc") == 0.9
    assert value(result, "slurm_account_shares_normalized", account="root") == 1.0
    assert value(result, "slurm_account_usage_raw", account="hpc") == 900
    assert value(result, "slurm_account_fairshare_factor", account="bob") is None  # user rows are not accounts
    assert result["slurm_exporter_request_errors_total"] == {}


def test_shares_endpoint_missing_is_asked_once(fake_rest, make_exporter):
    fake = fake_rest(recorded_cluster("24.11", "v0.0.42"))
    exporter, collector = make_exporter(fake.url, cache_seconds=0)
    scrape(collector)
    scrape(collector)
    assert fake.count("/slurm/v0.0.42/shares") == 1
    assert fake.count("/slurm/v0.0.42/nodes") == 2


def test_gpu_cluster_and_pending_jobs(fake_rest, make_exporter):
    """The recorded 24.11 answers, edited: GPU nodes (gres strings that crash other exporters), pending jobs."""
    answers = recorded_cluster("24.11", "v0.0.42")
    status, nodes = answers["/slurm/v0.0.42/nodes"][0]
    nodes = copy.deepcopy(nodes)
    template = nodes["nodes"][0]
    gres = [("gpu:a100:4(S:0-1)", "gpu:a100:2(IDX:0-1)"), ("gpu:4,shard:8", "gpu:0(IDX:N/A),shard:0"),
            ("(null)", "")]
    nodes["nodes"] = []
    for index, (configured, used) in enumerate(gres):
        node = copy.deepcopy(template)
        node.update(name="gpu%d" % index, gres=configured, gres_used=used, state=["IDLE"], reason="")
        nodes["nodes"].append(node)
    answers["/slurm/v0.0.42/nodes"] = [(status, nodes)]
    status, jobs = answers[asked("v0.0.42", "jobs")][0]
    jobs = copy.deepcopy(jobs)
    pending = copy.deepcopy(jobs["jobs"][0])
    pending.update(job_state=["PENDING"], state_reason="Resources", partition="debug,long",
                   tres_req_str="cpu=4,mem=8G,node=1,billing=4,gres/gpu=2", tres_alloc_str="",
                   submit_time={"set": True, "infinite": False, "number": 1000})
    jobs["jobs"].append(pending)
    answers[asked("v0.0.42", "jobs")] = [(status, jobs)]
    fake = fake_rest(answers)
    exporter, collector = make_exporter(fake.url)
    exporter._wall = lambda: 4600.0
    result = scrape(collector)
    assert value(result, "slurm_node_gres", node="gpu0", gres="gpu", model="a100") == 4
    assert value(result, "slurm_node_gres_used", node="gpu0", gres="gpu", model="a100") == 2
    assert value(result, "slurm_node_gres", node="gpu1", gres="gpu", model="") == 4
    assert value(result, "slurm_node_gres", node="gpu1", gres="shard", model="") == 8
    assert value(result, "slurm_gres", gres="gpu", model="a100") == 4
    assert value(result, "slurm_gres_used", gres="gpu", model="a100") == 2
    assert value(result, "slurm_partition_gpus", partition="debug") == 8
    assert value(result, "slurm_partition_gpus_used", partition="debug") == 2
    assert value(result, "slurm_jobs", state="pending") == 1
    assert value(result, "slurm_jobs_gpus", state="pending") == 2
    assert value(result, "slurm_jobs_cpus", state="pending") == 1  # the job's own cpus field
    assert value(result, "slurm_jobs_memory_bytes", state="pending") == 8 * 1024 ** 3
    assert value(result, "slurm_jobs_pending_reason", reason="Resources") == 1
    assert value(result, "slurm_partition_jobs_pending", partition="debug") == 1
    assert value(result, "slurm_partition_jobs_pending", partition="long") == 1
    assert value(result, "slurm_partition_pending_longest_wait_seconds", partition="long") == 3600
    assert value(result, "slurm_jobs_pending_longest_wait_seconds") == 3600
    assert result["slurm_exporter_parse_errors_total"] == {}


def test_an_odd_job_is_skipped_not_fatal(fake_rest, make_exporter):
    answers = recorded_cluster("24.11", "v0.0.42")
    status, jobs = answers[asked("v0.0.42", "jobs")][0]
    jobs = copy.deepcopy(jobs)
    jobs["jobs"].append({"no": "job_id"})
    answers[asked("v0.0.42", "jobs")] = [(status, jobs)]
    fake = fake_rest(answers)
    result = scrape(make_exporter(fake.url)[1])
    assert value(result, "slurm_job_count") == 3
    assert value(result, "slurm_exporter_parse_errors_total", what="jobs") == 1
