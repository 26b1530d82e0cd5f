"""The HTTP connection layer under the app: the limits uvicorn's httptools protocol does not set.

uvicorn times out only a keep-alive connection that sends nothing, bounds neither a request's head nor the number
of connections, and answers a request it cannot parse in text/plain. This protocol adds, per connection:
- deadlines: the request head must arrive within `header_timeout` of the connection opening (or of the previous
  answer), the body within `body_timeout` of the head: else 408, or a silent close when nothing came;
- limits on the request target (414), on each header, all headers and their count (431);
- a cap on open connections: past it, the connection waiting longest without a request in progress is closed
  (as nginx reuses keep-alive connections), so /health still gets in; when every one is busy, 503;
- raw UTF-8 in a request line (what curl sends for `?q=кой`) percent-encoded before parsing, as a browser does;
- every refusal in the API's error shape, then a lingering close (the rest of the request is read and dropped
  until the client pauses, within bounds), so a client that sends its whole request before reading still gets
  the answer.
"""
from __future__ import annotations

import json
import logging
import os
import re
import resource
import sys
import uuid
from collections import OrderedDict
from dataclasses import dataclass

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from .errors import REQUEST_ID_HEADER, error_body

log = logging.getLogger("guidekb")
_HIGH_BYTE = re.compile(rb"[\x80-\xff]")
FD_RESERVE = 64  # descriptors kept free for the index, the model, logs and accept() itself


@dataclass(frozen=True)
class Limits:
    max_connections: int = 4096  # an idle connection costs the server about 5 KB (measured at 2,000)
    header_timeout: float = 10.0  # seconds for the request head, from the connection or the previous answer
    body_timeout: float = 10.0  # seconds for the body, from the end of the head (bodies are 64 KiB at most)
    max_target_bytes: int = 16 * 1024  # a 1,000-character question percent-encoded takes at most 9,000
    max_header_bytes: int = 8 * 1024  # one header, name and value (nginx: 8 KiB buffers)
    max_headers_bytes: int = 32 * 1024  # all headers
    max_headers: int = 100
    # after a refusal the rest of the request is read and dropped (nginx's lingering close): until the client
    # is quiet for `linger_idle` s, for `linger_seconds` and `linger_bytes` at most
    linger_idle: float = 2.0
    linger_seconds: float = 30.0
    linger_bytes: int = 64 * 1024 * 1024


def connection_budget(wanted: int) -> int:
    """`wanted` connections, or fewer if the file-descriptor limit (raised to its hard limit) cannot hold them."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = wanted + FD_RESERVE + _open_descriptors()
    if soft < need and (hard == resource.RLIM_INFINITY or soft < hard):
        soft = need if hard == resource.RLIM_INFINITY else min(need, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
        except (ValueError, OSError):
            soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    return max(1, min(wanted, soft - FD_RESERVE - _open_descriptors()))


def _open_descriptors() -> int:
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:
        return 0


class _Refused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with the limits above; `limits` is set on a subclass (see `protocol_with`)."""

    limits = Limits()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # connections with no request in progress, oldest first: the ones closed when the cap is reached
        self._idle: OrderedDict = self.server_state.__dict__.setdefault("guidekb_idle", OrderedDict())
        self._deadline = None
        self._lingering = False
        self._refusal: _Refused | None = None
        self._line = "start"  # "start": the next byte begins a request line; "line": inside one; "": elsewhere
        self._next_line: str | None = None
        self._in_head = True  # between a request's first byte (or the previous answer) and its last header
        self._head_bytes = 0
        self._header_count = self._headers_bytes = 0
        self._received = False
        self._message_complete = False

    # -- connections and deadlines
    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self._cycle_transport = _CycleTransport(self)
        if len(self.connections) > self.limits.max_connections and not self._evict_idle():
            if self.loop.time() - self.server_state.__dict__.get("guidekb_warned", -60.0) >= 60:  # once a minute
                self.server_state.guidekb_warned = self.loop.time()
                log.warning("refusing connections: %d open, every one busy (--max-connections)", len(self.connections) - 1)
            # closed at once, not lingering: past the cap no connection may outstay its answer
            return self._refuse(_Refused(503, "overloaded", f"the server has {self.limits.max_connections} "
                                         "connections open, all busy: retry in a second"), retry_after=True, linger=False)
        self._idle[self] = None
        self._arm(self.limits.header_timeout, self._head_timed_out)

    def _evict_idle(self) -> bool:
        while self._idle:
            victim, _ = self._idle.popitem(last=False)
            if not victim.transport.is_closing():
                self.connections.discard(victim)  # counted out now, not when the loop gets to connection_lost
                victim.transport.close()
                return True
        return False

    def connection_lost(self, exc) -> None:
        self._idle.pop(self, None)
        self._disarm()
        super().connection_lost(exc)

    def _arm(self, seconds: float, callback) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, callback)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _head_timed_out(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        if not self._received:  # nothing to answer: as uvicorn's keep-alive timeout does
            self.transport.close()
            return
        self._refuse(_Refused(408, "request_timeout", f"the request head did not arrive within "
                              f"{self.limits.header_timeout:g} s: send the whole request at once"))

    def _body_timed_out(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            self._refuse(_Refused(408, "request_timeout", f"the request body did not arrive within "
                                  f"{self.limits.body_timeout:g} s of its head: send the whole request at once"))

    # -- bytes in
    def data_received(self, data: bytes) -> None:
        if self._lingering:
            self.linger_left -= len(data)
            if self.linger_left < 0 or self.loop.time() > self._linger_until:
                self.transport.close()
            else:
                self._arm(self.limits.linger_idle, self.transport.close)
            return
        if self._in_head and self._head_bytes > self.limits.max_target_bytes + self.limits.max_headers_bytes:
            return self._refuse(_Refused(431, "headers_too_large", self._headers_message()))
        self._received = True
        if self._line:
            data = self._encode_request_line(data)
        super().data_received(data)
        if self._next_line is not None:
            self._line, self._next_line = self._next_line, None
        if self._in_head:
            self._head_bytes += len(data)  # may count a previous body's tail: one read at most

    def _encode_request_line(self, data: bytes) -> bytes:
        """Percent-encode bytes >= 0x80 up to the end of the request line (the rest is not touched)."""
        start = len(data) - len(data.lstrip(b"\r\n")) if self._line == "start" else 0
        if start == len(data):  # empty lines before a request: still waiting for it
            return data
        end = data.find(b"\n", start)
        line = data[start:] if end < 0 else data[start:end]
        self._line = "line" if end < 0 else ""
        if not _HIGH_BYTE.search(line):
            return data
        encoded = _HIGH_BYTE.sub(lambda m: b"%%%02X" % m.group()[0], line)
        return data[:start] + encoded + (b"" if end < 0 else data[end:])

    def _headers_message(self) -> str:
        return (f"the request headers are too large (at most {self.limits.max_headers} headers, "
                f"{self.limits.max_header_bytes} bytes each, {self.limits.max_headers_bytes} in all)")

    # -- parser callbacks
    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head, self._message_complete = True, False
        self._header_count = self._headers_bytes = 0
        if self._next_line == "start":  # a pipelined request began inside this read: its line was not encoded
            self._next_line = ""

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        if len(self.url) > self.limits.max_target_bytes:
            self._refusal = _Refused(414, "uri_too_long", f"the request target is longer than "
                                     f"{self.limits.max_target_bytes} bytes: send a long question to POST /ask")
            raise self._refusal

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_count += 1
        self._headers_bytes += len(name) + len(value)
        if (len(name) + len(value) > self.limits.max_header_bytes or self._header_count > self.limits.max_headers
                or self._headers_bytes > self.limits.max_headers_bytes):
            self._refusal = _Refused(431, "headers_too_large", self._headers_message())
            raise self._refusal
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head, self._head_bytes = False, 0
        self._idle.pop(self, None)
        super().on_headers_complete()
        if self.cycle is not None:
            self.cycle.transport = self._cycle_transport
        if not self._message_complete:
            self._arm(self.limits.body_timeout, self._body_timed_out)

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._message_complete = True
        self._disarm()
        self._next_line = "start"

    def on_response_complete(self) -> None:
        pipelined = bool(self.pipeline)
        super().on_response_complete()
        if not (pipelined or self._lingering or self.transport.is_closing()):
            self._idle[self] = None
            self._received = False
            self._arm(self.limits.header_timeout, self._head_timed_out)

    # -- answers of this layer
    def send_400_response(self, msg: str) -> None:
        """uvicorn's answer to what httptools cannot parse (called in its except clause): the error shape."""
        refusal, self._refusal = self._refusal, None
        if refusal is None:
            reason = str(sys.exc_info()[1] or "").strip()[:200]
            refusal = _Refused(400, "bad_request", f"the request is not valid HTTP/1.1"
                               f"{f' ({reason})' if reason else ''}: see /docs for the API")
        self._refuse(refusal)

    def _refuse(self, refusal: _Refused, retry_after: bool = False, linger: bool = True) -> None:
        if self._lingering or self.transport.is_closing():
            return
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            if cycle.response_started:  # too late for another answer
                return self.transport.close()
            cycle.disconnected = True  # whatever the app sends from now on is dropped
            cycle.message_event.set()
        body = json.dumps(error_body(refusal.code, refusal.message)).encode()
        head = [STATUS_LINE[refusal.status], *(name + b": " + value + b"\r\n" for name, value in
                                               self.server_state.default_headers),
                b"content-type: application/json\r\n", b"content-length: %d\r\n" % len(body),
                f"{REQUEST_ID_HEADER.lower()}: {uuid.uuid4().hex}\r\n".encode(),
                b"retry-after: 1\r\n" if retry_after else b"", b"connection: close\r\n\r\n"]
        self.transport.write(b"".join(head) + body)
        if linger:
            self.linger()
        else:
            self.transport.close()  # after the answer is flushed

    def linger(self) -> None:
        """Close after the answer is out, reading and dropping what the client still sends, within bounds."""
        if self._lingering:
            return
        self._lingering = True
        self._idle.pop(self, None)
        self._unset_keepalive_if_required()
        self.linger_left = self.limits.linger_bytes
        self._linger_until = self.loop.time() + self.limits.linger_seconds
        self._arm(self.limits.linger_idle, self.transport.close)
        if self.flow is not None:
            self.flow.resume_reading()
        if self.transport.can_write_eof():
            self.transport.write_eof()  # the answer is flushed first; the client reads it, then the end
        else:
            self.transport.close()

    def close_after_response(self) -> None:
        """A request answered with Connection: close: linger if its body is still on the way (a 413, say)."""
        if self._message_complete:
            self.transport.close()
        else:
            self.linger()

    def shutdown(self) -> None:
        if self._lingering:
            self.transport.close()
        else:
            super().shutdown()


class _CycleTransport:
    """The transport as a request's cycle sees it: closing it after an answer closes the lingering way."""

    def __init__(self, protocol: GuardedHttpToolsProtocol) -> None:
        self._protocol = protocol

    def close(self) -> None:
        self._protocol.close_after_response()

    def is_closing(self) -> bool:
        return self._protocol._lingering or self._protocol.transport.is_closing()

    def __getattr__(self, name: str):
        return getattr(self._protocol.transport, name)


def protocol_with(limits: Limits) -> type[GuardedHttpToolsProtocol]:
    """The protocol class uvicorn instantiates per connection, with these limits (uvicorn.run(http=...))."""
    return type("GuidekbHttpProtocol", (GuardedHttpToolsProtocol,), {"limits": limits})
