# -*- coding: utf-8 -*-
# Copyright (c) hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""AWS plumbing for the ec2 provider: clients, assumed-role credentials, backoff, call counting.

- Credentials: the controller's own (instance profile, environment, ~/.aws of SlurmUser); a class
  with ``role_arn`` gets ``sts:AssumeRole`` credentials, one set per role, cached and refreshed
  by botocore shortly before they expire.
- Retries: botocore's are off; :class:`Backoff` retries throttling, transient server errors and
  connection errors with capped exponential backoff and jitter. Launch calls carry a ClientToken,
  so a retried launch never starts a second instance.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from typing import Any

import boto3
import botocore.session
from botocore.config import Config as BotoConfig
from botocore.credentials import CredentialProvider, CredentialResolver, RefreshableCredentials
from botocore.exceptions import (BotoCoreError, ClientError, ConnectionClosedError, ConnectTimeoutError,
                                 EndpointConnectionError, ReadTimeoutError)

from .base import ProviderError

THROTTLE_CODES = frozenset(("RequestLimitExceeded", "Throttling", "ThrottlingException", "RequestThrottled",
                            "TooManyRequestsException", "EC2ThrottledException"))
TRANSIENT_CODES = frozenset(("InternalError", "InternalFailure", "ServiceUnavailable", "Unavailable",
                             "RequestTimeout", "RequestTimeoutException"))
CONNECTION_ERRORS = (EndpointConnectionError, ConnectionClosedError, ConnectTimeoutError, ReadTimeoutError)
ROLE_SESSION_SECONDS = 3600
USER_AGENT = "hpcstack-elastic"


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code") or "Unknown")


def provider_error(exc: Exception) -> ProviderError:
    """A botocore failure as a ProviderError whose reason names the AWS error code."""
    if isinstance(exc, ClientError):
        return ProviderError(error_code(exc), str(exc.response.get("Error", {}).get("Message") or exc))
    return ProviderError(type(exc).__name__, str(exc))


class Backoff:
    """Retry an AWS call on throttling, transient errors and lost connections."""

    def __init__(self, attempts: int = 8, base: float = 0.5, cap: float = 20.0,
                 sleep: Callable[[float], None] = time.sleep, rand: Callable[[], float] = random.random) -> None:
        self.attempts = attempts
        self.base = base
        self.cap = cap
        self.sleep = sleep
        self.rand = rand
        self.retries = 0

    @staticmethod
    def retryable(exc: Exception) -> bool:
        if isinstance(exc, ClientError):
            return error_code(exc) in THROTTLE_CODES or error_code(exc) in TRANSIENT_CODES
        return isinstance(exc, CONNECTION_ERRORS)

    def call(self, func: Callable[..., Any], **kwargs: Any) -> Any:
        for attempt in range(self.attempts):
            try:
                return func(**kwargs)
            except (ClientError, BotoCoreError) as exc:
                if not self.retryable(exc) or attempt == self.attempts - 1:
                    raise
                self.retries += 1
                # "Full jitter": spreads the retries of many nodes over the whole window.
                self.sleep(self.rand() * min(self.cap, self.base * 2 ** attempt))
        raise AssertionError("unreachable")


class CallCounter:
    """Counts API calls by operation name (a botocore ``before-call`` hook); the benchmark prints it."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def __call__(self, model=None, **kwargs) -> None:
        with self._lock:
            self.counts[model.name] = self.counts.get(model.name, 0) + 1

    @property
    def total(self) -> int:
        return sum(self.counts.values())


class _CachedRole(CredentialProvider):
    METHOD = "hpcstack-assume-role"

    def __init__(self, credentials: RefreshableCredentials) -> None:
        super().__init__()
        self._credentials = credentials

    def load(self) -> RefreshableCredentials:
        return self._credentials


_SHARED: dict[str, Any] = {}


def new_session() -> botocore.session.Session:
    """A botocore session; all share one data loader, so the EC2 model (megabytes of JSON) is read once."""
    session = botocore.session.get_session()
    if "loader" in _SHARED:
        session.register_component("data_loader", _SHARED["loader"])
    else:
        _SHARED["loader"] = session.get_component("data_loader")
    return session


class AwsClients:
    """Clients per (service, region, endpoint, role); assumed-role credentials cached per role."""

    def __init__(self, timeout: int = 30, parallelism: int = 16, counter: CallCounter | None = None,
                 base_session: Callable[[], botocore.session.Session] = new_session) -> None:
        self.timeout = timeout
        self.parallelism = parallelism
        self.counter = counter or CallCounter()
        self._base_session = base_session
        self._roles: dict[tuple, RefreshableCredentials] = {}
        self._clients: dict[tuple, Any] = {}
        self._lock = threading.RLock()

    def _config(self) -> BotoConfig:
        return BotoConfig(retries={"total_max_attempts": 1}, connect_timeout=self.timeout,
                          read_timeout=self.timeout, max_pool_connections=self.parallelism + 4,
                          user_agent_extra=USER_AGENT)

    def _role_credentials(self, role_arn: str, external_id: str | None, region: str,
                          sts_endpoint: str | None, session_name: str) -> RefreshableCredentials:
        key = (role_arn, external_id, region, sts_endpoint)
        if key not in self._roles:
            sts = self.client("sts", region, sts_endpoint)

            def refresh() -> dict:
                args = {"RoleArn": role_arn, "RoleSessionName": session_name,
                        "DurationSeconds": ROLE_SESSION_SECONDS}
                if external_id:
                    args["ExternalId"] = external_id
                creds = Backoff().call(sts.assume_role, **args)["Credentials"]
                return {"access_key": creds["AccessKeyId"], "secret_key": creds["SecretAccessKey"],
                        "token": creds["SessionToken"], "expiry_time": creds["Expiration"].isoformat()}
            self._roles[key] = RefreshableCredentials.create_from_metadata(refresh(), refresh, "sts-assume-role")
        return self._roles[key]

    def client(self, service: str, region: str, endpoint_url: str | None = None, role_arn: str | None = None,
               external_id: str | None = None, sts_endpoint: str | None = None,
               session_name: str = USER_AGENT) -> Any:
        """A cached boto3 client; with ``role_arn`` its calls run as that role (e.g. in another account)."""
        key = (service, region, endpoint_url, role_arn, external_id, sts_endpoint)
        with self._lock:
            if key in self._clients:
                return self._clients[key]
            session = self._base_session()
            if role_arn:
                credentials = self._role_credentials(role_arn, external_id, region, sts_endpoint, session_name)
                session.register_component("credential_provider", CredentialResolver([_CachedRole(credentials)]))
            client = boto3.session.Session(botocore_session=session).client(
                service, region_name=region, endpoint_url=endpoint_url, config=self._config())
            client.meta.events.register("before-call", self.counter)
            self._clients[key] = client
            return client
