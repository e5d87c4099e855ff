"""slurm_elastic's files, rendered on localhost from the role's defaults and a hybrid cluster model, and
the config it writes checked by the program itself (built into its zipapp like the role installs it)."""

import json
import os
import subprocess
import sys

import yaml

from ansible.plugins.loader import init_plugin_loader
from ansible.utils.collection_loader import AnsibleCollectionConfig

if AnsibleCollectionConfig.collection_finder is None:
    init_plugin_loader()

from ansible_collections.hpcstack.cluster.plugins.plugin_utils import _zipapp  # noqa: E402
from ansible_collections.hpcstack.cluster.plugins.plugin_utils import cluster_model as model  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROLE = os.path.join(REPO, "roles", "slurm_elastic")
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
STATIC = {"names": "c[1-2]", "cpus": 2, "sockets": 1, "cores_per_socket": 2, "threads_per_core": 1, "real_memory": 1000}
NODES = [
    STATIC,
    dict(STATIC, names="aws-[1-4]", configless=True,
         cloud={"class": "aws", "provider": "ec2",
                "ec2": {"region": "eu-west-1", "launch_template": {"name": "hpc-compute", "version": "$Latest"},
                        "instance_types": ["c5.xlarge", "c5a.xlarge"], "subnet_ids": ["subnet-0123456789abcdef0"],
                        "role_arn": "arn:aws:iam::111111111111:role/hpc-burst", "tags": {"CostCenter": "physics"}}}),
    dict(STATIC, names="cloud[1-2]", configless=True,
         cloud={"class": "lab", "provider": "docker", "docker": {"image": "hpclab/compute:trixie", "network": "hpclab"}}),
]


def hybrid():
    partitions = [{"name": "debug", "nodes": "c[1-2],aws-[1-4],cloud[1-2]", "default": True}]
    return model.build("lab", NODES, partitions, groups={"slurmctld": ["ctl1"]}, check_slurmd_group=False,
                       addresses={"ctl1": "10.0.0.11"}).variables()["hpcstack_cluster"]


def render(tmp_path, **variables):
    """The role's templates; the command's loop item is the resume command (key ``resume``)."""
    templates = {"resume": "command.sh.j2", "service": "hpcstack-elastic-reconcile.service.j2",
                 "timer": "hpcstack-elastic-reconcile.timer.j2"}
    playbook = [{
        "name": "Render slurm_elastic's files",
        "hosts": "localhost",
        "connection": "local",
        "gather_facts": False,
        "vars": {"ansible_python_interpreter": sys.executable},
        "vars_files": [os.path.join(ROLE, "defaults", "main.yml")],
        "tasks": [{"name": "Render", "ansible.builtin.template": {"src": os.path.join(ROLE, "templates", "{{ item.value }}"),
                                                                  "dest": str(tmp_path) + "/{{ item.key }}", "mode": "0644"},
                   "loop": "{{ templates | dict2items }}"}],
    }]
    (tmp_path / "play.yml").write_text(yaml.safe_dump(playbook))
    (tmp_path / "vars.json").write_text(json.dumps(dict(variables, templates=templates)))
    result = subprocess.run([ANSIBLE_PLAYBOOK, "-i", "localhost,", str(tmp_path / "play.yml"), "-e", "@" + str(tmp_path / "vars.json")],
                            capture_output=True, text=True, check=False, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return {name: (tmp_path / name).read_text().splitlines() for name in templates}


def test_commands_and_reconcile_units(tmp_path):
    cluster = hybrid()
    out = render(tmp_path, hpcstack_cluster=cluster)
    assert out["resume"][-1] == ("exec /usr/bin/python3 /usr/local/lib/hpcstack/hpcstack-elastic.pyz "
                                 "--config /etc/hpcstack/elastic.json resume \"$@\"")
    assert "AWS_SHARED_CREDENTIALS_FILE" not in "\n".join(out["resume"] + out["service"])
    service = out["service"]
    for line in ("User=slurm", "Group=slurm", "Type=oneshot", "SyslogIdentifier=hpcstack-elastic",
                 "ExecStart=/usr/bin/python3 /usr/local/lib/hpcstack/hpcstack-elastic.pyz --config /etc/hpcstack/elastic.json reconcile"
                 " --metrics-file /var/lib/hpcstack/elastic/hpcstack_elastic.prom",
                 # the sandboxed program cannot write node_exporter's directory: a root step publishes its file
                 "ExecStartPost=+/bin/sh -c 'test ! -e /var/lib/hpcstack/elastic/hpcstack_elastic.prom || { install -D -m 0644 "
                 "/var/lib/hpcstack/elastic/hpcstack_elastic.prom /var/lib/prometheus/node-exporter/hpcstack_elastic.prom.tmp && "
                 "mv -f /var/lib/prometheus/node-exporter/hpcstack_elastic.prom.tmp /var/lib/prometheus/node-exporter/hpcstack_elastic.prom; }'",
                 "ReadWritePaths=/var/lib/hpcstack/elastic", "ProtectSystem=strict", "NoNewPrivileges=yes"):
        assert line in service
    without_metrics = render(tmp_path, hpcstack_cluster=cluster, slurm_elastic_metrics_dir="")["service"]
    assert [line for line in without_metrics if line.startswith("ExecStart")] == [
        "ExecStart=/usr/bin/python3 /usr/local/lib/hpcstack/hpcstack-elastic.pyz --config /etc/hpcstack/elastic.json reconcile"]
    assert not [line for line in service if line.startswith("SupplementaryGroups")]
    assert "OnUnitActiveSec=60" in out["timer"]
    with_docker = render(tmp_path, hpcstack_cluster=cluster, __slurm_elastic_docker_group_name="docker",
                         slurm_elastic_aws_access_key_id="AKIAEXAMPLE", slurm_elastic_reconcile_interval=30)
    assert "SupplementaryGroups=docker" in with_docker["service"]
    assert "Environment=AWS_SHARED_CREDENTIALS_FILE=/etc/hpcstack/elastic-aws-credentials" in with_docker["service"]
    assert "AWS_SHARED_CREDENTIALS_FILE=/etc/hpcstack/elastic-aws-credentials" in with_docker["resume"]
    assert "OnUnitActiveSec=30" in with_docker["timer"]


def test_the_program_accepts_the_config_the_model_writes(tmp_path):
    cluster = hybrid()
    elastic = cluster["elastic"]
    assert elastic["providers"] == ["docker", "ec2"] and elastic["docker_sockets"] == ["/var/run/docker.sock"]
    assert elastic["config"]["classes"]["lab"]["docker"]["conf_servers"] == ["10.0.0.11"]
    (tmp_path / "elastic.json").write_text(json.dumps(elastic["config"]))
    data, _names = _zipapp.build("hpcstack_elastic", sys.executable)
    (tmp_path / "hpcstack-elastic.pyz").write_bytes(data)
    result = subprocess.run([sys.executable, str(tmp_path / "hpcstack-elastic.pyz"), "--config", str(tmp_path / "elastic.json"),
                             "check-config", "--offline"], capture_output=True, text=True, check=False, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "aws" in result.stdout and "lab" in result.stdout
