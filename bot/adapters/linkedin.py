"""LinkedIn: POST /rest/posts with the commentary in "little" text.

Headers: ``Linkedin-Version`` (YYYYMM; LinkedIn retires old versions) and
``X-Restli-Protocol-Version: 2.0.0``. The new post's URN comes back in the
``x-restli-id`` header. LinkedIn has no threads (compose makes one post) and
no idempotency key, so an unknown outcome is reported, not re-sent.
"""

from __future__ import annotations

import itertools
from typing import ClassVar

import httpx

from bot.adapters.base import Adapter, Journal, fake_response
from bot.models import PostPlan, SentSegment
from bot.platforms.escape import escape_linkedin

DEFAULT_VERSION = "202510"
_fake_ids = itertools.count(7_300_000_000_000_000_000)


class LinkedInAdapter(Adapter):
    platform: ClassVar[str] = "linkedin"

    async def send_segment(
        self, plan: PostPlan, index: int, sent: list[SentSegment], journal: Journal
    ) -> SentSegment:
        body = {
            "author": self.account.option("author"),
            "commentary": escape_linkedin(plan.segments[index].text),
            "visibility": "PUBLIC",
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        headers = {
            "Authorization": f"Bearer {self.account.secret('token')}",
            "Linkedin-Version": str(self.account.option("version", DEFAULT_VERSION)),
            "X-Restli-Protocol-Version": "2.0.0",
        }
        response = await self.request(
            "POST",
            f"{self.account.base_url}/rest/posts",
            json=body,
            headers=headers,
            safe_to_repeat=False,
        )
        urn = response.headers.get("x-restli-id") or ""
        return SentSegment(
            remote_id=urn, url=f"https://www.linkedin.com/feed/update/{urn}" if urn else None
        )

    @classmethod
    def dry_run_response(cls, request: httpx.Request) -> httpx.Response | None:
        if request.method == "POST" and request.url.path.endswith("/rest/posts"):
            return fake_response(201, "", {"x-restli-id": f"urn:li:share:{next(_fake_ids)}"})
        return None
