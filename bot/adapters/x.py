"""X: POST /2/tweets, threads by ``reply.in_reply_to_tweet_id``.

Auth is an OAuth 2.0 user token (``token``) or OAuth 1.0a user context
(``consumer_key``, ``consumer_secret``, ``access_token``,
``access_token_secret``), signed afresh for every attempt (a new nonce and
timestamp) over the method, the full URL with its query and any form body; a
JSON body is not part of the signature (RFC 5849 section 3.4.1.3). X has no
idempotency key, so a post whose outcome is unknown (a 5xx, a lost answer) is
looked for among the account's recent posts before anything is sent again;
if it is not found the outcome stays unknown rather than risk a double post.
"""

from __future__ import annotations

import itertools
import logging
import unicodedata
from collections.abc import Generator
from typing import Any, ClassVar

import httpx

from bot.adapters.base import Adapter, Journal, fake_response
from bot.config import Account
from bot.errors import PublishError
from bot.models import PostPlan, SentSegment

log = logging.getLogger(__name__)
FORM = "application/x-www-form-urlencoded"
_fake_ids = itertools.count(1_870_000_000_000_000_000)


class OAuth1(httpx.Auth):
    """OAuth 1.0a HMAC-SHA1, signing the request exactly as it goes out.

    Signing in the auth flow, not before, means the query string httpx builds
    from ``params=`` is signed too (RFC 5849 section 3.4.1.3.1), and that each
    retry carries a fresh nonce (section 3.3: a server may refuse a reused one).
    """

    requires_request_body = True

    def __init__(self, account: Account) -> None:
        self.account = account

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        from oauthlib.oauth1 import Client

        client = Client(
            self.account.secret("consumer_key"),
            client_secret=self.account.secret("consumer_secret"),
            resource_owner_key=self.account.secret("access_token"),
            resource_owner_secret=self.account.secret("access_token_secret"),
        )
        body, headers = None, {}
        if request.headers.get("content-type") == FORM:  # only a form body is signed
            body, headers = request.content.decode(), {"Content-Type": FORM}
        _, signed, _ = client.sign(
            str(request.url), http_method=request.method, body=body, headers=headers
        )
        request.headers["Authorization"] = signed["Authorization"]
        yield request


class XAdapter(Adapter):
    platform: ClassVar[str] = "x"

    async def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        url = f"{self.account.base_url}{path}"
        if "token" in self.account.secrets:
            headers = {"Authorization": f"Bearer {self.account.secret('token')}"}
            return await self.request(method, url, headers=headers, **kwargs)
        return await self.request(method, url, auth=OAuth1(self.account), **kwargs)

    async def send_segment(
        self, plan: PostPlan, index: int, sent: list[SentSegment], journal: Journal
    ) -> SentSegment:
        body: dict[str, Any] = {"text": plan.segments[index].text}
        if sent:
            body["reply"] = {"in_reply_to_tweet_id": sent[-1].remote_id}
        response = await self._call("POST", "/2/tweets", json=body, safe_to_repeat=False)
        post_id = str(response.json()["data"]["id"])
        return SentSegment(remote_id=post_id, url=f"https://x.com/i/web/status/{post_id}")

    async def find_sent(
        self, plan: PostPlan, index: int, sent: list[SentSegment]
    ) -> SentSegment | None:
        """Look for the post among the account's five most recent."""
        wanted = _comparable(plan.segments[index].text)
        try:
            me = (await self._call("GET", "/2/users/me")).json()["data"]["id"]
            recent = await self._call("GET", f"/2/users/{me}/tweets", params={"max_results": 5})
            posts = recent.json().get("data") or []
        except PublishError as exc:
            log.warning("%s: could not look for the post: %s", self.account.name, exc.message)
            return None
        except (KeyError, ValueError, AttributeError):
            return None
        for post in posts:
            if _comparable(str(post.get("text", ""))) == wanted:
                post_id = str(post["id"])
                return SentSegment(remote_id=post_id, url=f"https://x.com/i/web/status/{post_id}")
        return None

    @classmethod
    def dry_run_response(cls, request: httpx.Request) -> httpx.Response | None:
        if request.method == "POST" and request.url.path.endswith("/2/tweets"):
            import json

            text = json.loads(request.content or b"{}").get("text", "")
            return fake_response(201, {"data": {"id": str(next(_fake_ids)), "text": text}})
        return None


def _comparable(text: str) -> str:
    """X shortens links and normalises text; compare without them."""
    words = [
        w for w in unicodedata.normalize("NFC", text).split() if "://" not in w and "t.co/" not in w
    ]
    return " ".join(words)
