"""The HTML pages as a person sees them: opened in headless Chromium, measured, photographed.

Each test writes a page with the real command, opens it from disk, runs
``tests/page_checks.js`` in it and checks what a reader would: every post has
its card, each meter shows the segment's length against its limit in the
right colour, thread segments are stacked and joined, links, tags and
mentions are highlighted where the platform would, no text runs out of its
card (at a desktop and a phone width), and the page asked for nothing but
itself. Screenshots go to ``test-artifacts/browser/`` (not committed).
"""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.htmlpage import meter_level, render_preview, write_page
from bot.platforms.display import runs
from tests.browser import Browser
from tests.conftest import CONTENT, ROOT, sample_articles
from tests.html_samples import made_up_preview
from tests.project import make_project

ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHECKS = (Path(__file__).parent / "page_checks.js").read_text(encoding="utf-8")
COLOURS = {  # the meter colours of bot/html/style.css, as the browser computes them
    "ok": "rgb(26, 127, 55)",
    "near": "rgb(178, 107, 0)",
    "over": "rgb(207, 34, 46)",
}
WIDTHS = {"desktop": 1280, "phone": 390}
ACCOUNTS = {
    "news-x": {"platform": "x", "token": "${T}"},
    "news-bluesky": {"platform": "bluesky", "handle": "news.example.com", "app_password": "${T}"},
    "news-mastodon": {
        "platform": "mastodon",
        "base_url": "https://mastodon.example",
        "token": "${T}",
        "limit": 500,
    },
}


def run(*args: str) -> Any:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result


def measure(browser: Browser, page: Path, name: str, width: int) -> dict[str, Any]:
    """Open ``page``, take its screenshot, and return what page_checks.js measured."""
    with browser.page(page.resolve().as_uri(), width=width) as tab:
        data: dict[str, Any] = tab.evaluate(CHECKS)
        shot = tab.screenshot(ARTIFACTS / f"{name}.png")
        data["requests"] = tab.requests
    header = shot.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">I", header[16:20])[0] == width
    return data


def shown_text(platform: str, text: str) -> str:
    """The text as the card shows it: X and Mastodon print shortened links."""
    return "".join(run.shown or run.text for run in runs(platform, text))


def check_page(data: dict[str, Any], page: Path) -> None:
    """What holds on every page: nothing fetched, nothing overflowing."""
    assert data["requests"] == [page.resolve().as_uri()]
    assert data["images"] == 0
    assert data["scripts"] == 0
    assert data["pageScrollWidth"] <= data["viewportWidth"]
    for card in data["cards"]:
        assert card["shown"], card["text"][:80]
        assert card["overflow"] == [], (card["platform"], card["template"], card["overflow"][:3])


def check_segment(segment: dict[str, Any], expected: dict[str, Any], platform: str) -> None:
    """One segment's text and meter against the JSON contract's segment."""
    assert segment["text"] == shown_text(platform, expected["text"])
    assert (segment["length"], segment["limit"]) == (expected["length"], expected["limit"])
    assert segment["label"] == f"{expected['length']}/{expected['limit']}"
    level = meter_level(expected["length"], expected["limit"])
    assert segment["level"] == level
    assert level in segment["classes"]
    assert segment["barColour"] == COLOURS[level]
    assert segment["labelColour"] == COLOURS[level]
    full = min(1.0, expected["length"] / expected["limit"])
    assert segment["barWidth"] == pytest.approx(full * segment["trackWidth"], abs=1.5)


def check_thread(segments: list[dict[str, Any]], joined: bool) -> None:
    """Segments are stacked top to bottom; in a preview card each is joined to the next."""
    for above, below in zip(segments, segments[1:], strict=False):
        assert below["top"] >= above["bottom"] - 0.5
    if joined:
        assert all(s["joiner"] != "none" for s in segments[:-1])
        assert segments[-1]["joiner"] == "none"


def bluesky_facet_texts(text: str, facets: list[dict[str, Any]]) -> list[tuple[str, str]]:
    raw = text.encode("utf-8")
    return [(f["type"], raw[f["byteStart"] : f["byteEnd"]].decode("utf-8")) for f in facets]


@pytest.mark.parametrize("article", sample_articles(), ids=lambda p: p.name)
def test_preview_page_in_chromium(browser: Browser, tmp_path: Path, article: Path) -> None:
    config = make_project(tmp_path, ACCOUNTS, articles=[])
    out = tmp_path / "preview.html"
    printed = run("--config", str(config), "preview", str(article), "--json").stdout
    expected = json.loads(printed)["posts"]
    run("--config", str(config), "preview", str(article), "--html", str(out))
    data = measure(browser, out, f"preview-{article.stem}", WIDTHS["desktop"])
    check_page(data, out)
    cards = data["cards"]
    assert [(c["platform"], c["template"]) for c in cards] == [
        (p["platform"], p["template"]) for p in expected
    ]
    names = {"x": "news-x", "bluesky": "news-bluesky", "mastodon": "news-mastodon"}
    for card, post in zip(cards, expected, strict=True):
        platform = post["platform"]
        assert card["name"] == names.get(platform, card["name"])
        assert card["segmentCount"] == len(post["segments"]) == len(card["segments"])
        for segment, want in zip(card["segments"], post["segments"], strict=True):
            check_segment(segment, want, platform)
            if platform == "bluesky":
                got = [(h["kind"], h["text"]) for h in segment["highlights"]]
                assert got == bluesky_facet_texts(want["text"], want["facets"])
            for link in (h for h in segment["highlights"] if h["kind"] == "link"):
                assert link["tag"] == "a"
                assert link["href"].startswith(("https://", "http://"))
        check_thread(card["segments"], joined=True)
    assert {c["name"] for c in cards if c["platform"] == "threads"} == {"Threads"}


def test_preview_page_on_a_phone(browser: Browser, tmp_path: Path) -> None:
    out = tmp_path / "preview.html"
    run(
        "--config",
        str(tmp_path / "none.yaml"),
        "preview",
        str(CONTENT / "harbour-bridge.txt"),
        "--html",
        str(out),
    )
    data = measure(browser, out, "preview-phone", WIDTHS["phone"])
    check_page(data, out)
    assert len(data["cards"]) > 9
    # No configuration: every card is named after its platform.
    assert {c["name"] for c in data["cards"]} == {
        "X",
        "Mastodon",
        "Bluesky",
        "Threads",
        "LinkedIn",
        "Telegram",
        "Discord",
        "Slack",
        "Webhook",
    }


def test_meters_turn_amber_then_red(browser: Browser, tmp_path: Path) -> None:
    """Composed posts always fit, so the amber and red meters are checked on a made-up page."""
    out = tmp_path / "meters.html"
    write_page(out, render_preview(made_up_preview()))
    data = measure(browser, out, "meters", WIDTHS["desktop"])
    check_page(data, out)
    levels = [s["level"] for c in data["cards"] for s in c["segments"]]
    assert levels == ["ok", "near", "near", "over"]
    for segment in (s for c in data["cards"] for s in c["segments"]):
        assert segment["barColour"] == COLOURS[segment["level"]]
    # An overlong segment's bar stops at the end of its track.
    over = data["cards"][-1]["segments"][-1]
    assert over["barWidth"] == pytest.approx(over["trackWidth"], abs=1)
    # Hostile text is shown, not run.
    assert "<script>" in data["cards"][0]["text"]


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_calendar_page_in_chromium(browser: Browser, tmp_path: Path, width: str) -> None:
    config = make_project(
        tmp_path,
        ACCOUNTS,
        {
            "mornings.yaml": "name: mornings\ntimezone: Europe/London\nsource: {folder: content}\n"
            "slots: [{weekly: 'mon-fri 09:00'}]\n"
            "posts: [{account: news-mastodon, template: thread}, {account: news-x, template: headline}]\n",
            "evenings.yaml": "name: evenings\ntimezone: America/New_York\nsource: {folder: content}\n"
            "slots: [{weekly: 'tue,thu 18:30'}]\nposts: [{account: news-bluesky, template: headline}]\n",
        },
        articles=["harbour-bridge.txt", "glacier-study.txt", "night-trains.md"],
    )
    window = ("--from", "2026-11-30T00:00:00Z", "--days", "7")  # Monday to Sunday, London
    expected = json.loads(run("--config", str(config), "upcoming", "--json", *window).stdout)
    out = tmp_path / "calendar.html"
    run("--config", str(config), "upcoming", *window, "--html", str(out))
    data = measure(browser, out, f"calendar-{width}", WIDTHS[width])
    check_page(data, out)
    assert data["days"] == [
        "Mon 30 Nov",
        "Tue 1 Dec",
        "Wed 2 Dec",
        "Thu 3 Dec",
        "Fri 4 Dec",
        "Sat 5 Dec",
        "Sun 6 Dec",
    ]
    assert data["accounts"] == ["news-bluesky", "news-mastodon", "news-x"]
    for zone in ("Europe/London", "America/New_York", "UTC"):
        assert zone in data["text"]
    cards = {(c["account"], c["at"]): c for c in data["cards"]}
    assert len(cards) == len(data["cards"]) == len(expected) == 12
    empty = 0
    for post in expected:
        card = cards[(post["account"], post["at"])]
        assert card["schedule"] == post["schedule"]
        local, utc = post["at"][11:16], post["at_utc"][11:16]
        assert f"{local} " in card["text"]
        assert f"{utc} UTC" in card["text"]
        if post["article"] is None:
            empty += 1
            assert "Nothing new to post" in card["text"]
            assert card["segments"] == []
            continue
        assert post["article"] in card["text"]
        platform = card["platform"]
        assert len(card["segments"]) == len(post["segments"])
        for segment, want in zip(card["segments"], post["segments"], strict=True):
            check_segment(segment, want, platform)
        check_thread(card["segments"], joined=False)
    assert empty == 4  # three articles: mornings has nothing left for Thursday and Friday
