# -*- coding: utf-8 -*-
# Copyright (c) hpcstack developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Streaming JSON decoder: one answer of slurmrestd decoded as its bytes arrive.

``decode_stream(read, reducers)`` is the decoder the REST client's ``get(..., decoder=...)`` hook
calls with the response's ``read``; a list under a key of ``reducers`` is reduced item by item, so
only one item of it is ever held as decoded JSON (10,000 jobs are ~50 MB of JSON).
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

Read = Callable[[int], bytes]


class _Stream:
    """Incremental reader of one JSON answer."""

    _WS = re.compile(r"[ \t\n\r]*")

    def __init__(self, read: Read, chunk: int = 1 << 18) -> None:
        self._read = read
        self._chunk = chunk
        self._utf8 = codecs.getincrementaldecoder("utf-8")()
        self._decoder = json.JSONDecoder()
        self.buf = ""
        self.pos = 0
        self.eof = False

    def _more(self, size: int | None = None) -> None:
        if self.eof:
            raise ValueError("truncated JSON answer from slurmrestd")
        raw = self._read(size or self._chunk)
        text = self._utf8.decode(raw or b"", not raw)
        self.eof = not raw
        self.buf = self.buf[self.pos:] + text
        self.pos = 0

    def peek(self) -> str:
        while True:
            self.pos = self._WS.match(self.buf, self.pos).end()
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            self._more()

    def expect(self, chars: str) -> str:
        char = self.peek()
        if char not in chars:
            raise ValueError("unexpected %r in JSON answer from slurmrestd" % char)
        self.pos += 1
        return char

    def value(self) -> Any:
        self.peek()
        size = self._chunk
        while True:
            try:
                obj, end = self._decoder.raw_decode(self.buf, self.pos)
            except ValueError:
                if self.eof:
                    raise
                self._more(size)
                size *= 2  # a big value: read geometrically more, so it is decoded O(log n) times
                continue
            if end >= len(self.buf) and not self.eof:  # a number may go on in the next chunk
                self._more(size)
                continue
            self.pos = end
            return obj


def decode_stream(read: Read, reducers: Mapping[str, Callable[[Any], Any]], chunk: int = 1 << 18) -> dict:
    """Decode a JSON object from ``read(n)``; lists under a key of ``reducers`` are reduced item by item."""
    stream = _Stream(read, chunk)
    body: dict = {}
    stream.expect("{")
    if stream.peek() == "}":
        return body
    while True:
        key = stream.value()
        if not isinstance(key, str):
            raise ValueError("bad key in JSON answer from slurmrestd")
        stream.expect(":")
        reduce_item = reducers.get(key)
        if reduce_item is not None and stream.peek() == "[":
            stream.pos += 1
            items: list = []
            body[key] = items
            if stream.peek() == "]":
                stream.pos += 1
            else:
                while True:
                    items.append(reduce_item(stream.value()))
                    if stream.expect(",]") == "]":
                        break
        else:
            body[key] = stream.value()
        if stream.expect(",}") == "}":
            return body


def decoder(reducers: Mapping[str, Callable[[Any], Any]]) -> Callable[[Read], dict]:
    """The REST client's decoder hook for ``reducers``."""
    return lambda read: decode_stream(read, reducers)
