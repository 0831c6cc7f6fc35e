"""A real HTTP server on 127.0.0.1 (port 0) for platform fakes, with faults on demand.

Each platform fake subclasses ``LoopbackServer`` and declares routes. Tests
queue faults that the next matching requests meet:

* ``fail_next(status, body, headers, after_processing)``: answer with an
  error (429 with the platform's wait signal, 500, 401, a 4xx with the
  platform's error body), before the request took effect or after it;
* ``echo_next(status)``: answer with an error whose body echoes the whole
  request (path, query, every header, the body), secrets included, as a
  careless server or proxy might;
* ``slow_next(seconds)``: answer only after a delay (longer than the
  client's timeout);
* ``reset_next(after_processing)``: drop the connection without an answer,
  before or after the request took effect.

Every request received is recorded (method, path, query, headers, body).
"""

from __future__ import annotations

import json
import re
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

Handler = Callable[["Request"], "Reply"]


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    match: re.Match[str] | None = None
    raw_query: str = ""  # as sent, repeated names and all (the query dict keeps the first)
    arrived: float = field(default_factory=time.time)  # wall time the request was read

    @property
    def json(self) -> Any:
        return json.loads(self.body or b"null")

    @property
    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)

    def encode(self) -> tuple[bytes, str]:
        if self.body is None:
            return b"", "text/plain"
        if isinstance(self.body, str | bytes):
            data = self.body.encode() if isinstance(self.body, str) else self.body
            return data, "text/plain; charset=utf-8"
        return json.dumps(self.body).encode(), "application/json"


@dataclass
class Fault:
    kind: str  # "status" | "slow" | "reset" | "echo"
    status: int = 500
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    after_processing: bool = False
    path: str | None = None  # only requests whose path contains this


class LoopbackServer:
    """Subclasses fill ``self.routes`` with (method, path regex, handler)."""

    def __init__(self) -> None:
        self.routes: list[tuple[str, re.Pattern[str], Handler]] = []
        # Seconds each request takes: half before it takes effect, half after
        # (so a client killed meanwhile may or may not have posted).
        self.latency = 0.0
        self.received: list[Request] = []
        self.faults: list[Fault] = []
        self.lock = threading.RLock()
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                server.serve_request(self)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle  # noqa: N815

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        # A reset or a client that gave up is a test's intent, not an error to print.
        self.httpd.handle_error = lambda request, client_address: None  # type: ignore[method-assign]
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> LoopbackServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def route(self, method: str, pattern: str, handler: Handler) -> None:
        self.routes.append((method, re.compile(pattern), handler))

    # -- faults ---------------------------------------------------------------------------

    def fail_next(
        self,
        status: int,
        body: Any = None,
        headers: dict[str, str] | None = None,
        times: int = 1,
        path: str | None = None,
        after_processing: bool = False,
    ) -> None:
        with self.lock:
            self.faults += [
                Fault(
                    "status",
                    status,
                    body,
                    headers or {},
                    path=path,
                    after_processing=after_processing,
                )
                for _ in range(times)
            ]

    def echo_next(self, status: int = 400, path: str | None = None, times: int = 1) -> None:
        with self.lock:
            self.faults += [Fault("echo", status, path=path) for _ in range(times)]

    def slow_next(self, seconds: float, path: str | None = None) -> None:
        with self.lock:
            self.faults.append(Fault("slow", seconds=seconds, path=path))

    def reset_next(self, after_processing: bool = False, path: str | None = None) -> None:
        with self.lock:
            self.faults.append(Fault("reset", after_processing=after_processing, path=path))

    def _take_fault(self, path: str) -> Fault | None:
        with self.lock:
            for i, fault in enumerate(self.faults):
                if fault.path is None or fault.path in path:
                    return self.faults.pop(i)
        return None

    # -- serving ---------------------------------------------------------------------------

    def serve_request(self, http: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(http.path)
        length = int(http.headers.get("content-length") or 0)
        body = http.rfile.read(length) if length else b""
        request = Request(
            http.command,
            parts.path,
            {k: v[0] for k, v in parse_qs(parts.query).items()},
            {k.lower(): v for k, v in http.headers.items()},
            body,
            raw_query=parts.query,
        )
        with self.lock:
            self.received.append(request)
        if self.latency:
            time.sleep(self.latency / 2)
        fault = self._take_fault(parts.path)
        if fault and fault.kind == "reset" and not fault.after_processing:
            _reset(http)
            return
        if fault and fault.kind == "echo":
            self._send(http, Reply(fault.status, {"error": _echo(request)}))
            return
        if fault and fault.kind == "status" and not fault.after_processing:
            self._send(http, Reply(fault.status, fault.body, fault.headers))
            return
        try:
            reply = self.dispatch(request)
        except Exception:  # a bug in the fake must show, not look like a network fault
            import traceback

            reply = Reply(500, {"error": "FakeServerBug", "message": traceback.format_exc()})
        if self.latency:
            time.sleep(self.latency / 2)
        if fault and fault.kind == "slow":
            time.sleep(fault.seconds)
        if fault and fault.kind == "reset":
            _reset(http)  # the request took effect, but no answer arrives
            return
        if fault and fault.kind == "status":
            reply = Reply(fault.status, fault.body, fault.headers)  # it took effect all the same
        self._send(http, reply)

    def dispatch(self, request: Request) -> Reply:
        for method, pattern, handler in self.routes:
            match = pattern.fullmatch(request.path)
            if method == request.method and match:
                request.match = match
                with self.lock:
                    return handler(request)
        return Reply(404, {"error": f"no route for {request.method} {request.path}"})

    def _send(self, http: BaseHTTPRequestHandler, reply: Reply) -> None:
        data, content_type = reply.encode()
        try:
            http.send_response(reply.status)
            http.send_header("Content-Type", reply.headers.pop("Content-Type", content_type))
            for name, value in reply.headers.items():
                http.send_header(name, value)
            http.send_header("Content-Length", str(len(data)))
            http.end_headers()
            http.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)


def _echo(request: Request) -> str:
    """The request as text: what a server that echoes everything puts in its error."""
    headers = " ".join(f"{k}: {v}" for k, v in request.headers.items())
    body = request.body.decode("utf-8", "replace")
    return f"echo {request.method} {request.path}?{request.raw_query} {headers} {body}"


def _reset(http: BaseHTTPRequestHandler) -> None:
    """Close the connection with a TCP reset, without an HTTP answer."""
    conn = http.connection
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    http.close_connection = True
    conn.close()
