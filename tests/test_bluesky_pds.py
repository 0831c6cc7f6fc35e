"""postbot against a real Bluesky PDS: what it stores is exactly what postbot meant.

The real `postbot post` and `postbot run` run as subprocesses; a recording
proxy in front of the PDS counts what they asked (logins, refreshes, records).
Records are read back from the PDS with getRecord and listRecords and
compared with the plan postbot printed: text, facets (tags, links, mentions
resolved to DIDs, by UTF-8 byte offsets) and reply references.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.conftest import CONTENT, ROOT, sample_articles
from tests.pds_server import Pds, running_pds
from tests.servers.proxy import RecordingProxy

POST = "app.bsky.feed.post"
PASSWORDS = {"ALICE_APP_PASSWORD": "alice-pass", "BOB_APP_PASSWORD": "bob-pass"}


@pytest.fixture
def proxy(pds: Pds) -> Iterator[RecordingProxy]:
    server = RecordingProxy(pds.url).start()
    try:
        yield server  # type: ignore[misc]
    finally:
        server.stop()


def project(root: Path, base_url: str, schedule: str | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    accounts = {
        "alice": {
            "platform": "bluesky",
            "base_url": base_url,
            "handle": "alice.test",
            "app_password": "${ALICE_APP_PASSWORD}",
        },
        "bob": {
            "platform": "bluesky",
            "base_url": base_url,
            "handle": "bob.test",
            "app_password": "${BOB_APP_PASSWORD}",
        },
    }
    config = root / "postbot.yaml"
    config.write_text(yaml.safe_dump({"timezone": "UTC", "accounts": accounts}), encoding="utf-8")
    (root / "schedules").mkdir(exist_ok=True)
    (root / "content").mkdir(exist_ok=True)
    if schedule:
        (root / "schedules" / "pds.yaml").write_text(schedule, encoding="utf-8")
    return config


def env(**more: str) -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if not k.startswith("POSTBOT_")}
    out.update(PASSWORDS)
    out["POSTBOT_NETWORK_GUARD"] = "loopback"
    out.update(more)
    return out


def postbot(config: Path, *args: str, **more: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(config), *args],
        cwd=ROOT,
        env=env(**more),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def get_record(pds: Pds, uri: str) -> dict[str, Any]:
    did, collection, rkey = uri.removeprefix("at://").split("/")
    response = httpx.get(
        f"{pds.url}/xrpc/com.atproto.repo.getRecord",
        params={"repo": did, "collection": collection, "rkey": rkey},
    )
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def list_records(pds: Pds, handle: str) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    cursor = None
    while True:
        params = {"repo": pds.did(handle), "collection": POST, "limit": "100"}
        if cursor:
            params["cursor"] = cursor
        data = httpx.get(f"{pds.url}/xrpc/com.atproto.repo.listRecords", params=params).json()
        records += data["records"]
        cursor = data.get("cursor")
        if not cursor or not data["records"]:
            return records


def expected_facets(segment: dict[str, Any], pds: Pds) -> list[dict[str, Any]]:
    """The record facets a plan's facets should become (mentions of unknown handles dropped)."""
    out = []
    for facet in segment.get("facets", []):
        index = {"byteStart": facet["byteStart"], "byteEnd": facet["byteEnd"]}
        if facet["type"] == "link":
            feature = {"$type": "app.bsky.richtext.facet#link", "uri": facet["value"]}
        elif facet["type"] == "tag":
            feature = {"$type": "app.bsky.richtext.facet#tag", "tag": facet["value"]}
        elif facet["value"] in pds.accounts:
            feature = {"$type": "app.bsky.richtext.facet#mention", "did": pds.did(facet["value"])}
        else:
            continue
        out.append({"index": index, "features": [feature]})
    return out


def check_stored(pds: Pds, data: dict[str, Any]) -> list[str]:
    """Every segment postbot printed is stored as meant; returns the record URIs."""
    segments = data["segments"]
    sent = [s for receipt in data["receipts"] for s in receipt["segments"]]
    assert len(sent) == len(segments)
    uris = []
    offset = 0
    for receipt in data["receipts"]:
        thread = receipt["segments"]
        for index, receipt_segment in enumerate(thread):
            segment = segments[offset + index]
            stored = get_record(pds, receipt_segment["remote_id"])
            value = stored["value"]
            assert value["text"] == segment["text"]
            assert value.get("facets", []) == expected_facets(segment, pds)
            for facet in value.get("facets", []):  # the byte offsets select what they claim
                chosen = value["text"].encode()[
                    facet["index"]["byteStart"] : facet["index"]["byteEnd"]
                ]
                feature = facet["features"][0]
                if "tag" in feature:
                    assert chosen.decode() == "#" + feature["tag"]
                elif "uri" in feature:
                    assert feature["uri"].endswith(chosen.decode().split("://")[-1].rstrip("."))
            if index == 0:
                assert "reply" not in value
            else:
                root, parent = thread[0], thread[index - 1]
                assert value["reply"] == {
                    "root": {"uri": root["remote_id"], "cid": root["cid"]},
                    "parent": {"uri": parent["remote_id"], "cid": parent["cid"]},
                }
            assert stored["cid"] == receipt_segment["cid"]
            uris.append(receipt_segment["remote_id"])
        offset += len(thread)
    return uris


# -- postbot post ------------------------------------------------------------------------------


@pytest.mark.parametrize("template", ["headline", "thread", "quote"])
def test_every_sample_article_is_stored_exactly(
    tmp_path: Path, pds: Pds, proxy: RecordingProxy, template: str
) -> None:
    config = project(tmp_path, proxy.url)
    before = {r["uri"] for r in list_records(pds, "alice.test")}
    uris: list[str] = []
    for article in sample_articles():
        result = postbot(
            config, "post", str(article), "--to", "alice", "--template", template, "--json"
        )
        assert result.returncode == 0, f"{article.name}: {result.stderr}"
        uris += check_stored(pds, json.loads(result.stdout))
    after = {r["uri"] for r in list_records(pds, "alice.test")}
    assert after - before == set(uris)  # nothing else was stored
    assert len(set(uris)) == len(uris)
    if template == "thread":
        assert len(uris) > len(sample_articles())  # real threads, with replies


def test_a_mention_of_the_other_account_is_resolved_to_its_did(
    tmp_path: Path, pds: Pds, proxy: RecordingProxy
) -> None:
    config = project(tmp_path, proxy.url)
    article = tmp_path / "content" / "mention.md"
    article.write_text(
        "---\ntitle: Ferries freeze fares\nurl: https://news.example.org/ferries\n---\n"
        "Thanks to @bob.test for the tip; @nobody.test was not reachable.\n",
        encoding="utf-8",
    )
    result = postbot(
        config, "post", str(article), "--to", "alice", "--template", "thread", "--json"
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    check_stored(pds, data)
    stored = get_record(pds, data["receipts"][0]["segments"][0]["remote_id"])["value"]
    mentions = [f for f in stored["facets"] if "did" in f["features"][0]]
    assert len(mentions) == 1
    chosen = stored["text"].encode()[
        mentions[0]["index"]["byteStart"] : mentions[0]["index"]["byteEnd"]
    ]
    assert chosen == b"@bob.test"
    assert mentions[0]["features"][0]["did"] == pds.did("bob.test")
    assert "@nobody.test" in stored["text"]  # kept as text, without a facet


def test_a_non_ascii_hashtag_and_a_link_have_exact_byte_offsets(
    tmp_path: Path, pds: Pds, proxy: RecordingProxy
) -> None:
    config = project(tmp_path, proxy.url)
    article = tmp_path / "content" / "zuerich.json"
    article.write_text(
        json.dumps(
            {
                "title": "Zürich räumt die Straßen nach dem Sturm",
                "lede": "Die Stadt Zürich räumt nach dem Sturm die Straßen.",
                "url": "https://news.example.org/zürich/straßen",
                "hashtags": ["Müllabfuhr", "Zürich"],
            }
        ),
        encoding="utf-8",
    )
    result = postbot(config, "post", str(article), "--to", "alice", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    (uri,) = check_stored(pds, data)
    value = get_record(pds, uri)["value"]
    by_kind: dict[str, list[str]] = {}
    raw = value["text"].encode()
    for facet in value["facets"]:
        kind = facet["features"][0]["$type"].rsplit("#", 1)[1]
        by_kind.setdefault(kind, []).append(
            raw[facet["index"]["byteStart"] : facet["index"]["byteEnd"]].decode()
        )
    assert by_kind["tag"] == ["#Müllabfuhr", "#Zürich"]
    assert by_kind["link"] == ["https://news.example.org/zürich/straßen"]
    link = next(f for f in value["facets"] if "uri" in f["features"][0])
    assert link["features"][0]["uri"] == "https://news.example.org/zürich/straßen"


def test_an_overlong_post_never_reaches_the_pds(
    tmp_path: Path, pds: Pds, proxy: RecordingProxy
) -> None:
    config = project(tmp_path, proxy.url)
    article = tmp_path / "content" / "long-link.json"
    article.write_text(
        json.dumps(
            {
                "title": "A link too long",
                "lede": "See the link.",
                "url": "https://e.example/" + "a" * 400,
            }
        ),
        encoding="utf-8",
    )
    result = postbot(config, "post", str(article), "--to", "alice")
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert "longer than" in result.stderr or "cannot" in result.stderr
    assert proxy.calls("com.atproto.repo.createRecord") == 0


def test_the_pds_own_error_is_shown(tmp_path: Path, pds: Pds, proxy: RecordingProxy) -> None:
    config = project(tmp_path, proxy.url)
    result = postbot(
        config,
        "post",
        str(CONTENT / "night-trains.md"),
        "--to",
        "alice",
        ALICE_APP_PASSWORD="wrong",
    )
    assert result.returncode == 1
    assert "Invalid identifier or password" in result.stderr
    assert "wrong" not in result.stderr


# -- postbot run: sessions, refresh, rate limits --------------------------------------------------


def write_articles(folder: Path, count: int) -> None:
    for n in range(count):
        (folder / f"a{n:02}.json").write_text(
            json.dumps(
                {
                    "title": f"Story {n:02} from the harbour",
                    "lede": f"Story {n:02}: the harbour council met and decided.",
                    "url": f"https://news.example.org/{n:02}",
                    "hashtags": ["Harbour"],
                    "published": f"2026-11-01T00:{n:02}:00Z",
                }
            ),
            encoding="utf-8",
        )


SCHEDULE = (
    "source: {folder: content}\nslots: [{every: 1s}]\ncatch_up: 0s\n"
    "posts: [{account: alice, template: headline}, {account: bob, template: thread}]\n"
)


def sessions_by_handle(proxy: RecordingProxy) -> dict[str, int]:
    counts: dict[str, int] = {}
    for request in proxy.received:
        if request.path == "/xrpc/com.atproto.server.createSession":
            handle = request.json["identifier"]
            counts[handle] = counts.get(handle, 0) + 1
    return counts


def run_daemon(config: Path, seconds: float, **more: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(config), "run", "--for", f"{seconds}s"],
        cwd=ROOT,
        env=env(**more),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_daemon_logs_in_once_per_account_and_refreshes_on_expiry(tmp_path: Path) -> None:
    with running_pds("--access-ttl=3s") as short_lived:
        proxy = RecordingProxy(short_lived.url).start()
        try:
            config = project(tmp_path, proxy.url, SCHEDULE)
            write_articles(config.parent / "content", 20)
            result = run_daemon(config, 8)
            assert result.returncode == 0, result.stderr
            assert sessions_by_handle(proxy) == {"alice.test": 1, "bob.test": 1}
            assert proxy.calls("com.atproto.server.refreshSession") >= 2  # tokens lived 3 s
            assert proxy.statuses("com.atproto.repo.createRecord")[200] >= 10
            assert "refreshed the Bluesky session" in result.stderr
            history = postbot(config, "history", "--json")
            rows = json.loads(history.stdout)
            sent = [r for r in rows if r["status"] == "sent"]
            assert len(sent) >= 10
            for row in sent:
                for uri in row["remote_ids"]:
                    assert get_record(short_lived, uri)["value"]["text"]
            stored = {
                r["uri"] for h in ("alice.test", "bob.test") for r in list_records(short_lived, h)
            }
            assert stored == {uri for r in sent for uri in r["remote_ids"]}
        finally:
            proxy.stop()


def test_rate_limits_are_honoured_through_a_429(tmp_path: Path) -> None:
    with running_pds("--rate-limits") as limited:
        proxy = RecordingProxy(limited.url).start()
        try:
            # Use up alice's logins (30 per 5 minutes), as a misbehaving client would.
            answer = None
            for _ in range(60):
                answer = httpx.post(
                    f"{limited.url}/xrpc/com.atproto.server.createSession",
                    json={"identifier": "alice.test", "password": "alice-pass"},
                )
                if answer.status_code == 429:
                    break
            assert answer is not None
            assert answer.status_code == 429, answer.text
            reset = float(answer.headers["ratelimit-reset"])

            config = project(
                tmp_path, proxy.url, SCHEDULE.replace(", {account: bob, template: thread}", "")
            )
            write_articles(config.parent / "content", 5)
            started = time.time()
            result = run_daemon(config, 4)
            assert result.returncode == 0, result.stderr
            # One try, one 429, then it waits for the reset instead of hammering the PDS.
            assert proxy.calls("com.atproto.server.createSession") == 1
            assert proxy.statuses("com.atproto.server.createSession") == {429: 1}
            rows = json.loads(postbot(config, "history", "--json").stdout)
            assert rows
            assert all(r["status"] == "pending" for r in rows)
            assert all("rate limited" in r["error"] for r in rows if r["attempts"])
            from bot.outbox import Outbox
            from bot.store import open_store

            store = open_store(f"sqlite:///{config.parent / 'state' / 'postbot.db'}")
            try:
                tried = [r for r in Outbox(store).history() if r.attempts]
            finally:
                store.dispose()
            assert tried  # every post that came due waits for the reset, and no longer
            assert all(reset - 2 <= r.due_at <= reset + 2 for r in tried)
            assert all(r.due_at > started + 60 for r in tried)

            # `postbot post` says the same in one line, with the wait.
            direct = postbot(config, "post", str(CONTENT / "night-trains.md"), "--to", "alice")
            assert direct.returncode == 1
            assert direct.stderr.count("\n") == 1
            assert "rate" in direct.stderr.lower()
        finally:
            proxy.stop()
