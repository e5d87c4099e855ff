# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The program's Slurm side against answers recorded from real Slurm (fixtures/slurm/VERSION/elastic,
record_cloud.py): node phases through a whole power-saving cycle, the exact scontrol command
lines it sends, and SLURM_RESUME_FILE as each version writes it."""

from __future__ import annotations

import json
import os
import re

import pytest
from elastic_helpers import CLOUD_VERSIONS, VERSION_LINE
from slurm_fixtures import HERE, FakeRunner, load, rule

from ansible_collections.hpcstack.cluster.programs.hpcstack_elastic import nodestate, resume_file
from ansible_collections.hpcstack.cluster.programs.hpcstack_elastic.slurm import Slurm

PHASES = [
    # recorded fixture, node, phase, DOWN?
    ("powered_down", "cloud1", nodestate.POWERED_DOWN, False),
    ("powering_up", "cloud1", nodestate.POWERING_UP, False),
    ("powering_up_with_address", "cloud2", nodestate.POWERING_UP, False),
    ("up_allocated", "cloud1", nodestate.UP, False),
    ("up_idle", "cloud1", nodestate.UP, False),
    ("power_down_requested", "cloud1", nodestate.POWERING_DOWN, False),
    ("powering_down", "cloud1", nodestate.POWERING_DOWN, False),
    ("powered_down_after_suspend", "cloud1", nodestate.POWERED_DOWN, False),
    ("failed_down", "cloud3", nodestate.POWERING_UP, True),
    ("failed_powering_down", "cloud3", nodestate.POWERING_DOWN, True),
    ("failed_powered_down", "cloud3", nodestate.POWERED_DOWN, True),
    ("returned_to_service", "cloud3", nodestate.POWERED_DOWN, False),
    ("returned_scheduled", "cloud3", nodestate.POWERING_UP, False),
    ("resume_timeout", "cloud2", nodestate.POWERED_DOWN, True),
]


def slurm_answering(version, fixture):
    """A Slurm whose ``show node`` is the recorded one (JSON where the version prints it)."""
    name = "elastic/%s_json" % fixture if version >= "23.11" else "elastic/" + fixture
    recorded = load(version, name)
    answers = [(("--version",), (0, VERSION_LINE[version], ""))]
    answers.append((("show", "node"), (recorded["rc"], recorded["stdout"], recorded["stderr"])))
    return Slurm(FakeRunner(answers))


@pytest.mark.parametrize("version", CLOUD_VERSIONS)
@pytest.mark.parametrize("fixture,node,expected,down", PHASES)
def test_node_state_detection_across_slurm_versions(version, fixture, node, expected, down):
    found = slurm_answering(version, fixture).nodes()[node]
    assert nodestate.phase(found) == expected, nodestate.describe(found)
    assert nodestate.is_down(found) is down


@pytest.mark.parametrize("version", CLOUD_VERSIONS)
def test_failure_reason_and_stale_address_are_read(version):
    failed = slurm_answering(version, "failed_powered_down").nodes()["cloud3"]
    assert failed["reason"].startswith("elastic: (Code:InsufficientInstanceCapacity) We currently")
    timed_out = slurm_answering(version, "resume_timeout").nodes()["cloud2"]
    # Slurm keeps NodeAddr after ResumeTimeout: resume-fail must reset it (stale address).
    assert (timed_out["reason"], timed_out["address"]) == (nodestate.RESUME_TIMEOUT_REASON, "10.9.0.2")
    powering_down = slurm_answering(version, "powering_down").nodes()["cloud1"]
    assert powering_down["address"] not in ("", "cloud1")  # kept until SuspendTimeout has passed


@pytest.mark.parametrize("version", CLOUD_VERSIONS)
def test_the_program_sends_the_command_lines_slurm_accepted(version):
    """Every update the program makes was run against the real Slurm with these exact arguments (rc 0)."""
    names = ("update_addresses", "update_down_reason", "update_power_down_force", "update_resume_failed")
    runner = FakeRunner([rule(version, "elastic/" + n) for n in names])
    runner.CHANGES = ()  # only the recorded command lines are accepted
    slurm = Slurm(runner)
    slurm.set_addresses([("cloud2", "10.9.0.2", "ip-10-9-0-2"), ("cloud1", "127.0.0.1", "rec")])
    slurm.down(["cloud3"], "elastic: (Code:InsufficientInstanceCapacity) We currently do not have sufficient capacity")
    slurm.power_down(["cloud3"])
    slurm.resume(["cloud3"])
    assert all(load(version, "elastic/" + n)["rc"] == 0 for n in names)
    assert len(runner.calls) == 4


@pytest.mark.parametrize("version", CLOUD_VERSIONS)
def test_resume_file_as_each_version_writes_it(version):
    names = sorted(f[:-5] for f in os.listdir(os.path.join(HERE, version, "elastic")) if re.fullmatch(r"program_resume-\d+\.json", f))
    jobs = {}
    for name in names:
        recorded = load(version, "elastic/" + name)
        data = json.loads(recorded["SLURM_RESUME_FILE"])
        assert data["all_nodes_resume" if version >= "23.02" else "all_nodes"] == recorded["argv"][0]
        jobs.update((j.job_id, j.nodes) for j in resume_file.jobs(data))
    assert all(isinstance(job_id, int) for job_id in jobs)
    assert {"cloud[1-2]", "cloud3"} <= set(jobs.values())  # the -N2 job, the -N1 job (and the one on cloud3 later)


def test_resume_file_is_read_at_once_and_problems_are_reported(tmp_path):
    path = tmp_path / "resume"
    path.write_text('{"all_nodes_resume": "c1", "jobs": [{"job_id": 7, "nodes_resume": "c1", "nodes_alloc": "c1"}]}')
    data, problem = resume_file.read({"SLURM_RESUME_FILE": str(path)})
    assert problem is None and resume_file.jobs(data)[0].job_id == 7
    assert resume_file.read({}) == (None, None)
    assert resume_file.read({"SLURM_RESUME_FILE": str(tmp_path / "gone")})[1].startswith(
        "cannot read SLURM_RESUME_FILE=%s: No such file" % (tmp_path / "gone"))
    path.write_text("[1]")
    assert resume_file.read({"SLURM_RESUME_FILE": str(path)})[1].endswith("is not a JSON object")
