"""slurm_common's slurm.conf with and without cloud node classes, rendered on localhost from the role's
defaults and the cluster model's facts, for the Slurm release of each supported Debian suite."""

import json
import os
import re
import subprocess
import sys

import yaml

from ansible.plugins.loader import init_plugin_loader
from ansible.utils.collection_loader import AnsibleCollectionConfig

if AnsibleCollectionConfig.collection_finder is None:
    init_plugin_loader()

from ansible_collections.hpcstack.cluster.plugins.plugin_utils import cluster_model as model  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROLE = os.path.join(REPO, "roles", "slurm_common")
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
STATIC = {"names": "c[1-2]", "cpus": 2, "sockets": 1, "cores_per_socket": 2, "threads_per_core": 1, "real_memory": 1000}
CLOUD = dict(STATIC, names="aws-[1-4]", configless=True,
             cloud={"class": "aws", "provider": "ec2", "ec2": {"region": "eu-west-1", "launch_template": {"name": "hpc-compute"}}})
GROUPS = {"slurmctld": ["ctl1"]}
# The cgroup layout of this project's test containers on a cgroup v1 host (module slurm_platform).
V1_HOST = {"fstype": "tmpfs", "proc_lines": 13, "controllers": [], "v1_controllers": ["cpuset", "freezer", "memory"]}
# Debian 12, 13 and forky.
VERSIONS = ("22.05.8", "24.11.5", "26.05.0")


def facts(nodes, **power_saving):
    partitions = [{"name": "debug", "nodes": ",".join(entry["names"] for entry in nodes), "default": True}]
    built = model.build("lab", nodes, partitions, groups=GROUPS, check_slurmd_group=False, power_saving=power_saving or None)
    return built.variables()


def render(tmp_path, cases, template=os.path.join(ROLE, "templates", "slurm.conf.j2")):
    """cases: name -> (variables, Slurm version); returns name -> lines."""
    playbook = [{
        "name": "Render slurm.conf",
        "hosts": "localhost",
        "connection": "local",
        "gather_facts": False,
        "vars": {"ansible_python_interpreter": sys.executable, "V1_HOST": V1_HOST},
        "vars_files": [os.path.join(ROLE, "defaults", "main.yml")],
        "tasks": [{"name": "Render", "ansible.builtin.template": {"src": template, "dest": str(tmp_path) + "/{{ item.key }}", "mode": "0644"},
                   "vars": {"hpcstack_cluster": "{{ item.value.variables.hpcstack_cluster }}",
                            "slurm_cluster_name": "lab", "__slurm_version": "{{ item.value.version }}",
                            "__slurm_policy": "{{ {'version': item.value.version, 'plugins': ['mpi_pmix'], 'cgroup': V1_HOST}"
                                              " | hpcstack.cluster.slurm_version_policy({}) }}"},
                   "loop": "{{ cases | dict2items }}"}],
    }]
    (tmp_path / "play.yml").write_text(yaml.safe_dump(playbook))
    (tmp_path / "vars.json").write_text(json.dumps({"cases": {name: {"variables": variables, "version": version}
                                                              for name, (variables, version) in cases.items()}}))
    result = subprocess.run([ANSIBLE_PLAYBOOK, "-i", "localhost,", str(tmp_path / "play.yml"), "-e", "@" + str(tmp_path / "vars.json")],
                            capture_output=True, text=True, check=False, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return {name: (tmp_path / name).read_text().splitlines() for name in cases}


def block(lines):
    """The power-saving block: the lines after its comment up to the next empty line."""
    start = lines.index("# Power saving of the cloud node classes (docs/elastic.md)") + 1
    return lines[start:lines.index("", start)]


COMMON = [
    "SuspendProgram=/usr/local/sbin/hpcstack-elastic-suspend",
    "ResumeProgram=/usr/local/sbin/hpcstack-elastic-resume",
    "ResumeFailProgram=/usr/local/sbin/hpcstack-elastic-resume-fail",
    "SuspendTime=600",
    "SuspendTimeout=120",
    "ResumeTimeout=900",
    "SuspendRate=0",
    "ResumeRate=0",
    "SuspendExcNodes=c[1-2]",
    "TreeWidth=65533",
]


def test_power_saving_by_release(tmp_path):
    cloud = facts([STATIC, CLOUD])
    options = facts([STATIC, CLOUD], debug=True, cloud_dns=True, suspend_exc_states=["down", "drain"],
                    keep_settings_on_reconfigure=True, suspend_time=300)
    cases = {version: (cloud, version) for version in VERSIONS}
    cases.update({"options-" + version: (options, version) for version in ("22.05.8", "24.11.5")})
    out = render(tmp_path, cases)
    assert block(out["22.05.8"]) == COMMON + ["PrivateData=cloud", "CommunicationParameters=NoAddrCache"]
    assert block(out["24.11.5"]) == COMMON
    assert block(out["26.05.0"]) == COMMON
    for version in VERSIONS:
        # No idle_on_node_suspend: it would skip the failure cool-down (docs/elastic.md).
        assert [line for line in out[version] if line.startswith("SlurmctldParameters=")] == [
            "SlurmctldParameters=enable_configless"]
        assert ("NodeName=aws-[1-4] CPUs=2 Sockets=1 CoresPerSocket=2 ThreadsPerCore=1 RealMemory=1000 Features=aws "
                "Weight=1000 State=CLOUD") in out[version]
    options_common = [line.replace("SuspendTime=600", "SuspendTime=300") for line in COMMON if not line.startswith("TreeWidth")]
    assert block(out["options-22.05.8"]) == options_common + ["DebugFlags=Power", "PrivateData=cloud", "CommunicationParameters=NoAddrCache"]
    assert block(out["options-24.11.5"]) == options_common + ["DebugFlags=Power", "SuspendExcStates=down,drain",
                                                              "ReconfigFlags=KeepPowerSaveSettings"]
    assert "SlurmctldParameters=enable_configless,cloud_dns" in out["options-24.11.5"]


def test_a_cluster_without_cloud_classes_renders_what_it_did(tmp_path):
    """The template without its power-saving part gives the same file: the part adds nothing, not even a line."""
    text = open(os.path.join(ROLE, "templates", "slurm.conf.j2"), encoding="utf-8").read()
    before, count = re.subn(r"\{# The model's lines.*?\{% endif %\}\n", "", text, flags=re.S)
    assert count == 1
    (tmp_path / "before.j2").write_text(before)
    static = facts([STATIC])
    assert static["hpcstack_cluster"]["slurm_conf"]["power_saving"] == []
    assert static["hpcstack_cluster"]["elastic"] == {} and static["hpcstack_cluster"]["cloud_classes"] == {}
    cases = {version: (static, version) for version in VERSIONS}
    (tmp_path / "now").mkdir()
    now = render(tmp_path / "now", cases)
    then = render(tmp_path, cases, template=str(tmp_path / "before.j2"))
    for version in VERSIONS:
        assert now[version] == then[version]
        assert not [line for line in now[version] if re.match(r"(Suspend|Resume|PrivateData|TreeWidth|CommunicationParameters)", line)]
