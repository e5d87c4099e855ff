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
import pytest
import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
TEMPLATES = os.path.join(ROOT, "roles", "prometheus", "templates")
PROMTOOL = os.environ.get("PROMTOOL") or shutil.which("promtool")


def render(name: str, config_dir: str) -> str:
    with open(os.path.join(ROOT, "roles", "prometheus", "defaults", "main.yml")) as handle:
        defaults = yaml.safe_load(handle)
    variables = dict(defaults, ansible_managed="Ansible managed", prometheus_config_dir=config_dir)
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), undefined=jinja2.StrictUndefined,
                             trim_blocks=True, keep_trailing_newline=True)
    return env.get_template(name).render(variables)


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
