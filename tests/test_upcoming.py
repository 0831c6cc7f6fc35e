"""`postbot upcoming` and `postbot history`: the plan before, the record after."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.models import PostPlan, Segment
from bot.outbox import NewRow, Outbox
from bot.store import open_store
from tests.daemon_harness import write_articles
from tests.project import make_project

ACCOUNTS = {
    "news-mastodon": {
        "platform": "mastodon",
        "base_url": "http://127.0.0.1:9",
        "token": "${T}",
        "limit": 1000,
    },
    "news-x": {"platform": "x", "token": "${T}"},
}


def upcoming(config: Path, *args: str) -> list[dict[str, Any]]:
    result = CliRunner().invoke(cli, ["--config", str(config), "upcoming", "--json", *args])
    assert result.exit_code == 0, result.output
    data: list[dict[str, Any]] = json.loads(result.stdout)
    return data


def project(tmp_path: Path, schedule: str, articles: int = 3) -> Path:
    config = make_project(tmp_path, ACCOUNTS, {"s.yaml": schedule}, articles=[])
    write_articles(config.parent / "content", articles)
    return config


def test_json_shape_and_one_article_per_slot(tmp_path: Path) -> None:
    config = project(
        tmp_path,
        "name: mornings\ntimezone: Europe/Paris\nsource: {folder: content}\n"
        "slots: [{weekly: 'mon-fri 09:00'}]\n"
        "posts: [{account: news-x, template: headline}, {account: news-mastodon, template: thread}]\n",
    )
    plan = upcoming(config, "--from", "2026-12-04T00:00:00Z", "--days", "5")  # Fri .. Tue
    assert [(p["at"], p["account"]) for p in plan] == [
        ("2026-12-04T09:00:00+01:00", "news-mastodon"),
        ("2026-12-04T09:00:00+01:00", "news-x"),
        ("2026-12-07T09:00:00+01:00", "news-mastodon"),
        ("2026-12-07T09:00:00+01:00", "news-x"),
        ("2026-12-08T09:00:00+01:00", "news-mastodon"),
        ("2026-12-08T09:00:00+01:00", "news-x"),
    ]
    first = plan[0]
    assert set(first) == {"schedule", "at", "at_utc", "account", "article", "segments"}
    assert first["schedule"] == "mornings"
    assert first["at_utc"] == "2026-12-04T08:00:00Z"
    # Oldest first: story 000 on Friday, 001 on Monday, 002 on Tuesday, per account.
    assert [p["article"][:9] for p in plan if p["account"] == "news-x"] == [
        "Story 000",
        "Story 001",
        "Story 002",
    ]
    thread = first["segments"]
    assert len(thread) > 1
    assert all(s["length"] <= s["limit"] == 1000 for s in thread)
    x_post = plan[1]["segments"]
    assert len(x_post) == 1
    assert x_post[0]["limit"] == 280
    assert "https://news.example.org/story-000" in x_post[0]["text"]


def test_slots_beyond_the_articles_say_so(tmp_path: Path) -> None:
    config = project(
        tmp_path,
        "timezone: UTC\nsource: {folder: content}\nslots: [{every: 1d}]\nposts: [{account: news-x}]\n",
        articles=1,
    )
    plan = upcoming(config, "--from", "2026-12-01T00:00:00Z", "--days", "3")
    assert [p["article"] is not None for p in plan] == [True, False, False]
    assert plan[1]["segments"] == []
    text = CliRunner().invoke(
        cli, ["--config", str(config), "upcoming", "--from", "2026-12-01T00:00:00Z", "--days", "3"]
    )
    assert "(nothing new to post)" in text.output


def test_articles_already_posted_are_not_planned_again(tmp_path: Path) -> None:
    config = project(
        tmp_path,
        "name: s\ntimezone: UTC\nsource: {folder: content}\nslots: [{every: 1d}]\nposts: [{account: news-x}]\n",
        articles=3,
    )
    before = upcoming(config, "--from", "2026-12-01T00:00:00Z", "--days", "1")
    store = open_store(f"sqlite:///{config.parent / 'state' / 'postbot.db'}")
    from bot.schedules import SourceSpec
    from bot.sources import FolderSource
    from tests.adapter_helpers import run

    first = min(
        run(FolderSource(SourceSpec("folder", str(config.parent / "content"))).fetch()),
        key=lambda c: c.order,
    )
    Outbox(store).enqueue(
        NewRow(
            "s",
            "2026-11-30T00:00:00+00:00",
            "news-x",
            first.article.id,
            first.article.id,
            "h",
            first.article.title,
            PostPlan("x", "headline", (Segment("t", 1, 280),)),
            0.0,
        )
    )
    store.dispose()
    after = upcoming(config, "--from", "2026-12-01T00:00:00Z", "--days", "1")
    assert before[0]["article"].startswith("Story 000")
    assert after[0]["article"].startswith("Story 001")


@pytest.mark.parametrize(
    ("zone", "start", "expected"),
    [
        # Spring, London: 01:30 on 28 March 2027 does not exist; it moves to 02:30 BST.
        (
            "Europe/London",
            "2027-03-27T00:00:00Z",
            [
                ("2027-03-27T01:30:00+00:00", "2027-03-27T01:30:00Z"),
                ("2027-03-28T02:30:00+01:00", "2027-03-28T01:30:00Z"),
                ("2027-03-29T01:30:00+01:00", "2027-03-29T00:30:00Z"),
            ],
        ),
        # Autumn, London: 01:30 on 25 October 2026 happens twice; it fires once, the first time.
        (
            "Europe/London",
            "2026-10-24T00:00:00Z",
            [
                ("2026-10-24T01:30:00+01:00", "2026-10-24T00:30:00Z"),
                ("2026-10-25T01:30:00+01:00", "2026-10-25T00:30:00Z"),
                ("2026-10-26T01:30:00+00:00", "2026-10-26T01:30:00Z"),
            ],
        ),
        # Autumn, New York, 1 November 2026.
        (
            "America/New_York",
            "2026-10-31T12:00:00Z",
            [
                ("2026-11-01T01:30:00-04:00", "2026-11-01T05:30:00Z"),
                ("2026-11-02T01:30:00-05:00", "2026-11-02T06:30:00Z"),
                ("2026-11-03T01:30:00-05:00", "2026-11-03T06:30:00Z"),
            ],
        ),
    ],
)
def test_upcoming_across_daylight_saving(
    tmp_path: Path, zone: str, start: str, expected: list[tuple[str, str]]
) -> None:
    config = project(
        tmp_path,
        f"timezone: {zone}\nsource: {{folder: content}}\nslots: [{{cron: '30 1 * * *'}}]\n"
        "posts: [{account: news-x}]\n",
    )
    plan = upcoming(config, "--from", start, "--days", "3")
    assert [(p["at"], p["at_utc"]) for p in plan] == expected


def test_upcoming_text_shows_both_zones(tmp_path: Path) -> None:
    config = project(
        tmp_path,
        "timezone: America/New_York\nsource: {folder: content}\nslots: [{cron: '0 9 * * *'}]\n"
        "posts: [{account: news-x}]\n",
    )
    result = CliRunner().invoke(
        cli, ["--config", str(config), "upcoming", "--from", "2026-12-01T00:00:00Z", "--days", "1"]
    )
    assert result.exit_code == 0
    assert result.output.splitlines()[0].startswith(
        "Tue 2026-12-01 09:00 EST  (14:00 UTC)  s -> news-x: Story 000"
    )


def test_a_bad_from_is_a_clear_error(tmp_path: Path) -> None:
    config = project(
        tmp_path, "source: {folder: content}\nslots: [{every: 1h}]\nposts: [{account: news-x}]\n"
    )
    result = CliRunner().invoke(
        cli, ["--config", str(config), "upcoming", "--from", "next tuesday"]
    )
    assert result.exit_code == 2
    assert "cannot read 'next tuesday' as an ISO date and time" in result.output


# -- history -------------------------------------------------------------------------------------


def test_history_json_contract(tmp_path: Path) -> None:
    config = project(
        tmp_path, "source: {folder: content}\nslots: [{every: 1h}]\nposts: [{account: news-x}]\n"
    )
    empty = CliRunner().invoke(cli, ["--config", str(config), "history"])
    assert empty.output.strip() == "no posts yet"
    store = open_store(f"sqlite:///{config.parent / 'state' / 'postbot.db'}")
    box = Outbox(store)
    plan = PostPlan("x", "thread", (Segment("one", 3, 280), Segment("two", 3, 280)))
    box.enqueue(
        NewRow("s", "2026-12-01T09:00:00+00:00", "news-x", "a1", "a1", "h", "Title one", plan, 0.0)
    )
    box.enqueue(
        NewRow("s", "2026-12-01T10:00:00+00:00", "news-x", "a2", "a2", "h", "Title two", plan, 0.0)
    )
    first, second = box.claim(2)
    from bot.models import SentSegment
    from bot.outbox import sent_to_json

    first.progress["sent"] = [
        sent_to_json(SentSegment("11", "https://x.com/i/web/status/11")),
        sent_to_json(SentSegment("12", "https://x.com/i/web/status/12")),
    ]
    box.finish(first, "sent")  # type: ignore[arg-type]
    box.finish(
        second,
        "unknown",
        "news-x: segment 1 of 2 may have been sent (its answer was lost); not sending it again",
    )  # type: ignore[arg-type]
    store.dispose()
    result = CliRunner().invoke(cli, ["--config", str(config), "history", "--json"])
    assert json.loads(result.stdout) == [
        {
            "schedule": "s",
            "account": "news-x",
            "slot": "2026-12-01T09:00:00+00:00",
            "status": "sent",
            "attempts": 1,
            "error": None,
            "remote_ids": ["11", "12"],
            "urls": ["https://x.com/i/web/status/11", "https://x.com/i/web/status/12"],
        },
        {
            "schedule": "s",
            "account": "news-x",
            "slot": "2026-12-01T10:00:00+00:00",
            "status": "unknown",
            "attempts": 1,
            "error": "news-x: segment 1 of 2 may have been sent (its answer was lost); not sending it again",
            "remote_ids": [],
            "urls": [],
        },
    ]
    text = CliRunner().invoke(cli, ["--config", str(config), "history"]).output
    assert "2026-12-01T10:00:00+00:00  s -> news-x  unknown  (1 attempt)  Title two" in text
    assert "https://x.com/i/web/status/11 https://x.com/i/web/status/12" in text


def test_a_schedule_with_more_slots_than_shown_says_so(tmp_path: Path) -> None:
    config = project(
        tmp_path, "source: {folder: content}\nslots: [{every: 5m}]\nposts: [{account: news-x}]\n"
    )
    result = CliRunner().invoke(cli, ["--config", str(config), "upcoming", "--json", "--days", "1"])
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)) == 200
    assert "288 slots in the next 1 day(s); showing the first 200" in result.stderr
