"""``postbot upcoming``: the next slots of every schedule and what each would post.

A plan to read before it happens: the k-th upcoming slot of a schedule gets
the k-th article not yet posted to that account, composed with the account's
rules (offline: a Mastodon account's limit is its ``limit`` setting, else
500). Times are shown in the schedule's zone and in UTC; the zone rules for
the spring gap and the autumn repeat are those of ``bot.slots``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.errors import ConfigError, SourceError, StoreError, TemplateError
from bot.models import PostPlan
from bot.outbox import Outbox
from bot.planner import choices, plan_for
from bot.platforms import get_platform
from bot.schedules import Schedule, load_schedules
from bot.sources import Candidate, make_source
from bot.store import open_store
from bot.templates import environment
from bot.transport import make_client


@dataclass
class UpcomingPost:
    schedule: str
    at: datetime  # in the schedule's zone
    at_utc: datetime
    account: str
    article: str | None
    plan: PostPlan | None = None
    error: str | None = None
    # The account's platform and the template, also for a slot with nothing to post.
    platform: str = ""
    template: str = ""

    def to_json(self) -> dict[str, Any]:
        from bot.preview import segment_json

        platform = self.plan.platform if self.plan else ""
        data: dict[str, Any] = {
            "schedule": self.schedule,
            "at": self.at.isoformat(),
            "at_utc": self.at_utc.isoformat().replace("+00:00", "Z"),
            "account": self.account,
            "article": self.article,
            "segments": [segment_json(platform, s) for s in self.plan.segments]
            if self.plan
            else [],
        }
        if self.error:
            data["error"] = self.error
        return data


@dataclass
class Upcoming:
    posts: list[UpcomingPost] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def upcoming(settings: Settings, start: datetime, days: float, per_schedule: int = 200) -> Upcoming:
    """Every slot in [start, start + days) of every enabled schedule."""
    result = Upcoming()
    schedules, problems = load_schedules(settings)
    result.problems += [str(p) for p in problems]
    used = _used_keys(settings)
    env = environment(tuple(str(d) for d in settings.templates_dirs))
    end = start + timedelta(days=days)
    sources: dict[str, list[Candidate]] = {}
    for schedule in schedules:
        if not schedule.enabled:
            continue
        slots = schedule.slots(start, end)
        if len(slots) > per_schedule:
            result.problems.append(
                f"schedule {schedule.name}: {len(slots)} slots in the next {days:g} day(s); "
                f"showing the first {per_schedule} (ask for fewer --days to see them all)"
            )
            slots = slots[:per_schedule]
        if not slots:
            continue
        candidates = _candidates(schedule, settings, sources, result)
        for spec in schedule.posts:
            result.posts += _for_account(
                schedule, spec, slots, candidates, used, settings, env, result
            )
    result.posts.sort(key=lambda p: (p.at_utc, p.schedule, p.account))
    return result


def _for_account(
    schedule: Schedule,
    spec: Any,
    slots: list[datetime],
    candidates: list[Candidate],
    used: dict[tuple[str, str], set[str]],
    settings: Settings,
    env: Any,
    result: Upcoming,
) -> list[UpcomingPost]:
    raw = (
        ((settings.located.data or {}).get("accounts") or {}).get(spec.account, {})
        if settings.located
        else {}
    )
    platform = raw.get("platform", "webhook")
    limit = raw.get("limit")
    rules = get_platform(platform, int(limit) if limit else None)
    try:
        template = env.get(platform, spec.template)
    except TemplateError as exc:
        result.problems.append(str(exc))
        return []
    queue = choices(schedule, candidates, template, used.get((schedule.name, spec.account), set()))
    posts = []
    zone = schedule.zone
    for index, slot in enumerate(slots):
        choice = queue[index] if index < len(queue) else None
        post = UpcomingPost(
            schedule.name,
            slot.astimezone(zone),
            slot,
            spec.account,
            None,
            platform=platform,
            template=spec.template,
        )
        if choice is not None:
            post.article = choice.article.title
            post.plan, post.error = plan_for(choice, template, rules, spec)
        posts.append(post)
    return posts


def _candidates(
    schedule: Schedule, settings: Settings, cache: dict[str, list[Candidate]], result: Upcoming
) -> list[Candidate]:
    key = schedule.source.key
    if key not in cache:

        async def fetch() -> list[Candidate]:
            client, _ = make_client(
                dry_run=False, guard=settings.network_guard, keep_requests=False
            )
            async with client:
                return await make_source(schedule.source, client, None).fetch()

        try:
            cache[key] = asyncio.run(fetch())
        except SourceError as exc:
            result.problems.append(str(exc))
            cache[key] = []
    return cache[key]


def _used_keys(settings: Settings) -> dict[tuple[str, str], set[str]]:
    """Articles already posted, from the state database if there is one."""
    url = settings.database_url
    if url.startswith("sqlite:///") and not Path(url[len("sqlite:///") :]).exists():
        return {}
    try:
        store = open_store(url, migrate=False)
    except (StoreError, ConfigError):
        return {}
    try:
        used: dict[tuple[str, str], set[str]] = {}
        for row in Outbox(store).history():
            used.setdefault((row.schedule, row.account), set()).add(row.article_key)
        return used
    except Exception:  # noqa: BLE001 - an unreadable or empty database means nothing was posted
        return {}
    finally:
        store.dispose()


__all__ = ["Upcoming", "UpcomingPost", "upcoming"]
