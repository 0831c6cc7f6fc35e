"""Slack incoming webhooks: ``{"text": ...}`` in mrkdwn, answered with ``ok``.

Incoming webhooks return no message id, so a thread's segments go out in
order as separate messages and the receipt records only that each went out.
"""

from __future__ import annotations

from typing import ClassVar

import httpx

from bot.adapters.base import Adapter, Journal, fake_response
from bot.models import PostPlan, SentSegment
from bot.platforms.escape import escape_slack


class SlackAdapter(Adapter):
    platform: ClassVar[str] = "slack"

    async def send_segment(
        self, plan: PostPlan, index: int, sent: list[SentSegment], journal: Journal
    ) -> SentSegment:
        await self.request(
            "POST",
            self.account.secret("webhook_url"),
            json={"text": escape_slack(plan.segments[index].text)},
            safe_to_repeat=False,
        )
        return SentSegment(remote_id=f"slack-{index + 1}")

    @classmethod
    def dry_run_response(cls, request: httpx.Request) -> httpx.Response | None:
        if request.method == "POST":
            return fake_response(200, "ok")
        return None
