"""Publishing: from an article or an outbox row to receipts, through one account's adapter.

``post_now`` is ``postbot post``: compose with the account's own rules (a
Mastodon instance's limit is asked first), then publish each plan.
``Publisher`` is the daemon's: it sends claimed outbox rows and sorts every
error into retry later, failed (never retried) or unknown (never resent).
Which error a failure is, and whether the adapter may look for the post
first, is decided once, in ``bot.adapters.base``; ``post`` and the daemon
get the same answer, the daemon just tries a transient one again later.
Dry-run swaps in the recording transport and nothing else changes.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bot.adapters import Adapter, MemoryJournal, RetryPolicy, get_adapter
from bot.compose import ComposeOptions, compose_all
from bot.config import Account, Settings
from bot.errors import (
    ComposeError,
    DeliveryUnknown,
    PermanentError,
    PostbotError,
    RateLimited,
    ServerError,
    StoreError,
    TransientError,
)
from bot.models import OutboxStatus, PostPlan, Receipt
from bot.outbox import LeaseLost, Outbox, OutboxJournal, Row
from bot.parse import parse_file
from bot.templates import environment
from bot.transport import ClientShards, RecordedRequest, make_client

log = logging.getLogger(__name__)


@dataclass
class PostResult:
    """What ``postbot post`` did: the plans, what was sent, and every request."""

    account: str
    platform: str
    plans: list[PostPlan]
    receipts: list[Receipt] = field(default_factory=list)
    requests: list[RecordedRequest] = field(default_factory=list)


async def post_now(
    settings: Settings,
    article_path: str | Path,
    account_name: str,
    template: str = "headline",
    dry_run: bool = False,
    options: ComposeOptions | None = None,
    policy: RetryPolicy | None = None,
) -> PostResult:
    """Compose ``article_path`` for ``account_name`` and publish it now."""
    account = settings.account(account_name)
    article = parse_file(article_path)
    client, recorder = make_client(
        dry_run=dry_run, secrets=settings.all_secret_values(), guard=settings.network_guard
    )
    result = PostResult(account.name, account.platform, [])
    async with client:
        adapter = get_adapter(account.platform)(account, client, policy)
        try:
            rules = await adapter.rules()
            env = environment(tuple(str(d) for d in settings.templates_dirs))
            result.plans = compose_all(
                article, env.get(account.platform, template), rules, options or ComposeOptions()
            )
            if not result.plans:
                raise ComposeError(
                    f"template {template!r} makes no post of this article (it has no quotes)"
                )
            for plan in result.plans:
                result.receipts.append(await adapter.publish(plan, MemoryJournal()))
        finally:
            result.requests = list(recorder.requests)
            await adapter.aclose()
    return result


def segments_json(result: PostResult) -> list[dict[str, object]]:
    from bot.preview import segment_json

    return [segment_json(result.platform, s) for plan in result.plans for s in plan.segments]


# -- the daemon's side: publishing outbox rows ------------------------------------------------

MAX_ATTEMPTS = 8
CONFIG_RETRY = 300.0  # a missing secret or broken account: try again after five minutes


@dataclass
class Sent:
    """A post that went out, for the daemon's log line."""

    row: Row
    receipt: Receipt


class Publisher:
    """Publishes claimed outbox rows through one adapter per account."""

    def __init__(
        self,
        settings: Settings,
        outbox: Outbox,
        client: httpx.AsyncClient | ClientShards,
        per_account: int = 1,
        policy: RetryPolicy | None = None,
        on_sent: Callable[[Sent], None] | None = None,
    ) -> None:
        self.settings = settings
        self.outbox = outbox
        self.client = client
        self.per_account = per_account
        self.policy = policy or RetryPolicy()
        self.on_sent = on_sent
        self._adapters: dict[str, tuple[Account, Adapter]] = {}
        self._locks: dict[str, asyncio.Semaphore] = {}

    def adapter(self, account: Account) -> Adapter:
        """One adapter per account, kept while its settings stay the same (sessions live on)."""
        cached = self._adapters.get(account.name)
        if cached is None or cached[0] != account:
            client = (
                self.client.for_account(account.name)
                if isinstance(self.client, ClientShards)
                else self.client
            )
            cached = (account, get_adapter(account.platform)(account, client, self.policy))
            self._adapters[account.name] = cached
        return cached[1]

    def lock(self, account: str) -> asyncio.Semaphore:
        return self._locks.setdefault(account, asyncio.Semaphore(self.per_account))

    async def publish_row(self, row: Row) -> None:
        """Send one row and record its outcome; never raises for the platform's sake."""
        async with self.lock(row.account):
            await self._publish(row)

    async def _finish(self, row: Row, status: OutboxStatus, error: str | None = None) -> None:
        outbox = self.outbox
        await self._record(row, lambda: outbox.run(lambda c: outbox.finish(row, status, error, c)))

    async def _retry(self, row: Row, delay: float, error: str) -> None:
        outbox, due = self.outbox, time.time() + delay
        await self._record(
            row, lambda: outbox.run(lambda c: outbox.retry_later(row, due, error, c))
        )

    async def _record(self, row: Row, write: Callable[[], Awaitable[None]]) -> None:
        """Write a row's outcome, waiting out a state database that is away for a moment.

        The outcome is known (a post went out, or was refused) and must not be
        lost to a database restart: the write is tried again for as long as
        the row's lease lasts. Past that, the row stays claimed and is resumed
        from what was recorded (an idempotent platform repeats the part under
        the same key; the others look for it or mark it unknown).
        """
        delay, deadline = 0.5, time.monotonic() + self.outbox.lease
        while True:
            try:
                await write()
                return
            except StoreError as exc:
                if time.monotonic() + delay > deadline:
                    raise
                log.warning(
                    "row %d: cannot record its outcome yet (%s); trying again in %.1fs",
                    row.id,
                    exc,
                    delay,
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _publish(self, row: Row) -> None:
        if row.plan is None:
            await self._finish(row, OutboxStatus.FAILED, row.last_error or "nothing to send")
            return
        try:
            account = self.settings.account(row.account)
            adapter = self.adapter(account)
            receipt = await adapter.publish(row.plan, OutboxJournal(self.outbox, row))
        except LeaseLost as exc:
            log.warning("%s", exc)
            return
        except StoreError as exc:  # progress could not be recorded: stop, resume later
            log.warning(
                "row %d: %s; it resumes from its last recorded part once the lease lapses",
                row.id,
                exc,
            )
            return
        except RateLimited as exc:
            await self._retry(row, exc.retry_after, str(exc))
            log.warning("%s: %s; row %d waits", row.account, exc.message, row.id)
            return
        except TransientError as exc:
            if row.attempts + 1 >= MAX_ATTEMPTS:
                reason = f"gave up after {MAX_ATTEMPTS} attempts: {exc}"
                await self._finish(row, OutboxStatus.FAILED, reason)
                log.error("failed %s %s to %s: %s", row.schedule, row.slot, row.account, exc)
            else:
                delay = min(3600.0, 30.0 * 2**row.attempts)
                if isinstance(exc, ServerError) and exc.retry_after is not None:
                    delay = max(delay, exc.retry_after)  # a 503 that named its wait
                await self._retry(row, delay, str(exc))
                log.warning("%s; retrying row %d in %.0fs", exc, row.id, delay)
            return
        except DeliveryUnknown as exc:
            await self._finish(row, OutboxStatus.UNKNOWN, str(exc))
            log.error(
                "unknown %s %s to %s: %s (check the account; postbot will not resend it)",
                row.schedule,
                row.slot,
                row.account,
                exc,
            )
            return
        except PermanentError as exc:
            await self._finish(row, OutboxStatus.FAILED, str(exc))
            log.error("failed %s %s to %s: %s", row.schedule, row.slot, row.account, exc)
            return
        except PostbotError as exc:  # configuration: a missing secret, an unknown account
            await self._retry(row, CONFIG_RETRY, str(exc))
            log.error("%s (row %d retries in %.0fs)", exc, row.id, CONFIG_RETRY)
            return
        try:
            await self._finish(row, OutboxStatus.SENT)
        except LeaseLost as exc:
            log.warning("%s (its post was sent)", exc)
            return
        urls = receipt.urls
        log.info(
            "sent %s %s to %s: %s",
            row.schedule,
            row.slot,
            row.account,
            " ".join(urls) if urls else ", ".join(s.remote_id for s in receipt.segments),
            extra={
                "schedule": row.schedule,
                "slot": row.slot,
                "account": row.account,
                "urls": urls,
            },
        )
        if self.on_sent:
            self.on_sent(Sent(row, receipt))

    async def aclose(self) -> None:
        for _, adapter in self._adapters.values():
            await adapter.aclose()
