# -*- coding: utf-8 -*-
# Copyright (c) hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The few Docker Engine API calls the docker provider needs, over the engine's unix socket.

Standard library only. API version 1.41 (Docker 20.10) is pinned: newer engines still serve it.
"""

from __future__ import annotations

import http.client
import io
import json
import socket
import tarfile
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote, urlencode

API = "/v1.41"
Transport = Callable[[str, str, bytes | None, Mapping[str, str]], tuple[int, bytes]]


class DockerError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__("Docker API %s: %s" % (status, message))
        self.status = status
        self.message = message


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self._path)
        self.sock = sock


def unix_transport(path: str, timeout: float = 30) -> Transport:
    """One connection per request (calls run in parallel threads)."""

    def send(method: str, url: str, body: bytes | None, headers: Mapping[str, str]) -> tuple[int, bytes]:
        conn = _UnixConnection(path, timeout)
        try:
            conn.request(method, url, body=body, headers=dict(headers))
            response = conn.getresponse()
            return response.status, response.read()
        except OSError as exc:
            raise DockerError(0, "cannot reach the Docker engine at %s: %s" % (path, exc)) from exc
        finally:
            conn.close()
    return send


def tar_of(files: Mapping[str, str]) -> bytes:
    """A tar archive of small text files (name -> content), mode 0644, owned by root."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


class DockerApi:
    def __init__(self, transport: Transport) -> None:
        self._send = transport

    def _call(self, method: str, path: str, query: Mapping[str, Any] | None = None, body: Any = None,
              ok: tuple[int, ...] = (200, 201, 204), raw_body: bytes | None = None,
              content_type: str = "application/json") -> Any:
        url = API + path + ("?" + urlencode(query) if query else "")
        data = raw_body if raw_body is not None else (json.dumps(body).encode() if body is not None else None)
        headers = {"Content-Type": content_type} if data is not None else {}
        status, payload = self._send(method, url, data, headers)
        if status not in ok:
            try:
                message = json.loads(payload or b"{}").get("message") or payload.decode(errors="replace")
            except ValueError:
                message = payload.decode(errors="replace")
            raise DockerError(status, message.strip() or "no message")
        if not payload:
            return None
        try:
            return json.loads(payload)
        except ValueError:
            return payload

    def create(self, name: str, spec: Mapping[str, Any]) -> str:
        return self._call("POST", "/containers/create", {"name": name}, spec)["Id"]

    def put_files(self, container: str, directory: str, files: Mapping[str, str]) -> None:
        self._call("PUT", "/containers/%s/archive" % quote(container), {"path": directory},
                   raw_body=tar_of(files), content_type="application/x-tar")

    def start(self, container: str) -> None:
        self._call("POST", "/containers/%s/start" % quote(container), ok=(204, 304))

    def inspect(self, container: str) -> dict | None:
        try:
            return self._call("GET", "/containers/%s/json" % quote(container))
        except DockerError as exc:
            if exc.status == 404:
                return None
            raise

    def remove(self, container: str) -> None:
        self._call("DELETE", "/containers/%s" % quote(container), {"force": "1", "v": "1"}, ok=(204, 404))

    def list(self, labels: Mapping[str, str]) -> list[dict]:
        filters = json.dumps({"label": ["%s=%s" % item for item in sorted(labels.items())]})
        return self._call("GET", "/containers/json", {"all": "1", "filters": filters})
