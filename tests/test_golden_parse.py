"""Every sample article parses exactly as its reviewed golden file says.

Regenerate with ``POSTBOT_UPDATE_GOLDEN=1 pytest tests/test_golden_parse.py``
and review the diff in git before committing it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.parse import parse_file
from tests.conftest import GOLDEN, UPDATE_GOLDEN, sample_articles


@pytest.mark.parametrize("path", sample_articles(), ids=lambda p: p.name)
def test_sample_parse_matches_golden(path: Path) -> None:
    golden = GOLDEN / f"{path.name}.parse.json"
    actual = json.dumps(parse_file(path).to_json(), ensure_ascii=False, indent=2) + "\n"
    if UPDATE_GOLDEN:
        golden.write_text(actual, encoding="utf-8")
    assert golden.exists(), f"no golden file {golden.name}; run with POSTBOT_UPDATE_GOLDEN=1"
    assert actual == golden.read_text(encoding="utf-8")


def test_samples_cover_every_format() -> None:
    from bot.parse import detect_format, read_article_file

    formats = {detect_format(p, read_article_file(p)) for p in sample_articles()}
    assert formats == {"digest", "markdown", "json", "yaml"}
