# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The resume worker with a fake provider and a Slurm rendering recorded node records."""

from __future__ import annotations

import pytest
from elastic_helpers import CLOUD_VERSIONS, Clock, FakeProvider, FakeSlurm, make_config

from ansible_collections.hpcstack.cluster.programs.hpcstack_elastic.providers import Providers, ProviderError
from ansible_collections.hpcstack.cluster.programs.hpcstack_elastic.resume import Resumer
from ansible_collections.hpcstack.cluster.programs.hpcstack_elastic.resume_file import JobNodes
from ansible_collections.hpcstack.cluster.programs.hpcstack_elastic.slurm import Slurm
from ansible_collections.hpcstack.cluster.programs.hpcstack_elastic.state import StateDir

DOCKER = {"image": "i", "network": "n", "conf_servers": ["ctl1"]}
POWERING_UP = ("cloud", "powering_up", "not_responding")


def setup(tmp_path, n=4, batch_size=50, all_or_nothing=False, version="24.11"):
    config = make_config(tmp_path, {"lab": {"nodes": "c[1-%d]" % n, "provider": "docker", "docker": DOCKER,
                                            "all_or_nothing": all_or_nothing}}, batch_size=batch_size)
    fake = FakeSlurm({"c%d" % i: {"state": "allocated", "flags": POWERING_UP} for i in range(1, n + 1)}, version)
    provider = FakeProvider()
    clock = Clock()
    resumer = Resumer(config, Slurm(fake), Providers(config, lambda c, k: provider), StateDir(config.state_dir, clock),
                      sleep=clock.sleep, clock=clock)
    return resumer, fake, provider, clock


@pytest.mark.parametrize("version", CLOUD_VERSIONS)
def test_resume_sets_addresses_with_one_update_per_batch(tmp_path, version):
    resumer, fake, provider, dummy = setup(tmp_path, n=5, batch_size=2, version=version)
    result = resumer.run(["c1", "c2", "c3", "c4", "c5"], [], attempt="r1")
    assert sorted(result.started) == ["c1", "c2", "c3", "c4", "c5"] and result.failed == {}
    address_updates = [u for u in fake.updates() if u[1].startswith("nodename=") and u[2].startswith("nodeaddr=")]
    assert [u[1] for u in address_updates] == ["nodename=c1,c2", "nodename=c3,c4", "nodename=c5"]
    assert fake.nodes["c3"]["address"] == result.started["c3"].address.ip
    assert len({c[2] for c in provider.calls if c[0] == "launch"}) == 5  # a token per node


def test_a_failed_launch_is_down_with_the_reason_then_powered_down(tmp_path):
    resumer, fake, provider, dummy = setup(tmp_path)
    provider.errors["c2"] = ProviderError("InsufficientInstanceCapacity", "no c5.large in eu-west-1a")
    result = resumer.run(["c1", "c2"], [], attempt="r1")
    assert result.failed == {"c2": "elastic: (Code:InsufficientInstanceCapacity) no c5.large in eu-west-1a"}
    assert fake.updates()[-2:] == [
        ["update", "nodename=c2", "state=down", "reason=elastic: (Code:InsufficientInstanceCapacity) no c5.large in "
         "eu-west-1a"],
        ["update", "nodename=c2", "state=power_down_force"]]
    assert fake.nodes["c2"]["flags"] == {"cloud", "powering_down"} and fake.nodes["c2"]["state"] == "down"
    assert "c2" in resumer.state.failures() and not resumer.state.inflight()


def test_nodes_of_no_class_are_failed_not_left_powering_up(tmp_path):
    resumer, fake, dummy, dummy2 = setup(tmp_path)
    fake.add("x1", state="allocated", flags=POWERING_UP)
    result = resumer.run(["x1"], [], attempt="r1")
    assert result.failed == {"x1": "elastic: (Code:NotConfigured) node is in no class of the elastic config"}
    assert "powering_up" not in fake.nodes["x1"]["flags"]


def test_an_address_that_comes_late_is_waited_for(tmp_path):
    resumer, fake, provider, clock = setup(tmp_path)
    provider.addressless.add("c1")
    provider.address_after["i-0001"] = 2
    result = resumer.run(["c1"], [], attempt="r1")
    assert result.failed == {} and result.started["c1"].address.ip == "10.1.0.9"
    assert fake.nodes["c1"]["address"] == "10.1.0.9" and clock.now == 1003.0  # slept 1 s, then 2 s


def test_no_address_before_the_timeout_fails_the_launch(tmp_path):
    resumer, fake, provider, clock = setup(tmp_path)
    provider.addressless.add("c1")
    provider.address_after["i-0001"] = 10 ** 6
    result = resumer.run(["c1"], [], attempt="r1")
    assert result.failed["c1"] == "elastic: (Code:NoAddress) instance i-0001 had no address after 120 s; terminated"
    assert provider.instances == {} and clock.now - 1000 <= 120


def test_all_or_nothing_terminates_the_siblings_of_a_failed_node(tmp_path):
    resumer, fake, provider, dummy = setup(tmp_path, all_or_nothing=True)
    provider.errors["c2"] = ProviderError("InsufficientInstanceCapacity", "none left")
    result = resumer.run(["c1", "c2", "c3"], [JobNodes(7, "c[1-2]"), JobNodes(8, "c3")], attempt="r1")
    assert sorted(result.failed) == ["c1", "c2"] and sorted(result.started) == ["c3"]
    assert result.failed["c1"] == "elastic: (Code:InsufficientInstanceCapacity) none left (all-or-nothing for job 7: " \
                                  "c2 failed)"
    assert [i.node for i in provider.instances.values()] == ["c3"]


def test_an_unexpected_error_fails_the_batch_instead_of_hanging(tmp_path):
    resumer, fake, provider, dummy = setup(tmp_path)

    def broken(request):
        raise RuntimeError("provider bug")
    provider.launch = broken
    result = resumer.run(["c1"], [], attempt="r1")
    assert result.failed == {"c1": "elastic: (Code:InternalError) provider bug"}
    assert fake.nodes["c1"]["state"] == "down" and "powering_up" not in fake.nodes["c1"]["flags"]
