"""Every fault class, for every platform, against its loopback server.

429 with the platform's own wait signal, 5xx (before and after the post took
effect, and the answers that say nothing was done), an answer slower than
the timeout, a connection reset (before and after the post took effect),
401, a 4xx with the platform's error body, and an error body that echoes the
request's secrets. Whatever happens, the post is on the server at most once,
and where the outcome cannot be known the error says so instead of sending
again (the table in ``bot.adapters.base``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.errors import AuthError, DeliveryUnknown, PublishError, RateLimited, Rejected
from tests.adapter_helpers import Sleeps, account, plan, publish, run, serving
from tests.servers import platforms as fakes
from tests.servers.base import LoopbackServer


@dataclass
class Case:
    platform: str
    server: Callable[[], LoopbackServer]
    fields: Callable[[LoopbackServer], dict[str, Any]]
    env: dict[str, str]
    count: Callable[[Any], int]
    rate_limit: Callable[[], tuple[dict[str, str], Any]]  # headers and body of its 429
    error: tuple[int, Any, str]  # a 4xx body and the message we must show
    path: str  # the create endpoint, where faults are aimed
    repeat_safe: bool = False  # whether a lost answer can be retried without a double post
    findable: bool = False  # whether a post whose answer was lost can be looked up
    provable: bool = False  # whether the platform can say the post was not made (and it is resent)


def epoch_in(seconds: int) -> str:
    return str(int(time.time()) + seconds)


def iso_in(seconds: int) -> str:
    from datetime import UTC, datetime, timedelta

    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()


CASES = [
    Case(
        "mastodon",
        fakes.MastodonServer,
        lambda s: {"platform": "mastodon", "base_url": s.url, "token": "${T}", "timeout": 0.5},
        {"T": "mastodon-token"},
        lambda s: len(s.statuses),
        lambda: ({"X-RateLimit-Reset": iso_in(7)}, {"error": "Too many requests"}),
        (
            422,
            {"error": "Validation failed: Text can't be blank"},
            "Validation failed: Text can't be blank",
        ),
        "/api/v1/statuses",
        repeat_safe=True,
    ),
    Case(
        "x",
        fakes.XServer,
        lambda s: {"platform": "x", "base_url": s.url, "token": "${T}", "timeout": 0.5},
        {"T": "x-token"},
        lambda s: len(s.posts),
        lambda: (
            {"x-rate-limit-reset": epoch_in(7)},
            {"errors": [{"code": 88, "message": "Rate limit exceeded"}]},
        ),
        (
            400,
            {
                "title": "Invalid Request",
                "detail": "One or more parameters to your request was invalid.",
            },
            "Invalid Request",
        ),
        "/2/tweets",
        findable=True,
    ),
    Case(
        "bluesky",
        fakes.BlueskyServer,
        lambda s: {
            "platform": "bluesky",
            "base_url": s.url,
            "handle": "news.test",
            "app_password": "${P}",
            "timeout": 0.5,
        },
        {"P": "app-pass"},
        lambda s: len(s.records),
        lambda: (
            {"RateLimit-Reset": epoch_in(7), "RateLimit-Limit": "3000"},
            {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
        ),
        (
            400,
            {
                "error": "InvalidRequest",
                "message": "Invalid app.bsky.feed.post record: grapheme too big",
            },
            "grapheme too big",
        ),
        "createRecord",
        repeat_safe=True,
    ),
    Case(
        "threads",
        fakes.ThreadsServer,
        lambda s: {
            "platform": "threads",
            "base_url": s.url,
            "user_id": "99",
            "token": "${T}",
            "timeout": 0.5,
        },
        {"T": "threads-token"},
        lambda s: len(s.posts),
        lambda: (
            {"Retry-After": "7"},
            {"error": {"message": "Application request limit reached", "code": 4}},
        ),
        (
            400,
            {
                "error": {
                    "message": "THREADS_API__LINK_LIMIT_EXCEEDED",
                    "type": "OAuthException",
                    "code": 100,
                }
            },
            "LINK_LIMIT_EXCEEDED",
        ),
        "/threads_publish",
        findable=True,
        provable=True,  # the container's status
    ),
    Case(
        "linkedin",
        fakes.LinkedInServer,
        lambda s: {
            "platform": "linkedin",
            "base_url": s.url,
            "author": "urn:li:person:1",
            "token": "${T}",
            "timeout": 0.5,
        },
        {"T": "linkedin-token"},
        lambda s: len(s.posts),
        lambda: (
            {"Retry-After": "7"},
            {"status": 429, "message": "Resource level throttle limit reached"},
        ),
        (
            422,
            {"status": 422, "message": "ERROR :: /commentary :: is too long"},
            "/commentary :: is too long",
        ),
        "/rest/posts",
    ),
    Case(
        "telegram",
        fakes.TelegramServer,
        lambda s: {
            "platform": "telegram",
            "base_url": s.url,
            "bot_token": "${T}",
            "chat_id": "@news",
            "timeout": 0.5,
        },
        {"T": "123:telegram-token"},
        lambda s: len(s.messages),
        lambda: (
            {},
            {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 7",
                "parameters": {"retry_after": 7},
            },
        ),
        (
            400,
            {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"},
            "Bad Request: chat not found",
        ),
        "/sendMessage",
    ),
    Case(
        "discord",
        fakes.DiscordServer,
        lambda s: {"platform": "discord", "webhook_url": "${W}", "timeout": 0.5},
        {},
        lambda s: len(s.messages),
        lambda: (
            {},
            {"message": "You are being rate limited.", "retry_after": 7.0, "global": False},
        ),
        (400, {"code": 50035, "message": "Invalid Form Body", "errors": {}}, "Invalid Form Body"),
        "/api/webhooks",
    ),
    Case(
        "slack",
        fakes.SlackServer,
        lambda s: {"platform": "slack", "webhook_url": "${W}", "timeout": 0.5},
        {},
        lambda s: len(s.messages),
        lambda: ({"Retry-After": "7"}, "rate_limited"),
        (400, "invalid_payload", "invalid_payload"),
        "/services",
    ),
    Case(
        "webhook",
        fakes.WebhookServer,
        lambda s: {
            "platform": "webhook",
            "url": f"{s.url}/hook",
            "headers": {"X-Api-Key": "${K}"},
            "timeout": 0.5,
        },
        {"K": "hook-key"},
        lambda s: len(s.bodies),
        lambda: ({"Retry-After": "7"}, {"message": "slow down"}),
        (409, {"message": "duplicate slug"}, "duplicate slug"),
        "/hook",
    ),
]
IDS = [c.platform for c in CASES]


def setup(case: Case, tmp_path: Path, server: LoopbackServer) -> Any:
    env = dict(case.env)
    if case.platform == "discord":
        env["W"] = f"{server.url}/api/webhooks/1/webhook-token"
    if case.platform == "slack":
        env["W"] = f"{server.url}/services/T000/B000/secretpath"
    return account(tmp_path, case.platform, case.fields(server), env)


def single(case: Case) -> Any:
    return plan(case.platform, "headline")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_429_waits_as_the_platform_says_then_posts_once(case: Case, tmp_path: Path) -> None:
    with serving(case.server()) as server:
        acct = setup(case, tmp_path, server)
        headers, body = case.rate_limit()
        server.fail_next(429, body, headers, path=case.path)
        sleeps = Sleeps()
        run(publish(acct, single(case), sleeps))
        assert case.count(server) == 1
    assert len(sleeps.delays) == 1
    assert 5.5 <= sleeps.delays[0] <= 7.5  # the platform's own wait, not a guess


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_a_wait_longer_than_a_minute_goes_back_to_the_caller(case: Case, tmp_path: Path) -> None:
    with serving(case.server()) as server:
        acct = setup(case, tmp_path, server)
        server.fail_next(429, {"message": "later"}, {"Retry-After": "900"}, path=case.path)
        with pytest.raises(RateLimited) as info:
            run(publish(acct, single(case)))
        assert case.count(server) == 0
    assert 890 <= info.value.retry_after <= 900


def creates(case: Case, server: LoopbackServer) -> int:
    """How many create requests reached the server (every attempt, answered or not)."""
    return sum(1 for r in server.received if r.method == "POST" and case.path in r.path)


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_5xx_is_repeated_only_where_that_cannot_post_twice(
    case: Case, status: int, tmp_path: Path
) -> None:
    """The 5xx came before the post was made, but nothing in the answer says so."""
    with serving(case.server()) as server:
        acct = setup(case, tmp_path, server)
        server.fail_next(status, {"error": "Internal Server Error"}, path=case.path, times=2)
        sleeps = Sleeps()
        if case.repeat_safe or case.provable:  # provable: the status said "not published"
            run(publish(acct, single(case), sleeps))
            assert creates(case, server) == 3
            assert len(sleeps.delays) == 2
            assert sleeps.delays[1] > sleeps.delays[0] / 2  # backoff grows (with jitter)
        else:
            with pytest.raises(DeliveryUnknown) as info:
                run(publish(acct, single(case), sleeps))
            assert creates(case, server) == 1  # never blindly sent again
            assert sleeps.delays == []
            message = str(info.value)
            assert message.startswith(f"{case.platform}: segment 1 of 1 may have been posted (")
            assert f"error {status} after the request reached the platform" in message
            assert "not sending it again: check the account" in message
        assert case.count(server) == (0 if not (case.repeat_safe or case.provable) else 1)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_a_5xx_after_the_post_was_made_never_posts_twice(case: Case, tmp_path: Path) -> None:
    with serving(case.server()) as server:
        acct = setup(case, tmp_path, server)
        server.fail_next(500, {"error": "Internal"}, path=case.path, after_processing=True)
        if case.repeat_safe or case.findable:
            receipt = run(publish(acct, single(case)))  # repeated harmlessly, or found
            assert receipt.segments[0].remote_id
        else:
            with pytest.raises(DeliveryUnknown):
                run(publish(acct, single(case)))
        assert case.count(server) == 1
        if not case.repeat_safe:
            assert creates(case, server) == 1


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize(
    ("status", "headers"),
    [(503, {"Retry-After": "3"}), (501, {}), (511, {})],
    ids=["503-retry-after", "501", "511"],
)
def test_a_5xx_that_says_nothing_was_done_is_retried(
    case: Case, status: int, headers: dict[str, str], tmp_path: Path
) -> None:
    """Turned away (with a time to come back), or never handled: safe to send again."""
    with serving(case.server()) as server:
        acct = setup(case, tmp_path, server)
        server.fail_next(status, {"error": "Service Unavailable"}, headers, path=case.path)
        sleeps = Sleeps()
        run(publish(acct, single(case), sleeps))
        assert case.count(server) == 1
        assert creates(case, server) == 2
    assert len(sleeps.delays) == 1
    if headers:
        assert sleeps.delays == [3.0]  # the platform's own wait


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize("fault", ["slow", "reset-after"])
def test_a_lost_answer_never_posts_twice(case: Case, fault: str, tmp_path: Path) -> None:
    with serving(case.server()) as server:
        acct = setup(case, tmp_path, server)
        if fault == "slow":
            server.slow_next(1.2, path=case.path)
        else:
            server.reset_next(after_processing=True, path=case.path)
        if case.repeat_safe or case.findable:
            run(publish(acct, single(case)))  # retried safely, or found on the platform
        else:
            with pytest.raises(DeliveryUnknown):
                run(publish(acct, single(case)))
        time.sleep(0.1 if fault != "slow" else 0.8)
        assert case.count(server) == 1


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_a_reset_before_the_request_took_effect(case: Case, tmp_path: Path) -> None:
    with serving(case.server()) as server:
        acct = setup(case, tmp_path, server)
        server.reset_next(after_processing=False, path=case.path)
        if case.repeat_safe or case.provable:
            run(publish(acct, single(case)))
            assert case.count(server) == 1
        elif case.findable:
            with pytest.raises(DeliveryUnknown):  # looked for it, not there: still not re-sent
                run(publish(acct, single(case)))
            assert case.count(server) == 0
        else:
            with pytest.raises(DeliveryUnknown):
                run(publish(acct, single(case)))
            assert case.count(server) == 0


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_401_is_an_auth_error_without_retries(case: Case, tmp_path: Path) -> None:
    with serving(case.server()) as server:
        acct = setup(case, tmp_path, server)
        server.fail_next(401, {"error": "bad token", "message": "Unauthorized"}, times=3)
        with pytest.raises(AuthError) as info:
            run(publish(acct, single(case)))
        assert len(server.received) == 1
    assert "credentials refused (401)" in str(info.value)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_4xx_carries_the_platforms_own_message(case: Case, tmp_path: Path) -> None:
    status, body, message = case.error
    with serving(case.server()) as server:
        acct = setup(case, tmp_path, server)
        server.fail_next(status, body, path=case.path)
        with pytest.raises(Rejected) as info:
            run(publish(acct, single(case)))
        assert case.count(server) == 0
    assert info.value.status == status
    assert message in str(info.value)
    assert str(info.value).startswith(f"{case.platform}: rejected ({status}): ")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_after_a_long_429_the_account_waits_without_asking_again(
    case: Case, tmp_path: Path
) -> None:
    """A rate limit is the account's: the next post does not knock before the reset."""
    import httpx

    from bot.adapters import MemoryJournal, RetryPolicy, get_adapter

    with serving(case.server()) as server:
        acct = setup(case, tmp_path, server)
        server.fail_next(429, {"message": "later"}, {"Retry-After": "900"}, path=case.path)

        async def two_posts() -> tuple[int, float]:
            async with httpx.AsyncClient() as client:
                adapter = get_adapter(acct.platform)(
                    acct, client, RetryPolicy(attempts=4, base_delay=0.01), Sleeps()
                )
                with pytest.raises(RateLimited):
                    await adapter.publish(single(case), MemoryJournal())
                asked = len(server.received)
                with pytest.raises(RateLimited) as second:
                    await adapter.publish(single(case), MemoryJournal())
                return len(server.received) - asked, second.value.retry_after

        extra, wait = run(two_posts())
    assert extra == 0
    assert 880 <= wait <= 900


def secrets_of(case: Case, server: LoopbackServer) -> list[str]:
    """Every secret the account holds, and the parts of a secret URL a server may echo."""
    values = list(case.env.values())
    if case.platform == "discord":
        values += [f"{server.url}/api/webhooks/1/webhook-token", "webhook-token"]
    if case.platform == "slack":
        values += [f"{server.url}/services/T000/B000/secretpath", "secretpath"]
    if case.platform == "bluesky":
        values += ["access-1", "refresh-1"]  # the session's tokens are credentials too
    return values


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize(("status", "error"), [(400, Rejected), (500, PublishError)])
@pytest.mark.parametrize("where", ["first request", "create"])
def test_an_error_body_that_echoes_the_request_shows_no_secret(
    case: Case, status: int, error: type[Exception], where: str, tmp_path: Path
) -> None:
    """A server (or proxy) that puts the request, headers and body, in its error text."""
    with serving(case.server()) as server:
        acct = setup(case, tmp_path, server)
        server.echo_next(status, None if where == "first request" else case.path, times=20)
        with pytest.raises(error) as info:
            run(publish(acct, single(case), Sleeps()))
    message = str(info.value)
    assert "echo POST" in message  # the platform's words are kept, its secrets are not
    for secret in secrets_of(case, server):
        assert secret not in message


def _httpx_errors() -> list[type[Exception]]:
    import httpx

    def walk(cls: type[Exception]) -> list[type[Exception]]:
        return [c for sub in cls.__subclasses__() for c in (sub, *walk(sub))]

    return sorted(set(walk(httpx.HTTPError)) - {httpx.HTTPStatusError}, key=lambda c: c.__name__)


# Whether each httpx failure proves the request never reached the platform whole.
NOT_SENT = {
    "ConnectError",
    "ConnectTimeout",
    "PoolTimeout",
    "WriteTimeout",
    "WriteError",
    "ProxyError",
    "UnsupportedProtocol",
    "LocalProtocolError",
}


@pytest.mark.parametrize("error", _httpx_errors(), ids=lambda c: c.__name__)
def test_the_network_error_map_is_total(error: type[Exception], tmp_path: Path) -> None:
    """Every httpx failure is sorted, and only the provably unsent ones may be retried."""
    import httpx

    from bot.adapters.telegram import TelegramAdapter
    from bot.errors import TransientError

    acct = account(
        tmp_path,
        "t",
        {"platform": "telegram", "bot_token": "${T}", "chat_id": "@news"},
        {"T": "123:telegram-token"},
    )
    adapter = TelegramAdapter(acct, httpx.AsyncClient())
    mapped = adapter._network_error(error("POST /bot123:telegram-token/sendMessage failed"))  # type: ignore[arg-type]
    expected = TransientError if error.__name__ in NOT_SENT else DeliveryUnknown
    assert isinstance(mapped, expected)
    assert "telegram-token" not in str(mapped)
