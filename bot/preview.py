"""What ``postbot preview`` shows: every post of an article, per platform and template.

Composing one post can fail (nothing fits); the preview shows that post's
error and carries on, so one bad template does not hide the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.compose import DEFAULT_OPTIONS, ComposeOptions, compose_all
from bot.errors import ComposeError, PostbotError
from bot.models import Article, PostPlan
from bot.parse import parse_file
from bot.platforms import PLATFORM_NAMES, get_platform
from bot.templates import DEFAULT_TEMPLATES, environment


@dataclass
class PreviewPost:
    platform: str
    template: str
    plan: PostPlan | None = None
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"platform": self.platform, "template": self.template}
        data["segments"] = (
            [segment_json(self.platform, s) for s in self.plan.segments] if self.plan else []
        )
        if self.error:
            data["error"] = self.error
        return data


def segment_json(platform: str, segment: Any) -> dict[str, Any]:
    """One segment as the JSON contracts show it (facets only for Bluesky)."""
    data: dict[str, Any] = {"text": segment.text, "length": segment.length, "limit": segment.limit}
    if platform == "bluesky":
        data["facets"] = [f.to_json() for f in segment.facets]
    return data


@dataclass
class Preview:
    article: Article
    posts: list[PreviewPost] = field(default_factory=list)

    @property
    def errors(self) -> list[str]:
        return [p.error for p in self.posts if p.error]

    def to_json(self) -> dict[str, Any]:
        return {"article": self.article.to_json(), "posts": [p.to_json() for p in self.posts]}


def build_preview(
    path: str | Path,
    platforms: Sequence[str] = (),
    templates: Sequence[str] = (),
    template_dirs: Sequence[str] = (),
    options: ComposeOptions = DEFAULT_OPTIONS,
) -> Preview:
    """Compose every chosen template for every chosen platform."""
    article = parse_file(path)
    env = environment(tuple(template_dirs))
    chosen = list(platforms) or list(PLATFORM_NAMES)
    rules = [get_platform(name) for name in chosen]  # unknown names fail before any work
    preview = Preview(article)
    for platform in rules:
        for name in templates or DEFAULT_TEMPLATES:
            template = env.get(platform.name, name)
            try:
                plans = compose_all(article, template, platform, options)
            except ComposeError as exc:
                preview.posts.append(PreviewPost(platform.name, name, error=str(exc)))
                continue
            if not plans:
                continue  # a quote template for an article without quotes
            preview.posts.extend(PreviewPost(platform.name, name, plan) for plan in plans)
    return preview


def render_text(preview: Preview) -> str:
    """The preview as a person reads it: a header per segment, then its text."""
    out = [f"{preview.article.title}", ""]
    for post in preview.posts:
        label = f"{post.platform}/{post.template}"
        if post.error or post.plan is None:
            out += [f"{label}  error: {post.error}", ""]
            continue
        count = len(post.plan.segments)
        for index, segment in enumerate(post.plan.segments, start=1):
            number = f" {index}/{count}" if count > 1 else ""
            out.append(f"{label}{number}  {segment.length}/{segment.limit}")
            out.extend(f"  {line}" if line else "" for line in segment.text.split("\n"))
            out.append("")
    return "\n".join(out).rstrip() + "\n"


__all__ = ["Preview", "PreviewPost", "PostbotError", "build_preview", "render_text"]
