# -*- coding: utf-8 -*-
# Copyright (c) hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``ec2`` settings of a node class (standard library only: the cluster model imports this)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .checks import Problems, check_keys, get_object, get_str, get_str_list, get_str_map

KEYS = ("region", "launch_template", "image_id", "instance_types", "subnet_ids", "security_group_ids",
        "role_arn", "external_id", "tags", "endpoint_url", "sts_endpoint_url")
TEMPLATE_KEYS = ("name", "id", "version")

REGION_RE = r"[a-z]{2}(-[a-z]+)+-\d{1,2}"
TEMPLATE_NAME_RE = r"[a-zA-Z0-9().\-/_]{3,128}"
TEMPLATE_ID_RE = r"lt-[0-9a-f]{8,17}"
TEMPLATE_VERSION_RE = r"\$Latest|\$Default|[1-9][0-9]*"
IMAGE_RE = r"ami-[0-9a-f]{8,17}"
INSTANCE_TYPE_RE = r"[a-z0-9-]+\.[a-z0-9-]+"
SUBNET_RE = r"subnet-[0-9a-f]{8,17}"
SECURITY_GROUP_RE = r"sg-[0-9a-f]{8,17}"
ROLE_ARN_RE = r"arn:aws(-[a-z]+)*:iam::\d{12}:role/[\w+=,.@/-]{1,512}"
EXTERNAL_ID_RE = r"[\w+=,.@:/-]{2,1224}"
URL_RE = r"https?://[^\s/]+(/\S*)?"
RESERVED_TAG_PREFIXES = ("aws:", "hpcstack:")
MAX_EXTRA_TAGS = 40  # EC2 allows 50 per resource; the program sets up to 5 of its own


@dataclass(frozen=True)
class Ec2Settings:
    region: str
    launch_template_name: str | None = None
    launch_template_id: str | None = None
    launch_template_version: str = "$Default"
    image_id: str | None = None
    instance_types: tuple[str, ...] = ()
    subnet_ids: tuple[str, ...] = ()
    security_group_ids: tuple[str, ...] = ()
    role_arn: str | None = None
    external_id: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    endpoint_url: str | None = None
    sts_endpoint_url: str | None = None

    @property
    def uses_fleet(self) -> bool:
        """Several instance types or subnets: an ``instant`` EC2 Fleet picks among them."""
        return len(self.instance_types) > 1 or len(self.subnet_ids) > 1

    @property
    def has_launch_template(self) -> bool:
        return bool(self.launch_template_name or self.launch_template_id)


def _template(raw: Mapping, problems: Problems) -> tuple[str | None, str | None, str]:
    template = get_object(raw, "launch_template", problems)
    if template is None:
        return None, None, "$Default"
    check_keys(template, TEMPLATE_KEYS, problems, "launch_template.")
    name = get_str(template, "name", problems, pattern=TEMPLATE_NAME_RE, section="launch_template.",
                   hint="3 to 128 letters, digits or ().-/_")
    template_id = get_str(template, "id", problems, pattern=TEMPLATE_ID_RE, section="launch_template.",
                          hint="like lt-0123456789abcdef0")
    version = get_str(template, "version", problems, pattern=TEMPLATE_VERSION_RE, default="$Default",
                      section="launch_template.", hint="$Latest, $Default or a version number")
    if bool(name) == bool(template_id) and "name" in template and "id" in template:
        problems.add("launch_template", "give either name or id, not both")
    elif not name and not template_id and "name" not in template and "id" not in template:
        problems.add("launch_template", "needs name or id")
    return name, template_id, version or "$Default"


def _tags(raw: Mapping, problems: Problems) -> dict[str, str]:
    tags = get_str_map(raw, "tags", problems)
    for key, value in sorted(tags.items()):
        if key.lower().startswith(RESERVED_TAG_PREFIXES):
            problems.add("tags.%s" % key, "tag keys starting with %s are reserved" % " or ".join(RESERVED_TAG_PREFIXES))
        elif not 1 <= len(key) <= 128 or len(value) > 256:
            problems.add("tags.%s" % key, "keys are 1 to 128 characters, values at most 256")
    if len(tags) > MAX_EXTRA_TAGS:
        problems.add("tags", "at most %d extra tags (EC2 allows 50 per instance)" % MAX_EXTRA_TAGS)
    return tags


def parse_ec2(raw: Mapping, problems: Problems) -> Ec2Settings:
    """Settings from the ``ec2`` object of a class; every problem goes to ``problems``."""
    check_keys(raw, KEYS, problems)
    region = get_str(raw, "region", problems, required=True, pattern=REGION_RE,
                     hint="the AWS region to launch in, e.g. eu-west-1")
    name, template_id, version = _template(raw, problems)
    settings = Ec2Settings(
        region=region or "",
        launch_template_name=name, launch_template_id=template_id, launch_template_version=version,
        image_id=get_str(raw, "image_id", problems, pattern=IMAGE_RE, hint="like ami-0123456789abcdef0"),
        instance_types=tuple(get_str_list(raw, "instance_types", problems, pattern=INSTANCE_TYPE_RE,
                                          hint="like c5.large")),
        subnet_ids=tuple(get_str_list(raw, "subnet_ids", problems, pattern=SUBNET_RE,
                                      hint="like subnet-0123456789abcdef0")),
        security_group_ids=tuple(get_str_list(raw, "security_group_ids", problems, pattern=SECURITY_GROUP_RE,
                                              hint="like sg-0123456789abcdef0")),
        role_arn=get_str(raw, "role_arn", problems, pattern=ROLE_ARN_RE,
                         hint="like arn:aws:iam::123456789012:role/hpc-burst"),
        external_id=get_str(raw, "external_id", problems, pattern=EXTERNAL_ID_RE,
                            hint="2 to 1224 letters, digits or +=,.@:/-"),
        tags=_tags(raw, problems),
        endpoint_url=get_str(raw, "endpoint_url", problems, pattern=URL_RE, hint="an http(s) URL"),
        sts_endpoint_url=get_str(raw, "sts_endpoint_url", problems, pattern=URL_RE, hint="an http(s) URL"),
    )
    if settings.uses_fleet and settings.security_group_ids:
        problems.add("security_group_ids", "set them in the launch template: EC2 Fleet (several instance types or "
                                           "subnets) takes security groups from it")
    if settings.external_id and not settings.role_arn:
        problems.add("external_id", "only used with role_arn")
    if not settings.has_launch_template and "launch_template" not in raw:
        if settings.uses_fleet:
            problems.add("launch_template", "is required with several instance types or subnets (EC2 Fleet needs one)")
        elif not settings.image_id or len(settings.instance_types) != 1:
            problems.add("launch_template", "is required unless image_id and exactly one instance type are given")
    return settings
