"""Headless Chromium for the page tests, driven over the DevTools protocol.

The browser is Debian's ``chromium`` package (``.ci/run`` installs it). It is
started with ``--remote-debugging-pipe``: the DevTools protocol then runs over
two pipes (the browser reads commands on fd 3 and writes answers on fd 4,
each message JSON ended by a NUL byte), so no port is opened and no client
library is needed. Every host name fails to resolve (``--host-resolver-rules``)
and background networking is off, so a page that tried to fetch anything
would show it as a failed request, which the tests look for.

Without chromium the browser tests are skipped with a message saying how to
enable them, unless ``POSTBOT_TEST_REQUIRE`` includes ``chromium`` (CI sets
it), in which case they fail.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.pg import unavailable

HOW_TO_ENABLE = (
    "the browser tests need Chromium: install it (Debian: apt-get install chromium), "
    "or name its binary in POSTBOT_TEST_CHROMIUM"
)
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--disable-dev-shm-usage",
    "--mute-audio",
    "--hide-scrollbars",
    "--force-color-profile=srgb",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--remote-debugging-pipe",
)


# Read at import, before the tests scrub POSTBOT_* from the environment.
EXPLICIT = os.environ.get("POSTBOT_TEST_CHROMIUM", "")


def find_chromium() -> str | None:
    """The browser to run: POSTBOT_TEST_CHROMIUM, else chromium on PATH."""
    explicit = EXPLICIT
    if explicit:
        return shutil.which(explicit) or (explicit if Path(explicit).exists() else None)
    return shutil.which("chromium") or shutil.which("chromium-browser")


class BrowserError(RuntimeError):
    pass


class Browser:
    """One Chromium process and the protocol pipes to it."""

    def __init__(self, executable: str, profile: Path) -> None:
        to_browser_r, self._out = os.pipe()
        self._in, from_browser_w = os.pipe()
        self.log = profile / "chromium.log"
        # bash moves our pipe ends to fds 3 and 4, where Chromium expects them
        # (POSIX sh need not accept the two-digit fd numbers they may have).
        script = f'exec "$0" "$@" 3<&{to_browser_r} 4>&{from_browser_w}'
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                ["bash", "-c", script, executable, *FLAGS, f"--user-data-dir={profile}"],
                pass_fds=(to_browser_r, from_browser_w),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []
        try:
            self.version = self.call("Browser.getVersion")["product"]
        except BaseException:
            self.process.kill()
            self.process.wait()
            os.close(self._in)
            os.close(self._out)
            raise

    def call(
        self, method: str, params: dict[str, Any] | None = None, session: str | None = None
    ) -> dict[str, Any]:
        """Send one command and wait for its answer (events meanwhile are kept)."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._out, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + 60
        while True:
            for answer in self._read(deadline):
                if answer.get("id") == self._next_id:
                    if "error" in answer:
                        raise BrowserError(f"{method}: {answer['error']}")
                    result: dict[str, Any] = answer["result"]
                    return result
                self.events.append(answer)

    def wait_for(self, event: str, session: str, timeout: float = 30) -> dict[str, Any]:
        """The first ``event`` of ``session`` not yet waited for."""
        deadline = time.monotonic() + timeout
        while True:
            for index, seen in enumerate(self.events):
                if seen.get("method") == event and seen.get("sessionId") == session:
                    del self.events[index]
                    return seen
            self.events.extend(self._read(deadline))

    def _read(self, deadline: float) -> list[dict[str, Any]]:
        while b"\0" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise BrowserError(f"Chromium did not answer in time (log: {self.log})")
            ready, _, _ = select.select([self._in], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(self._in, 1 << 20)
            if not chunk:
                raise BrowserError(f"Chromium closed the pipe (log: {self.log})")
            self._buffer += chunk
        *messages, self._buffer = self._buffer.split(b"\0")
        return [json.loads(m) for m in messages]

    def close(self) -> None:
        with contextlib.suppress(OSError, BrowserError):
            self.call("Browser.close")
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._in)
        os.close(self._out)

    @contextlib.contextmanager
    def page(self, url: str, width: int = 1280, height: int = 900) -> Iterator[Page]:
        """A new tab showing ``url`` at ``width`` x ``height`` CSS pixels, closed afterwards."""
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        page = Page(self, session)
        try:
            self.call("Page.enable", session=session)
            self.call("Network.enable", session=session)
            self.call(
                "Emulation.setDeviceMetricsOverride",
                {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
                session=session,
            )
            self.call("Page.navigate", {"url": url}, session=session)
            self.wait_for("Page.loadEventFired", session)
            page.requests = [
                e["params"]["request"]["url"]
                for e in self.events
                if e.get("sessionId") == session and e.get("method") == "Network.requestWillBeSent"
            ]
            yield page
        finally:
            self.call("Target.closeTarget", {"targetId": target})
            self.events = [e for e in self.events if e.get("sessionId") != session]


class Page:
    """One tab: evaluate JavaScript in it, take screenshots of it."""

    def __init__(self, browser: Browser, session: str) -> None:
        self.browser = browser
        self.session = session
        self.requests: list[str] = []

    def evaluate(self, expression: str) -> Any:
        """The JSON value of ``expression``; a thrown error fails loudly."""
        answer = self.browser.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
            session=self.session,
        )
        if "exceptionDetails" in answer:
            raise BrowserError(json.dumps(answer["exceptionDetails"], indent=1)[:2000])
        return answer["result"].get("value")

    def screenshot(self, path: Path) -> Path:
        """The whole page (not just the viewport) as a PNG at ``path``."""
        size = self.browser.call("Page.getLayoutMetrics", session=self.session)["cssContentSize"]
        data = self.browser.call(
            "Page.captureScreenshot",
            {
                "format": "png",
                "captureBeyondViewport": True,
                "clip": {
                    "x": 0,
                    "y": 0,
                    "width": size["width"],
                    "height": min(size["height"], 16000),
                    "scale": 1,
                },
            },
            session=self.session,
        )["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path


@contextlib.contextmanager
def running_browser() -> Iterator[Browser]:
    """Chromium for a test session, with a fresh profile removed afterwards."""
    executable = find_chromium()
    if executable is None:
        unavailable("chromium", f"chromium is not installed; {HOW_TO_ENABLE}")
    assert executable is not None
    profile = Path(tempfile.mkdtemp(prefix="postbot-chromium-"))
    try:
        browser = Browser(executable, profile)
    except (BrowserError, OSError) as exc:
        log = profile / "chromium.log"
        if log.exists():
            exc = BrowserError(f"{exc}: {log.read_text(errors='replace').strip()[-500:]}")
        shutil.rmtree(profile, ignore_errors=True)
        unavailable("chromium", f"chromium did not start ({exc}); {HOW_TO_ENABLE}")
        raise
    try:
        yield browser
    finally:
        browser.close()
        shutil.rmtree(profile, ignore_errors=True)
