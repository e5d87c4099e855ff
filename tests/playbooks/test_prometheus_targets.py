"""Prometheus targets come from the same cluster model as slurm.conf (the example site's spec)."""

import json
import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_example_site_targets(tmp_path):
    result = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"),
         "-i", os.path.join(REPO, "inventories", "example"),
         os.path.join(REPO, "playbooks", "prometheus_targets.yml"), "-e", "prometheus_targets_dir=%s" % tmp_path],
        capture_output=True, text=True, check=False, timeout=300,
        env=dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg")),
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    node = json.loads((tmp_path / "node.json").read_text())
    targets = [target for entry in node for target in entry["targets"]]
    assert len(targets) == len(set(targets)), "every host is scraped once"
    assert "c001:9100" in targets and "g16:9100" in targets
    gpu = [entry for entry in node if entry["labels"].get("partition") == "gpu"]
    assert gpu and gpu[0]["labels"]["cluster"] == "orion" and gpu[0]["labels"]["role"] == "slurmd"
    assert all(target.endswith(":9256") for entry in json.loads((tmp_path / "process.json").read_text())
               for target in entry["targets"])
    gpu_nodes = [target for entry in json.loads((tmp_path / "dcgm.json").read_text()) for target in entry["targets"]]
    assert "g16:9400" in gpu_nodes and "c001:9400" not in gpu_nodes, "dcgm-exporter only on the nodes with gres gpu"
    jobs = [target for entry in json.loads((tmp_path / "job.json").read_text()) for target in entry["targets"]]
    assert "c001:9306" in jobs
    slurm = [target for entry in json.loads((tmp_path / "slurm.json").read_text()) for target in entry["targets"]]
    assert len(slurm) == 1 and slurm[0].endswith(":9341"), "one Slurm exporter, on the first slurmrestd host"
