"""Threads (Meta): create a text container, then publish it; replies by ``reply_to_id``.

A container is not a post until ``threads_publish`` makes it one, so creating
one again after a lost answer is harmless (an unpublished container expires
after 24 hours). Its id is saved before it is published, and from then on
the container's status is the proof of what happened: after a crash, a lost
answer or a 5xx from ``threads_publish``, the status is read first.
``PUBLISHED`` means the post exists (it is looked up, never made again);
``FINISHED`` or ``IN_PROGRESS`` mean it was not published, so publishing the
same container now cannot make a second post; ``ERROR`` or ``EXPIRED`` mean
it never will be, so a new container is made. A status that cannot be read
leaves the outcome unknown. (Meta documents no guarantee about publishing a
container twice, so postbot never relies on one.)
"""

from __future__ import annotations

import itertools
from typing import Any, ClassVar

import httpx

from bot.adapters.base import Adapter, Journal, fake_response
from bot.errors import DeliveryUnknown, PermanentError, PublishError, TransientError
from bot.models import PostPlan, SentSegment

_fake_ids = itertools.count(17_900_000_000_000_000)
API_VERSION = "v1.0"
NOT_PUBLISHED = frozenset({"FINISHED", "IN_PROGRESS"})  # may be published now
NEVER_PUBLISHED = frozenset({"ERROR", "EXPIRED"})  # needs a new container


class ThreadsAdapter(Adapter):
    platform: ClassVar[str] = "threads"

    def _url(self, path: str) -> str:
        return f"{self.account.base_url}/{API_VERSION}/{path}"

    def _auth(self) -> dict[str, str]:
        return {"access_token": self.account.secret("token")}

    async def send_segment(
        self, plan: PostPlan, index: int, sent: list[SentSegment], journal: Journal
    ) -> SentSegment:
        container = journal.material(index).get("container")
        if container:
            status = await self._status(container)
            if status == "PUBLISHED":
                return await self._published(container, plan, index, sent)
            if status in NEVER_PUBLISHED:
                container = None
            elif status not in NOT_PUBLISHED:
                raise DeliveryUnknown(
                    self.account.name, f"container {container} has an unknown status {status!r}"
                )
        if not container:
            container = await self._create(plan, index, sent)
            await journal.remember(index, {"container": container})
        if delay := float(self.account.option("publish_delay", 0)):
            await self.sleep(delay)  # Meta recommends a pause before publishing media
        media = await self._publish(container)
        if media is None:
            return await self._published(container, plan, index, sent)
        return SentSegment(
            remote_id=media, url=await self._permalink(media), extra={"container": container}
        )

    async def resume_segment(
        self, plan: PostPlan, index: int, sent: list[SentSegment], journal: Journal
    ) -> SentSegment | None:
        """Send again: the saved container's status decides (none saved: nothing was published)."""
        return await self.send_segment(plan, index, sent, journal)

    async def _create(self, plan: PostPlan, index: int, sent: list[SentSegment]) -> str:
        params: dict[str, Any] = {"media_type": "TEXT", "text": plan.segments[index].text}
        if sent:
            params["reply_to_id"] = sent[-1].remote_id
        response = await self.request(
            "POST",
            self._url(f"{self.account.option('user_id')}/threads"),
            data={**params, **self._auth()},
            safe_to_repeat=True,  # a container is not a post; only the saved one is published
        )
        return str(response.json()["id"])

    async def _publish(self, container: str) -> str | None:
        """The new post's id; None when an unclear failure had published it after all.

        After a 5xx or a lost answer the container's status decides: still
        unpublished, it is published again (with backoff); published, the
        caller looks the post up; anything else leaves the outcome unknown.
        """
        for attempt in itertools.count(1):
            try:
                response = await self.request(
                    "POST",
                    self._url(f"{self.account.option('user_id')}/threads_publish"),
                    data={"creation_id": container, **self._auth()},
                    safe_to_repeat=False,
                )
                return str(response.json()["id"])
            except DeliveryUnknown as exc:
                status = await self._status(container)
                if status == "PUBLISHED":
                    return None
                if status not in NOT_PUBLISHED | NEVER_PUBLISHED:
                    raise
                delay = self._delay(exc, attempt)
                if status in NEVER_PUBLISHED or attempt >= self.policy.attempts or delay is None:
                    raise TransientError(
                        self.account.name,
                        f"{exc.message}; container {container} is {status}, not published, "
                        "so the post can be tried again",
                    ) from exc
                await self.retry_later(delay, exc, attempt, "the container is unpublished")
        raise AssertionError("unreachable")

    async def _status(self, container: str) -> str:
        """The container's status; a refused or unreadable answer leaves the outcome unknown."""
        try:
            response = await self.request(
                "GET", self._url(container), params={"fields": "status", **self._auth()}
            )
            return str(response.json().get("status"))
        except PermanentError as exc:
            raise DeliveryUnknown(
                self.account.name, f"cannot read the status of container {container}: {exc.message}"
            ) from exc
        except (ValueError, AttributeError) as exc:
            raise DeliveryUnknown(
                self.account.name, f"cannot read the status of container {container}"
            ) from exc

    async def _published(
        self, container: str, plan: PostPlan, index: int, sent: list[SentSegment]
    ) -> SentSegment:
        found = await self.find_sent(plan, index, sent)
        if found is None:
            raise DeliveryUnknown(
                self.account.name,
                f"container {container} was published, but its post was not found among the latest",
            )
        return SentSegment(found.remote_id, found.url, extra={"container": container})

    async def _permalink(self, media: str) -> str | None:
        try:
            response = await self.request(
                "GET", self._url(media), params={"fields": "permalink", **self._auth()}
            )
            permalink = response.json().get("permalink")
        except (PublishError, ValueError, AttributeError):
            return None
        return str(permalink) if permalink else None

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
            posts = response.json().get("data") or []
        except (PublishError, ValueError, AttributeError):
            return None
        for post in posts:
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
