"""Every sample article x default template x platform, as reviewed by eye.

Regenerate with ``POSTBOT_UPDATE_GOLDEN=1 pytest tests/test_golden_compose.py``
and review the diff before committing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.compose import compose_all
from bot.parse import parse_file
from bot.platforms import PLATFORM_NAMES, get_platform
from bot.templates import DEFAULT_TEMPLATES, TemplateEnvironment
from tests.conftest import GOLDEN, UPDATE_GOLDEN, sample_articles

ENV = TemplateEnvironment()
CASES = [
    pytest.param(path, template, platform, id=f"{path.name}-{template}-{platform}")
    for path in sample_articles()
    for template in DEFAULT_TEMPLATES
    for platform in PLATFORM_NAMES
]


def render(path: Path, template: str, platform: str) -> str:
    article = parse_file(path)
    plans = compose_all(article, ENV.get(platform, template), get_platform(platform))
    out = []
    for n, plan in enumerate(plans, start=1):
        for i, segment in enumerate(plan.segments, start=1):
            out.append(
                f"=== post {n} segment {i}/{len(plan.segments)} {segment.length}/{segment.limit}"
            )
            out.append(segment.text)
    return "\n".join(out) + "\n"


@pytest.mark.parametrize(("path", "template", "platform"), CASES)
def test_compose_matches_golden(path: Path, template: str, platform: str) -> None:
    golden = GOLDEN / "compose" / f"{path.name}.{template}.{platform}.txt"
    actual = render(path, template, platform)
    if UPDATE_GOLDEN:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(actual, encoding="utf-8")
    assert golden.exists(), f"no golden file {golden.name}; run with POSTBOT_UPDATE_GOLDEN=1"
    assert actual == golden.read_text(encoding="utf-8")
