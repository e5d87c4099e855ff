# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every metric a dashboard or an alert rule uses is one an exporter of the collection produces.

Slurm and job exporter: their metric catalogues (programs/hpcstack_exporters/catalogue.py).
The elastic program's reconcile: the text file it writes for node_exporter (programs/hpcstack_elastic/metrics.py).
node_exporter and process-exporter: scrapes recorded from a lab container (fixtures/monitoring).
dcgm-exporter: the counters the dcgm_exporter role configures.
"""

from __future__ import annotations

import glob
import json
import os
import re

import pytest
import yaml

from ansible_collections.hpcstack.cluster.programs.hpcstack_elastic.metrics import METRICS as ELASTIC_METRICS
from ansible_collections.hpcstack.cluster.programs.hpcstack_exporters.catalogue import JOB_SPECS, SPECS

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
ROLES = os.path.join(ROOT, "roles")
RECORDED = os.path.join(ROOT, "tests", "unit", "fixtures", "monitoring")
DASHBOARDS = sorted(glob.glob(os.path.join(ROLES, "grafana_dashboards", "files", "dashboards", "*.json")))
RULES = os.path.join(ROLES, "prometheus", "templates", "hpcstack-rules.yml.j2")
PROMETHEUS_OWN = {"up", "scrape_duration_seconds", "scrape_samples_scraped"}
KEYWORDS = {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset",
            "inf", "nan"}


def recorded_names(path):
    """Metric names of a recorded scrape (text exposition format)."""
    names = set()
    with open(path) as handle:
        for line in handle:
            if line.startswith("# TYPE "):
                names.add(line.split()[2])
            elif line.strip() and not line.startswith("#"):
                names.add(re.split(r"[{ ]", line, maxsplit=1)[0])
    return names


def known_names():
    with open(os.path.join(ROLES, "dcgm_exporter", "defaults", "main.yml")) as handle:
        dcgm = {counter["field"] for counter in yaml.safe_load(handle)["dcgm_exporter_counters"]}
    names = set(SPECS) | set(JOB_SPECS) | dcgm | PROMETHEUS_OWN | {spec[0] for spec in ELASTIC_METRICS}
    for path in glob.glob(os.path.join(RECORDED, "*.prom")):
        names |= recorded_names(path)
    return names


def metric_names(expr):
    """Metric names in a PromQL expression (or a Grafana label_values() query)."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)                      # strings
    expr = re.sub(r"\{[^}]*\}", " ", expr)                                # label matchers
    expr = re.sub(r"\[[^\]]*\]", " ", expr)                               # ranges
    expr = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", expr)
    expr = re.sub(r"label_values\(\s*([A-Za-z_:][\w:]*)\s*,[^)]*\)", r" \1 ", expr)
    expr = re.sub(r"\$\w+", " ", expr)                                    # Grafana variables
    names = set()
    for match in re.finditer(r"(?<![\w.])([A-Za-z_:][\w:]*)\s*(\()?", expr):
        if not match.group(2) and match.group(1).lower() not in KEYWORDS and not re.fullmatch(r"\d+\w*", match.group(1)):
            names.add(match.group(1))
    return names


def dashboard_queries(path):
    with open(path) as handle:
        dashboard = json.load(handle)
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            yield "%s: %s" % (panel["title"], target["expr"]), target["expr"]
    for variable in dashboard["templating"]["list"]:
        query = variable.get("query")
        if isinstance(query, dict):
            yield "variable %s" % variable["name"], query["query"]


def rule_queries():
    with open(RULES) as handle:
        text = handle.read()
    text = re.sub(r"\{%-? *(raw|endraw) *-?%\}", "", text)
    text = re.sub(r"\{\{ *prometheus_\w+ *\}\}", "1", text)
    for group in yaml.safe_load(text)["groups"]:
        for rule in group["rules"]:
            yield rule["alert"], rule["expr"]


QUERIES = [(os.path.basename(path) + " " + where, expr) for path in DASHBOARDS for where, expr in dashboard_queries(path)]
QUERIES += [("rule " + name, expr) for name, expr in rule_queries()]


def test_the_fixtures_are_recorded():
    for exporter in ("node_exporter", "process_exporter", "job_exporter"):
        assert os.path.exists(os.path.join(RECORDED, exporter + ".prom")), exporter


def test_the_parser_finds_metric_names():
    assert metric_names('sum by (mode) (rate(node_cpu_seconds_total{instance=~"$node:.*",mode!="idle"}[5m]))') == \
        {"node_cpu_seconds_total"}
    assert metric_names("slurm_cpus_alloc / slurm_cpus > 0.5 and on (x) up == 0") == {"slurm_cpus_alloc", "slurm_cpus", "up"}
    assert metric_names("label_values(slurm_partition_nodes, partition)") == {"slurm_partition_nodes"}


def test_every_dashboard_is_there():
    assert {os.path.basename(path) for path in DASHBOARDS} == {
        "slurm-cluster-overview.json", "slurm-partitions.json", "slurm-jobs-users.json", "slurm-node-detail.json"}


@pytest.mark.parametrize("where,expr", QUERIES, ids=[where for where, expr in QUERIES])
def test_metric_names_are_produced(where, expr):
    names = metric_names(expr)
    assert names, "no metric in %s" % expr
    unknown = sorted(names - known_names())
    assert not unknown, "%s uses metrics no exporter produces: %s" % (where, unknown)
