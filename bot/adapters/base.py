"""The adapter seam: one class per platform, with the shared plumbing here.

An adapter turns a ``PostPlan`` into HTTP requests over the one shared
``httpx.AsyncClient`` and returns a ``Receipt``. Everything platform-neutral
lives in this module, once:

* ``request`` and ``check`` map every outcome to the error tree (see
  ``bot.errors``), by the table below;
* retries with exponential backoff and jitter, bounded in count and time,
  honouring the platform's wait (Retry-After, x-rate-limit-reset,
  RateLimit-Reset, Telegram's and Discord's ``retry_after``);
* ``publish`` walks the segments of a thread, skipping those already sent
  (the ``Journal`` remembers them), and records each one the moment it is
  sent, so a crash mid-thread resumes with the next segment;
* every message built from a platform's answer or a network error has the
  account's secrets masked (a server may echo the Authorization header, the
  token in its URL or the webhook's path), so no secret reaches an error
  line, a log or the database.

How an outcome is mapped. "Repeatable" is a request that cannot post twice:
a GET, or a create the platform deduplicates (Mastodon's Idempotency-Key,
Bluesky's record key, a Threads container, which is not a post until it is
published). Every other create (X, Threads' publish, Telegram, Discord,
Slack, LinkedIn, webhooks) is not repeatable::

    outcome                                   repeatable           not repeatable
    ----------------------------------------  -------------------  --------------------
    connect error, connect or pool timeout,   Transient: retried   Transient: retried
      write timeout or error, proxy refusal
      (never sent whole)
    429                                       RateLimited: waits   RateLimited: waits
    503 with Retry-After                      ServerError: waits   ServerError: waits
    501, 505, 511                             ServerError          ServerError
    500, 502, 503, 504, any other 5xx         ServerError          DeliveryUnknown
    read timeout, connection dropped after    DeliveryUnknown:     DeliveryUnknown
      sending, an answer that cannot be read,   retried
      any other network error
    401, 403                                  AuthError            AuthError
    any other 4xx                             Rejected             Rejected

Why: a 5xx means the request reached a server, and nothing in HTTP or in
the platforms' documents says the post was not made before it failed. X,
Threads, Telegram, Discord, Slack and LinkedIn have no idempotency key, so
sending again after such an answer can post twice; the safe course is to
look for the post, or to retry only what was clearly refused. The
exceptions are answers that say the request was turned away: 429; a 503
that says when to come back (RFC 9110 15.6.4: the server "is currently
unable to handle the request", a deliberate refusal like 429, while a
gateway that lost the platform's answer says 502 or 504 and names no wait);
and 501, 505 and 511, which say the request was never handled (an unknown
method, an HTTP version, a proxy asking to log in first).

A ``DeliveryUnknown`` is never sent again blindly. ``publish`` asks the
adapter's ``resume_segment``: X and Threads look for the post (Threads first
reads its saved container's status, which says whether it was published)
and carry on if it is there; otherwise the error stands and the outbox row
ends ``unknown``. The same happens when a publish resumes after a crash with
a segment marked in flight.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import random
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar, Protocol

import httpx

from bot.config import Account
from bot.errors import (
    AuthError,
    DeliveryUnknown,
    PermanentError,
    PostbotError,
    PublishError,
    RateLimited,
    Rejected,
    ServerError,
    Timeout,
    TransientError,
)
from bot.models import PostPlan, Receipt, SentSegment
from bot.platforms import Platform, get_platform
from bot.transport import Redactor

log = logging.getLogger(__name__)

# 5xx answers that say the request was never handled: an unknown method, an
# HTTP version the server does not speak, a proxy that wants a login first.
NOT_HANDLED = frozenset({501, 505, 511})
# Failures that prove the request never reached the platform whole (besides
# the connect and pool timeouts and the write timeout, which have their own words).
NOT_SENT = (httpx.WriteError, httpx.ProxyError, httpx.UnsupportedProtocol, httpx.LocalProtocolError)
MESSAGE_LIMIT = 300  # characters of a platform's error text kept in a message


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try one request before giving it back to the caller."""

    attempts: int = 4
    base_delay: float = 1.0
    max_delay: float = 60.0  # a longer wait is the outbox's business, not a sleep here
    max_total: float = 180.0


class Journal(Protocol):
    """Where a publish keeps its progress: the outbox row, or memory for ``post``."""

    @property
    def identity(self) -> str:
        """Unique to this post and the same every time it is resumed (a key seed)."""

    def sent_segments(self) -> list[SentSegment]:
        """Segments already sent, in order (a resumed thread continues after them)."""

    def material(self, index: int) -> dict[str, str]:
        """Idempotency material saved for segment ``index`` (empty if none yet)."""

    async def remember(self, index: int, material: dict[str, str]) -> None:
        """Save idempotency material before segment ``index`` is sent."""

    async def sent(self, index: int, segment: SentSegment) -> None:
        """Record segment ``index`` as sent, before the next one goes out."""

    def inflight(self) -> int | None:
        """The segment that was being sent when the last attempt stopped, if any."""

    async def sending(self, index: int) -> None:
        """Mark segment ``index`` as about to go out (for adapters without idempotency)."""

    async def not_sent(self, index: int) -> None:
        """Segment ``index`` certainly did not go out (a refused or failed request)."""


@dataclass
class MemoryJournal:
    """A journal that lives as long as one ``postbot post``."""

    done: list[SentSegment] = field(default_factory=list)
    saved: dict[int, dict[str, str]] = field(default_factory=dict)
    identity: str = field(default_factory=lambda: uuid.uuid4().hex)

    def sent_segments(self) -> list[SentSegment]:
        return list(self.done)

    def material(self, index: int) -> dict[str, str]:
        return dict(self.saved.get(index, {}))

    async def remember(self, index: int, material: dict[str, str]) -> None:
        self.saved[index] = dict(material)

    async def sent(self, index: int, segment: SentSegment) -> None:
        self.done.append(segment)
        self.current = None

    current: int | None = None

    def inflight(self) -> int | None:
        return self.current

    async def sending(self, index: int) -> None:
        self.current = index

    async def not_sent(self, index: int) -> None:
        self.current = None


Sleep = Callable[[float], Awaitable[None]]


class Adapter(ABC):
    """Publishes plans to one account of one platform."""

    platform: ClassVar[str]
    # True when repeating a create request cannot post twice (an idempotency
    # key or a client-chosen record key).
    idempotent: ClassVar[bool] = False

    def __init__(
        self,
        account: Account,
        client: httpx.AsyncClient,
        policy: RetryPolicy | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.account = account
        self.client = client
        self.policy = policy or RetryPolicy()
        self.sleep = sleep
        self.timeout = float(account.option("timeout", 30))
        # Masks the account's secrets in every message built from an answer.
        self.redact = Redactor(account.secret_values())
        # After a 429, the account waits for the platform's reset: no request
        # of any post goes out before then (a limit is the account's, not a post's).
        self.blocked_until = 0.0

    # -- what each platform provides ------------------------------------------------

    @abstractmethod
    async def send_segment(
        self, plan: PostPlan, index: int, sent: list[SentSegment], journal: Journal
    ) -> SentSegment:
        """Send segment ``index`` (replying to ``sent[-1]`` where threads exist)."""

    def error_message(self, response: httpx.Response) -> str:
        """The platform's own words for a failed response."""
        return _message_from_body(response)

    async def find_sent(
        self, plan: PostPlan, index: int, sent: list[SentSegment]
    ) -> SentSegment | None:
        """After an unknown outcome: the post, if it can be found on the platform."""
        return None

    async def resume_segment(
        self, plan: PostPlan, index: int, sent: list[SentSegment], journal: Journal
    ) -> SentSegment | None:
        """After an outcome that may have been a post: the segment, or None if that cannot be known.

        The default looks for the post (``find_sent``). An adapter whose saved
        material proves what happened (Threads' container status) may instead
        finish sending it, but only where the platform says nothing was posted.
        """
        return await self.find_sent(plan, index, sent)

    async def rules(self) -> Platform:
        """The text rules for this account (its own limit, where it has one)."""
        limit = self.account.option("limit")
        return get_platform(self.platform, int(limit) if limit else None)

    @classmethod
    def dry_run_response(cls, request: httpx.Request) -> httpx.Response | None:
        """A plausible answer in the platform's own shape, for dry-run."""
        return None

    # -- shared plumbing ------------------------------------------------------------------

    async def publish(self, plan: PostPlan, journal: Journal) -> Receipt:
        """Send every segment not yet sent; record each one as it goes.

        A segment that was in flight when an earlier attempt stopped (a crash,
        a kill) may have arrived: idempotent adapters simply repeat it, the
        others ask ``resume_segment`` and report it unknown if that cannot say.
        """
        sent = journal.sent_segments()
        for index in range(len(sent), len(plan.segments)):
            if not self.idempotent and journal.inflight() == index:
                why = "an earlier attempt stopped while sending it"
                segment = await self._recover(plan, index, sent, journal, why)
            else:
                segment = await self._send(plan, index, sent, journal)
            await journal.sent(index, segment)
            sent.append(segment)
        return Receipt(self.account.name, tuple(sent))

    async def _send(
        self, plan: PostPlan, index: int, sent: list[SentSegment], journal: Journal
    ) -> SentSegment:
        if not self.idempotent:
            await journal.sending(index)
        try:
            return await self.send_segment(plan, index, sent, journal)
        except DeliveryUnknown as exc:
            # Still marked in flight: if this attempt stops too, the next one looks again.
            return await self._recover(plan, index, sent, journal, exc.message)
        except (TransientError, PermanentError):
            await journal.not_sent(index)  # both mean the platform made nothing
            raise

    async def _recover(
        self, plan: PostPlan, index: int, sent: list[SentSegment], journal: Journal, why: str
    ) -> SentSegment:
        found = await self.resume_segment(plan, index, sent, journal)
        if found is None:
            raise DeliveryUnknown(
                self.account.name,
                f"segment {index + 1} of {len(plan.segments)} may have been posted ({why}); "
                "not sending it again: check the account and post it by hand if it is missing",
            )
        log.info("%s: segment %d had arrived after all", self.account.name, index + 1)
        return found

    async def request(
        self,
        method: str,
        url: str,
        *,
        safe_to_repeat: bool | None = None,
        attempts: int | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """One HTTP request with the error map and bounded retries.

        ``safe_to_repeat`` says whether sending it twice is harmless (GETs,
        and creates the platform deduplicates); by default only GETs are.
        ``attempts=1`` leaves every retry decision to the caller.
        """
        repeat = (method == "GET") if safe_to_repeat is None else safe_to_repeat
        limit = attempts or self.policy.attempts
        started = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._once(method, url, repeat, **kwargs)
            except (TransientError, DeliveryUnknown) as exc:
                if isinstance(exc, DeliveryUnknown) and not repeat:
                    raise
                delay = self._delay(exc, attempt)
                elapsed = time.monotonic() - started
                if attempt >= limit or delay is None or elapsed + delay > self.policy.max_total:
                    raise
                await self.retry_later(delay, exc, attempt)

    async def retry_later(
        self, delay: float, error: PublishError, attempt: int, state: str = ""
    ) -> None:
        """Say that attempt ``attempt`` failed, then sleep ``delay`` before the next.

        ``state`` adds what the adapter knows of the post (for example that
        its container is still unpublished). A rate limit waited out here no
        longer blocks the account.
        """
        log.warning(
            "%s: attempt %d failed (%s%s); retrying in %.1fs",
            self.account.name,
            attempt,
            error.message,
            f"; {state}" if state else "",
            delay,
        )
        await self.sleep(delay)
        if isinstance(error, RateLimited):
            self.blocked_until = 0.0

    def _delay(self, error: PublishError, attempt: int) -> float | None:
        wait = error.retry_after if isinstance(error, RateLimited | ServerError) else None
        if wait is not None:
            return wait if wait <= self.policy.max_delay else None
        backoff = min(self.policy.max_delay, self.policy.base_delay * 2 ** (attempt - 1))
        return float(backoff * (0.5 + random.random() / 2))  # noqa: S311 - jitter, not security

    async def _once(self, method: str, url: str, repeat: bool, **kwargs: Any) -> httpx.Response:
        wait = self.blocked_until - time.time()
        if wait > 0:
            raise RateLimited(
                self.account.name, wait, "rate limited: waiting for the platform's reset"
            )
        try:
            response = await self.client.request(
                method,
                url,
                timeout=self.timeout,
                extensions={"postbot_platform": self.platform},
                **kwargs,
            )
        except PostbotError:
            raise
        except httpx.HTTPError as exc:
            raise self._network_error(exc) from exc
        self.check(response, repeat)
        return response

    def _network_error(self, exc: httpx.HTTPError) -> PublishError:
        """The error a failed exchange stands for: was the request sent whole?

        Only errors that prove it was not are transient; any other (a read
        timeout, a dropped connection, an answer that cannot be read, one
        this map does not know) may follow a request the platform acted on.
        """
        name, text = self.account.name, self.redact(str(exc))  # some name the URL
        if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
            return Timeout(name, f"{type(exc).__name__}: the request was not sent")
        if isinstance(exc, httpx.WriteTimeout):
            return Timeout(
                name, "timed out while sending the request; the platform cannot have acted on it"
            )
        if isinstance(exc, httpx.ConnectError):
            return TransientError(name, f"cannot connect: {text}")
        if isinstance(exc, NOT_SENT):
            return TransientError(name, f"{type(exc).__name__}: the request was not sent ({text})")
        if isinstance(exc, httpx.ReadTimeout):
            return DeliveryUnknown(name, "no answer in time after the request was sent")
        if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError):
            return DeliveryUnknown(
                name, f"the connection dropped after the request was sent ({text})"
            )
        return DeliveryUnknown(name, f"{type(exc).__name__} after the request was sent ({text})")

    def check(self, response: httpx.Response, repeat: bool = True) -> None:
        """Raise the error a response stands for (see the table above); return quietly on success.

        ``repeat`` says whether the request may be sent again harmlessly; when
        it may not, a 5xx that does not say the request was turned away is
        ``DeliveryUnknown``: the platform may have posted before it failed.
        """
        status = response.status_code
        if status < 400:
            return
        name = self.account.name
        message = self.redact(self.error_message(response))[:MESSAGE_LIMIT]
        if status == 429:
            wait = self.retry_after(response)
            self.blocked_until = max(self.blocked_until, time.time() + wait)
            raise RateLimited(name, wait, message)
        if status in (401, 403):
            raise AuthError(name, f"credentials refused ({status}): {message}")
        if status < 500:
            raise Rejected(name, status, message)
        if status == 503 and "retry-after" in response.headers:
            # Turned away for now, with a time to come back: nothing was done.
            raise ServerError(name, status, message, retry_after=self.retry_after(response))
        if repeat or status in NOT_HANDLED:
            raise ServerError(name, status, message)
        kind = "gateway error" if status in (502, 504) else "server error"
        raise DeliveryUnknown(
            name, f"{kind} {status} after the request reached the platform: {message}"
        )

    def retry_after(self, response: httpx.Response) -> float:
        """Seconds to wait, from whichever signal the platform sends."""
        headers = response.headers
        if value := headers.get("retry-after"):
            seconds = _seconds_or_date(value)
            if seconds is not None:
                return seconds
        for header in ("x-rate-limit-reset", "ratelimit-reset", "x-ratelimit-reset"):
            if value := headers.get(header):
                seconds = _reset_to_seconds(value)
                if seconds is not None:
                    return seconds
        if value := headers.get("x-ratelimit-reset-after"):
            try:
                return float(value)
            except ValueError:
                pass
        body = _json_or_none(response)
        if isinstance(body, dict):
            for candidate in (
                body.get("retry_after"),
                (body.get("parameters") or {}).get("retry_after"),
            ):
                if isinstance(candidate, int | float):
                    return float(candidate)
        return self.policy.base_delay * 30

    async def aclose(self) -> None:  # noqa: B027 - optional hook, most adapters hold nothing
        """Release per-account state (sessions); the client is shared and not closed here."""


def _seconds_or_date(value: str) -> float | None:
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _reset_to_seconds(value: str) -> float | None:
    """A reset time as epoch seconds (X, Bluesky, Discord) or ISO 8601 (Mastodon)."""
    try:
        number = float(value)
    except ValueError:
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return max(0.0, (when - datetime.now(UTC)).total_seconds())
    if number > 1_000_000_000:  # an epoch time, not a delay
        return max(0.0, number - time.time())
    return max(0.0, number)


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        return None


def _message_from_body(response: httpx.Response) -> str:
    """The error text of the usual body shapes, else the body.

    Not shortened here: ``check`` masks secrets first, so a cut can never
    leave half a secret behind.
    """
    body = _json_or_none(response)
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):  # Meta Graph API
            return str(error.get("message") or error)
        parts = [body.get(k) for k in ("error", "message", "detail", "title", "description")]
        text = ": ".join(str(p) for p in parts if p)
        if text:
            return text
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return str(errors[0].get("message") or errors[0])
    text = response.text.strip()
    return text if text else f"HTTP {response.status_code}"


def fake_response(
    status: int, body: Any = None, headers: dict[str, str] | None = None
) -> httpx.Response:
    """An ``httpx.Response`` for dry-run answers."""
    if isinstance(body, str):
        return httpx.Response(status, text=body, headers=headers)
    return httpx.Response(status, json=body, headers=headers)
