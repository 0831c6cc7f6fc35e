"""Pages for people: an article's posts as cards, and a calendar of upcoming slots.

People would rather look at a post than read JSON about it, so ``preview`` and
``upcoming`` can write one self-contained HTML page (``--html OUT``): inline
CSS, no script, no image, no web font, nothing fetched when it opens, so it
works offline and can be mailed or attached to a review as it is.

The page is rendered with Jinja2 from templates shipped in ``bot/html``, with
autoescape on: article text is untrusted input. Which parts of a post the
platform links (URLs, tags, mentions) is decided by ``bot.platforms.display``
as plain runs of text; the template escapes each run and wraps it. Only
http(s) links become ``<a href>``.

Everything here but ``write_page`` and ``config_badges`` is pure: view models
in, a string out.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import jinja2

from bot import __version__
from bot.errors import ConfigError, OutputError
from bot.models import PostPlan
from bot.platforms.display import Run, runs

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.preview import Preview
    from bot.upcoming import Upcoming, UpcomingPost

# At 90% of the limit a meter turns amber; past the limit, red.
NEAR_LIMIT = 0.9

PLATFORM_LABELS = {
    "x": "X",
    "mastodon": "Mastodon",
    "bluesky": "Bluesky",
    "threads": "Threads",
    "linkedin": "LinkedIn",
    "telegram": "Telegram",
    "discord": "Discord",
    "slack": "Slack",
    "webhook": "Webhook",
}


@dataclass(frozen=True)
class Badge:
    """Who a card posts as: an account of postbot.yaml, or just the platform."""

    name: str
    handle: str = ""


@dataclass(frozen=True)
class SegmentView:
    """One post of a card: its text as runs, and its length against the limit."""

    runs: tuple[Run, ...]
    length: int
    limit: int
    index: int  # 1-based
    count: int

    @property
    def level(self) -> str:
        return meter_level(self.length, self.limit)

    @property
    def percent(self) -> float:
        """How full the bar is drawn (capped at 100)."""
        return min(100.0, round(100.0 * self.length / self.limit, 1)) if self.limit else 100.0


@dataclass(frozen=True)
class CardView:
    """One post (a single post or a thread) styled after its platform."""

    platform: str
    template: str
    badges: tuple[Badge, ...]
    segments: tuple[SegmentView, ...] = ()
    error: str | None = None

    @property
    def label(self) -> str:
        return PLATFORM_LABELS.get(self.platform, self.platform)

    @property
    def display_name(self) -> str:
        return ", ".join(b.name for b in self.badges) or self.label

    @property
    def handles(self) -> str:
        return ", ".join(b.handle for b in self.badges if b.handle)

    @property
    def initial(self) -> str:
        return (self.display_name[:1] or "?").upper()


@dataclass(frozen=True)
class SlotView:
    """One slot of the calendar: when, for which schedule, and what it would post."""

    schedule: str
    account: str
    at: datetime
    at_utc: datetime
    article: str | None
    card: CardView

    @property
    def zone(self) -> str:
        return getattr(self.at.tzinfo, "key", None) or self.at.tzname() or "UTC"


@dataclass(frozen=True)
class Row:
    """An account's slots in one week: one list per day."""

    account: str
    platform: str
    handle: str
    cells: tuple[tuple[SlotView, ...], ...]

    @property
    def label(self) -> str:
        return PLATFORM_LABELS.get(self.platform, self.platform)


@dataclass(frozen=True)
class Week:
    days: tuple[date, ...]
    rows: tuple[Row, ...]


@dataclass
class Calendar:
    start: datetime
    days: float
    weeks: list[Week] = field(default_factory=list)
    zones: list[tuple[str, list[str]]] = field(default_factory=list)  # zone -> schedules
    slots: int = 0
    problems: list[str] = field(default_factory=list)


def meter_level(length: int, limit: int) -> str:
    """``ok`` below 90% of the limit, ``near`` from 90% up to the limit, ``over`` past it."""
    if length > limit:
        return "over"
    if length >= NEAR_LIMIT * limit:
        return "near"
    return "ok"


def segment_views(plan: PostPlan) -> tuple[SegmentView, ...]:
    count = len(plan.segments)
    return tuple(
        SegmentView(tuple(runs(plan.platform, s.text)), s.length, s.limit, n, count)
        for n, s in enumerate(plan.segments, start=1)
    )


def badges_from_accounts(accounts: Mapping[str, Any]) -> dict[str, list[Badge]]:
    """postbot.yaml's accounts, by platform, with a handle where one is written out.

    Only values that are neither secrets nor ``${VAR}`` references are shown:
    a Bluesky handle, a Telegram chat, the host of a Mastodon instance or a
    webhook.
    """
    out: dict[str, list[Badge]] = {}
    for name, raw in accounts.items():
        if not isinstance(raw, Mapping) or not isinstance(raw.get("platform"), str):
            continue
        out.setdefault(raw["platform"], []).append(Badge(str(name), _handle(raw)))
    return out


def _handle(raw: Mapping[str, Any]) -> str:
    platform = raw["platform"]
    value = {
        "bluesky": raw.get("handle"),
        "telegram": raw.get("chat_id"),
        "mastodon": raw.get("base_url"),
        "webhook": raw.get("url"),
    }.get(platform)
    if not isinstance(value, str | int) or "${" in str(value):
        return ""
    value = str(value)
    if platform in ("mastodon", "webhook"):
        return urlsplit(value).hostname or ""
    if platform == "bluesky":
        return "@" + value.lstrip("@")
    return value


def config_badges(config_path: Path) -> tuple[dict[str, list[Badge]], str | None]:
    """The accounts of postbot.yaml by platform, and a warning when it cannot be read.

    A preview needs no configuration; without one (or with a broken one) the
    cards are named after their platforms.
    """
    from bot.config import load_settings

    try:
        settings = load_settings(config_path, required=False)
    except ConfigError as exc:
        return {}, f"{exc}; cards show platform names"
    data = settings.located.data if settings.located else None
    accounts = data.get("accounts") if isinstance(data, dict) else None
    return badges_from_accounts(accounts if isinstance(accounts, dict) else {}), None


# -- preview ---------------------------------------------------------------------------------------


def preview_cards(preview: Preview, badges: Mapping[str, Sequence[Badge]]) -> list[CardView]:
    """A card per post of a ``bot.preview.Preview``, named after the platform's accounts."""
    cards = []
    for post in preview.posts:
        who = tuple(badges.get(post.platform, ()))
        segments = segment_views(post.plan) if post.plan else ()
        cards.append(CardView(post.platform, post.template, who, segments, post.error))
    return cards


def render_preview(preview: Preview, badges: Mapping[str, Sequence[Badge]] | None = None) -> str:
    """The preview page: the article, then a section of cards per platform."""
    cards = preview_cards(preview, badges or {})
    sections: dict[str, list[CardView]] = {}
    for card in cards:
        sections.setdefault(card.platform, []).append(card)
    return _render(
        "preview.html.j2",
        article=preview.article,
        sections=[(PLATFORM_LABELS.get(p, p), p, c) for p, c in sections.items()],
        cards=cards,
        errors=sum(1 for c in cards if c.error),
    )


# -- calendar --------------------------------------------------------------------------------------


def build_calendar(
    posts: Iterable[UpcomingPost],
    start: datetime,
    days: float,
    badges: Mapping[str, Sequence[Badge]] | None = None,
    display_zone: tzinfo | None = None,
) -> Calendar:
    """Upcoming posts laid out in weeks: accounts down, days across.

    A slot belongs to the day it falls on in its schedule's zone, as the
    schedule file says it. The columns run over every day of the window (in
    ``display_zone``, postbot.yaml's zone) and any other day a slot falls on,
    seven to a week.
    """
    by_account = {b.name: b for group in (badges or {}).values() for b in group}
    slots = [_slot_view(post, by_account.get(post.account, Badge(post.account))) for post in posts]
    calendar = Calendar(start, days, slots=len(slots))
    ordered = _window_days(start, days, display_zone or start.tzinfo, slots)
    accounts = sorted({(s.account, s.card.platform) for s in slots})
    for offset in range(0, len(ordered), 7):
        week_days = tuple(ordered[offset : offset + 7])
        rows = tuple(
            Row(
                account,
                platform,
                by_account.get(account, Badge(account)).handle,
                tuple(
                    tuple(s for s in slots if s.account == account and s.at.date() == day)
                    for day in week_days
                ),
            )
            for account, platform in accounts
        )
        calendar.weeks.append(Week(week_days, rows))
    zones: dict[str, list[str]] = {}
    for slot in slots:
        names = zones.setdefault(slot.zone, [])
        if slot.schedule not in names:
            names.append(slot.schedule)
    calendar.zones = sorted(zones.items())
    return calendar


def _slot_view(post: UpcomingPost, badge: Badge) -> SlotView:
    segments = segment_views(post.plan) if post.plan else ()
    card = CardView(post.platform, post.template, (badge,), segments, post.error)
    return SlotView(post.schedule, post.account, post.at, post.at_utc, post.article, card)


def _window_days(
    start: datetime, days: float, zone: tzinfo | None, slots: Sequence[SlotView]
) -> list[date]:
    """Every day the window touches in ``zone``, and every day a slot falls on, in order."""
    first = start.astimezone(zone).date()
    last = (start + timedelta(days=days) - timedelta(microseconds=1)).astimezone(zone).date()
    found = {first + timedelta(days=n) for n in range((last - first).days + 1)}
    return sorted(found | {s.at.date() for s in slots})


def render_calendar(calendar: Calendar) -> str:
    """The calendar page: a grid per week, accounts down, days across."""
    return _render("calendar.html.j2", calendar=calendar)


def calendar_page(settings: Settings, upcoming: Upcoming, start: datetime, days: float) -> str:
    """``postbot upcoming --html``: the calendar of ``upcoming`` as one page.

    The window's days are counted in postbot.yaml's zone, where its start is shown.
    """
    data = settings.located.data if settings.located else None
    accounts = data.get("accounts") if isinstance(data, dict) else None
    badges = badges_from_accounts(accounts if isinstance(accounts, dict) else {})
    zone = ZoneInfo(settings.timezone)
    calendar = build_calendar(upcoming.posts, start.astimezone(zone), days, badges, zone)
    calendar.problems = list(upcoming.problems)
    return render_calendar(calendar)


# -- output ----------------------------------------------------------------------------------------


def write_page(path: Path, html: str) -> None:
    """Write ``html`` to ``path`` whole (a reader never sees half a page)."""
    folder = path.parent
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise OutputError(path, f"cannot write the page: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(html)
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except OSError as exc:
        Path(temp).unlink(missing_ok=True)
        raise OutputError(path, f"cannot write the page: {exc.strerror or exc}") from None


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("bot", "html"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["version"] = __version__
    env.filters["day"] = lambda d: f"{d:%a} {d.day} {d:%b}"
    env.filters["clock"] = lambda t: f"{t:%H:%M}"
    return env


def _render(name: str, **context: Any) -> str:
    return _environment().get_template(name).render(**context)


__all__ = [
    "Badge",
    "Calendar",
    "CardView",
    "SegmentView",
    "SlotView",
    "badges_from_accounts",
    "build_calendar",
    "calendar_page",
    "config_badges",
    "meter_level",
    "render_calendar",
    "render_preview",
    "write_page",
]
