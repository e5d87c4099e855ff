# -*- coding: utf-8 -*-
# Copyright (c) 2026, hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The filter of plugins/filter/prometheus_file_sd.py (plugins/plugin_utils/scrape_targets.py)."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import init_plugin_loader
from ansible.template import Templar, trust_as_template
from ansible.utils.collection_loader import AnsibleCollectionConfig

if AnsibleCollectionConfig.collection_finder is None:
    init_plugin_loader()  # the collection loader (ANSIBLE_COLLECTIONS_PATH, set by the Makefile) must come before the imports below

from ansible_collections.hpcstack.cluster.plugins.filter.prometheus_file_sd import prometheus_file_sd

# The lab of docs/cluster-model.md, plus a GPU partition overlapping debug and a controller that is also a login node.
GROUPS = {
    'all': ['ctl1', 'login1', 'c1', 'c2', 'g1'], 'ungrouped': [],
    'slurmctld': ['ctl1'], 'slurmdbd': [], 'slurmrestd': [], 'login': ['login1', 'ctl1'], 'monitoring': [], 'nfs_server': [],
    'slurmd': ['c1', 'c2', 'g1'], 'partition_debug': ['c1', 'c2', 'g1'], 'partition_gpu': ['g1'],
}
ADDRESSES = {'ctl1': '172.31.250.10', 'login1': '172.31.250.20', 'c1': '172.31.250.101', 'g1': 'fd00::7'}


def cluster(name='lab', groups=None):
    """hpcstack_cluster as the preflight sets it (the parts this filter reads)."""
    return {'name': name, 'groups': GROUPS if groups is None else groups, 'addresses': ADDRESSES}


@pytest.mark.parametrize('kwargs, expected', [
    pytest.param({}, [
        {'targets': ['ctl1:9100'], 'labels': {'cluster': 'lab', 'role': 'slurmctld,login'}},
        {'targets': ['c1:9100', 'c2:9100'], 'labels': {'cluster': 'lab', 'role': 'slurmd', 'partition': 'debug'}},
        {'targets': ['g1:9100'], 'labels': {'cluster': 'lab', 'role': 'slurmd', 'partition': 'debug,gpu'}},
        {'targets': ['login1:9100'], 'labels': {'cluster': 'lab', 'role': 'login'}},
    ], id='default-roles'),
    pytest.param({'roles': ['slurmd'], 'port': 9101}, [
        {'targets': ['c1:9101', 'c2:9101'], 'labels': {'cluster': 'lab', 'role': 'slurmd', 'partition': 'debug'}},
        {'targets': ['g1:9101'], 'labels': {'cluster': 'lab', 'role': 'slurmd', 'partition': 'debug,gpu'}},
    ], id='slurmd-only'),
    pytest.param({'roles': ['login', 'slurmctld'], 'port': '8080'}, [
        {'targets': ['login1:8080'], 'labels': {'cluster': 'lab', 'role': 'login'}},
        {'targets': ['ctl1:8080'], 'labels': {'cluster': 'lab', 'role': 'login,slurmctld'}},
    ], id='roles-order'),
    pytest.param({'roles': ['slurmctld', 'slurmd'], 'use_address': True}, [
        {'targets': ['172.31.250.10:9100'], 'labels': {'cluster': 'lab', 'role': 'slurmctld'}},
        {'targets': ['172.31.250.101:9100', 'c2:9100'], 'labels': {'cluster': 'lab', 'role': 'slurmd', 'partition': 'debug'}},
        {'targets': ['[fd00::7]:9100'], 'labels': {'cluster': 'lab', 'role': 'slurmd', 'partition': 'debug,gpu'}},
    ], id='use-address'),
    pytest.param({'roles': ['slurmctld'], 'labels': {'exporter': 'slurm', 'site': 1}}, [
        {'targets': ['ctl1:9100'], 'labels': {'cluster': 'lab', 'role': 'slurmctld', 'exporter': 'slurm', 'site': '1'}},
    ], id='extra-labels'),
    pytest.param({'roles': ['monitoring', 'no_such_group']}, [], id='empty-and-missing-groups'),
])
def test_entries(kwargs, expected):
    assert prometheus_file_sd(cluster(), **kwargs) == expected


def test_every_target_once():
    entries = prometheus_file_sd(cluster())
    targets = [target for entry in entries for target in entry['targets']]
    assert sorted(targets) == sorted('%s:9100' % host for host in GROUPS['all'])


def test_no_cluster_label_without_a_name():
    assert prometheus_file_sd(cluster(name=''), roles=['slurmctld']) == [{'targets': ['ctl1:9100'], 'labels': {'role': 'slurmctld'}}]


@pytest.mark.parametrize('model, kwargs, message', [
    (['c1'], {}, 'prometheus_file_sd: the input must be the cluster model (hpcstack_cluster, set by the preflight), got list'),
    ({'groups': ['c1']}, {}, 'prometheus_file_sd: the input must be the cluster model (hpcstack_cluster, set by the preflight), got dict'),
    (cluster(), {'port': 0}, 'prometheus_file_sd: port must be a number from 1 to 65535, got 0'),
    (cluster(), {'port': 'http'}, "prometheus_file_sd: port must be a number from 1 to 65535, got 'http'"),
    (cluster(), {'port': True}, 'prometheus_file_sd: port must be a number from 1 to 65535, got True'),
    (cluster(), {'roles': 'slurmd'}, "prometheus_file_sd: roles must be a list of names, got 'slurmd'"),
    (cluster(), {'roles': [1]}, 'prometheus_file_sd: roles must be a list of names, got 1 in it'),
    (cluster(), {'labels': ['a']}, "prometheus_file_sd: labels must be a mapping of label name to value, got ['a']"),
    (cluster(), {'labels': {'role': 'x'}}, 'prometheus_file_sd: label role is set by the filter; it cannot be in labels'),
    (cluster(), {'labels': {'__address__': 'x'}},
     "prometheus_file_sd: '__address__' is not a valid Prometheus label name (labels starting with __ are reserved)"),
    (cluster(), {'labels': {'a-b': 'x'}}, "prometheus_file_sd: 'a-b' is not a valid Prometheus label name (labels starting with __ are reserved)"),
    (cluster(groups={'slurmd': 'c1'}), {}, "prometheus_file_sd: group slurmd must be a list of names, got 'c1'"),
])
def test_errors(model, kwargs, message):
    with pytest.raises(AnsibleFilterError) as error:
        prometheus_file_sd(model, **kwargs)
    assert str(error.value) == message


def test_in_a_template():
    templar = Templar(loader=DataLoader(), variables={'hpcstack_cluster': cluster()})
    assert templar.template(trust_as_template(
        "{{ hpcstack_cluster | hpcstack.cluster.prometheus_file_sd(port=9100, roles=['slurmctld'], use_address=true) }}")) == [
        {'targets': ['172.31.250.10:9100'], 'labels': {'cluster': 'lab', 'role': 'slurmctld'}}]
