# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ec2 provider against moto's server on loopback: what moto really does (see PLATFORM.md)."""

from __future__ import annotations

import boto3
import pytest
from elastic_helpers import make_config

from ansible_collections.hpcstack.cluster.programs.hpcstack_elastic.providers.aws import AwsClients
from ansible_collections.hpcstack.cluster.programs.hpcstack_elastic.providers.base import LaunchRequest, ProviderError
from ansible_collections.hpcstack.cluster.programs.hpcstack_elastic.providers.ec2 import Ec2Provider

SECOND_ACCOUNT = "111111111111"
ROLE = "arn:aws:iam::%s:role/hpc-burst" % SECOND_ACCOUNT


def ec2_client(url, **credentials):
    return boto3.client("ec2", region_name="eu-west-1", endpoint_url=url, **credentials)


def template(client, name="hpc-compute"):
    client.create_launch_template(LaunchTemplateName=name, LaunchTemplateData={
        "ImageId": "ami-12c6146b", "InstanceType": "t3.micro"})


def provider(tmp_path, url, node_class="aws", clients=None, **ec2):
    settings = {"region": "eu-west-1", "launch_template": {"name": "hpc-compute"}, "endpoint_url": url,
                "sts_endpoint_url": url, "tags": {"CostCenter": "physics"}}
    settings.update(ec2)
    cfg = make_config(tmp_path, {node_class: {"nodes": "aws-[1-8]", "provider": "ec2", "ec2": settings}})
    return Ec2Provider("hpc", node_class, cfg.classes[node_class].settings, clients or AwsClients(timeout=5))


def tags_of(client, instance_id):
    found = client.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
    return {t["Key"]: t["Value"] for t in found["Tags"]}


def test_launch_from_a_launch_template_with_tags(tmp_path, moto):
    client = ec2_client(moto)
    template(client)
    aws = provider(tmp_path, moto)
    instance = aws.launch(LaunchRequest("aws-1", "token-aws-1-a1"))
    assert instance.node == "aws-1" and instance.node_class == "aws"
    assert instance.address is not None and instance.address.ip.startswith("10.")
    assert instance.address.hostname.startswith("ip-")
    tags = tags_of(client, instance.id)
    assert {k: v for k, v in tags.items() if not k.startswith("aws:")} == {
        "hpcstack:cluster": "hpc", "hpcstack:node": "aws-1", "hpcstack:class": "aws", "Name": "aws-1",
        "CostCenter": "physics"}
    assert tags["aws:ec2launchtemplate:version"] == "1"


def test_list_finds_the_cluster_only_and_terminate_removes(tmp_path, moto):
    client = ec2_client(moto)
    template(client)
    client.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, TagSpecifications=[
        {"ResourceType": "instance", "Tags": [{"Key": "hpcstack:cluster", "Value": "other"}]}])
    aws = provider(tmp_path, moto)
    launched = [aws.launch(LaunchRequest("aws-%d" % i, "t%d" % i)) for i in (1, 2, 3)]
    assert sorted(i.node for i in aws.list()) == ["aws-1", "aws-2", "aws-3"]
    aws.terminate([launched[0].id, launched[1].id])
    assert [i.node for i in aws.list()] == ["aws-3"]
    aws.terminate([launched[0].id])  # already terminated: no error


def test_fleet_for_several_instance_types(tmp_path, moto):
    client = ec2_client(moto)
    template(client)
    subnet = client.describe_subnets()["Subnets"][0]["SubnetId"]
    aws = provider(tmp_path, moto, instance_types=["c5.large", "c5a.large"], subnet_ids=[subnet])
    instance = aws.launch(LaunchRequest("aws-4", "tok4"))
    assert instance.address is None  # CreateFleet answers ids only: the address comes from address_of
    assert tags_of(client, instance.id)["hpcstack:node"] == "aws-4"
    address = aws.address_of([instance.id, "i-0000000000000dead"])
    assert list(address) == [instance.id] and address[instance.id].ip.count(".") == 3


def test_all_or_nothing_group_is_named_after_launch(tmp_path, moto):
    client = ec2_client(moto)
    template(client)
    aws = provider(tmp_path, moto)
    instances = aws.launch_group([LaunchRequest("aws-5", "a"), LaunchRequest("aws-6", "b")], "job-42-attempt-1")
    assert [i.node for i in instances] == ["aws-5", "aws-6"]
    assert [tags_of(client, i.id)["hpcstack:node"] for i in instances] == ["aws-5", "aws-6"]


def test_assume_role_into_a_second_account(tmp_path, moto):
    template(ec2_client(moto))
    clients = AwsClients(timeout=5)
    own = provider(tmp_path, moto, clients=clients)
    other = provider(tmp_path, moto, node_class="burst", clients=clients, role_arn=ROLE)
    with pytest.raises(ProviderError, match=r"\(Code:InvalidLaunchTemplateName.NotFoundException\)"):
        other.launch(LaunchRequest("aws-7", "t7"))  # the template lives in the first account only
    sts = boto3.client("sts", region_name="eu-west-1", endpoint_url=moto)
    creds = sts.assume_role(RoleArn=ROLE, RoleSessionName="setup")["Credentials"]
    template(ec2_client(moto, aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                        aws_session_token=creds["SessionToken"]))
    instance = other.launch(LaunchRequest("aws-7", "t7b"))
    assert [i.id for i in other.list()] == [instance.id]
    assert own.list() == []  # moto keeps the accounts apart
    assert clients.counter.counts["AssumeRole"] == 1  # cached: one AssumeRole for every call as that role
