"""Loopback servers that speak each platform's documented API (see platforms.md).

They check what the platforms check that matters to us (auth, reply targets,
idempotency keys, duplicate record keys, required headers, length limits) and
answer in the platforms' own shapes, error bodies and wait signals.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import re
import time
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import regex

from tests.servers.base import LoopbackServer, Reply, Request

_GRAPHEME = regex.compile(r"\X")


def graphemes(text: str) -> int:
    return len(_GRAPHEME.findall(text))


def oauth1_signature(
    method: str, url: str, params: list[tuple[str, str]], consumer_secret: str, token_secret: str
) -> str:
    """HMAC-SHA1 of the RFC 5849 signature base string (sections 3.4.1 and 3.4.2).

    Written from the RFC, not with the client's library, so that the two
    sides do not share a mistake.
    """

    def enc(text: str) -> str:  # section 3.6: only unreserved characters stay
        return quote(text, safe="~")

    parts = urlsplit(url)
    scheme, host, port = parts.scheme.lower(), (parts.hostname or "").lower(), parts.port
    default = (scheme, port) in (("http", 80), ("https", 443)) or port is None
    authority = host if default else f"{host}:{port}"
    base_uri = f"{scheme}://{authority}{parts.path or '/'}"
    pairs = sorted((enc(k), enc(v)) for k, v in params)
    normalised = "&".join(f"{k}={v}" for k, v in pairs)
    base = "&".join(enc(part) for part in (method.upper(), base_uri, normalised))
    key = f"{enc(consumer_secret)}&{enc(token_secret)}"
    digest = hmac.new(key.encode(), base.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class MastodonServer(LoopbackServer):
    """POST /api/v1/statuses with Idempotency-Key; GET /api/v2/instance."""

    def __init__(self, token: str = "mastodon-token", max_characters: int = 500) -> None:
        super().__init__()
        self.token = token
        self.max_characters = max_characters
        self.statuses: list[dict[str, Any]] = []
        self.keys: dict[str, dict[str, Any]] = {}
        self.ids = itertools.count(1000)
        self.route("GET", r"/api/v2/instance", self.instance)
        self.route("POST", r"/api/v1/statuses", self.create)

    def instance(self, request: Request) -> Reply:
        config = {
            "statuses": {"max_characters": self.max_characters, "characters_reserved_per_url": 23}
        }
        return Reply(200, {"domain": "127.0.0.1", "configuration": config})

    def create(self, request: Request) -> Reply:
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return Reply(401, {"error": "The access token is invalid"})
        key = request.headers.get("idempotency-key")
        if key and key in self.keys:
            return Reply(200, self.keys[key])
        body = request.json
        reply_to = body.get("in_reply_to_id")
        if reply_to and not any(s["id"] == reply_to for s in self.statuses):
            return Reply(404, {"error": "Record not found"})
        if graphemes(body["status"]) > self.max_characters:
            return Reply(422, {"error": "Validation failed: Text character limit of 500 exceeded"})
        status_id = str(next(self.ids))
        status = {
            "id": status_id,
            "url": f"{self.url}/@news/{status_id}",
            "uri": f"{self.url}/users/news/statuses/{status_id}",
            "content": body["status"],
            "in_reply_to_id": reply_to,
            "language": body.get("language"),
        }
        self.statuses.append(status)
        if key:
            self.keys[key] = status
        return Reply(200, status)


class XServer(LoopbackServer):
    """POST /2/tweets, GET /2/users/me and /2/users/:id/tweets.

    Every route needs the bearer token or an OAuth 1.0a signature that
    verifies (RFC 5849, HMAC-SHA1): computed here from the method, the URL as
    received with its query, the form body and the oauth_* header fields,
    with the consumer and token secrets given; a bad signature, unknown key
    or reused nonce is a 401, as on X.
    """

    def __init__(
        self,
        token: str = "x-token",
        consumer: tuple[str, str] = ("ck", "cs"),
        access: tuple[str, str] = ("at", "as"),
    ) -> None:
        super().__init__()
        self.token = token
        self.consumer, self.access = consumer, access
        self.nonces: set[tuple[str, str]] = set()
        self.refused: list[str] = []  # why each OAuth 1.0a request was refused
        self.posts: list[dict[str, Any]] = []
        self.ids = itertools.count(1_800_000_000_000_000_001)
        self.route("POST", r"/2/tweets", self.create)
        self.route("GET", r"/2/users/me", self.me)
        self.route("GET", r"/2/users/(\d+)/tweets", self.timeline)

    def _authorised(self, request: Request) -> bool:
        auth = request.headers.get("authorization", "")
        if auth.startswith("OAuth "):
            problem = self._oauth1_problem(request, auth)
            if problem:
                self.refused.append(problem)
            return problem is None
        return auth == f"Bearer {self.token}"

    def _oauth1_problem(self, request: Request, auth: str) -> str | None:
        fields = dict(
            (k, unquote(v)) for k, v in re.findall(r'(\w+)="([^"]*)"', auth.removeprefix("OAuth "))
        )
        if fields.get("oauth_consumer_key") != self.consumer[0]:
            return "unknown consumer key"
        if fields.get("oauth_token") != self.access[0]:
            return "unknown token"
        if fields.get("oauth_signature_method") != "HMAC-SHA1":
            return "not HMAC-SHA1"
        if abs(time.time() - int(fields.get("oauth_timestamp", "0"))) > 300:
            return "stale timestamp"
        nonce = (fields.get("oauth_nonce", ""), fields.get("oauth_timestamp", ""))
        if nonce in self.nonces:
            return "nonce used before"
        params = [(k, v) for k, v in fields.items() if k.startswith("oauth_")]
        params = [(k, v) for k, v in params if k != "oauth_signature"]
        params += parse_qsl(request.raw_query, keep_blank_values=True)
        if request.headers.get("content-type") == "application/x-www-form-urlencoded":
            params += parse_qsl(request.body.decode(), keep_blank_values=True)
        url = f"http://{request.headers['host']}{request.path}"
        expected = oauth1_signature(request.method, url, params, self.consumer[1], self.access[1])
        if not hmac.compare_digest(expected, fields.get("oauth_signature", "")):
            return "signature does not match"
        self.nonces.add(nonce)
        return None

    def _unauthorised(self) -> Reply:
        return Reply(
            401,
            {
                "title": "Unauthorized",
                "detail": "Unauthorized",
                "type": "about:blank",
                "status": 401,
            },
        )

    def create(self, request: Request) -> Reply:
        if not self._authorised(request):
            return self._unauthorised()
        body = request.json
        if any(p["text"] == body["text"] for p in self.posts):
            return Reply(
                403,
                {
                    "detail": "You are not allowed to create a Tweet with duplicate content.",
                    "status": 403,
                },
            )
        reply = (body.get("reply") or {}).get("in_reply_to_tweet_id")
        if reply and not any(p["id"] == reply for p in self.posts):
            return Reply(
                400,
                {
                    "title": "Invalid Request",
                    "detail": "in_reply_to_tweet_id not found",
                    "status": 400,
                },
            )
        post = {"id": str(next(self.ids)), "text": body["text"], "reply_to": reply}
        self.posts.append(post)
        return Reply(201, {"data": {"id": post["id"], "text": post["text"]}})

    def me(self, request: Request) -> Reply:
        if not self._authorised(request):
            return self._unauthorised()
        return Reply(200, {"data": {"id": "42", "username": "news"}})

    def timeline(self, request: Request) -> Reply:
        if not self._authorised(request):
            return self._unauthorised()
        recent = list(reversed(self.posts))[: int(request.query.get("max_results", 10))]
        return Reply(200, {"data": [{"id": p["id"], "text": p["text"]} for p in recent]})


class BlueskyServer(LoopbackServer):
    """A small imitation of a PDS for unit tests (the real PDS is in test_pds_*)."""

    def __init__(
        self, handle: str = "news.test", password: str = "app-pass", token_ttl: float = 3600
    ) -> None:
        super().__init__()
        self.handle, self.password, self.token_ttl = handle, password, token_ttl
        self.did = "did:plc:newsnewsnewsnewsnewsnews"
        self.records: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, float] = {}
        self.logins = 0
        self.refreshes = 0
        self.handles = {handle: self.did, "friend.test": "did:plc:friendfriendfriendfriend"}
        self.counter = itertools.count(1)
        self.route("POST", r"/xrpc/com\.atproto\.server\.createSession", self.create_session)
        self.route("POST", r"/xrpc/com\.atproto\.server\.refreshSession", self.refresh_session)
        self.route("GET", r"/xrpc/com\.atproto\.identity\.resolveHandle", self.resolve)
        self.route("POST", r"/xrpc/com\.atproto\.repo\.createRecord", self.create_record)
        self.route("GET", r"/xrpc/com\.atproto\.repo\.getRecord", self.get_record)

    def _tokens(self) -> dict[str, str]:
        n = next(self.counter)
        access, refresh = f"access-{n}", f"refresh-{n}"
        self.tokens[access] = time.monotonic() + self.token_ttl
        return {"accessJwt": access, "refreshJwt": refresh, "did": self.did, "handle": self.handle}

    def create_session(self, request: Request) -> Reply:
        body = request.json
        if body.get("identifier") != self.handle or body.get("password") != self.password:
            return Reply(
                401,
                {"error": "AuthenticationRequired", "message": "Invalid identifier or password"},
            )
        self.logins += 1
        return Reply(200, self._tokens())

    def refresh_session(self, request: Request) -> Reply:
        self.refreshes += 1
        return Reply(200, self._tokens())

    def _check(self, request: Request) -> Reply | None:
        auth = request.headers.get("authorization", "")
        if not auth:
            return Reply(401, {"error": "AuthMissing", "message": "Authentication Required"})
        expires = self.tokens.get(auth.removeprefix("Bearer "))
        if expires is None:
            return Reply(400, {"error": "InvalidToken", "message": "Token could not be verified"})
        if time.monotonic() > expires:
            return Reply(400, {"error": "ExpiredToken", "message": "Token has expired"})
        return None

    def resolve(self, request: Request) -> Reply:
        did = self.handles.get(request.query.get("handle", ""))
        if did is None:
            return Reply(400, {"error": "InvalidRequest", "message": "Unable to resolve handle"})
        return Reply(200, {"did": did})

    def create_record(self, request: Request) -> Reply:
        if problem := self._check(request):
            return problem
        body = request.json
        rkey = body["rkey"]
        if rkey in self.records:
            return Reply(500, {"error": "InternalServerError", "message": "Internal Server Error"})
        text = body["record"]["text"]
        if graphemes(text) > 300:
            message = f"Invalid app.bsky.feed.post record: grapheme too big (maximum 300, got {graphemes(text)})"
            return Reply(400, {"error": "InvalidRequest", "message": message})
        uri = f"at://{self.did}/app.bsky.feed.post/{rkey}"
        self.records[rkey] = {
            "uri": uri,
            "cid": f"bafy{len(self.records):04d}",
            "value": body["record"],
        }
        return Reply(
            200, {"uri": uri, "cid": self.records[rkey]["cid"], "validationStatus": "valid"}
        )

    def get_record(self, request: Request) -> Reply:
        record = self.records.get(request.query.get("rkey", ""))
        if record is None:
            return Reply(400, {"error": "RecordNotFound", "message": "Could not locate record"})
        return Reply(200, record)


class ThreadsServer(LoopbackServer):
    """Containers and publishing under /v1.0/{user}/threads and /threads_publish.

    A container's status (GET /v1.0/{id}?fields=status) is FINISHED when made
    and PUBLISHED once published; tests set ERROR or EXPIRED themselves.
    """

    def __init__(self, token: str = "threads-token") -> None:
        super().__init__()
        self.token = token
        self.containers: dict[str, dict[str, Any]] = {}
        self.posts: list[dict[str, Any]] = []
        self.ids = itertools.count(17_000_000_001)
        self.route("POST", r"/v1\.0/(\w+)/threads", self.create)
        self.route("POST", r"/v1\.0/(\w+)/threads_publish", self.publish)
        self.route("GET", r"/v1\.0/(\w+)/threads", self.listing)
        self.route("GET", r"/v1\.0/(\w+)", self.lookup)

    def _denied(self, token: str | None) -> Reply | None:
        if token != self.token:
            return Reply(
                401,
                {
                    "error": {
                        "message": "Invalid OAuth access token",
                        "type": "OAuthException",
                        "code": 190,
                    }
                },
            )
        return None

    def create(self, request: Request) -> Reply:
        form = request.form
        if problem := self._denied(form.get("access_token")):
            return problem
        container = str(next(self.ids))
        self.containers[container] = {
            "text": form["text"],
            "reply_to_id": form.get("reply_to_id"),
            "status": "FINISHED",
        }
        return Reply(200, {"id": container})

    def publish(self, request: Request) -> Reply:
        form = request.form
        if problem := self._denied(form.get("access_token")):
            return problem
        container = self.containers.get(form["creation_id"])
        if container is None or container["status"] in ("ERROR", "EXPIRED"):
            return Reply(
                400,
                {"error": {"message": "The media is not ready to be published", "code": 9007}},
            )
        # Publishing a container twice makes a second post here: Meta documents
        # no protection, so the fake assumes the worst.
        container["status"] = "PUBLISHED"
        media = str(next(self.ids))
        self.posts.append(
            {"id": media, "text": container["text"], "reply_to_id": container["reply_to_id"]}
        )
        return Reply(200, {"id": media})

    def listing(self, request: Request) -> Reply:
        return Reply(
            200, {"data": [{"id": p["id"], "text": p["text"]} for p in reversed(self.posts)]}
        )

    def lookup(self, request: Request) -> Reply:
        item = request.match.group(1) if request.match else ""
        if item in self.containers:
            return Reply(200, {"id": item, "status": self.containers[item]["status"]})
        return Reply(200, {"id": item, "permalink": f"{self.url}/@news/post/{item}"})


class LinkedInServer(LoopbackServer):
    """POST /rest/posts with the versioned headers; the URN in x-restli-id."""

    def __init__(self, token: str = "linkedin-token") -> None:
        super().__init__()
        self.token = token
        self.posts: list[dict[str, Any]] = []
        self.route("POST", r"/rest/posts", self.create)

    def create(self, request: Request) -> Reply:
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return Reply(
                401, {"status": 401, "serviceErrorCode": 65600, "message": "Invalid access token"}
            )
        if (
            request.headers.get("x-restli-protocol-version") != "2.0.0"
            or "linkedin-version" not in request.headers
        ):
            return Reply(400, {"status": 400, "message": "Missing required version headers"})
        body = request.json
        urn = f"urn:li:share:{7000 + len(self.posts)}"
        self.posts.append({"urn": urn, **body})
        return Reply(201, "", {"x-restli-id": urn})


class TelegramServer(LoopbackServer):
    """POST /bot<token>/sendMessage."""

    def __init__(self, token: str = "123:telegram-token") -> None:
        super().__init__()
        self.token = token
        self.messages: list[dict[str, Any]] = []
        self.route("POST", r"/bot([^/]+)/sendMessage", self.send)

    def send(self, request: Request) -> Reply:
        if not request.match or request.match.group(1) != self.token:
            return Reply(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        body = request.json
        reply = (body.get("reply_parameters") or {}).get("message_id")
        if reply is not None and not any(m["message_id"] == reply for m in self.messages):
            return Reply(
                400,
                {
                    "ok": False,
                    "error_code": 400,
                    "description": "Bad Request: message to be replied not found",
                },
            )
        if body.get("parse_mode") == "HTML" and regex.search(
            r"<(?!/?(?:b|i|u|s|a|code|pre)\b)", body["text"]
        ):
            return Reply(
                400,
                {
                    "ok": False,
                    "error_code": 400,
                    "description": "Bad Request: can't parse entities: Unsupported start tag",
                },
            )
        message = {
            "message_id": len(self.messages) + 1,
            "chat": {"id": -100, "type": "channel", "username": "news"},
            "text": body["text"],
            "reply_to": reply,
        }
        self.messages.append(message)
        return Reply(200, {"ok": True, "result": message})


class DiscordServer(LoopbackServer):
    """POST /api/webhooks/{id}/{token}?wait=true."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[dict[str, Any]] = []
        self.route("POST", r"/api/webhooks/(\d+)/([\w-]+)", self.execute)

    def execute(self, request: Request) -> Reply:
        if request.match and request.match.group(2) != "webhook-token":
            return Reply(401, {"message": "Invalid Webhook Token", "code": 50027})
        body = request.json
        if len(body.get("content", "")) > 2000:
            return Reply(400, {"code": 50035, "message": "Invalid Form Body", "errors": {}})
        message = {
            "id": str(1_300_000_000 + len(self.messages)),
            "channel_id": "42",
            "content": body["content"],
        }
        self.messages.append(message)
        if request.query.get("wait") != "true":
            return Reply(204)
        return Reply(200, message)


class SlackServer(LoopbackServer):
    """POST /services/T/B/X answered with plain-text ``ok``."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []
        self.route("POST", r"/services/T000/B000/([\w]+)", self.post)

    def post(self, request: Request) -> Reply:
        if request.match and request.match.group(1) != "secretpath":
            return Reply(403, "invalid_token")
        self.messages.append(request.json["text"])
        return Reply(200, "ok")


class WebhookServer(LoopbackServer):
    """Any JSON endpoint: records bodies, answers with an id."""

    def __init__(self) -> None:
        super().__init__()
        self.bodies: list[Any] = []
        self.route("POST", r"/hook", self.hook)

    def hook(self, request: Request) -> Reply:
        if request.headers.get("x-api-key") != "hook-key":
            return Reply(401, {"message": "bad key"})
        self.bodies.append(request.json)
        return Reply(
            201,
            {"data": {"id": f"h{len(self.bodies)}", "link": f"{self.url}/p/{len(self.bodies)}"}},
        )
