# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The alert rules and their promtool unit tests (roles/prometheus/templates), rendered as the role renders them.

``promtool test rules`` runs where promtool is (PATH or $PROMTOOL; Debian package prometheus); the
Molecule scenario runs the same tests on the monitoring host.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import jinja2
import jinja2.nativetypes
import pytest
import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
TEMPLATES = os.path.join(ROOT, "roles", "prometheus", "templates")
PROMTOOL = os.environ.get("PROMTOOL") or shutil.which("promtool")


# What the preflight derives for a cluster with cloud classes and the default ResumeTimeout (900 s).
CLUSTER = {"elastic": {"resume_timeout": 900}}


def role_variables(config_dir: str, cluster: dict) -> dict:
    """The role's defaults with their templates resolved (as Ansible does), for a cluster model."""
    with open(os.path.join(ROOT, "roles", "prometheus", "defaults", "main.yml")) as handle:
        defaults = yaml.safe_load(handle)
    variables = dict(defaults, ansible_managed="Ansible managed", prometheus_config_dir=config_dir,
                     hpcstack_cluster=cluster)
    native = jinja2.nativetypes.NativeEnvironment(undefined=jinja2.StrictUndefined)
    for dummy in range(3):  # a default may name another default
        for key, value in list(variables.items()):
            if isinstance(value, str) and "{{" in value:
                variables[key] = native.from_string(value).render(variables)
    return variables


def render(name: str, config_dir: str, cluster: dict | None = None) -> str:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), undefined=jinja2.StrictUndefined,
                             trim_blocks=True, keep_trailing_newline=True)
    return env.get_template(name).render(role_variables(config_dir, cluster or CLUSTER))


@pytest.fixture
def rendered(tmp_path):
    for folder, name, template in (("rules", "hpcstack.yml", "hpcstack-rules.yml.j2"),
                                   ("tests", "hpcstack-rules.test.yml", "hpcstack-rules.test.yml.j2")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / name).write_text(render(template, str(tmp_path)))
    return tmp_path


def rules(path) -> dict:
    with open(path / "rules" / "hpcstack.yml") as handle:
        return {rule["alert"]: rule for group in yaml.safe_load(handle)["groups"] for rule in group["rules"]}


def test_every_slurm_exporter_problem_has_its_own_alert(rendered):
    found = rules(rendered)
    assert found["SlurmctldDown"]["expr"] == ("slurm_up == 0 unless on (job, instance) (slurm_exporter_authenticated == 0 "
                                              "or slurm_exporter_api_version_supported == 0)")
    assert found["SlurmExporterTokenRejected"]["expr"] == "slurm_exporter_authenticated == 0"
    assert found["SlurmExporterApiVersionUnsupported"]["expr"] == "slurm_exporter_api_version_supported == 0"
    assert found["SlurmrestdDown"]["expr"] == "slurm_slurmrestd_up == 0"


def test_every_alert_is_tested(rendered):
    with open(rendered / "tests" / "hpcstack-rules.test.yml") as handle:
        tests = yaml.safe_load(handle)["tests"]
    tested = {case["alertname"] for test in tests for case in test["alert_rule_test"] if case["exp_alerts"]}
    assert tested == set(rules(rendered)) - {"NodeSystemdUnitFailed", "NodeFilesystemAlmostFull", "NodeMemoryLow"}


@pytest.mark.skipif(not PROMTOOL, reason="promtool is not installed (Debian package prometheus, or set PROMTOOL)")
def test_promtool_rule_tests_pass(rendered):
    check = subprocess.run([PROMTOOL, "check", "rules", str(rendered / "rules" / "hpcstack.yml")],
                           capture_output=True, text=True, timeout=120, check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    result = subprocess.run([PROMTOOL, "test", "rules", str(rendered / "tests" / "hpcstack-rules.test.yml")],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout + result.stderr


@pytest.mark.parametrize("resume_timeout, expected", [(900, "17m"), (180, "5m"), (1800, "32m")])
def test_stuck_powering_up_waits_for_the_clusters_resume_timeout(tmp_path, resume_timeout, expected):
    variables = role_variables(str(tmp_path), {"elastic": {"resume_timeout": resume_timeout}})
    assert variables["prometheus_alert_powering_up_for"] == expected
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "hpcstack.yml").write_text(
        render("hpcstack-rules.yml.j2", str(tmp_path), {"elastic": {"resume_timeout": resume_timeout}}))
    rule = rules(tmp_path)["SlurmNodeStuckPoweringUp"]
    assert (rule["expr"], rule["for"]) == ('slurm_node_power_state_info{power="powering_up"} == 1', expected)


def test_a_cluster_without_cloud_classes_gets_the_default_resume_timeout(tmp_path):
    assert role_variables(str(tmp_path), {"elastic": {}})["prometheus_alert_powering_up_for"] == "17m"


def test_the_elastic_alerts_read_what_reconcile_writes(rendered):
    found = rules(rendered)
    assert found["SlurmElasticOrphans"]["expr"] == "max_over_time(hpcstack_elastic_reconcile_orphans[1h]) > 0"
    assert found["SlurmElasticReconcileStale"]["expr"] == ("time() - hpcstack_elastic_reconcile_last_run_timestamp_seconds"
                                                           " > 600")
