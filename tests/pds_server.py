"""The real Bluesky PDS for the tests: started from tests/pds/ on free loopback ports.

``tests/pds/start-pds.mjs`` runs the reference PDS (``@atproto/pds`` through
``@atproto/dev-env``, pinned in ``tests/pds/package.json``) with its PLC
directory, bound to 127.0.0.1, with two test accounts, its data in a temp
folder that is removed when it stops. It prints one JSON line when ready.

Without Node.js or without the installed packages the PDS tests are skipped
with a message saying how to enable them, unless ``POSTBOT_TEST_REQUIRE``
includes ``pds`` (CI sets it), in which case they fail.
"""

from __future__ import annotations

import contextlib
import json
import queue
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from tests.conftest import ROOT
from tests.pg import unavailable

PDS_DIR = ROOT / "tests" / "pds"
HOW_TO_ENABLE = (
    "the real Bluesky PDS tests need Node.js 20+ and npm: install them, then run `make test` "
    "(it installs the PDS into tests/pds/node_modules) or `cd tests/pds && npm ci`"
)


@dataclass(frozen=True)
class Pds:
    url: str
    plc: str
    accounts: dict[str, dict[str, str]]  # handle -> {did, password}
    jwt_secret: str
    info: dict[str, Any]

    def did(self, handle: str) -> str:
        return self.accounts[handle]["did"]


def skip_unless_available() -> None:
    if shutil.which("node") is None:
        unavailable("pds", f"node is not installed; {HOW_TO_ENABLE}")
    if not (PDS_DIR / "node_modules" / "@atproto" / "dev-env").is_dir():
        unavailable("pds", f"tests/pds/node_modules is missing; {HOW_TO_ENABLE}")


@contextlib.contextmanager
def running_pds(*args: str, timeout: float = 90) -> Iterator[Pds]:
    """Start a PDS (``start-pds.mjs`` options in ``args``) and stop it afterwards."""
    skip_unless_available()
    process = subprocess.Popen(
        ["node", str(PDS_DIR / "start-pds.mjs"), *args],
        cwd=PDS_DIR,
        stdin=subprocess.PIPE,  # when our end closes, it stops
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stderr is not None
    errors: list[str] = []
    threading.Thread(target=lambda: errors.extend(process.stderr), daemon=True).start()  # type: ignore[arg-type]
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: lines.put(process.stdout.readline()), daemon=True).start()  # type: ignore[union-attr]
    try:
        try:
            line = lines.get(timeout=timeout)
        except queue.Empty:
            raise RuntimeError(
                f"the PDS was not ready after {timeout:g}s:\n{''.join(errors)}"
            ) from None
        info = json.loads(line) if line.strip() else {"ready": False, "error": "no output"}
        if not info.get("ready"):
            raise RuntimeError(f"the PDS did not start: {info.get('error')}\n{''.join(errors)}")
        yield Pds(
            url=info["pds"],
            plc=info["plc"],
            accounts={
                a["handle"]: {"did": a["did"], "password": a["password"]} for a in info["accounts"]
            },
            jwt_secret=info["jwtSecret"],
            info=info,
        )
    finally:
        if process.stdin:
            process.stdin.close()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        process.stdout.close()
        process.stderr.close()
