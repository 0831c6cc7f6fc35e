"""Bluesky (AT Protocol): createRecord of app.bsky.feed.post, replies by strong refs.

* One session per account, made with createSession once and reused; an
  expired access token is refreshed with refreshSession (logins are
  rate-limited: 30 per 5 minutes), and only a failed refresh logs in again.
* Facets come from the text rules (``bot.platforms.richtext``); mention
  handles are resolved to DIDs with resolveHandle, and a mention whose handle
  does not resolve is dropped (as Bluesky's own app does).
* The session's tokens are credentials too: they are masked in every
  message, as the account's own secrets are.
* Every segment gets a record key (a TID) chosen before it is first sent and
  kept across retries. A repeated create at that key cannot make a second
  post, and after any unclear failure getRecord is asked first, so a post
  that did arrive is found instead of re-sent.
"""

from __future__ import annotations

import itertools
import logging
import random
import time
from datetime import UTC, datetime
from typing import Any, ClassVar

import httpx

from bot.adapters.base import Adapter, Journal, fake_response
from bot.errors import (
    AuthError,
    DeliveryUnknown,
    PublishError,
    RateLimited,
    Rejected,
    TransientError,
)
from bot.models import Facet, PostPlan, SentSegment

log = logging.getLogger(__name__)

POST = "app.bsky.feed.post"
_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
_fake_cids = itertools.count(1)


def make_tid(micros: int | None = None, clock_id: int | None = None) -> str:
    """A record key in the TID format: 53 bits of microseconds, 10 bits of clock id."""
    micros = time.time_ns() // 1000 if micros is None else micros
    clock = random.getrandbits(10) if clock_id is None else clock_id
    value = (micros << 10) | clock
    return "".join(_TID_ALPHABET[(value >> shift) & 31] for shift in range(60, -1, -5))


class BlueskyAdapter(Adapter):
    platform: ClassVar[str] = "bluesky"
    idempotent: ClassVar[bool] = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._session: dict[str, str] | None = None
        self._dids: dict[str, str | None] = {}
        self.logins = 0

    # -- session -------------------------------------------------------------------------

    def _xrpc(self, method: str) -> str:
        return f"{self.account.base_url}/xrpc/{method}"

    async def _login(self) -> dict[str, str]:
        response = await self.request(
            "POST",
            self._xrpc("com.atproto.server.createSession"),
            json={
                "identifier": self.account.option("handle"),
                "password": self.account.secret("app_password"),
            },
            safe_to_repeat=True,
        )
        self.logins += 1
        session = response.json()
        self.redact.add([session.get("accessJwt", ""), session.get("refreshJwt", "")])
        log.info("%s: logged in to Bluesky as %s", self.account.name, session.get("handle"))
        return {k: session[k] for k in ("accessJwt", "refreshJwt", "did", "handle")}

    async def _refresh(self) -> None:
        assert self._session is not None
        try:
            response = await self.request(
                "POST",
                self._xrpc("com.atproto.server.refreshSession"),
                headers={"Authorization": f"Bearer {self._session['refreshJwt']}"},
                safe_to_repeat=True,
            )
        except (Rejected, AuthError):
            self._session = await self._login()  # the refresh token expired too
            return
        fresh = response.json()
        self.redact.add([fresh.get("accessJwt", ""), fresh.get("refreshJwt", "")])
        self._session.update({k: fresh[k] for k in ("accessJwt", "refreshJwt") if k in fresh})
        log.info("%s: refreshed the Bluesky session", self.account.name)

    async def session(self) -> dict[str, str]:
        if self._session is None:
            self._session = await self._login()
        return self._session

    async def _authed(self, method: str, xrpc: str, **kwargs: Any) -> httpx.Response:
        """An authenticated call; an expired access token is refreshed once."""
        for attempt in (1, 2):
            session = await self.session()
            headers = {"Authorization": f"Bearer {session['accessJwt']}"}
            try:
                return await self.request(method, self._xrpc(xrpc), headers=headers, **kwargs)
            except Rejected as exc:
                if attempt == 1 and exc.status == 400 and "ExpiredToken" in exc.platform_message:
                    await self._refresh()
                    continue
                raise
        raise AssertionError("unreachable")

    # -- posting -------------------------------------------------------------------------

    async def _resolve(self, handle: str) -> str | None:
        """The DID of a mentioned handle; None when the handle does not resolve.

        Only an answer that the handle is unknown drops the mention (and is
        remembered); a failure of the moment (5xx, timeout) is raised, so the
        post waits for a retry instead of going out with the mention lost.
        """
        if handle not in self._dids:
            try:
                response = await self.request(
                    "GET",
                    self._xrpc("com.atproto.identity.resolveHandle"),
                    params={"handle": handle},
                )
                self._dids[handle] = str(response.json()["did"])
            except (TransientError, DeliveryUnknown):
                raise
            except (PublishError, KeyError, ValueError):
                log.info(
                    "%s: mention @%s does not resolve; it stays plain text",
                    self.account.name,
                    handle,
                )
                self._dids[handle] = None
        return self._dids[handle]

    async def facets(self, facets: tuple[Facet, ...]) -> list[dict[str, Any]]:
        """Facets as the record stores them; unresolvable mentions left out."""
        out = []
        for facet in facets:
            index = {"byteStart": facet.byte_start, "byteEnd": facet.byte_end}
            if facet.type == "link":
                feature = {"$type": "app.bsky.richtext.facet#link", "uri": facet.value}
            elif facet.type == "tag":
                feature = {"$type": "app.bsky.richtext.facet#tag", "tag": facet.value}
            else:
                did = await self._resolve(facet.value)
                if did is None:
                    continue
                feature = {"$type": "app.bsky.richtext.facet#mention", "did": did}
            out.append({"index": index, "features": [feature]})
        return out

    async def _get_record(self, rkey: str) -> SentSegment | None:
        session = await self.session()
        try:
            response = await self.request(
                "GET",
                self._xrpc("com.atproto.repo.getRecord"),
                params={"repo": session["did"], "collection": POST, "rkey": rkey},
            )
        except Rejected:
            return None  # RecordNotFound
        data = response.json()
        return self._sent(data["uri"], data["cid"], rkey)

    def _sent(self, uri: str, cid: str, rkey: str) -> SentSegment:
        handle = self._session["handle"] if self._session else self.account.option("handle")
        return SentSegment(
            remote_id=uri, url=f"https://bsky.app/profile/{handle}/post/{rkey}", extra={"cid": cid}
        )

    async def send_segment(
        self, plan: PostPlan, index: int, sent: list[SentSegment], journal: Journal
    ) -> SentSegment:
        segment = plan.segments[index]
        material = journal.material(index)
        resumed = "rkey" in material
        if not resumed:
            material = {"rkey": make_tid(), "createdAt": _now_iso()}
            await journal.remember(index, material)
        rkey = material["rkey"]
        if resumed and (existing := await self._get_record(rkey)):
            return existing  # sent before a crash or a lost answer
        record: dict[str, Any] = {
            "$type": POST,
            "text": segment.text,
            "createdAt": material["createdAt"],
        }
        if plan.language:
            record["langs"] = [plan.language]
        if facets := await self.facets(segment.facets):
            record["facets"] = facets
        if sent:
            root, parent = sent[0], sent[-1]
            record["reply"] = {
                "root": {"uri": root.remote_id, "cid": root.extra["cid"]},
                "parent": {"uri": parent.remote_id, "cid": parent.extra["cid"]},
            }
        session = await self.session()
        body = {"repo": session["did"], "collection": POST, "rkey": rkey, "record": record}
        for attempt in range(1, self.policy.attempts + 1):
            try:
                response = await self._authed(
                    "POST",
                    "com.atproto.repo.createRecord",
                    json=body,
                    attempts=1,
                    safe_to_repeat=True,  # the record key: a second create cannot post twice
                )
                data = response.json()
                return self._sent(data["uri"], data["cid"], rkey)
            except (DeliveryUnknown, TransientError) as exc:
                # The record may exist (a repeated create at its key fails with a
                # server error): ask before trying again. A 429 created nothing.
                if not isinstance(exc, RateLimited) and (existing := await self._get_record(rkey)):
                    return existing
                delay = self._delay(exc, attempt)
                if attempt == self.policy.attempts or delay is None:
                    raise
                await self.retry_later(delay, exc, attempt)
        raise AssertionError("unreachable")

    async def find_sent(
        self, plan: PostPlan, index: int, sent: list[SentSegment]
    ) -> SentSegment | None:
        return None  # send_segment already asks getRecord

    @classmethod
    def dry_run_response(cls, request: httpx.Request) -> httpx.Response | None:
        path = request.url.path
        if path.endswith(("com.atproto.server.createSession", "refreshSession")):
            body = _json_body(request)
            handle = str(body.get("identifier") or "dry-run.bsky.social")
            did = "did:plc:" + _fake_id(handle)
            return fake_response(
                200, {"accessJwt": "dry-run", "refreshJwt": "dry-run", "did": did, "handle": handle}
            )
        if path.endswith("com.atproto.identity.resolveHandle"):
            return fake_response(
                200, {"did": "did:plc:" + _fake_id(request.url.params.get("handle", ""))}
            )
        if path.endswith("com.atproto.repo.createRecord"):
            body = _json_body(request)
            uri = f"at://{body.get('repo')}/{POST}/{body.get('rkey')}"
            return fake_response(
                200,
                {
                    "uri": uri,
                    "cid": f"bafyreidryrun{next(_fake_cids):08d}",
                    "validationStatus": "valid",
                },
            )
        if path.endswith("com.atproto.repo.getRecord"):
            return fake_response(
                400, {"error": "RecordNotFound", "message": "Could not locate record"}
            )
        return None


def _now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _json_body(request: httpx.Request) -> dict[str, Any]:
    import json

    try:
        data = json.loads(request.content or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _fake_id(seed: str) -> str:
    import hashlib

    digest = hashlib.sha256(seed.encode()).digest()
    return "".join(_TID_ALPHABET[b % 32] for b in digest[:24])
