"""Shared fixtures: a scrubbed environment and the project's folders."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import tests.pg  # noqa: F401 - reads POSTBOT_TEST_* before any test scrubs the environment

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
GOLDEN = Path(__file__).resolve().parent / "golden"

# Set POSTBOT_UPDATE_GOLDEN=1 to rewrite the golden files, then review the diff.
UPDATE_GOLDEN = os.environ.get("POSTBOT_UPDATE_GOLDEN") == "1"


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's own postbot settings or secrets."""
    for name in list(os.environ):
        if name.startswith("POSTBOT_") and name not in ("POSTBOT_UPDATE_GOLDEN",):
            monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any test that sends a request anywhere but this machine."""
    import httpx

    allowed = {"127.0.0.1", "localhost", "::1"}
    real_async = httpx.AsyncHTTPTransport.handle_async_request
    real_sync = httpx.HTTPTransport.handle_request

    async def guarded_async(
        self: httpx.AsyncHTTPTransport, request: httpx.Request
    ) -> httpx.Response:
        if request.url.host not in allowed:
            pytest.fail(f"test tried to reach {request.url.host}: only loopback is allowed")
        return await real_async(self, request)

    def guarded_sync(self: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
        if request.url.host not in allowed:
            pytest.fail(f"test tried to reach {request.url.host}: only loopback is allowed")
        return real_sync(self, request)

    monkeypatch.setattr(httpx.AsyncHTTPTransport, "handle_async_request", guarded_async)
    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", guarded_sync)


def sample_articles() -> list[Path]:
    return sorted(p for p in CONTENT.iterdir() if p.is_file())


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str | None]:
    """The session's PostgreSQL server (see tests/pg.py), or None when there is none."""
    from tests.pg import postgres_server

    with postgres_server() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty state database: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'state' / 'postbot.db'}"
        return
    from tests.pg import HOW_TO_ENABLE, fresh_database, unavailable

    server = request.getfixturevalue("postgres_server_url")
    if server is None:
        unavailable("postgres", HOW_TO_ENABLE)
    with fresh_database(server) as url:
        yield url


@pytest.fixture
def pg_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh PostgreSQL database, for tests that need PostgreSQL itself."""
    from tests.pg import HOW_TO_ENABLE, fresh_database, unavailable

    server = request.getfixturevalue("postgres_server_url")
    if server is None:
        unavailable("postgres", HOW_TO_ENABLE)
    with fresh_database(server) as url:
        yield url


@pytest.fixture(scope="session")
def pds() -> Iterator[Any]:
    """A real Bluesky PDS for the session (see tests/pds_server.py)."""
    from tests.pds_server import running_pds

    with running_pds() as server:
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Chromium for the session (see tests/browser.py)."""
    from tests.browser import running_browser

    with running_browser() as chromium:
        yield chromium
