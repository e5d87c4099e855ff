# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The elastic.json schema: a valid config parses; every mistake is named with its class and key."""

from __future__ import annotations

import json

import hostlist
import pytest

from ansible_collections.hpcstack.cluster.programs.hpcstack_elastic.config import (
    ConfigError, load, parse, validate)

EC2 = {"region": "eu-west-1", "launch_template": {"name": "hpc-compute", "version": "$Latest"},
       "instance_types": ["c5.large"], "subnet_ids": ["subnet-0123456789abcdef0"],
       "security_group_ids": ["sg-0123456789abcdef0"],
       "role_arn": "arn:aws:iam::111111111111:role/hpc-burst", "tags": {"CostCenter": "physics"}}
DOCKER = {"image": "hpclab/compute:trixie", "network": "hpclab", "conf_servers": ["ctl1"]}


def config(**classes):
    return {"version": 1, "cluster": "hpc", "classes": classes}


def test_a_full_config_parses_with_defaults():
    cfg, problems = parse(config(aws={"nodes": "aws-[1-4]", "provider": "ec2", "ec2": EC2, "all_or_nothing": True},
                                 lab={"nodes": "cloud[1-2]", "provider": "docker", "docker": DOCKER}))
    assert problems == []
    aws, lab = cfg.classes["aws"], cfg.classes["lab"]
    assert (aws.settings.region, aws.settings.launch_template_name, aws.settings.launch_template_version) == \
        ("eu-west-1", "hpc-compute", "$Latest")
    assert aws.all_or_nothing and not aws.settings.uses_fleet
    assert (lab.settings.name_prefix, lab.settings.socket) == ("hpc-", "/var/run/docker.sock")
    assert (cfg.batch_size, cfg.timeouts.address, cfg.timeouts.failure_cooldown) == (50, 120, 600)


@pytest.mark.parametrize("data,message", [
    ({"version": 2, "cluster": "hpc", "classes": {}},
     "version: must be 1 (the schema this program reads), got 2"),
    (config(), "classes: needs at least one class"),
    (config(Aws={"nodes": "a1", "provider": "ec2", "ec2": EC2}),
     "classes: class name 'Aws' is not valid (lower-case letters, digits, _ and -, at most 40, used in tags and "
     "node features)"),
    (config(aws={"nodes": "a1", "provider": "gcp"}), "class 'aws': provider: unknown provider 'gcp' (known: docker, ec2)"),
    (config(aws={"nodes": "a1", "provider": "ec2"}), "class 'aws': ec2: is required (the ec2 provider's settings)"),
    (config(aws={"provider": "ec2", "ec2": EC2}),
     "class 'aws': nodes: is required (the class's nodes as a hostlist, e.g. aws-c5-[1-100])"),
    (config(aws={"nodes": "a1", "provider": "ec2", "ec2": {**EC2, "region": None}}),
     "class 'aws': ec2.region: is required (the AWS region to launch in, e.g. eu-west-1)"),
    (config(aws={"nodes": "a1", "provider": "ec2", "ec2": {**EC2, "role_arn": "arn:aws:iam::1:user/x"}}),
     "class 'aws': ec2.role_arn: 'arn:aws:iam::1:user/x' is not valid (like arn:aws:iam::123456789012:role/hpc-burst)"),
    (config(aws={"nodes": "a1", "provider": "ec2", "ec2": {"region": "eu-west-1", "instance_types": ["c5.large"]}}),
     "class 'aws': ec2.launch_template: is required unless image_id and exactly one instance type are given"),
    (config(aws={"nodes": "a1", "provider": "ec2",
                 "ec2": {"region": "eu-west-1", "image_id": "ami-0123456789abcdef0",
                         "instance_types": ["c5.large", "c5a.large"]}}),
     "class 'aws': ec2.launch_template: is required with several instance types or subnets (EC2 Fleet needs one)"),
    (config(aws={"nodes": "a1", "provider": "ec2", "ec2": {**EC2, "instance_types": ["c5.large", "m5.large"]}}),
     "class 'aws': ec2.security_group_ids: set them in the launch template: EC2 Fleet (several instance types or "
     "subnets) takes security groups from it"),
    (config(aws={"nodes": "a1", "provider": "ec2", "ec2": {**EC2, "tags": {"hpcstack:node": "x"}}}),
     "class 'aws': ec2.tags.hpcstack:node: tag keys starting with aws: or hpcstack: are reserved"),
    (config(aws={"nodes": "a1", "provider": "ec2", "ec2": {**EC2, "subnet_ids": "subnet-0123456789abcdef0"}}),
     "class 'aws': ec2.subnet_ids: must be a list of strings, got a string"),
    (config(aws={"nodes": "a1", "provider": "ec2", "ec2": {**EC2, "regoin": "x"}}),
     "class 'aws': ec2.regoin: unknown key (known: region, launch_template, image_id, instance_types, subnet_ids, "
     "security_group_ids, role_arn, external_id, tags, endpoint_url, sts_endpoint_url)"),
    (config(aws={"nodes": "a1", "provider": "ec2", "ec2": EC2, "docker": DOCKER}),
     "class 'aws': docker: settings for provider 'docker', but the class uses 'ec2'"),
    (config(lab={"nodes": "c1", "provider": "docker", "docker": {"image": "x", "network": "n"}}),
     "class 'lab': docker.conf_servers: is required (the controllers configless slurmd fetches slurm.conf from)"),
    (config(lab={"nodes": "c1", "provider": "docker", "docker": {**DOCKER, "labels": {"org.hpcstack.elastic.node": "x"}}}),
     "class 'lab': docker.labels.org.hpcstack.elastic.node: labels starting with org.hpcstack.elastic. are reserved"),
    ({**config(lab={"nodes": "c1", "provider": "docker", "docker": DOCKER}), "timeouts": {"address": 0}},
     "timeouts.address: must be between 1 and 86400, got 0"),
    ({**config(lab={"nodes": "c1", "provider": "docker", "docker": DOCKER}), "batch_size": "50"},
     "batch_size: must be a whole number, got a string"),
])
def test_each_mistake_is_named_with_class_and_key(data, message):
    assert message in validate(data)


def test_every_problem_is_reported_at_once():
    ec2 = {"region": "x", "role_arn": "y", "launch_template": {"name": "t"}}
    problems = validate(config(aws={"nodes": "a1", "provider": "ec2", "ec2": ec2}))
    assert len(problems) == 3, problems  # region, role_arn, template name (too short)


def test_overlapping_classes_are_rejected_when_an_expander_is_given():
    data = config(a={"nodes": "n[1-4]", "provider": "docker", "docker": DOCKER},
                  b={"nodes": "n[4-6]", "provider": "docker", "docker": DOCKER})
    assert validate(data) == []
    assert validate(data, expand=hostlist.expand_hostlist) == ["class 'b': nodes: node n4 is also in class 'a'"]


def test_load_names_the_file(tmp_path):
    path = tmp_path / "elastic.json"
    path.write_text("{not json")
    with pytest.raises(ConfigError, match=r"invalid elastic config .*elastic.json:\n  not valid JSON"):
        load(str(path))
    path.write_text(json.dumps(config(lab={"nodes": "c1", "provider": "docker", "docker": DOCKER})))
    assert load(str(path)).classes["lab"].settings.conf_servers == ("ctl1",)
