"""Threads (Meta): create a text container, then publish it; replies by ``reply_to_id``.

The container id is saved before publishing, so after a crash or a lost
answer the container's status says whether it was already published
(``PUBLISHED``) instead of a second container being made.
"""

from __future__ import annotations

import itertools
from typing import Any, ClassVar

import httpx

from bot.adapters.base import Adapter, Journal, fake_response
from bot.errors import PublishError
from bot.models import PostPlan, SentSegment

_fake_ids = itertools.count(17_900_000_000_000_000)
API_VERSION = "v1.0"


class ThreadsAdapter(Adapter):
    platform: ClassVar[str] = "threads"

    def _url(self, path: str) -> str:
        return f"{self.account.base_url}/{API_VERSION}/{path}"

    def _auth(self) -> dict[str, str]:
        return {"access_token": self.account.secret("token")}

    async def send_segment(
        self, plan: PostPlan, index: int, sent: list[SentSegment], journal: Journal
    ) -> SentSegment:
        user = self.account.option("user_id")
        material = journal.material(index)
        container = material.get("container")
        if container and (found := await self._published(container, plan, index)):
            return found
        if not container:
            params: dict[str, Any] = {"media_type": "TEXT", "text": plan.segments[index].text}
            if sent:
                params["reply_to_id"] = sent[-1].remote_id
            response = await self.request(
                "POST",
                self._url(f"{user}/threads"),
                data={**params, **self._auth()},
                safe_to_repeat=False,
            )
            container = str(response.json()["id"])
            await journal.remember(index, {"container": container})
        if delay := float(self.account.option("publish_delay", 0)):
            await self.sleep(delay)  # Meta recommends a pause before publishing media
        response = await self.request(
            "POST",
            self._url(f"{user}/threads_publish"),
            data={"creation_id": container, **self._auth()},
            safe_to_repeat=False,
        )
        media = str(response.json()["id"])
        return SentSegment(
            remote_id=media, url=await self._permalink(media), extra={"container": container}
        )

    async def _permalink(self, media: str) -> str | None:
        permalink = None
        try:
            response = await self.request(
                "GET", self._url(media), params={"fields": "permalink", **self._auth()}
            )
            permalink = response.json().get("permalink")
        except (PublishError, ValueError):
            return None
        return str(permalink) if permalink else None

    async def _published(self, container: str, plan: PostPlan, index: int) -> SentSegment | None:
        try:
            response = await self.request(
                "GET", self._url(container), params={"fields": "status", **self._auth()}
            )
        except PublishError:
            return None
        if response.json().get("status") != "PUBLISHED":
            return None
        return await self.find_sent(plan, index, [])

    async def find_sent(
        self, plan: PostPlan, index: int, sent: list[SentSegment]
    ) -> SentSegment | None:
        user = self.account.option("user_id")
        try:
            response = await self.request(
                "GET",
                self._url(f"{user}/threads"),
                params={"fields": "id,text,permalink", "limit": 5, **self._auth()},
            )
        except PublishError:
            return None
        for post in response.json().get("data") or []:
            if post.get("text") == plan.segments[index].text:
                return SentSegment(remote_id=str(post["id"]), url=post.get("permalink"))
        return None

    @classmethod
    def dry_run_response(cls, request: httpx.Request) -> httpx.Response | None:
        path = request.url.path
        if request.method == "POST" and path.endswith(("/threads", "/threads_publish")):
            return fake_response(200, {"id": str(next(_fake_ids))})
        if request.method == "GET" and "permalink" in request.url.params.get("fields", ""):
            media = path.rsplit("/", 1)[-1]
            return fake_response(
                200, {"id": media, "permalink": f"https://www.threads.net/@dry-run/post/{media}"}
            )
        return None
