# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What moto cannot do, through botocore's Stubber: capacity errors, throttling, no address yet,
ClientToken reuse on retries, partial fleet allocations, paging, credential refresh."""

from __future__ import annotations

import datetime

import pytest
from botocore.exceptions import ReadTimeoutError
from botocore.stub import ANY, Stubber
from elastic_helpers import make_config

from ansible_collections.hpcstack.cluster.programs.hpcstack_elastic.classes import launch_token
from ansible_collections.hpcstack.cluster.programs.hpcstack_elastic.providers.aws import AwsClients, Backoff
from ansible_collections.hpcstack.cluster.programs.hpcstack_elastic.providers.base import LaunchRequest, ProviderError
from ansible_collections.hpcstack.cluster.programs.hpcstack_elastic.providers.ec2 import Ec2Provider

CAPACITY = ("We currently do not have sufficient c5.large capacity in the Availability Zone you requested "
            "(eu-west-1a). Our system will be working on provisioning additional capacity.")
NOW = datetime.datetime(2026, 12, 1, 6, 0, tzinfo=datetime.timezone.utc)
SUBNETS = ["subnet-0123456789abcdef0"]


@pytest.fixture(autouse=True)
def fake_credentials(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # a call no stub answers fails at once


def stubbed(tmp_path, sleeps=None, **ec2):
    settings = {"region": "eu-west-1", "launch_template": {"name": "hpc-compute"}}
    settings.update(ec2)
    cfg = make_config(tmp_path, {"aws": {"nodes": "aws-[1-8]", "provider": "ec2", "ec2": settings}})
    sleeps = [] if sleeps is None else sleeps
    aws = Ec2Provider("hpc", "aws", cfg.classes["aws"].settings, AwsClients(timeout=5),
                      backoff=lambda: Backoff(sleep=sleeps.append, rand=lambda: 1.0))
    stub = Stubber(aws.ec2)
    stub.activate()
    return aws, stub


def instance(instance_id="i-0123456789abcdef0", ip="10.0.0.5", node="aws-1"):
    raw = {"InstanceId": instance_id, "LaunchTime": NOW, "State": {"Name": "pending", "Code": 0},
           "Tags": [{"Key": "hpcstack:node", "Value": node}, {"Key": "hpcstack:class", "Value": "aws"}]}
    if ip:
        raw.update(PrivateIpAddress=ip, PrivateDnsName="ip-%s.eu-west-1.compute.internal" % ip.replace(".", "-"))
    return raw


def run_params(token):
    return {"MinCount": 1, "MaxCount": 1, "ClientToken": token, "TagSpecifications": ANY,
            "LaunchTemplate": {"LaunchTemplateName": "hpc-compute", "Version": "$Default"}}


def test_capacity_error_becomes_the_reason(tmp_path):
    aws, stub = stubbed(tmp_path)
    stub.add_client_error("run_instances", "InsufficientInstanceCapacity", CAPACITY, 500,
                          expected_params=run_params("t1"))
    with pytest.raises(ProviderError) as raised:
        aws.launch(LaunchRequest("aws-1", "t1"))
    assert raised.value.reason == "(Code:InsufficientInstanceCapacity) " + CAPACITY
    stub.assert_no_pending_responses()


def test_throttling_is_retried_with_backoff_and_the_same_client_token(tmp_path):
    sleeps = []
    aws, stub = stubbed(tmp_path, sleeps)
    for dummy in range(2):
        stub.add_client_error("run_instances", "RequestLimitExceeded", "Request limit exceeded.", 503,
                              expected_params=run_params("t1"))
    stub.add_response("run_instances", {"Instances": [instance()]}, run_params("t1"))
    assert aws.launch(LaunchRequest("aws-1", "t1")).address.ip == "10.0.0.5"
    assert sleeps == [0.5, 1.0]
    stub.assert_no_pending_responses()


def test_throttling_that_never_ends_is_a_launch_failure(tmp_path):
    sleeps = []
    aws, stub = stubbed(tmp_path, sleeps)
    for dummy in range(8):
        stub.add_client_error("run_instances", "RequestLimitExceeded", "Request limit exceeded.", 503)
    with pytest.raises(ProviderError, match=r"^\(Code:RequestLimitExceeded\)"):
        aws.launch(LaunchRequest("aws-1", "t1"))
    assert sleeps == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 20.0]  # capped


def test_a_lost_answer_is_retried_with_the_same_token():
    """A read timeout after EC2 started the instance: the retry must carry the same ClientToken."""
    seen = []

    def run_instances(**kwargs):
        seen.append(kwargs["ClientToken"])
        if len(seen) == 1:
            raise ReadTimeoutError(endpoint_url="https://ec2.eu-west-1.amazonaws.com")
        return {"Instances": [instance()]}
    Backoff(sleep=lambda s: None).call(run_instances, ClientToken="t1")
    assert seen == ["t1", "t1"]


def test_client_tokens_are_per_node_and_attempt():
    first = launch_token("hpc", "aws-1", "resume-1")
    assert first == launch_token("hpc", "aws-1", "resume-1") and len(first) <= 64
    assert len({first, launch_token("hpc", "aws-2", "resume-1"), launch_token("hpc", "aws-1", "resume-2"),
                launch_token("other", "aws-1", "resume-1")}) == 4


def test_no_address_yet_is_not_an_error(tmp_path):
    aws, stub = stubbed(tmp_path, instance_types=["c5.large", "c5a.large"], subnet_ids=SUBNETS)
    stub.add_response("create_fleet", {"Instances": [{"InstanceIds": ["i-0123456789abcdef0"]}], "Errors": []})
    launched = aws.launch(LaunchRequest("aws-1", "t1"))
    assert launched.address is None
    stub.add_response("describe_instances", {"Reservations": []})  # eventual consistency: not visible yet
    stub.add_response("describe_instances", {"Reservations": [{"Instances": [instance(ip=None)]}]})
    stub.add_response("describe_instances", {"Reservations": [{"Instances": [instance(ip="10.0.0.7")]}]})
    assert aws.address_of([launched.id]) == {}
    assert aws.address_of([launched.id]) == {launched.id: None}
    assert aws.address_of([launched.id])[launched.id].ip == "10.0.0.7"


def test_fleet_overrides_follow_the_order_of_instance_types(tmp_path):
    aws, stub = stubbed(tmp_path, instance_types=["c5.large", "c5a.large"], subnet_ids=SUBNETS)
    stub.add_response("create_fleet", {"Instances": [{"InstanceIds": ["i-0123456789abcdef0"]}]}, {
        "Type": "instant", "ClientToken": "t1", "TagSpecifications": ANY,
        "LaunchTemplateConfigs": [{"LaunchTemplateSpecification": {"LaunchTemplateName": "hpc-compute",
                                                                   "Version": "$Default"},
                                   "Overrides": [{"Priority": 0.0, "InstanceType": "c5.large", "SubnetId": SUBNETS[0]},
                                                 {"Priority": 1.0, "InstanceType": "c5a.large",
                                                  "SubnetId": SUBNETS[0]}]}],
        "TargetCapacitySpecification": {"TotalTargetCapacity": 1, "DefaultTargetCapacityType": "on-demand"},
        "OnDemandOptions": {"AllocationStrategy": "prioritized"}})
    aws.launch(LaunchRequest("aws-1", "t1"))
    stub.assert_no_pending_responses()


def test_fleet_without_capacity_names_the_capacity_error(tmp_path):
    aws, stub = stubbed(tmp_path, instance_types=["c5.large", "c5a.large"], subnet_ids=SUBNETS)
    stub.add_response("create_fleet", {"Instances": [], "Errors": [
        {"ErrorCode": "InvalidFleetConfiguration", "ErrorMessage": "c5a.large is not supported in eu-west-1c"},
        {"ErrorCode": "InsufficientInstanceCapacity", "ErrorMessage": CAPACITY}]})
    with pytest.raises(ProviderError) as raised:
        aws.launch(LaunchRequest("aws-1", "t1"))
    assert raised.value.reason == "(Code:InsufficientInstanceCapacity) %s (and 1 more errors)" % CAPACITY


def test_partial_fleet_allocation_is_terminated(tmp_path):
    aws, stub = stubbed(tmp_path, instance_types=["c5.large", "c5a.large"], subnet_ids=SUBNETS)
    stub.add_response("create_fleet", {"Instances": [{"InstanceIds": ["i-0000000000000000a"]}], "Errors": [
        {"ErrorCode": "InsufficientInstanceCapacity", "ErrorMessage": CAPACITY}]}, {
        "Type": "instant", "ClientToken": "job", "TagSpecifications": ANY, "LaunchTemplateConfigs": ANY,
        "TargetCapacitySpecification": {"TotalTargetCapacity": 2, "DefaultTargetCapacityType": "on-demand"},
        "OnDemandOptions": {"AllocationStrategy": "prioritized", "MinTargetCapacity": 2,
                            "SingleAvailabilityZone": True}})
    stub.add_response("terminate_instances", {}, {"InstanceIds": ["i-0000000000000000a"]})
    with pytest.raises(ProviderError, match=r"^\(Code:PartialAllocation\) EC2 started 1 of 2 instances"):
        aws.launch_group([LaunchRequest("aws-1", "a"), LaunchRequest("aws-2", "b")], "job")
    stub.assert_no_pending_responses()


def test_group_whose_naming_fails_is_terminated(tmp_path):
    aws, stub = stubbed(tmp_path)
    stub.add_response("run_instances", {"Instances": [instance("i-0000000000000000a"), instance("i-0000000000000000b")]})
    stub.add_response("create_tags", {})
    stub.add_client_error("create_tags", "UnauthorizedOperation", "You are not authorized to perform this operation.")
    stub.add_response("terminate_instances", {}, {"InstanceIds": ["i-0000000000000000a", "i-0000000000000000b"]})
    with pytest.raises(ProviderError, match=r"^\(Code:UnauthorizedOperation\)"):
        aws.launch_group([LaunchRequest("aws-1", "a"), LaunchRequest("aws-2", "b")], "job")
    stub.assert_no_pending_responses()


def test_terminate_survives_an_already_gone_instance(tmp_path):
    aws, stub = stubbed(tmp_path)
    ids = ["i-0000000000000000a", "i-0000000000000000b"]
    stub.add_client_error("terminate_instances", "InvalidInstanceID.NotFound", "The instance ID 'i-0000000000000000a' "
                          "does not exist", expected_params={"InstanceIds": ids})
    stub.add_client_error("terminate_instances", "InvalidInstanceID.NotFound", "gone",
                          expected_params={"InstanceIds": ids[:1]})
    stub.add_response("terminate_instances", {}, {"InstanceIds": ids[1:]})
    aws.terminate(ids)
    stub.assert_no_pending_responses()


def test_list_follows_next_token(tmp_path):
    aws, stub = stubbed(tmp_path)
    filters = [{"Name": "tag:hpcstack:cluster", "Values": ["hpc"]},
               {"Name": "instance-state-name", "Values": ["pending", "running", "stopping", "stopped"]}]
    stub.add_response("describe_instances", {"Reservations": [{"Instances": [instance("i-0000000000000000a")]}],
                                             "NextToken": "page2"}, {"Filters": filters, "MaxResults": 1000})
    stub.add_response("describe_instances", {"Reservations": [{"Instances": [instance("i-0000000000000000b")]}]},
                      {"Filters": filters, "MaxResults": 1000, "NextToken": "page2"})
    assert [i.id for i in aws.list()] == ["i-0000000000000000a", "i-0000000000000000b"]


def test_assumed_role_credentials_are_cached_until_they_expire():
    clients = AwsClients(timeout=5)
    sts = clients.client("sts", "eu-west-1")
    stub = Stubber(sts)
    stub.activate()
    role = "arn:aws:iam::111111111111:role/hpc-burst"

    def answer(minutes):
        expiry = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=minutes)
        return {"Credentials": {"AccessKeyId": "ASIA%016d" % minutes, "SecretAccessKey": "s" * 40,
                                "SessionToken": "token", "Expiration": expiry}}
    stub.add_response("assume_role", answer(60), {"RoleArn": role, "RoleSessionName": "hpcstack-elastic",
                                                  "DurationSeconds": 3600})
    ec2 = clients.client("ec2", "eu-west-1", role_arn=role)
    assert clients.client("ec2", "eu-west-1", role_arn=role) is ec2
    frozen = ec2._request_signer._credentials.get_frozen_credentials()
    assert frozen.access_key == "ASIA%016d" % 60
    stub.assert_no_pending_responses()  # one AssumeRole, however often the credentials are used


def test_assumed_role_credentials_are_refreshed_before_they_expire():
    clients = AwsClients(timeout=5)
    stub = Stubber(clients.client("sts", "eu-west-1"))
    stub.activate()
    role = "arn:aws:iam::111111111111:role/hpc-burst"
    for minutes in (5, 60):
        expiry = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=minutes)
        stub.add_response("assume_role", {"Credentials": {
            "AccessKeyId": "ASIA%016d" % minutes, "SecretAccessKey": "s" * 40, "SessionToken": "token",
            "Expiration": expiry}})
    credentials = clients.client("ec2", "eu-west-1", role_arn=role)._request_signer._credentials
    assert credentials.get_frozen_credentials().access_key == "ASIA%016d" % 60  # 5 minutes left: refreshed
    assert credentials.get_frozen_credentials().access_key == "ASIA%016d" % 60
    stub.assert_no_pending_responses()
