"""A recording reverse proxy on 127.0.0.1: what a client really sent to a real server.

Used in front of the real Bluesky PDS to count logins, refreshes and record
creations: the PDS itself does not report them.
"""

from __future__ import annotations

from collections import Counter

import httpx

from tests.servers.base import LoopbackServer, Reply, Request

# Hop-by-hop and framing headers are the proxy's own business.
_SKIP = {
    "connection",
    "keep-alive",
    "transfer-encoding",
    "content-length",
    "content-encoding",
    "host",
}


class RecordingProxy(LoopbackServer):
    """Forwards every request to ``target`` and returns its answer unchanged."""

    def __init__(self, target: str) -> None:
        super().__init__()
        self.target = target.rstrip("/")
        self.client = httpx.Client(timeout=30)
        self.answers: list[tuple[str, int]] = []  # (path, status)

    def dispatch(self, request: Request) -> Reply:
        query = "&".join(f"{k}={v}" for k, v in request.query.items())
        url = f"{self.target}{request.path}" + (f"?{query}" if query else "")
        headers = {k: v for k, v in request.headers.items() if k not in _SKIP}
        upstream = self.client.request(
            request.method, url, headers=headers, content=request.body or None
        )
        with self.lock:
            self.answers.append((request.path, upstream.status_code))
        passed = {
            k: v for k, v in upstream.headers.items() if k.lower() not in _SKIP | {"content-type"}
        }
        passed["Content-Type"] = upstream.headers.get("content-type", "application/octet-stream")
        return Reply(upstream.status_code, upstream.content, passed)

    def calls(self, method: str) -> int:
        """How many requests went to the XRPC method ``method``."""
        return sum(1 for r in self.received if r.path == f"/xrpc/{method}")

    def statuses(self, method: str) -> Counter[int]:
        return Counter(status for path, status in self.answers if path == f"/xrpc/{method}")

    def stop(self) -> None:
        super().stop()
        self.client.close()
