"""When a schedule fires: slot rules, time zones and daylight saving.

Rules are ``cron`` (five fields), ``weekly`` ("mon-fri 09:00, 17:30"),
``every`` (an interval) and ``at`` (one local date and time). Cron and weekly
rules describe wall-clock times in the schedule's zone; ``every`` counts
elapsed time from a fixed anchor (so every instance of the daemon agrees on
the slots, across restarts); ``at`` is one wall-clock time.

Daylight saving, the documented rules:

* a wall-clock time in the hour skipped in spring (02:30 on a day when
  clocks jump from 02:00 to 03:00) fires once, moved forward by the length of
  the gap (at 03:30);
* a wall-clock time in the hour repeated in autumn fires once, at its first
  occurrence (before the clocks go back), never twice.

Cron fields are matched with APScheduler's ``CronTrigger`` on naive
wall-clock times (as if in UTC, which has no daylight saving); the zone is
applied afterwards with the rules above. APScheduler 3's own zone handling
fires a daily 01:30 twice in the repeated hour and can cycle there, which is
why it is not used for that step.
"""

from __future__ import annotations

import functools
import hashlib
import re
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)  # the anchor of every ``every`` rule
_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class RuleError(ValueError):
    """A slot rule, duration or time that cannot be read (the message says why)."""


def parse_duration(text: str) -> timedelta:
    """``90m``, ``1.5h``, ``30s``, ``2d``."""
    m = _DURATION_RE.match(str(text))
    if not m:
        raise RuleError(f"cannot read {text!r} as a duration (use a number and s, m, h or d: 90m)")
    return timedelta(seconds=float(m.group(1)) * _UNITS[m.group(2)])


def to_instant(wall: datetime, zone: ZoneInfo) -> datetime:
    """A naive local time as a UTC instant, by the documented DST rules.

    ``fold=0`` is both rules at once: in the repeated hour it is the first
    occurrence; in the skipped hour it applies the offset from before the
    gap, which moves the time forward by the gap's length.
    """
    return wall.replace(tzinfo=zone, fold=0).astimezone(UTC)


def local(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.astimezone(zone)


class Rule(ABC):
    """One ``slots:`` entry."""

    __slots__ = ()  # rules and schedules are slotted: a daemon may hold thousands

    @abstractmethod
    def instants(self, start: datetime, end: datetime, zone: ZoneInfo) -> Iterator[datetime]:
        """UTC instants in [start, end), in order."""

    @abstractmethod
    def first_after(self, after: datetime, zone: ZoneInfo) -> datetime | None:
        """The earliest instant strictly after ``after`` (None: there is none).

        The daemon asks this of every schedule each time it fires, so it is
        answered directly, not by listing a window of instants.
        """


def offset_swing(instant: datetime, zone: ZoneInfo) -> timedelta:
    """How far ``zone``'s UTC offset moves within a day either side of ``instant``.

    ``to_instant`` never goes backwards as the wall time moves forward, so
    the wall times whose instants can fall on the far side of ``instant``
    lie within this much of its own wall time: nothing on most days, the
    length of the change near a daylight-saving switch (an hour; a whole
    day where a zone once jumped the date line). Walking cron times only
    that far past the window, not a whole day, makes a schedule's next slot
    cheap to find: a minutely cron no longer walks 1,440 times per question.
    """
    day = timedelta(days=1)
    offsets = [
        (instant + d).astimezone(zone).utcoffset() or timedelta(0) for d in (-day, 0 * day, day)
    ]
    return max(offsets) - min(offsets)


def _walls_to_instants(
    walls: Iterator[datetime], start: datetime, end: datetime, zone: ZoneInfo
) -> Iterator[datetime]:
    """Instants of wall-clock times within [start, end).

    Not necessarily sorted or unique: a time shifted out of the spring gap
    can land on another slot's instant. Callers sort and de-duplicate.
    """
    stop = end.astimezone(zone).replace(tzinfo=None) + offset_swing(end, zone)
    for wall in walls:
        if wall > stop:
            return
        instant = to_instant(wall, zone)
        if start <= instant < end:
            yield instant


@functools.lru_cache(maxsize=4096)
def _cron_trigger(expression: str) -> CronTrigger:
    """The parsed expression, shared by every rule that has it.

    The daemon asks each schedule for its next slot again and again, and
    parsing cost more than the search; a parsed trigger holds some forty
    objects (2 kB), so thousands of schedules share one per expression.
    """
    return CronTrigger.from_crontab(expression, timezone=UTC)


@dataclass(frozen=True, slots=True)
class CronRule(Rule):
    expression: str

    def __post_init__(self) -> None:
        try:
            _cron_trigger(self.expression)
        except ValueError as exc:
            raise RuleError(f"cron {self.expression!r}: {exc}") from None

    def _walls(self, after: datetime) -> Iterator[datetime]:
        trigger = _cron_trigger(self.expression)
        current = after.replace(tzinfo=UTC)
        previous = None
        while True:
            nxt = trigger.get_next_fire_time(previous, current)
            if nxt is None:
                return
            yield nxt.replace(tzinfo=None)
            previous, current = nxt, nxt + timedelta(seconds=1)

    def instants(self, start: datetime, end: datetime, zone: ZoneInfo) -> Iterator[datetime]:
        # Start early in wall-clock time by as much as the zone's offset
        # moves near ``start``: such a change can move a wall time to either
        # side of it.
        begin = start.astimezone(zone).replace(tzinfo=None) - offset_swing(start, zone)
        return _walls_to_instants(self._walls(begin), start, end, zone)

    def first_after(self, after: datetime, zone: ZoneInfo) -> datetime | None:
        # A wall time lands at most ``swing`` away from where the zone's usual
        # offset would put it, so once the walk is ``swing`` past the best
        # wall time found, no later one can land earlier. With no offset
        # change near (most days), the first wall time that lands after
        # ``after`` is the answer: one step of the cron trigger.
        swing = offset_swing(after, zone)
        horizon = after.astimezone(zone).replace(tzinfo=None) + timedelta(days=800)
        best: tuple[datetime, datetime] | None = None  # (instant, wall)
        for wall in self._walls(after.astimezone(zone).replace(tzinfo=None) - swing):
            if wall > horizon or (best is not None and wall > best[1] + swing):
                break
            instant = to_instant(wall, zone)
            if instant > after and (best is None or instant < best[0]):
                best = (instant, wall)
                if not swing:
                    break
        return best[0] if best else None


def weekly_to_cron(spec: str) -> list[str]:
    """ "mon-fri 09:00, 17:30" -> ["0 9 * * mon-fri", "30 17 * * mon-fri"]."""
    parts = spec.strip().split(None, 1)
    if len(parts) != 2:
        raise RuleError(f'weekly {spec!r}: expected days then times, e.g. "mon-fri 09:00, 17:30"')
    days, times = parts
    for piece in re.split(r"[,-]", days.lower()):
        if piece not in DAYS and piece != "*":
            raise RuleError(
                f"weekly {spec!r}: unknown day {piece!r} (use mon, tue, wed, thu, fri, sat, sun)"
            )
    crons = []
    for item in times.split(","):
        clock = _parse_clock(item.strip(), f"weekly {spec!r}")
        crons.append(f"{clock.minute} {clock.hour} * * {days.lower()}")
    return crons


def _parse_clock(text: str, where: str) -> time:
    m = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", text)
    if not m:
        raise RuleError(f"{where}: cannot read {text!r} as a time of day (use HH:MM)")
    return time(int(m.group(1)), int(m.group(2)))


@dataclass(frozen=True, slots=True)
class EveryRule(Rule):
    interval: timedelta

    def __post_init__(self) -> None:
        if self.interval < timedelta(seconds=1):
            raise RuleError("every: the interval must be at least 1s")

    def instants(self, start: datetime, end: datetime, zone: ZoneInfo) -> Iterator[datetime]:
        # timedelta arithmetic is exact (whole microseconds); floats drift by a step.
        step = self.interval
        k = max(0, -(-(start - EPOCH) // step))  # the first multiple at or after start
        while True:
            instant = EPOCH + k * step
            if instant >= end:
                return
            if instant >= start:
                yield instant
            k += 1

    def first_after(self, after: datetime, zone: ZoneInfo) -> datetime | None:
        k = max(0, (after - EPOCH) // self.interval + 1)  # the first multiple after ``after``
        return EPOCH + k * self.interval


@dataclass(frozen=True, slots=True)
class AtRule(Rule):
    wall: datetime  # naive local

    def instants(self, start: datetime, end: datetime, zone: ZoneInfo) -> Iterator[datetime]:
        instant = to_instant(self.wall, zone)
        if start <= instant < end:
            yield instant

    def first_after(self, after: datetime, zone: ZoneInfo) -> datetime | None:
        instant = to_instant(self.wall, zone)
        return instant if instant > after else None


def parse_at(text: str) -> datetime:
    for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(str(text).strip(), fmt)  # noqa: DTZ007 - a local wall time
        except ValueError:
            continue
    raise RuleError(f'at {text!r}: expected a local date and time such as "2026-12-01 09:30"')


def parse_rule(kind: str, value: str) -> list[Rule]:
    """One ``slots:`` entry as rules (weekly may make several)."""
    if kind == "cron":
        return [CronRule(str(value))]
    if kind == "weekly":
        return [CronRule(expr) for expr in weekly_to_cron(str(value))]
    if kind == "every":
        return [EveryRule(parse_duration(value))]
    if kind == "at":
        return [AtRule(parse_at(value))]
    raise RuleError(f"unknown slot kind {kind!r} (use cron, weekly, every or at)")


@dataclass(frozen=True, slots=True)
class QuietHours:
    """A daily window (in the schedule's zone) in which slots are skipped."""

    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> QuietHours:
        m = re.fullmatch(r"\s*(\S+)\s*-\s*(\S+)\s*", str(text))
        if not m:
            raise RuleError(f"quiet_hours {text!r}: expected HH:MM-HH:MM, e.g. 22:00-07:00")
        start = _parse_clock(m.group(1), f"quiet_hours {text!r}")
        end = _parse_clock(m.group(2), f"quiet_hours {text!r}")
        if start == end:
            raise RuleError(
                f"quiet_hours {text!r}: start and end are the same, so it means nothing"
            )
        return cls(start, end)

    def contains(self, wall: time) -> bool:
        if self.start < self.end:
            return self.start <= wall < self.end
        return wall >= self.start or wall < self.end  # across midnight

    def end_of(self, wall: datetime) -> datetime:
        """The wall time at which the quiet window holding ``wall`` ends."""
        ends = datetime.combine(wall.date(), self.end)
        if self.start > self.end and wall.time() >= self.start:
            ends += timedelta(days=1)  # the window runs past midnight
        return ends


def jitter_offset(jitter: timedelta, *key: str) -> timedelta:
    """A stable delay in [0, jitter) for a slot: the same in every instance and run."""
    if jitter <= timedelta(0):
        return timedelta(0)
    digest = hashlib.sha256("\x00".join(key).encode()).digest()
    fraction = int.from_bytes(digest[:8], "big") / 2**64
    return timedelta(seconds=round(jitter.total_seconds() * fraction, 3))
