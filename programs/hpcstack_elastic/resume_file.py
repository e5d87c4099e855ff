# -*- coding: utf-8 -*-
# Copyright (c) hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""SLURM_RESUME_FILE: which jobs the nodes of a resume are for.

slurmctld writes it to a temporary file that is gone soon after the program starts (at the
latest when slurmctld restarts): read it first, before anything else. Its keys changed in 23.02:

- 22.05: ``{"all_nodes": "c[1-3]", "jobs": [{"job_id": 1, "nodes": "c[1-2]"}]}``
- 23.02+: ``{"all_nodes_resume": "c[1-3]", "jobs": [{"job_id": 1, "nodes_resume": "c[1-2]",
  "nodes_alloc": "c[1-4]", "partition": "p", "features": "f", ...}]}`` (26.05 adds ``exclusive``)
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass

ENV = "SLURM_RESUME_FILE"


@dataclass(frozen=True)
class JobNodes:
    job_id: int
    nodes: str  # hostlist expression of the job's nodes in this resume
    partition: str | None = None


def read(environ: Mapping[str, str] | None = None) -> tuple[dict | None, str | None]:
    """(decoded file, problem): the file's content now, or why there is none."""
    path = (os.environ if environ is None else environ).get(ENV)
    if not path:
        return None, None  # Slurm built without JSON support, or a manual run
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as exc:
        return None, "cannot read %s=%s: %s" % (ENV, path, exc.strerror)
    try:
        data = json.loads(text)
    except ValueError as exc:
        return None, "%s=%s is not JSON: %s" % (ENV, path, exc)
    return (data, None) if isinstance(data, dict) else (None, "%s=%s is not a JSON object" % (ENV, path))


def jobs(data: Mapping | None) -> list[JobNodes]:
    """The jobs of a resume file, whichever Slurm version wrote it."""
    found = []
    for job in (data or {}).get("jobs") or []:
        if not isinstance(job, dict) or "job_id" not in job:
            continue
        nodes = job.get("nodes_resume") if "nodes_resume" in job else job.get("nodes")
        if nodes:
            found.append(JobNodes(job_id=int(job["job_id"]), nodes=str(nodes), partition=job.get("partition")))
    return found
