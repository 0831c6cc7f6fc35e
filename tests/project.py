"""A postbot project in a temp folder: postbot.yaml, schedules/, content/."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import CONTENT


def make_project(
    root: Path,
    accounts: dict[str, dict[str, Any]],
    schedules: dict[str, str] | None = None,
    articles: list[str] | None = None,
    settings: dict[str, Any] | None = None,
) -> Path:
    """Write a project and return its postbot.yaml.

    ``articles`` names sample files from content/ to copy (default: all);
    ``schedules`` maps file names to YAML text.
    """
    root.mkdir(parents=True, exist_ok=True)
    config = root / "postbot.yaml"
    data: dict[str, Any] = {"timezone": "Europe/London", **(settings or {}), "accounts": accounts}
    config.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    content = root / "content"
    content.mkdir(exist_ok=True)
    for path in sorted(CONTENT.iterdir()):
        if articles is None or path.name in articles:
            shutil.copy(path, content / path.name)
    folder = root / "schedules"
    folder.mkdir(exist_ok=True)
    for name, text in (schedules or {}).items():
        (folder / name).write_text(text, encoding="utf-8")
    return config
