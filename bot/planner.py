"""What a slot posts: the next unposted article for each account, composed.

An article is posted at most once per schedule and account. Its key is its
stable id (an edit keeps the id, so an edited article is not posted again),
or its id and content hash when the schedule says ``repost_on_edit``. A
template that renders once per quote walks the quotes one slot at a time.

Composing may fail for one article (nothing fits): the row is then recorded
as failed with the reason, so the article is not tried forever. A template
that fails (a user's syntax error) is a configuration problem: the slot is
skipped and the articles keep their turn.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.compose import ComposeOptions, compose
from bot.errors import ComposeError
from bot.models import Article, PostPlan, Quote
from bot.platforms import Platform
from bot.schedules import PostSpec, Schedule
from bot.sources import Candidate
from bot.templates import Template


@dataclass(frozen=True)
class Choice:
    """One article (and quote, for quote templates) a slot may post."""

    key: str
    article: Article
    quote: Quote | None = None


def slot_key(slot: datetime) -> str:
    """A slot's identity in the outbox: its UTC instant, ISO 8601."""
    return slot.isoformat(timespec="seconds")


def choices(
    schedule: Schedule, candidates: Iterable[Candidate], template: Template, used: set[str]
) -> list[Choice]:
    """Unposted articles in the order the schedule picks them."""
    ordered = sorted(
        candidates, key=lambda c: (c.order, c.article.id), reverse=schedule.pick == "newest"
    )
    out = []
    for candidate in ordered:
        article = candidate.article
        base = f"{article.id}:{article.content_hash}" if schedule.repost_on_edit else article.id
        if template.uses_quote:
            for n, quote in enumerate(article.quotes):
                key = f"{base}#q{n}"
                if key not in used:
                    out.append(Choice(key, article, quote))
        elif base not in used:
            out.append(Choice(base, article))
    return out


def plan_for(
    choice: Choice, template: Template, rules: Platform, spec: PostSpec
) -> tuple[PostPlan | None, str | None]:
    """The plan for one choice, or the reason it cannot be made."""
    options = ComposeOptions(thread=spec.thread, hashtags=spec.hashtags)
    try:
        return compose(choice.article, template, rules, options, quote=choice.quote), None
    except ComposeError as exc:
        return None, f"cannot compose: {exc}"
