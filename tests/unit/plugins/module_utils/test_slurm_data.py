# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's one GRES and TRES parser (_slurm_data): modules and the Slurm exporter use it."""

from __future__ import annotations

import pytest

from ansible_collections.hpcstack.cluster.plugins.module_utils import _slurm_data as data


@pytest.mark.parametrize("text,expected", [
    ("gpu:4", [("gpu", "", 4)]),
    ("gpu:a100:4", [("gpu", "a100", 4)]),
    ("gpu:a100:4(S:0-1)", [("gpu", "a100", 4)]),
    ("gpu:a100:4(S:0,1)", [("gpu", "a100", 4)]),
    ("gpu:a100:2(IDX:0,2),gpu:v100:1(IDX:1)", [("gpu", "a100", 2), ("gpu", "v100", 1)]),
    ("gpu:tesla:0(IDX:N/A)", [("gpu", "tesla", 0)]),
    ("gpu:nvidia_a100-sxm4-80gb:8(S:0-7)", [("gpu", "nvidia_a100-sxm4-80gb", 8)]),
    ("gpu:a100:4(S:0-1),shard:a100:32(S:0-1),mps:400", [("gpu", "a100", 4), ("shard", "a100", 32), ("mps", "", 400)]),
    ("gpu", [("gpu", "", 1)]),
    ("gpu:a100", [("gpu", "a100", 1)]),
    ("bandwidth:lustre:4G", [("bandwidth", "lustre", 4 * 1024 ** 3)]),
    ("GPU:A100:2", [("gpu", "A100", 2)]),
    (" gpu:2 , mps:100 ", [("gpu", "", 2), ("mps", "", 100)]),
    (["gpu:a100:1", "mps:10"], [("gpu", "a100", 1), ("mps", "", 10)]),
    ("", []),
    (None, []),
    ("(null)", []),
    ("N/A", []),
    ("gpu:(null)", [("gpu", "", 1)]),
    ("gpu:-1", []),
    (",,", []),
    ("4:gpu", []),
    ("gpu:a100:4(S:0-1", [("gpu", "a100", 4)]),  # unbalanced parenthesis: still understood
])
def test_parse_gres(text, expected):
    assert data.parse_gres(text) == expected


def test_gres_totals_add_up_same_type():
    assert data.gres_totals("gpu:a100:2(S:0),gpu:a100:2(S:1),gpu:v100:1") == {("gpu", "a100"): 4, ("gpu", "v100"): 1}


@pytest.mark.parametrize("text,expected", [
    ("cpu=2,mem=4G,node=1,billing=2,gres/gpu=1", {"cpu": 2, "mem": 4096, "node": 1, "billing": 2, "gres/gpu": 1}),
    ("cpu=1,mem=12052M", {"cpu": 1, "mem": 12052}),
    ("mem=500", {"mem": 500}),
    ("gres/gpu:a100=2,cpu=x,=3,junk,gres/gpu=-1", {"gres/gpu:a100": 2}),
    ("", {}), (None, {}), ("(null)", {}),
])
def test_parse_tres_lenient(text, expected):
    """What slurmrestd reports of a job: odd items are skipped, never fatal (mem in MiB)."""
    assert data.parse_tres(text, strict=False) == expected


@pytest.mark.parametrize("text,message", [
    ("cpu=x", "cannot parse TRES count 'X' for 'cpu'"),
    ("junk", "cannot parse TRES count '' for 'junk'"),
    ("=3", "cannot parse TRES count '3' for ''"),
])
def test_parse_tres_strict(text, message):
    """What modules compare (limits): a bad item is an error."""
    with pytest.raises(ValueError) as info:
        data.parse_tres(text)
    assert str(info.value) == message


def test_gpus_of_tres():
    assert data.gpus_of({"gres/gpu": 4, "gres/gpu:a100": 4}) == 4  # not counted twice
    assert data.gpus_of({"gres/gpu:a100": 2, "gres/gpu:v100": 1}) == 3
    assert data.gpus_of({"cpu": 2}) == 0
