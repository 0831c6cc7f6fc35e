"""Slot rules, durations, quiet hours, jitter, and the documented daylight-saving rules."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.schedules import Schedule, SourceSpec
from bot.slots import (
    AtRule,
    CronRule,
    EveryRule,
    QuietHours,
    RuleError,
    jitter_offset,
    parse_at,
    parse_duration,
    parse_rule,
    to_instant,
    weekly_to_cron,
)

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")


def schedule(*rules: tuple[str, str], zone: str = "Europe/London", **extra: object) -> Schedule:
    parsed = tuple(r for kind, value in rules for r in parse_rule(kind, value))
    return Schedule(
        name="test",
        path="test.yaml",
        timezone=zone,
        source=SourceSpec("folder", "/nowhere"),
        rules=parsed,
        posts=(),
        **extra,  # type: ignore[arg-type]
    )


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def local_day(sched: Schedule, day: str) -> list[str]:
    """The slots of one local day, as local wall times with their offsets."""
    zone = sched.zone
    start = datetime.fromisoformat(day).replace(tzinfo=zone).astimezone(UTC)
    end = (datetime.fromisoformat(day) + timedelta(days=1)).replace(tzinfo=zone).astimezone(UTC)
    return [s.astimezone(zone).strftime("%H:%M%z") for s in sched.slots(start, end)]


# -- durations and rule syntax -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30), ("90m", 5400), ("1.5h", 5400), ("2d", 172800), (" 4 s ", 4)],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text).total_seconds() == seconds


@pytest.mark.parametrize("text", ["90", "ten minutes", "5w", "-3m", ""])
def test_bad_durations_say_how_to_write_one(text: str) -> None:
    with pytest.raises(RuleError, match=r"use a number and s, m, h or d"):
        parse_duration(text)


def test_weekly_is_a_cron_per_time() -> None:
    assert weekly_to_cron("mon-fri 09:00, 17:30") == ["0 9 * * mon-fri", "30 17 * * mon-fri"]
    assert weekly_to_cron("sat,sun 10:15") == ["15 10 * * sat,sun"]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("09:00", "expected days then times"),
        ("mon-fry 09:00", "unknown day 'fry'"),
        ("mon 9am", "cannot read '9am' as a time of day"),
        ("mon 24:00", "cannot read '24:00'"),
    ],
)
def test_bad_weekly_rules(spec: str, message: str) -> None:
    with pytest.raises(RuleError, match=message):
        weekly_to_cron(spec)


def test_bad_cron_and_at_and_kind() -> None:
    with pytest.raises(RuleError, match=r"cron '61 \* \* \* \*'"):
        CronRule("61 * * * *")
    with pytest.raises(RuleError, match=r"cron"):
        CronRule("0 9 * *")
    with pytest.raises(
        RuleError, match=r'expected a local date and time such as "2026-12-01 09:30"'
    ):
        parse_at("1st of December")
    with pytest.raises(RuleError, match=r"unknown slot kind 'hourly'"):
        parse_rule("hourly", "1")
    with pytest.raises(RuleError, match=r"at least 1s"):
        EveryRule(timedelta(milliseconds=500))


# -- the rules ---------------------------------------------------------------------------------


def test_cron_and_weekly_fire_on_local_wall_time() -> None:
    sched = schedule(("cron", "0 9,13 * * mon-fri"), ("weekly", "sat 10:30"))
    found = sched.slots(utc(2026, 12, 4), utc(2026, 12, 6))  # Fri 4 and Sat 5 December (GMT)
    assert found == [utc(2026, 12, 4, 9), utc(2026, 12, 4, 13), utc(2026, 12, 5, 10, 30)]
    summer = sched.slots(
        utc(2026, 7, 3), utc(2026, 7, 4)
    )  # a Friday in BST: an hour earlier in UTC
    assert summer == [utc(2026, 7, 3, 8), utc(2026, 7, 3, 12)]


def test_every_counts_elapsed_time_from_a_fixed_anchor() -> None:
    """Every instance and every restart agrees on the slots of an ``every`` rule."""
    rule = EveryRule(timedelta(minutes=90))
    first = list(rule.instants(utc(2026, 12, 1), utc(2026, 12, 2), LONDON))
    later = list(rule.instants(utc(2026, 12, 1, 5, 17), utc(2026, 12, 2), LONDON))
    assert first[-len(later) :] == later
    assert all(b - a == timedelta(minutes=90) for a, b in zip(first, first[1:], strict=False))
    assert len(first) == 16


def test_every_ignores_daylight_saving() -> None:
    sched = schedule(("every", "1h"))
    # 25 October 2026: London's clocks go back, so the local day has 25 hours.
    assert len(local_day(sched, "2026-10-25")) == 25
    assert len(local_day(sched, "2027-03-28")) == 23


def test_at_is_one_local_time() -> None:
    rule = AtRule(parse_at("2026-12-01 09:30"))
    assert list(rule.instants(utc(2026, 11, 1), utc(2027, 1, 1), LONDON)) == [
        utc(2026, 12, 1, 9, 30)
    ]
    assert list(rule.instants(utc(2026, 12, 1, 9, 31), utc(2027, 1, 1), LONDON)) == []


def test_slots_are_half_open_sorted_and_unique() -> None:
    sched = schedule(("cron", "0 9 * * *"), ("weekly", "mon-sun 09:00"), ("every", "12h"))
    found = sched.slots(utc(2026, 12, 1, 0), utc(2026, 12, 2, 0))
    assert found == [utc(2026, 12, 1, 0), utc(2026, 12, 1, 9), utc(2026, 12, 1, 12)]
    assert sched.slots(utc(2026, 12, 1, 9), utc(2026, 12, 1, 9)) == []


def test_next_slot_looks_far_ahead_for_rare_rules() -> None:
    sched = schedule(("cron", "0 9 29 2 *"))  # 29 February only
    assert sched.next_slot(utc(2026, 12, 1)) == utc(2028, 2, 29, 9)
    assert schedule(("at", "2020-01-01 00:00")).next_slot(utc(2026, 1, 1)) is None


# -- daylight saving: the documented rules ------------------------------------------------------


def test_spring_gap_slot_moves_forward_by_the_gap() -> None:
    """28 March 2027, London: 01:00 GMT becomes 02:00 BST; 01:30 does not exist."""
    sched = schedule(("cron", "30 1 * * *"))
    assert local_day(sched, "2027-03-27") == ["01:30+0000"]
    assert local_day(sched, "2027-03-28") == ["02:30+0100"]  # once, an hour later
    assert local_day(sched, "2027-03-29") == ["01:30+0100"]


def test_autumn_repeated_slot_fires_once_at_its_first_occurrence() -> None:
    """25 October 2026, London: 02:00 BST becomes 01:00 GMT; 01:30 happens twice."""
    sched = schedule(("cron", "30 1 * * *"))
    assert local_day(sched, "2026-10-25") == ["01:30+0100"]  # not again at 01:30+0000
    sched_ny = schedule(("cron", "30 1 * * *"), zone="America/New_York")
    assert local_day(sched_ny, "2026-11-01") == ["01:30-0400"]


def test_a_half_hourly_rule_across_both_changes() -> None:
    sched = schedule(("cron", "*/30 * * * *"))
    autumn = local_day(sched, "2026-10-25")
    assert len(autumn) == 48  # wall-clock slots: the repeated hour's are not repeated
    assert autumn[2:6] == ["01:00+0100", "01:30+0100", "02:00+0000", "02:30+0000"]
    spring = local_day(sched, "2027-03-28")
    # 01:00 and 01:30 move forward onto 02:00 and 02:30, which exist anyway: once each.
    assert len(spring) == 46
    assert spring[2:4] == ["02:00+0100", "02:30+0100"]


def test_to_instant_states_both_rules() -> None:
    assert to_instant(datetime(2027, 3, 28, 1, 30), LONDON) == utc(2027, 3, 28, 1, 30)
    assert to_instant(datetime(2026, 10, 25, 1, 30), LONDON) == utc(2026, 10, 25, 0, 30)
    assert to_instant(datetime(2027, 3, 14, 2, 30), NEW_YORK) == utc(2027, 3, 14, 7, 30)


@given(
    st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2030, 12, 31)),
    st.sampled_from(["Europe/London", "America/New_York", "Australia/Lord_Howe", "Asia/Tokyo"]),
)
def test_a_daily_slot_fires_exactly_once_every_local_day(day: datetime, zone: str) -> None:
    sched = schedule(("cron", f"{day.minute} {day.hour} * * *"), zone=zone)
    assert len(local_day(sched, day.date().isoformat())) == 1


# -- quiet hours and jitter ---------------------------------------------------------------------


def test_quiet_hours_across_midnight() -> None:
    quiet = QuietHours.parse("22:00-07:00")
    assert quiet.contains(time(23, 0))
    assert quiet.contains(time(6, 59))
    assert not quiet.contains(time(7, 0))
    assert not quiet.contains(time(21, 59))
    day = QuietHours.parse("12:00-13:00")
    assert day.contains(time(12, 30))
    assert not day.contains(time(13, 0))


def test_quiet_hours_remove_slots_in_local_time() -> None:
    sched = schedule(("every", "1h"), quiet=QuietHours.parse("22:00-07:00"))
    hours = [s[:2] for s in local_day(sched, "2026-07-01")]
    assert hours == [f"{h:02}" for h in range(7, 22)]


@pytest.mark.parametrize("text", ["22:00", "22:00-25:00", "07:00-07:00", "late-early"])
def test_bad_quiet_hours(text: str) -> None:
    with pytest.raises(RuleError, match=r"quiet_hours"):
        QuietHours.parse(text)


def test_jitter_is_stable_bounded_and_spread() -> None:
    jitter = timedelta(minutes=2)
    offsets = [jitter_offset(jitter, "world", f"slot-{n}", "news-x") for n in range(200)]
    assert offsets == [jitter_offset(jitter, "world", f"slot-{n}", "news-x") for n in range(200)]
    assert all(timedelta(0) <= o < jitter for o in offsets)
    assert max(offsets) - min(offsets) > timedelta(minutes=1)
    assert jitter_offset(timedelta(0), "a", "b") == timedelta(0)


def test_send_at_is_the_slot_plus_its_jitter() -> None:
    sched = schedule(("every", "1h"), jitter=timedelta(minutes=5))
    slot = utc(2026, 12, 1, 9)
    delay = sched.send_at(slot, "news-x") - slot
    assert timedelta(0) <= delay < timedelta(minutes=5)
    assert sched.send_at(slot, "news-x") == sched.send_at(slot, "news-x")


@given(
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1)),
    st.integers(min_value=1, max_value=3 * 86400),
)
def test_every_yields_the_first_slot_at_or_after_the_start(start: datetime, seconds: int) -> None:
    step = timedelta(seconds=seconds)
    begin = start.replace(tzinfo=UTC)
    first = next(EveryRule(step).instants(begin, begin + 2 * step, LONDON))
    assert begin <= first < begin + step
    assert (first - datetime(2000, 1, 1, tzinfo=UTC)) % step == timedelta(0)


def _transitions(zone: ZoneInfo, year: int) -> list[datetime]:
    """The instants in ``year`` where ``zone``'s UTC offset changes (to the half hour)."""
    found, t = [], datetime(year, 1, 1, tzinfo=UTC)
    previous = t.astimezone(zone).utcoffset()
    while t.year == year:
        t += timedelta(minutes=30)
        offset = t.astimezone(zone).utcoffset()
        if offset != previous:
            found.append(t)
        previous = offset
    return found


def _cron_instants_walking_whole_days(
    expression: str, start: datetime, end: datetime, zone: ZoneInfo
) -> set[datetime]:
    """The reference: every cron wall time from a day before to a day after, mapped by to_instant."""
    trigger = CronRule(expression)
    begin = start.astimezone(zone).replace(tzinfo=None) - timedelta(days=1)
    stop = end.astimezone(zone).replace(tzinfo=None) + timedelta(days=1)
    out = set()
    for wall in trigger._walls(begin):  # noqa: SLF001 - the reference walks the same wall times
        if wall > stop:
            break
        instant = to_instant(wall, zone)
        if start <= instant < end:
            out.add(instant)
    return out


@pytest.mark.parametrize(
    ("zone_name", "year"),
    [
        ("Europe/London", 2026),
        ("America/Santiago", 2026),
        ("Australia/Lord_Howe", 2026),  # a half-hour change
        ("Pacific/Apia", 2011),  # skipped a whole day, crossing the date line
        ("UTC", 2026),
    ],
)
def test_cron_walks_only_as_far_as_the_offset_moves_and_misses_nothing(
    zone_name: str, year: int
) -> None:
    zone = ZoneInfo(zone_name)
    rng = random.Random(zone_name)
    near = _transitions(zone, year) or [datetime(year, 6, 1, tzinfo=UTC)]
    expressions = [
        "30 1 * * *",
        "15 2 * * *",
        "0,30 * * * *",
        "*/7 * * * *",
        "59 23 * * *",
        "45 1 * * sun",
    ]
    for _ in range(120):
        start = rng.choice(near) + timedelta(minutes=rng.randrange(-36 * 60, 36 * 60))
        end = start + timedelta(minutes=rng.choice([1, 30, 90, 600, 3000]))
        expression = rng.choice(expressions)
        got = list(CronRule(expression).instants(start, end, zone))
        assert set(got) == _cron_instants_walking_whole_days(expression, start, end, zone), (
            expression,
            start,
            end,
        )


def _next_slot_by_windows(sched: Schedule, after: datetime) -> datetime | None:
    """The reference: list the slots of ever wider windows and take the first."""
    for horizon in (timedelta(hours=1), timedelta(days=2), timedelta(days=40), timedelta(days=800)):
        found = sched.slots(after + timedelta(microseconds=1), after + horizon)
        if found:
            return found[0]
    return None


@pytest.mark.parametrize(
    "zone_name", ["Europe/London", "Australia/Lord_Howe", "Pacific/Apia", "UTC"]
)
def test_next_slot_is_the_first_slot_of_the_window_search(zone_name: str) -> None:
    zone = ZoneInfo(zone_name)
    rng = random.Random(f"next-{zone_name}")
    year = 2011 if zone_name == "Pacific/Apia" else 2026
    near = _transitions(zone, year) or [datetime(year, 6, 1, tzinfo=UTC)]
    rule_choices = [
        ("cron", "30 1 * * *"),
        ("cron", "15 2 * * *"),
        ("cron", "*/20 * * * *"),
        ("cron", "0 9 29 2 *"),  # only in leap years
        ("weekly", "mon-fri 09:00, 17:30"),
        ("every", "90m"),
        ("every", "7s"),
        ("at", f"{year}-03-29 01:30"),
        ("at", f"{year}-10-25 01:30"),
    ]
    for _ in range(100):
        rules = rng.sample(rule_choices, rng.randint(1, 3))
        extra: dict[str, object] = {}
        if rng.random() < 0.3:
            extra["quiet"] = QuietHours.parse(
                rng.choice(["22:00-07:00", "01:00-03:00", "12:00-12:30"])
            )
        sched = schedule(*rules, zone=zone_name, **extra)
        after = rng.choice(near) + timedelta(seconds=rng.randrange(-36 * 3600, 36 * 3600))
        assert sched.next_slot(after) == _next_slot_by_windows(sched, after), (rules, extra, after)
