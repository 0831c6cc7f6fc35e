"""Mastodon: POST /api/v1/statuses, replies by ``in_reply_to_id``.

The instance's character limit is read once from ``GET /api/v2/instance``
(``configuration.statuses.max_characters``) and cached. Every status carries
an ``Idempotency-Key`` that is stable for the (post, segment) and reused on
every retry, so Mastodon returns the status it already made instead of
posting twice (keys are kept for an hour).
"""

from __future__ import annotations

import hashlib
import itertools
import time
from typing import Any, ClassVar

import httpx

from bot.adapters.base import Adapter, Journal, fake_response
from bot.errors import PublishError
from bot.models import PostPlan, SentSegment
from bot.platforms import Platform, get_platform

_fake_ids = itertools.count(110_000_000_000_000_000)
LIMIT_RETRY = 600.0  # seconds


class MastodonAdapter(Adapter):
    platform: ClassVar[str] = "mastodon"
    idempotent: ClassVar[bool] = True

    _limit: int | None = None
    _ask_again_at = 0.0  # when a limit that could not be read is asked for again

    def _headers(self, key: str | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.account.secret('token')}"}
        if key:
            headers["Idempotency-Key"] = key
        return headers

    async def rules(self) -> Platform:
        if limit := self.account.option("limit"):
            return get_platform("mastodon", int(limit))
        if self._limit is None or (self._ask_again_at and time.monotonic() >= self._ask_again_at):
            self._limit = await self._instance_limit()
        return get_platform("mastodon", self._limit)

    async def _instance_limit(self) -> int:
        """The instance's own limit; 500 (Mastodon's default) while it cannot be read.

        A limit read is kept for the life of the adapter; one that could not
        be read (the instance was down, or said nothing) is asked for again
        after ten minutes, so one bad moment does not cap a bigger instance.
        """
        try:
            response = await self.request("GET", f"{self.account.base_url}/api/v2/instance")
            value = int(response.json()["configuration"]["statuses"]["max_characters"])
        except (PublishError, KeyError, TypeError, ValueError):
            self._ask_again_at = time.monotonic() + LIMIT_RETRY
            return 500
        self._ask_again_at = 0.0
        return value

    async def send_segment(
        self, plan: PostPlan, index: int, sent: list[SentSegment], journal: Journal
    ) -> SentSegment:
        # The key is derived from the post's identity, so a repeat after a
        # lost answer (even by another daemon) carries the same key and
        # Mastodon returns the first status; another post of the same text
        # (another schedule, a second `postbot post`) has another identity.
        # Nothing needs writing before the send.
        seed = f"postbot:{journal.identity}:{index}"
        key = hashlib.sha256(seed.encode()).hexdigest()[:32]
        body: dict[str, Any] = {
            "status": plan.segments[index].text,
            "visibility": self.account.option("visibility", "public"),
        }
        if plan.language:
            body["language"] = plan.language
        if sent:
            body["in_reply_to_id"] = sent[-1].remote_id
        response = await self.request(
            "POST",
            f"{self.account.base_url}/api/v1/statuses",
            json=body,
            headers=self._headers(key),
            safe_to_repeat=True,  # the Idempotency-Key makes a repeat harmless
        )
        status = response.json()
        return SentSegment(remote_id=str(status["id"]), url=status.get("url") or status.get("uri"))

    @classmethod
    def dry_run_response(cls, request: httpx.Request) -> httpx.Response | None:
        path = request.url.path
        if request.method == "GET" and path.endswith("/api/v2/instance"):
            config = {"statuses": {"max_characters": 500, "characters_reserved_per_url": 23}}
            return fake_response(200, {"domain": request.url.host, "configuration": config})
        if request.method == "POST" and path.endswith("/api/v1/statuses"):
            status_id = str(next(_fake_ids))
            base = f"{request.url.scheme}://{request.url.host}"
            return fake_response(
                200,
                {
                    "id": status_id,
                    "url": f"{base}/@dry-run/{status_id}",
                    "uri": f"{base}/statuses/{status_id}",
                },
            )
        return None
