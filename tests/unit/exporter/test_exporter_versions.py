# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The same metric families on Slurm 24.11 and 26.05: scrapes of both recorded clusters compared."""

from __future__ import annotations

import pytest

from exporter_helpers import API, recorded_cluster, scrape, value

from ansible_collections.hpcstack.cluster.programs.hpcstack_exporters.catalogue import SPECS, VERSION_DIFFERENCES


def families_with_samples(fake_rest, make_exporter, version, api):
    fake = fake_rest(recorded_cluster(version, api))
    exporter, collector = make_exporter(fake.url, api_version=api)
    result = scrape(collector)
    assert sorted(result) == sorted(SPECS)  # every family is served, with or without samples
    assert value(result, "slurm_up") == 1 and value(result, "slurm_controller_up", hostname="rec", mode="primary") == 1
    return set(name for name, series in result.items() if series)


@pytest.mark.parametrize("api", API["26.05"])
def test_families_are_the_same_on_24_11_and_26_05(fake_rest, make_exporter, api):
    old = families_with_samples(fake_rest, make_exporter, "24.11", "v0.0.42")
    new = families_with_samples(fake_rest, make_exporter, "26.05", api)
    listed = set(name for name, dummy, dummy in VERSION_DIFFERENCES)
    assert sorted((old ^ new) - listed) == [], "differences not listed in catalogue.VERSION_DIFFERENCES (docs/metrics.md)"
    assert sorted(listed - (old ^ new)) == [], "listed differences that are gone: remove them from VERSION_DIFFERENCES"
