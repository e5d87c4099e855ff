# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures for the hpcstack-elastic tests: one moto server on loopback for the whole session."""

from __future__ import annotations

import urllib.request

import pytest


@pytest.fixture(scope="session")
def moto_server():
    """moto in server mode on 127.0.0.1 (a random port); its state is reset by ``moto`` below."""
    server_mod = pytest.importorskip("moto.server", reason="moto[server] is in requirements.txt; run make venv")
    server = server_mod.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    yield "http://127.0.0.1:%d" % server._server.server_port
    server.stop()


@pytest.fixture
def moto(moto_server, monkeypatch):
    """A clean moto account set; the controller's own credentials are fake ones in the environment."""
    urllib.request.urlopen(urllib.request.Request(moto_server + "/moto-api/reset", method="POST"), timeout=10)
    for key, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                       ("AWS_DEFAULT_REGION", "eu-west-1")):
        monkeypatch.setenv(key, value)
    for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return moto_server
