# -*- coding: utf-8 -*-
# Copyright (c) 2025, hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Time the hpcstack.cluster.cluster inventory plugin on a 10,000-node cluster spec (8 partitions).

Run from the repository root: .venv/bin/python benchmarks/cluster_inventory.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(REPO, '.cache', 'collections')
LINK = os.path.join(COLLECTIONS, 'ansible_collections', 'hpcstack', 'cluster')
os.environ['ANSIBLE_COLLECTIONS_PATH'] = COLLECTIONS  # must be set before ansible is imported

PARTITIONS = 8
NODES_PER_PARTITION = 1250
RUNS = 5
TARGET_SECONDS = 1.0


def spec_text():
    lines = ['plugin: hpcstack.cluster.cluster', 'cluster_name: bench', 'address_prefix: "10.0"',
             'controllers: [ctl1, ctl2]', 'slurmdbd: db1', 'login: login[1-4]',
             'hosts:', '  ctl1: {address: "{prefix}.0.1"}', '  ctl2: {address: "{prefix}.0.2"}', 'nodes:']
    for number in range(1, PARTITIONS + 1):
        lines += ['  - names: p%dn[0001-%04d]' % (number, NODES_PER_PARTITION), '    cpus: 128', '    sockets: 2',
                  '    cores_per_socket: 64', '    threads_per_core: 1', '    real_memory: %d' % (256000 * number),
                  '    features: [part%d]' % number, '    address: "10.%d.0.1"' % number]
    lines.append('partitions:')
    for number in range(1, PARTITIONS + 1):
        lines += ['  - name: part%d' % number, '    nodes: p%dn[0001-%04d]' % (number, NODES_PER_PARTITION),
                  '    max_time: "1-00:00:00"'] + (['    default: true'] if number == 1 else [])
    return '\n'.join(lines) + '\n'


def main():
    if not os.path.exists(LINK):
        os.makedirs(os.path.dirname(LINK), exist_ok=True)
        os.symlink(REPO, LINK)

    from ansible.inventory.manager import InventoryManager
    from ansible.parsing.dataloader import DataLoader
    from ansible.plugins.loader import init_plugin_loader

    init_plugin_loader()
    from ansible_collections.hpcstack.cluster.plugins.plugin_utils import cluster_model

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'cluster.yml')
        with open(path, 'w') as spec:
            spec.write(spec_text())
        timings = []
        for _run in range(RUNS):
            start = time.perf_counter()
            inventory = InventoryManager(loader=DataLoader(), sources=[path])
            timings.append(time.perf_counter() - start)

    model = inventory.groups['all'].get_vars()
    slurmd = inventory.groups['slurmd'].get_hosts() if 'slurmd' in inventory.groups else []
    if len(slurmd) != PARTITIONS * NODES_PER_PARTITION:
        sys.exit('the spec did not parse: %d slurmd hosts' % len(slurmd))
    groups = {name: [host.name for host in group.get_hosts()] for name, group in inventory.groups.items()}
    start = time.perf_counter()
    built = cluster_model.build(model['slurm_cluster_name'], model['slurm_nodes'], model['slurm_partitions'], groups=groups,
                                inventory_hosts=list(inventory.hosts))
    lines = built.facts()['slurm_conf']
    render = time.perf_counter() - start

    best = min(timings)
    print('cluster inventory: %d nodes in %d partitions, %d hosts, %d groups' % (
        len(slurmd), PARTITIONS, len(inventory.hosts), len(inventory.groups)))
    print('  parse + validate + groups: best %.3f s, median %.3f s of %d runs (target < %.1f s)' % (
        best, sorted(timings)[RUNS // 2], RUNS, TARGET_SECONDS))
    print('  model (what the preflight derives: groups, slurm.conf lines): %d NodeName and %d PartitionName lines in %.3f s' % (
        len(lines['node_lines']), len(lines['partition_lines']), render))
    if best >= TARGET_SECONDS:
        sys.exit('slower than the target')


if __name__ == '__main__':
    main()
