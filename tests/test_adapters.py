"""Each adapter against a loopback server speaking its platform's API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.adapter_helpers import Sleeps, account, plan, publish, run, serving
from tests.servers.platforms import (
    BlueskyServer,
    DiscordServer,
    LinkedInServer,
    MastodonServer,
    SlackServer,
    TelegramServer,
    ThreadsServer,
    WebhookServer,
    XServer,
)


def test_mastodon_thread_replies_in_order(tmp_path: Path) -> None:
    with serving(MastodonServer()) as server:
        acct = account(
            tmp_path,
            "m",
            {"platform": "mastodon", "base_url": server.url, "token": "${T}"},
            {"T": "mastodon-token"},
        )
        the_plan = plan("mastodon")
        receipt = run(publish(acct, the_plan))
    statuses = server.statuses
    assert [s["content"] for s in statuses] == [s.text for s in the_plan.segments]
    assert statuses[0]["in_reply_to_id"] is None
    assert all(
        later["in_reply_to_id"] == earlier["id"]
        for earlier, later in zip(statuses, statuses[1:], strict=False)
    )
    assert [s.remote_id for s in receipt.segments] == [s["id"] for s in statuses]
    assert receipt.urls[0] == statuses[0]["url"]
    keys = [r.headers["idempotency-key"] for r in server.received if r.method == "POST"]
    assert len(set(keys)) == len(keys)
    assert all(s["language"] == "en" for s in statuses)


def test_mastodon_limit_comes_from_the_instance(tmp_path: Path) -> None:
    from bot.adapters.mastodon import MastodonAdapter

    with serving(MastodonServer(max_characters=1234)) as server:
        acct = account(
            tmp_path,
            "m",
            {"platform": "mastodon", "base_url": server.url, "token": "${T}"},
            {"T": "x"},
        )

        async def rules() -> tuple[int, int]:
            import httpx

            async with httpx.AsyncClient() as client:
                adapter = MastodonAdapter(acct, client)
                first = (await adapter.rules()).limit
                second = (await adapter.rules()).limit
                return first, second

        assert run(rules()) == (1234, 1234)
    assert sum(1 for r in server.received if r.path == "/api/v2/instance") == 1  # cached


def test_x_thread_with_bearer_token(tmp_path: Path) -> None:
    with serving(XServer()) as server:
        acct = account(
            tmp_path,
            "x",
            {"platform": "x", "base_url": server.url, "token": "${T}"},
            {"T": "x-token"},
        )
        the_plan = plan("x")
        receipt = run(publish(acct, the_plan))
    assert [p["text"] for p in server.posts] == [s.text for s in the_plan.segments]
    assert [p["reply_to"] for p in server.posts] == [None] + [p["id"] for p in server.posts[:-1]]
    assert receipt.urls[0] == f"https://x.com/i/web/status/{server.posts[0]['id']}"


OAUTH1_FIELDS = {
    "platform": "x",
    "consumer_key": "${CK}",
    "consumer_secret": "${CS}",
    "access_token": "${AT}",
    "access_token_secret": "${AS}",
}
OAUTH1_ENV = {
    "CK": "consumer-key",
    "CS": "consumer-secret",
    "AT": "access-token",
    "AS": "token-secret",
}


def oauth1_server() -> XServer:
    return XServer(
        consumer=("consumer-key", "consumer-secret"), access=("access-token", "token-secret")
    )


def test_x_oauth1_signature(tmp_path: Path) -> None:
    with serving(oauth1_server()) as server:
        acct = account(tmp_path, "x", {**OAUTH1_FIELDS, "base_url": server.url}, OAUTH1_ENV)
        run(publish(acct, plan("x", "headline")))
    auth = server.received[0].headers["authorization"]
    assert auth.startswith("OAuth ")
    for part in (
        'oauth_consumer_key="consumer-key"',
        'oauth_token="access-token"',
        'oauth_signature_method="HMAC-SHA1"',
        "oauth_signature=",
    ):
        assert part in auth
    assert server.refused == []  # the server checked the signature, and it held
    assert len(server.posts) == 1


@pytest.mark.parametrize("wrong", ["CS", "AS"])
def test_x_server_refuses_a_signature_made_with_the_wrong_secret(
    tmp_path: Path, wrong: str
) -> None:
    """The loopback X verifies signatures: a test passing against it means something."""
    from bot.errors import AuthError

    with serving(oauth1_server()) as server:
        env = {**OAUTH1_ENV, wrong: "not-the-secret"}
        acct = account(tmp_path, "x", {**OAUTH1_FIELDS, "base_url": server.url}, env)
        with pytest.raises(AuthError, match=r"credentials refused \(401\)"):
            run(publish(acct, plan("x", "headline")))
    assert server.refused == ["signature does not match"]
    assert server.posts == []


def test_x_oauth1_signs_the_query_so_a_lost_post_is_found(tmp_path: Path) -> None:
    """After a 500 from a post that was made, find_sent's GET ?max_results=5 must verify."""
    with serving(oauth1_server()) as server:
        acct = account(tmp_path, "x", {**OAUTH1_FIELDS, "base_url": server.url}, OAUTH1_ENV)
        server.fail_next(500, {"title": "Internal"}, path="/2/tweets", after_processing=True)
        receipt = run(publish(acct, plan("x", "headline")))
    lookups = [r for r in server.received if r.path == "/2/users/42/tweets"]
    assert [r.raw_query for r in lookups] == ["max_results=5"]
    assert server.refused == []
    assert len(server.posts) == 1
    assert [r.method for r in server.received if r.path == "/2/tweets"] == ["POST"]
    assert receipt.segments[0].remote_id == server.posts[0]["id"]


def test_x_oauth1_signs_each_retry_afresh(tmp_path: Path) -> None:
    """A retry after a 429 carries a new nonce (the server refuses a reused one)."""
    with serving(oauth1_server()) as server:
        acct = account(tmp_path, "x", {**OAUTH1_FIELDS, "base_url": server.url}, OAUTH1_ENV)
        server.fail_next(
            429, {"title": "Too Many Requests"}, {"Retry-After": "1"}, path="/2/tweets"
        )
        run(publish(acct, plan("x", "headline")))
    nonces = {r.headers["authorization"] for r in server.received}
    assert len(nonces) == len(server.received) == 2
    assert server.refused == []
    assert len(server.posts) == 1


def test_bluesky_thread_with_facets_and_reply_refs(tmp_path: Path) -> None:
    from dataclasses import replace

    from tests.adapter_helpers import ARTICLE

    article = replace(
        ARTICLE, lede="Ask @friend.test and @nobody.test about #Ferries at example.org/fares"
    )
    with serving(BlueskyServer()) as server:
        acct = account(
            tmp_path,
            "b",
            {
                "platform": "bluesky",
                "base_url": server.url,
                "handle": "news.test",
                "app_password": "${P}",
            },
            {"P": "app-pass"},
        )
        the_plan = plan("bluesky", article=article)
        run(publish(acct, the_plan))
    records = [r for r in server.records.values()]
    first = records[0]["value"]
    assert first["text"] == the_plan.segments[0].text
    features = [f["features"][0] for f in first["facets"]]
    assert {
        "$type": "app.bsky.richtext.facet#mention",
        "did": "did:plc:friendfriendfriendfriend",
    } in features
    assert not any(f.get("did") == "nobody.test" for f in features)  # unresolved: dropped
    assert {"$type": "app.bsky.richtext.facet#link", "uri": "https://example.org/fares"} in features
    assert {"$type": "app.bsky.richtext.facet#tag", "tag": "Ferries"} in features
    root = {"uri": records[0]["uri"], "cid": records[0]["cid"]}
    for previous, record in zip(records, records[1:], strict=False):
        assert record["value"]["reply"] == {
            "root": root,
            "parent": {"uri": previous["uri"], "cid": previous["cid"]},
        }
    assert server.logins == 1


def test_bluesky_refreshes_an_expired_session_without_logging_in_again(tmp_path: Path) -> None:
    with serving(BlueskyServer(token_ttl=0.0)) as server:
        acct = account(
            tmp_path,
            "b",
            {
                "platform": "bluesky",
                "base_url": server.url,
                "handle": "news.test",
                "app_password": "${P}",
            },
            {"P": "app-pass"},
        )
        import asyncio

        async def two_posts() -> None:
            import httpx

            from bot.adapters import MemoryJournal, RetryPolicy
            from bot.adapters.bluesky import BlueskyAdapter

            async with httpx.AsyncClient() as client:
                adapter = BlueskyAdapter(acct, client, RetryPolicy(base_delay=0.01), Sleeps())
                server.token_ttl = 3600  # the first session's token expires; refreshed ones last
                server.tokens.clear()
                adapter._session = {
                    "accessJwt": "stale",
                    "refreshJwt": "r",
                    "did": server.did,
                    "handle": "news.test",
                }
                server.tokens["stale"] = 0.0
                await adapter.publish(plan("bluesky", "headline"), MemoryJournal())
                await adapter.publish(plan("bluesky", "quote"), MemoryJournal())

        asyncio.run(two_posts())
    assert server.logins == 0
    assert server.refreshes == 1
    assert len(server.records) == 2


def test_threads_container_then_publish(tmp_path: Path) -> None:
    with serving(ThreadsServer()) as server:
        acct = account(
            tmp_path,
            "t",
            {"platform": "threads", "base_url": server.url, "user_id": "99", "token": "${T}"},
            {"T": "threads-token"},
        )
        the_plan = plan("threads")
        receipt = run(publish(acct, the_plan))
    assert [p["text"] for p in server.posts] == [s.text for s in the_plan.segments]
    assert [p["reply_to_id"] for p in server.posts] == [None] + [p["id"] for p in server.posts[:-1]]
    assert receipt.segments[0].url
    assert receipt.segments[0].url.endswith(server.posts[0]["id"])


class Crash(Exception):
    """Stands for the process being killed at that moment."""


def threads_account(tmp_path: Path, server: ThreadsServer) -> Any:
    return account(
        tmp_path,
        "t",
        {"platform": "threads", "base_url": server.url, "user_id": "99", "token": "${T}"},
        {"T": "threads-token"},
    )


def posts_to(server: ThreadsServer, what: str) -> int:
    return sum(1 for r in server.received if r.method == "POST" and r.path.endswith(what))


def test_threads_killed_after_making_the_container_publishes_that_container(
    tmp_path: Path,
) -> None:
    """The journal holds the container and the in-flight mark, as the outbox leaves them."""
    from bot.adapters import MemoryJournal

    class KilledAfterRemembering(MemoryJournal):
        async def remember(self, index: int, material: dict[str, str]) -> None:
            await super().remember(index, material)
            raise Crash

    with serving(ThreadsServer()) as server:
        acct = threads_account(tmp_path, server)
        the_plan = plan("threads", "headline")
        journal = KilledAfterRemembering()
        with pytest.raises(Crash):
            run(publish(acct, the_plan, journal=journal))
        assert journal.inflight() == 0
        (container,) = server.containers
        assert server.containers[container]["status"] == "FINISHED"
        resumed = MemoryJournal(saved=journal.saved, current=0)
        receipt = run(publish(acct, the_plan, journal=resumed))
    assert [p["text"] for p in server.posts] == [the_plan.segments[0].text]
    assert posts_to(server, "/threads") == 1  # no second container
    assert posts_to(server, "/threads_publish") == 1
    assert receipt.segments[0].remote_id == server.posts[0]["id"]
    assert receipt.segments[0].extra == {"container": container}


def test_threads_killed_after_publishing_finds_the_post_instead_of_publishing_again(
    tmp_path: Path,
) -> None:
    from bot.adapters import MemoryJournal
    from bot.models import SentSegment

    class KilledBeforeRecording(MemoryJournal):
        async def sent(self, index: int, segment: SentSegment) -> None:
            raise Crash

    with serving(ThreadsServer()) as server:
        acct = threads_account(tmp_path, server)
        the_plan = plan("threads", "headline")
        journal = KilledBeforeRecording()
        with pytest.raises(Crash):
            run(publish(acct, the_plan, journal=journal))
        resumed = MemoryJournal(saved=journal.saved, current=0)
        receipt = run(publish(acct, the_plan, journal=resumed))
    assert len(server.posts) == 1
    assert posts_to(server, "/threads_publish") == 1
    assert receipt.segments[0].remote_id == server.posts[0]["id"]


@pytest.mark.parametrize("status", ["EXPIRED", "ERROR"])
def test_threads_a_dead_container_is_replaced_not_published(tmp_path: Path, status: str) -> None:
    from bot.adapters import MemoryJournal

    with serving(ThreadsServer()) as server:
        acct = threads_account(tmp_path, server)
        the_plan = plan("threads", "headline")
        server.containers["555"] = {"text": "old", "reply_to_id": None, "status": status}
        journal = MemoryJournal(saved={0: {"container": "555"}}, current=0)
        run(publish(acct, the_plan, journal=journal))
    assert [p["text"] for p in server.posts] == [the_plan.segments[0].text]
    assert server.containers["555"]["status"] == status
    assert journal.saved[0]["container"] != "555"


def test_threads_a_container_status_that_cannot_be_read_is_unknown(tmp_path: Path) -> None:
    from bot.adapters import MemoryJournal
    from bot.errors import DeliveryUnknown

    with serving(ThreadsServer()) as server:
        acct = threads_account(tmp_path, server)
        the_plan = plan("threads", "headline")
        server.containers["555"] = {"text": "x", "reply_to_id": None, "status": "FINISHED"}
        server.fail_next(
            400, {"error": {"message": "Unsupported get request"}}, path="/555", times=5
        )
        journal = MemoryJournal(saved={0: {"container": "555"}}, current=0)
        with pytest.raises(DeliveryUnknown, match="cannot read the status of container 555"):
            run(publish(acct, the_plan, journal=journal))
    assert server.posts == []
    assert journal.inflight() == 0  # still in flight: the next attempt asks again


def test_threads_in_flight_without_a_container_cannot_have_posted(tmp_path: Path) -> None:
    """Killed before the container's id was saved: nothing was published, so it is sent."""
    from bot.adapters import MemoryJournal

    with serving(ThreadsServer()) as server:
        acct = threads_account(tmp_path, server)
        the_plan = plan("threads")
        journal = MemoryJournal(current=0)
        run(publish(acct, the_plan, journal=journal))
    assert [p["text"] for p in server.posts] == [s.text for s in the_plan.segments]


def test_linkedin_post_with_version_headers_and_little_text(tmp_path: Path) -> None:
    with serving(LinkedInServer()) as server:
        acct = account(
            tmp_path,
            "l",
            {
                "platform": "linkedin",
                "base_url": server.url,
                "author": "urn:li:organization:1",
                "token": "${T}",
            },
            {"T": "linkedin-token"},
        )
        receipt = run(publish(acct, plan("linkedin", "headline")))
    (post,) = server.posts
    assert post["author"] == "urn:li:organization:1"
    assert r"{hashtag|\#|Ferries}" in post["commentary"]
    assert post["lifecycleState"] == "PUBLISHED"
    assert receipt.segments[0].remote_id == "urn:li:share:7000"


def test_telegram_thread_as_replies_in_html(tmp_path: Path) -> None:
    from dataclasses import replace

    from tests.adapter_helpers import ARTICLE

    article = replace(ARTICLE, lede="Fares <stay> the same & nobody pays more, says the board.")
    with serving(TelegramServer()) as server:
        acct = account(
            tmp_path,
            "t",
            {
                "platform": "telegram",
                "base_url": server.url,
                "bot_token": "${T}",
                "chat_id": "@news",
            },
            {"T": "123:telegram-token"},
        )
        receipt = run(publish(acct, plan("telegram", article=article)))
    messages = server.messages
    assert messages[0]["text"].startswith("Fares &lt;stay&gt; the same &amp; nobody")
    assert [m["reply_to"] for m in messages] == [None] + [m["message_id"] for m in messages[:-1]]
    assert receipt.urls[0] == "https://t.me/news/1"


def test_discord_and_slack_send_segments_in_order(tmp_path: Path) -> None:
    with serving(DiscordServer()) as discord, serving(SlackServer()) as slack:
        d = account(
            tmp_path,
            "d",
            {"platform": "discord", "webhook_url": "${D}"},
            {"D": f"{discord.url}/api/webhooks/1/webhook-token"},
        )
        s = account(
            tmp_path,
            "s",
            {"platform": "slack", "webhook_url": "${S}"},
            {"S": f"{slack.url}/services/T000/B000/secretpath"},
        )
        d_plan, s_plan = plan("discord"), plan("slack")
        run(publish(d, d_plan))
        run(publish(s, s_plan))
    assert len(discord.messages) == len(d_plan.segments) > 1
    assert all(r.query.get("wait") == "true" for r in discord.received)
    assert all(r.json["allowed_mentions"] == {"parse": []} for r in discord.received)
    assert len(slack.messages) == len(s_plan.segments)


def test_generic_webhook_from_configuration_alone(tmp_path: Path) -> None:
    with serving(WebhookServer()) as server:
        fields = {
            "platform": "webhook",
            "url": f"{server.url}/hook",
            "headers": {"X-Api-Key": "${KEY}"},
            "body": '{"message": {{ text | json }}, "part": {{ index + 1 }}, "of": {{ count }}, "after": {{ previous_id | json }}}',
            "id_field": "data.id",
            "url_field": "data.link",
        }
        acct = account(tmp_path, "w", fields, {"KEY": "hook-key"})
        the_plan = plan("webhook")
        receipt = run(publish(acct, the_plan))
    assert server.bodies[0] == {
        "message": the_plan.segments[0].text,
        "part": 1,
        "of": len(the_plan.segments),
        "after": None,
    }
    assert server.bodies[1]["after"] == "h1"
    assert receipt.segments[0].remote_id == "h1"
    assert receipt.segments[0].url == f"{server.url}/p/1"


def test_a_half_sent_thread_resumes_replying_to_the_last_sent(tmp_path: Path) -> None:
    from bot.adapters import MemoryJournal
    from bot.errors import ServerError
    from bot.models import SentSegment

    with serving(MastodonServer()) as server:

        class BreaksAfterTheFirst(MemoryJournal):
            async def sent(self, index: int, segment: SentSegment) -> None:
                await super().sent(index, segment)
                if index == 0:
                    server.fail_next(503, {"error": "Service unavailable"}, times=10)

        acct = account(
            tmp_path,
            "m",
            {"platform": "mastodon", "base_url": server.url, "token": "${T}"},
            {"T": "mastodon-token"},
        )
        the_plan = plan("mastodon")
        journal = BreaksAfterTheFirst()
        with pytest.raises(ServerError):
            run(publish(acct, the_plan, journal=journal))
        assert len(server.statuses) == 1
        server.faults.clear()
        run(publish(acct, the_plan, journal=journal))
    assert [s["content"] for s in server.statuses] == [s.text for s in the_plan.segments]
    assert server.statuses[1]["in_reply_to_id"] == server.statuses[0]["id"]


def test_every_platform_is_covered_by_a_server() -> None:
    from bot.adapters import ADAPTERS

    assert set(ADAPTERS) == {
        "x",
        "mastodon",
        "bluesky",
        "threads",
        "linkedin",
        "telegram",
        "discord",
        "slack",
        "webhook",
    }


def test_mastodon_keys_are_per_post_not_per_text(tmp_path: Path) -> None:
    """The same text posted twice (two schedules, two `post`s) is two posts; a repeat is one."""
    from bot.adapters import MemoryJournal

    with serving(MastodonServer()) as server:
        acct = account(
            tmp_path,
            "m",
            {"platform": "mastodon", "base_url": server.url, "token": "${T}"},
            {"T": "mastodon-token"},
        )
        the_plan = plan("mastodon", "headline")
        run(publish(acct, the_plan))
        run(publish(acct, the_plan))
        assert len(server.statuses) == 2
        journal = MemoryJournal()
        run(publish(acct, the_plan, journal=journal))
        journal.done.clear()  # as if the answer had been lost: the same journal repeats
        run(publish(acct, the_plan, journal=journal))
        assert len(server.statuses) == 3


def test_mastodon_asks_again_for_a_limit_it_could_not_read(tmp_path: Path) -> None:
    from bot.adapters import RetryPolicy
    from bot.adapters import mastodon as module

    with serving(MastodonServer(max_characters=1234)) as server:
        server.fail_next(503, {"error": "down"}, times=8, path="/api/v2/instance")
        acct = account(
            tmp_path,
            "m",
            {"platform": "mastodon", "base_url": server.url, "token": "${T}"},
            {"T": "x"},
        )

        async def limits() -> list[int]:
            import httpx

            async with httpx.AsyncClient() as client:
                adapter = module.MastodonAdapter(acct, client, RetryPolicy(attempts=1))
                seen = [(await adapter.rules()).limit, (await adapter.rules()).limit]
                adapter._ask_again_at = 1.0  # ten minutes later
                server.faults.clear()
                seen += [(await adapter.rules()).limit, (await adapter.rules()).limit]
                return seen

        assert run(limits()) == [500, 500, 1234, 1234]
    # Asked while down, not again at once, then again later, then kept.
    assert sum(1 for r in server.received if r.path == "/api/v2/instance") == 2


def test_bluesky_keeps_a_mention_through_a_failure_of_the_moment(tmp_path: Path) -> None:
    from dataclasses import replace

    from bot.errors import TransientError
    from tests.adapter_helpers import ARTICLE

    article = replace(ARTICLE, lede="Ask @friend.test about #Ferries.")
    with serving(BlueskyServer()) as server:
        server.fail_next(
            500,
            {"error": "InternalServerError"},
            times=4,
            path="com.atproto.identity.resolveHandle",
        )
        acct = account(
            tmp_path,
            "b",
            {
                "platform": "bluesky",
                "base_url": server.url,
                "handle": "news.test",
                "app_password": "${P}",
            },
            {"P": "app-pass"},
        )
        the_plan = plan("bluesky", article=article)  # the thread opens with the lede
        with pytest.raises(TransientError):
            run(publish(acct, the_plan))  # four tries, all failed
        assert server.records == {}  # not sent without its mention
        run(publish(acct, the_plan))  # the retry: the handle resolves now
    record = next(iter(server.records.values()))
    features = [f["features"][0] for f in record["value"]["facets"]]
    assert {
        "$type": "app.bsky.richtext.facet#mention",
        "did": "did:plc:friendfriendfriendfriend",
    } in features
