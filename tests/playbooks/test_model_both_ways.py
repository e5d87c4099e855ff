"""One cluster written two ways - a cluster spec, and hand-written groups and variables - gives the
same model after the preflight: the same normalised variables, derived facts and derived groups.
"""

import json
import os
import subprocess
import sys

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
DUMP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dump_model.yml")

SPEC = {
    "plugin": "hpcstack.cluster.cluster",
    "cluster_name": "two",
    "address_prefix": "10.1.0",
    "controllers": ["ctl[1-2]"],
    "slurmdbd": ["db1"],
    "slurmrestd": ["ctl1"],
    "login": ["login1"],
    "monitoring": ["mon1"],
    "hosts": {"ctl1": {"address": "{prefix}.1"}, "ctl2": {"address": "{prefix}.2"}, "db1": {"address": "{prefix}.3"},
              "login1": {"address": "{prefix}.4"}},
    "nodes": [
        # No gres, features or options: a hand-written model may leave them out too.
        {"names": "c[1-2]", "cpus": 2, "sockets": 1, "cores_per_socket": 2, "threads_per_core": 1, "real_memory": 1000,
         "address": "{prefix}.101"},
        {"names": "g1", "cpus": 4, "sockets": 1, "cores_per_socket": 4, "threads_per_core": 1, "real_memory": 4000,
         "gres": ["gpu:a100:2"]},
    ],
    "partitions": [{"name": "debug", "nodes": "c[1-2]", "default": True, "max_time": "1:00:00"},
                   {"name": "gpu", "nodes": "g1"}],
}
HAND_WRITTEN = {
    "all": {
        "vars": {
            "slurm_cluster_name": "two",
            "slurm_nodes": [{key: value for key, value in entry.items() if key != "address"} for entry in SPEC["nodes"]],
            "slurm_partitions": SPEC["partitions"],
        },
        "children": {
            "slurmctld": {"hosts": {"ctl1": {"node_address": "10.1.0.1"}, "ctl2": {"node_address": "10.1.0.2"}}},
            "slurmdbd": {"hosts": {"db1": {"node_address": "10.1.0.3"}}},
            "slurmrestd": {"hosts": {"ctl1": {}}},
            "login": {"hosts": {"login1": {"node_address": "10.1.0.4"}}},
            "monitoring": {"hosts": {"mon1": {}}},
            "slurmd": {"hosts": {"c1": {"node_address": "10.1.0.101"}, "c2": {"node_address": "10.1.0.102"}, "g1": {}}},
        },
    }
}
MODEL_GROUPS = ("slurmctld", "slurmdbd", "slurmrestd", "login", "monitoring", "slurmd", "partition_debug", "partition_gpu",
                "slurm_hosts", "cluster_members", "slurm_accounting_database", "slurm_jwt_hosts", "slurm_gpu_nodes",
                "slurm_exporter", "dcgm_exporter")


def derive(tmp_path, name, inventory):
    directory = tmp_path / name
    directory.mkdir()
    path = directory / ("cluster.yml" if "plugin" in inventory else "hosts.yml")
    path.write_text(yaml.safe_dump(inventory))
    dump = tmp_path / (name + ".json")
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    result = subprocess.run([ANSIBLE_PLAYBOOK, "-i", str(directory), DUMP, "-e", "dump_path=%s" % dump],
                            capture_output=True, text=True, env=env, check=False, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    derived = json.loads(dump.read_text())
    assert derived["same_on_every_host"]
    derived["groups"] = {group: sorted(derived["groups"].get(group, [])) for group in MODEL_GROUPS}
    return derived


def test_spec_and_hand_written_inventory_give_the_same_model(tmp_path):
    from_spec = derive(tmp_path, "spec", SPEC)
    by_hand = derive(tmp_path, "hand", HAND_WRITTEN)
    assert from_spec == by_hand
    facts = by_hand["variables"]["hpcstack_cluster"]
    assert facts["slurm_conf"]["controller_lines"] == ["SlurmctldHost=ctl1(10.1.0.1)", "SlurmctldHost=ctl2(10.1.0.2)"]
    assert facts["slurm_conf"]["gres_types"] == ["gpu"]
    assert by_hand["variables"]["slurm_nodes"][0]["gres"] == []
    assert by_hand["groups"]["slurm_accounting_database"] == ["db1"]
    assert by_hand["groups"]["slurm_jwt_hosts"] == ["ctl1", "ctl2", "db1"]
    assert by_hand["groups"]["dcgm_exporter"] == by_hand["groups"]["slurm_gpu_nodes"] == ["g1"]
    assert by_hand["groups"]["partition_gpu"] == ["g1"]
