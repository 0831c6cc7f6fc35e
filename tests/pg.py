"""PostgreSQL for the tests: the server named by an environment variable, or our own.

* ``POSTBOT_TEST_DATABASE_URL`` (e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``)
  names a server to use; each test gets a fresh database on it, dropped after.
* Otherwise a throwaway server is started from the installed binaries
  (``initdb``/``pg_ctl`` on PATH or under ``/usr/lib/postgresql/*/bin``), on a
  free loopback port with its data in a temp folder, and removed at the end.
  PostgreSQL refuses to run as root; as root it runs as the ``postgres``
  system user that Debian's package creates.
* With neither, PostgreSQL tests are skipped with a message saying how to
  enable them, unless ``POSTBOT_TEST_REQUIRE`` includes ``postgres`` (CI sets
  it), in which case they fail: nothing is silently skipped in CI.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

SERVER_URL = os.environ.get("POSTBOT_TEST_DATABASE_URL", "")
REQUIRED = {
    part.strip() for part in os.environ.get("POSTBOT_TEST_REQUIRE", "").split(",") if part.strip()
}
HOW_TO_ENABLE = (
    "PostgreSQL tests need a server: set POSTBOT_TEST_DATABASE_URL=postgresql+psycopg://user@host/db "
    "or install the PostgreSQL server (Debian: apt-get install postgresql)"
)


def unavailable(what: str, message: str) -> None:
    """Skip, or fail when CI said this part is required."""
    if what in REQUIRED:
        pytest.fail(f"{message} (and POSTBOT_TEST_REQUIRE includes {what!r})")
    pytest.skip(message)


def find_binaries() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``, newest version first."""
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(on_path).resolve().parent
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    return next((p for p in versions if (p / "initdb").exists()), None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ThrowawayServer:
    """A PostgreSQL cluster in a temp folder, trust auth, loopback only."""

    def __init__(self, binaries: Path) -> None:
        self.binaries = binaries
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="postbot-pg-"))
        self.data = self.root / "data"
        self.user: str | None = None
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                raise RuntimeError(
                    "running as root and there is no 'postgres' user to run PostgreSQL as"
                ) from None
            self.user = "postgres"
            shutil.chown(self.root, user="postgres")

    def _run(self, *args: str) -> None:
        command = [str(self.binaries / args[0]), *args[1:]]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if result.returncode != 0:
            raise RuntimeError(
                f"{args[0]} failed: {result.stderr.strip() or result.stdout.strip()}"
            )

    def start(self) -> str:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8")
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=300"
        )
        # The server's output goes to a log file: a pipe would be held open by the postmaster.
        log = str(self.root / "server.log")
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", log, "-o", options, "-w", "-t", "60", "start"
        )
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


@contextlib.contextmanager
def postgres_server() -> Iterator[str | None]:
    """A server URL for the session, or None (with the reason) when there is none."""
    if SERVER_URL:
        yield SERVER_URL
        return
    binaries = find_binaries()
    if binaries is None:
        yield None
        return
    server = ThrowawayServer(binaries)
    try:
        url = server.start()
    except RuntimeError as exc:
        server.stop()
        raise RuntimeError(f"could not start a throwaway PostgreSQL: {exc}") from exc
    try:
        yield url
    finally:
        server.stop()


@contextlib.contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    """A new, empty database on the server, dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"postbot_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
