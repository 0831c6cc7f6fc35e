"""Discord webhooks: execute with ``?wait=true`` so the message comes back.

Webhooks have no replies: a thread's segments go out in order as separate
messages. ``allowed_mentions`` is empty, so article text can never ping
@everyone. The webhook URL is the secret.
"""

from __future__ import annotations

import itertools
from typing import Any, ClassVar

import httpx

from bot import __version__
from bot.adapters.base import Adapter, Journal, fake_response
from bot.models import PostPlan, SentSegment
from bot.platforms.escape import escape_discord

_fake_ids = itertools.count(1_300_000_000_000_000_000)


class DiscordAdapter(Adapter):
    platform: ClassVar[str] = "discord"

    async def send_segment(
        self, plan: PostPlan, index: int, sent: list[SentSegment], journal: Journal
    ) -> SentSegment:
        body: dict[str, Any] = {
            "content": escape_discord(plan.segments[index].text),
            "allowed_mentions": {"parse": []},
        }
        if username := self.account.option("username"):
            body["username"] = username
        headers = {"User-Agent": f"DiscordBot (https://github.com/postbot, {__version__})"}
        response = await self.request(
            "POST",
            self.account.secret("webhook_url"),
            params={"wait": "true"},
            json=body,
            headers=headers,
            safe_to_repeat=False,
        )
        message = response.json()
        return SentSegment(
            remote_id=str(message["id"]), extra={"channel_id": str(message.get("channel_id", ""))}
        )

    @classmethod
    def dry_run_response(cls, request: httpx.Request) -> httpx.Response | None:
        if request.method == "POST" and "/webhooks/" in request.url.path:
            return fake_response(
                200, {"id": str(next(_fake_ids)), "channel_id": "1200000000000000000"}
            )
        return None
