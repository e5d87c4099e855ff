# -*- coding: utf-8 -*-
# Copyright (c) hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Amazon EC2: one instance per node, tagged with cluster, node and class.

- one instance type and subnet: ``RunInstances`` (MinCount = MaxCount);
- several instance types or subnets: an ``instant`` EC2 Fleet over their combinations, in the
  order given (``prioritized``);
- every launch carries a ClientToken made from the node (or job) and the attempt, so a retried
  call returns the instance of the first try instead of starting another;
- all-or-nothing groups: RunInstances with MinCount = count, or a fleet with MinTargetCapacity;
  whatever a partial answer started is terminated before the error is raised.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from ..config.ec2 import Ec2Settings
from .aws import AwsClients, Backoff, error_code, provider_error
from .base import TAG_CLASS, TAG_CLUSTER, TAG_NODE, Address, Instance, LaunchRequest, Provider, ProviderError

LIVE_STATES = ("pending", "running", "stopping", "stopped")
TERMINATE_CHUNK = 500
DESCRIBE_CHUNK = 200  # values per DescribeInstances filter
PAGE_SIZE = 1000


def _tag(tags: list[dict], key: str) -> str | None:
    return next((t["Value"] for t in tags or () if t.get("Key") == key), None)


def _address(raw: dict) -> Address | None:
    ip = raw.get("PrivateIpAddress")
    if not ip:
        return None
    return Address(ip=ip, hostname=(raw.get("PrivateDnsName") or "").split(".")[0] or ip)


def instance_from(raw: dict) -> Instance:
    """An Instance from a RunInstances/DescribeInstances item."""
    launched = raw.get("LaunchTime")
    return Instance(id=raw["InstanceId"], node=_tag(raw.get("Tags"), TAG_NODE),
                    node_class=_tag(raw.get("Tags"), TAG_CLASS),
                    launched=launched.timestamp() if launched is not None else time.time(),
                    address=_address(raw), state=(raw.get("State") or {}).get("Name", "pending"))


def fleet_error(errors: Sequence[dict], wanted: int, got: int) -> ProviderError:
    """The most telling error of a CreateFleet answer (capacity errors first)."""
    if not errors:
        return ProviderError("PartialAllocation", "EC2 Fleet started %d of %d instances" % (got, wanted))
    ranked = sorted(errors, key=lambda e: e.get("ErrorCode") != "InsufficientInstanceCapacity")
    first = ranked[0]
    more = " (and %d more errors)" % (len(errors) - 1) if len(errors) > 1 else ""
    return ProviderError(first.get("ErrorCode") or "Unknown", (first.get("ErrorMessage") or "") + more)


class Ec2Provider(Provider):
    native_groups = True

    def __init__(self, cluster: str, node_class: str, settings: Ec2Settings, clients: AwsClients,
                 backoff: Callable[[], Backoff] = Backoff) -> None:
        super().__init__(cluster, node_class)
        self.settings = settings
        self._clients = clients
        self._backoff = backoff

    @property
    def scope(self) -> tuple:
        s = self.settings
        return ("ec2", s.region, s.endpoint_url, s.role_arn, s.external_id)

    @property
    def ec2(self) -> Any:
        s = self.settings
        return self._clients.client("ec2", s.region, s.endpoint_url, s.role_arn, s.external_id, s.sts_endpoint_url,
                                    session_name="hpcstack-elastic-" + self.cluster)

    def _call(self, operation: str, **kwargs: Any) -> dict:
        try:
            return self._backoff().call(getattr(self.ec2, operation), **kwargs)
        except (ClientError, BotoCoreError) as exc:
            raise provider_error(exc) from exc

    # -- launch ------------------------------------------------------------------------------
    def _tag_specifications(self, node: str | None) -> list[dict]:
        tags = dict(self.settings.tags)
        tags.update(self.tags(node))
        if node:
            tags["Name"] = node
        return [{"ResourceType": "instance", "Tags": [{"Key": k, "Value": v} for k, v in sorted(tags.items())]}]

    def _template(self) -> dict:
        s = self.settings
        spec = {"LaunchTemplateId": s.launch_template_id} if s.launch_template_id \
            else {"LaunchTemplateName": s.launch_template_name}
        spec["Version"] = s.launch_template_version
        return spec

    def _run_instances(self, count: int, token: str, node: str | None) -> list[Instance]:
        s = self.settings
        args: dict[str, Any] = {"MinCount": count, "MaxCount": count, "ClientToken": token,
                                "TagSpecifications": self._tag_specifications(node)}
        if s.has_launch_template:
            args["LaunchTemplate"] = self._template()
        if s.image_id:
            args["ImageId"] = s.image_id
        if s.instance_types:
            args["InstanceType"] = s.instance_types[0]
        if s.subnet_ids:
            args["SubnetId"] = s.subnet_ids[0]
        if s.security_group_ids:
            args["SecurityGroupIds"] = list(s.security_group_ids)
        return [instance_from(raw) for raw in self._call("run_instances", **args).get("Instances", [])]

    def _create_fleet(self, count: int, token: str, node: str | None, all_or_nothing: bool) -> tuple[list[str], list]:
        s = self.settings
        overrides = []
        for priority, (itype, subnet) in enumerate(itertools.product(s.instance_types or (None,),
                                                                     s.subnet_ids or (None,))):
            override: dict[str, Any] = {"Priority": float(priority)}
            if itype:
                override["InstanceType"] = itype
            if subnet:
                override["SubnetId"] = subnet
            if s.image_id:
                override["ImageId"] = s.image_id
            overrides.append(override)
        on_demand: dict[str, Any] = {"AllocationStrategy": "prioritized"}
        if all_or_nothing:
            on_demand.update(MinTargetCapacity=count, SingleAvailabilityZone=True)
        answer = self._call("create_fleet", Type="instant", ClientToken=token,
                            LaunchTemplateConfigs=[{"LaunchTemplateSpecification": self._template(),
                                                    "Overrides": overrides}],
                            TargetCapacitySpecification={"TotalTargetCapacity": count,
                                                         "DefaultTargetCapacityType": "on-demand"},
                            OnDemandOptions=on_demand, TagSpecifications=self._tag_specifications(node))
        ids = [i for item in answer.get("Instances", []) for i in item.get("InstanceIds", [])]
        return ids, answer.get("Errors", [])

    def _launch(self, count: int, token: str, node: str | None, all_or_nothing: bool) -> list[Instance]:
        if not self.settings.uses_fleet:
            instances = self._run_instances(count, token, node)
        else:
            ids, errors = self._create_fleet(count, token, node, all_or_nothing)
            if not ids:
                raise fleet_error(errors, count, 0)
            now = time.time()
            instances = [Instance(id=i, node=node, node_class=self.node_class, launched=now, state="pending")
                         for i in ids]
        if len(instances) != count:
            # EC2 promises all or nothing here; whatever a partial answer started must not stay billed.
            self.terminate([i.id for i in instances])
            raise ProviderError("PartialAllocation", "EC2 started %d of %d instances; terminated them"
                                % (len(instances), count))
        return instances

    def launch(self, request: LaunchRequest) -> Instance:
        return self._launch(1, request.token, request.node, all_or_nothing=False)[0]

    def launch_group(self, requests: Sequence[LaunchRequest], token: str) -> list[Instance]:
        instances = self._launch(len(requests), token, None, all_or_nothing=True)
        named = []
        try:
            for request, instance in zip(requests, instances):
                self._call("create_tags", Resources=[instance.id],
                           Tags=[{"Key": TAG_NODE, "Value": request.node}, {"Key": "Name", "Value": request.node}])
                named.append(Instance(id=instance.id, node=request.node, node_class=self.node_class,
                                      launched=instance.launched, address=instance.address, state=instance.state))
        except ProviderError:
            self.terminate([i.id for i in instances])
            raise
        return named

    # -- terminate, list, address ------------------------------------------------------------
    def terminate(self, instance_ids: Sequence[str]) -> None:
        ids = list(instance_ids)
        for start in range(0, len(ids), TERMINATE_CHUNK):
            chunk = ids[start:start + TERMINATE_CHUNK]
            try:
                self._backoff().call(self.ec2.terminate_instances, InstanceIds=chunk)
            except ClientError as exc:
                if error_code(exc) != "InvalidInstanceID.NotFound":
                    raise provider_error(exc) from exc
                # One unknown id fails the whole call: end the others one by one.
                for instance_id in chunk if len(chunk) > 1 else ():
                    self.terminate([instance_id])
            except BotoCoreError as exc:
                raise provider_error(exc) from exc

    def _describe(self, filters: list[dict]) -> list[Instance]:
        found, token = [], None
        while True:
            args: dict[str, Any] = {"Filters": filters, "MaxResults": PAGE_SIZE}
            if token:
                args["NextToken"] = token
            page = self._call("describe_instances", **args)
            found.extend(instance_from(raw) for r in page.get("Reservations", []) for raw in r.get("Instances", []))
            token = page.get("NextToken")
            if not token:
                return found

    def list(self) -> list[Instance]:
        return self._describe([{"Name": "tag:" + TAG_CLUSTER, "Values": [self.cluster]},
                               {"Name": "instance-state-name", "Values": list(LIVE_STATES)}])

    def address_of(self, instance_ids: Sequence[str]) -> dict[str, Address | None]:
        # A filter, not InstanceIds: an instance EC2 does not show yet is absent instead of an error.
        ids, result = list(instance_ids), {}
        for start in range(0, len(ids), DESCRIBE_CHUNK):
            for instance in self._describe([{"Name": "instance-id", "Values": ids[start:start + DESCRIBE_CHUNK]},
                                            {"Name": "instance-state-name", "Values": list(LIVE_STATES)}]):
                result[instance.id] = instance.address
        return result
