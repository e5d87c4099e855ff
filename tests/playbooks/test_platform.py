"""The preflight stops a host that is not Debian 12, 13 or 14 (forky, testing) before the first apt task.

No other system is needed: the check (roles/preflight/tasks/platform.yml) reads the gathered facts,
and a play on localhost puts the facts of another system into the fact cache first.
"""

import os
import subprocess
import sys

import pytest
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")

PLAYBOOK = """
- name: The platform check on the facts of another system
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Facts of the system under test (set_fact with cacheable lands in ansible_facts)
      ansible.builtin.set_fact:
        distribution: "{distribution}"
        distribution_version: "{version}"
        distribution_major_version: "{major}"
        distribution_release: "{release}"
        cacheable: true
    - name: The check
      ansible.builtin.include_role:
        name: hpcstack.cluster.preflight
        tasks_from: platform
    - name: Reached only when the check passed
      ansible.builtin.debug:
        msg: platform accepted
"""
SUPPORTED = "hpcstack.cluster supports Debian 12 (bookworm), Debian 13 (trixie) and Debian 14 (forky, testing) only"


def _run(tmp_path, distribution, version, release):
    playbook = tmp_path / "platform.yml"
    playbook.write_text(PLAYBOOK.format(distribution=distribution, version=version, major=version.split(".")[0], release=release))
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"),
               ANSIBLE_CALLBACK_RESULT_FORMAT="json")
    result = subprocess.run([ANSIBLE_PLAYBOOK, "-i", "localhost,", str(playbook)], capture_output=True, text=True,
                            env=env, check=False, timeout=300)
    return result.returncode, result.stdout + result.stderr


@pytest.mark.parametrize("distribution, version, release", [("Ubuntu", "24.04", "noble"), ("Debian", "11.11", "bullseye"),
                                                            ("Rocky", "9.4", "Blue Onyx"), ("Debian", "sid", "sid")])
def test_other_platforms_stop_with_the_supported_ones(tmp_path, distribution, version, release):
    rc, output = _run(tmp_path, distribution, version, release)
    assert rc == 2, output[-3000:]
    assert '"msg": "localhost runs %s %s; %s"' % (distribution, version, SUPPORTED) in output, output[-3000:]
    assert "platform accepted" not in output


# Debian testing reports its version as "forky/sid" (measured in the forky image).
@pytest.mark.parametrize("version, release", [("12.8", "bookworm"), ("13.1", "trixie"), ("forky/sid", "forky")])
def test_debian_12_13_and_14_pass(tmp_path, version, release):
    rc, output = _run(tmp_path, "Debian", version, release)
    assert rc == 0, output[-3000:]
    assert "platform accepted" in output


def _plays(name):
    with open(os.path.join(REPO, "playbooks", name)) as handle:
        return yaml.safe_load(handle)


def test_the_check_runs_before_the_first_apt_task():
    """site.yml and add_nodes.yml import platform.yml right after the host-less preflight."""
    for name, position in (("site.yml", 1), ("add_nodes.yml", 2)):
        plays = _plays(name)
        assert [p.get("ansible.builtin.import_playbook") for p in plays][:position + 1] == \
            ["preflight.yml"] + [None] * (position - 1) + ["platform.yml"], name
    platform = _plays("platform.yml")
    assert len(platform) == 1 and platform[0]["gather_facts"] is True and platform[0]["any_errors_fatal"] is True
    assert platform[0]["tags"] == ["always", "preflight"]
    assert platform[0]["tasks"] == [{"name": "Supported Debian release", "ansible.builtin.include_role": {
        "name": "hpcstack.cluster.preflight", "tasks_from": "platform"}}]
    assert "gather_facts" not in str(_plays("preflight.yml")).replace("'gather_facts': False", "")
