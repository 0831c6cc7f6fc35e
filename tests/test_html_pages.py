"""`preview --html` and `upcoming --html` without a browser: the page's markup and the CLI.

The browser tests (test_html_browser.py) check the page as it is drawn; these
check what is cheap to check on the text: it parses, it is self-contained
(nothing that loads a resource), everything from the article is escaped, and
the commands behave (one output, one line on success and on failure).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.htmlpage import (
    Badge,
    badges_from_accounts,
    build_calendar,
    meter_level,
    render_preview,
)
from bot.models import PostPlan, Segment
from bot.upcoming import UpcomingPost
from tests.conftest import CONTENT, sample_articles
from tests.html_samples import made_up_preview
from tests.project import make_project

VOID = {"meta", "br", "hr", "img", "input", "link", "source", "wbr", "area", "base", "col"}
LOADING_TAGS = {"script", "img", "link", "iframe", "object", "embed", "video", "audio", "source"}
LOADING_ATTRIBUTES = {"src", "srcset", "poster", "background", "data", "action", "formaction"}


class Page(HTMLParser):
    """Every tag of a page, checked to be balanced as it is read."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.open: list[str] = []
        self.problems: list[str] = []
        self.style = ""
        self.text: list[str] = []
        self.feed(text)
        self.close()
        if self.open:
            self.problems.append(f"never closed: {self.open}")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.open[-1:] or 'nothing'}")
            return
        self.open.pop()

    def handle_data(self, data: str) -> None:
        if self.open and self.open[-1] == "style":
            self.style += data
        else:
            self.text.append(data)


def check_self_contained(html: str) -> Page:
    page = Page(html)
    assert page.problems == []
    assert html.startswith("<!DOCTYPE html>")
    for tag, attrs in page.tags:
        assert tag not in LOADING_TAGS, tag
        assert not LOADING_ATTRIBUTES & set(attrs), (tag, attrs)
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        if "href" in attrs:
            assert tag == "a"
            assert (attrs["href"] or "").startswith(("https://", "http://"))
    assert "@import" not in page.style
    assert "url(" not in page.style
    assert "http" not in page.style
    assert "@font-face" not in page.style
    return page


def preview_html(
    tmp_path: Path, article: Path, *args: str, config: Path | None = None
) -> tuple[str, Any]:
    out = tmp_path / "page.html"
    where = ["--config", str(config)] if config else []
    result = CliRunner().invoke(cli, [*where, "preview", str(article), "--html", str(out), *args])
    return out.read_text(encoding="utf-8") if out.exists() else "", result


@pytest.mark.parametrize("article", sample_articles(), ids=lambda p: p.name)
def test_preview_page_is_self_contained(tmp_path: Path, article: Path) -> None:
    html, result = preview_html(tmp_path, article, config=tmp_path / "none.yaml")
    assert result.exit_code == 0, result.output
    page = check_self_contained(html)
    cards = [attrs for tag, attrs in page.tags if tag == "article"]
    posts = json.loads(CliRunner().invoke(cli, ["preview", str(article), "--json"]).stdout)
    assert len(cards) == len(posts["posts"])
    assert result.stdout == ""
    assert result.stderr == f"wrote {tmp_path / 'page.html'} ({len(cards)} posts)\n"


def test_everything_from_the_article_is_escaped() -> None:
    html = render_preview(made_up_preview())
    page = check_self_contained(html)
    assert "<script" not in html
    assert "<img" not in html
    assert "<b>" not in html
    assert "&lt;script&gt;alert(&#34;boom&#34;)&lt;/script&gt;" in html
    assert "&lt;b&gt;markup&lt;/b&gt; &amp; &#34;quotes&#34;" in html
    assert "https://example.org/a?b=1&amp;c=" in html  # the link stops at "<", escaped in href
    assert "<img src=x onerror=alert(1)>" in "".join(page.text)


def test_meter_levels() -> None:
    assert meter_level(251, 280) == "ok"
    assert meter_level(252, 280) == "near"  # 90%
    assert meter_level(280, 280) == "near"
    assert meter_level(281, 280) == "over"
    assert meter_level(0, 300) == "ok"


def test_meters_carry_length_limit_and_level() -> None:
    page = Page(render_preview(made_up_preview()))
    meters = [a for t, a in page.tags if "meter" in (a.get("class") or "").split()]
    assert [(m["data-length"], m["data-limit"], m["data-level"]) for m in meters] == [
        ("100", "280", "ok"),
        ("252", "280", "near"),
        ("280", "280", "near"),
        ("301", "280", "over"),
    ]
    bars = [a["style"] for t, a in page.tags if a.get("class") == "meter-bar"]
    assert bars == ["width: 35.7%", "width: 90.0%", "width: 100.0%", "width: 100.0%"]


def test_cards_are_named_after_the_accounts(tmp_path: Path) -> None:
    config = make_project(
        tmp_path,
        {
            "news-bluesky": {
                "platform": "bluesky",
                "handle": "news.example.com",
                "app_password": "${B}",
            },
            "news-x": {"platform": "x", "token": "${X}"},
            "also-x": {"platform": "x", "token": "${X}"},
        },
        articles=[],
    )
    html, result = preview_html(tmp_path, CONTENT / "robotics-cup.json", config=config)
    assert result.exit_code == 0, result.output
    assert (
        '<span class="name">news-bluesky</span><span class="handle">@news.example.com · Bluesky'
        in html
    )
    assert '<span class="name">news-x, also-x</span>' in html
    assert '<span class="name">Threads</span>' in html  # no account: the platform's name


def test_a_broken_config_still_gives_a_page(tmp_path: Path) -> None:
    config = tmp_path / "postbot.yaml"
    config.write_text("accounts: [not, a, mapping\n", encoding="utf-8")
    html, result = preview_html(tmp_path, CONTENT / "robotics-cup.json", config=config)
    assert result.exit_code == 0
    warning, wrote = result.stderr.splitlines()
    assert warning.startswith("warning: ")
    assert "postbot.yaml" in warning
    assert warning.endswith("; cards show platform names")
    assert wrote.startswith("wrote ")
    assert '<span class="name">X</span>' in html


def test_json_and_html_together_is_a_usage_error(tmp_path: Path) -> None:
    out = tmp_path / "page.html"
    for args in (
        ["preview", str(CONTENT / "robotics-cup.json")],
        ["--config", str(tmp_path / "none.yaml"), "upcoming"],
    ):
        result = CliRunner().invoke(cli, [*args, "--json", "--html", str(out)])
        assert result.exit_code == 2
        assert "--json and --html cannot be used together" in result.output
    assert not out.exists()


def test_a_page_that_cannot_be_written_is_one_line(tmp_path: Path) -> None:
    out = tmp_path / "no-such-folder" / "page.html"
    result = CliRunner().invoke(
        cli, ["preview", str(CONTENT / "robotics-cup.json"), "--html", str(out)]
    )
    assert result.exit_code == 1
    assert result.output == f"Error: {out}: cannot write the page: No such file or directory\n"


def test_a_post_that_cannot_fit_is_an_error_card_and_exit_1(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "huge.j2").write_text(
        "https://example.org/" + "a" * 400, encoding="utf-8"
    )
    config = tmp_path / "postbot.yaml"
    config.write_text("timezone: UTC\n", encoding="utf-8")
    html, result = preview_html(
        tmp_path,
        CONTENT / "robotics-cup.json",
        "--platform",
        "bluesky",  # links count as written there: this one is longer than a post
        "--template",
        "huge",
        config=config,
    )
    assert result.exit_code == 1
    page = check_self_contained(html)
    (card,) = [a for t, a in page.tags if t == "article"]
    assert card["data-error"]
    assert '<p class="error">' in html


# -- upcoming --html -------------------------------------------------------------------------------


def test_upcoming_page(tmp_path: Path) -> None:
    config = make_project(
        tmp_path,
        {"news-x": {"platform": "x", "token": "${T}"}},
        {
            "s.yaml": "name: daily\ntimezone: Asia/Tokyo\nsource: {folder: content}\n"
            "slots: [{cron: '0 8 * * *'}]\nposts: [{account: news-x, template: headline}]\n"
        },
        articles=["robotics-cup.json"],
    )
    out = tmp_path / "calendar.html"
    result = CliRunner().invoke(
        cli,
        [
            "--config",
            str(config),
            "upcoming",
            "--from",
            "2026-12-01T00:00:00Z",
            "--days",
            "3",
            "--html",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.stderr == f"wrote {out} (3 posts)\n"
    html = out.read_text(encoding="utf-8")
    page = check_self_contained(html)
    slots = [a for t, a in page.tags if t == "article"]
    assert [s["data-at"] for s in slots] == [
        "2026-12-02T08:00:00+09:00",
        "2026-12-03T08:00:00+09:00",
        "2026-12-04T08:00:00+09:00",
    ]
    assert [s["data-at-utc"] for s in slots] == [
        "2026-12-01T23:00:00+00:00",
        "2026-12-02T23:00:00+00:00",
        "2026-12-03T23:00:00+00:00",
    ]
    assert '<strong class="zone">Asia/Tokyo</strong>' in html
    assert "08:00 JST" in html
    assert "23:00 UTC" in html
    assert html.count("Nothing new to post") == 2  # one article, three slots
    # Days of the window in postbot.yaml's zone (London), and the Tokyo days slots fall on.
    heads = [a["datetime"] for t, a in page.tags if t == "time" and "datetime" in a]
    assert [d for d in heads if len(d) == 10] == [
        "2026-12-01",
        "2026-12-02",
        "2026-12-03",
        "2026-12-04",
    ]


def test_upcoming_page_with_nothing_scheduled(tmp_path: Path) -> None:
    config = make_project(tmp_path, {"news-x": {"platform": "x", "token": "${T}"}}, articles=[])
    out = tmp_path / "calendar.html"
    result = CliRunner().invoke(cli, ["--config", str(config), "upcoming", "--html", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stderr == f"wrote {out} (0 posts)\n"
    page = check_self_contained(out.read_text(encoding="utf-8"))
    assert "Nothing scheduled in this window" in "".join(page.text)
    assert not [a for t, a in page.tags if t == "article"]


def slot(account: str, at: datetime, platform: str = "x") -> UpcomingPost:
    plan = PostPlan(platform, "headline", (Segment("Hello", 5, 280),))
    return UpcomingPost(
        "s",
        at,
        at.astimezone(UTC),
        account,
        "A title",
        plan,
        platform=platform,
        template="headline",
    )


def test_calendar_columns_and_weeks() -> None:
    london = ZoneInfo("Europe/London")
    start = datetime(2026, 11, 30, tzinfo=london)
    seven = build_calendar([], start, 7, display_zone=london)
    assert [len(w.days) for w in seven.weeks] == [7]
    afternoon = build_calendar([], start.replace(hour=14), 7, display_zone=london)
    assert [len(w.days) for w in afternoon.weeks] == [7, 1]  # the 8th day holds the last 14 hours
    ten = build_calendar([], start, 10, display_zone=london)
    assert [len(w.days) for w in ten.weeks] == [7, 3]
    posts = [
        slot("b", datetime(2026, 12, 1, 9, tzinfo=london)),
        slot("a", datetime(2026, 12, 1, 18, tzinfo=ZoneInfo("Pacific/Auckland")), "mastodon"),
        slot("a", datetime(2026, 12, 2, 9, tzinfo=london), "mastodon"),
    ]
    calendar = build_calendar(
        posts, start, 3, {"x": [Badge("b", "@b.example")]}, display_zone=london
    )
    (week,) = calendar.weeks
    assert [str(d) for d in week.days] == ["2026-11-30", "2026-12-01", "2026-12-02"]
    assert [(r.account, r.platform, r.handle) for r in week.rows] == [
        ("a", "mastodon", ""),
        ("b", "x", "@b.example"),
    ]
    # Auckland's 1 December 18:00 is on 1 December in its own zone (05:00 UTC).
    assert [[len(c) for c in r.cells] for r in week.rows] == [[0, 1, 1], [0, 1, 0]]
    assert calendar.zones == [("Europe/London", ["s"]), ("Pacific/Auckland", ["s"])]


def test_badges_show_no_secrets_or_references() -> None:
    badges = badges_from_accounts(
        {
            "m": {"platform": "mastodon", "base_url": "https://social.example/", "token": "${T}"},
            "hidden": {"platform": "mastodon", "base_url": "${MASTODON_URL}", "token": "${T}"},
            "t": {"platform": "telegram", "bot_token": "${TG}", "chat_id": "@channel"},
            "w": {"platform": "webhook", "url": "https://hooks.example/post?key=${K}"},
            "d": {"platform": "discord", "webhook_url": "${D}"},
            "broken": "not a mapping",
        }
    )
    assert badges == {
        "mastodon": [Badge("m", "social.example"), Badge("hidden", "")],
        "telegram": [Badge("t", "@channel")],
        "webhook": [Badge("w", "")],
        "discord": [Badge("d", "")],
    }
