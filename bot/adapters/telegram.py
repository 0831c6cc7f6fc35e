"""Telegram Bot API: sendMessage as escaped HTML; threads by ``reply_parameters``.

The bot token is part of the URL path, so it is redacted wherever requests
are shown. Telegram has no idempotency key: an unknown outcome is reported,
never re-sent blindly.
"""

from __future__ import annotations

import itertools
import json
from typing import Any, ClassVar

import httpx

from bot.adapters.base import Adapter, Journal, fake_response
from bot.models import PostPlan, SentSegment
from bot.platforms.escape import escape_telegram_html

_fake_ids = itertools.count(1001)


class TelegramAdapter(Adapter):
    platform: ClassVar[str] = "telegram"

    async def send_segment(
        self, plan: PostPlan, index: int, sent: list[SentSegment], journal: Journal
    ) -> SentSegment:
        chat = self.account.option("chat_id")
        body: dict[str, Any] = {
            "chat_id": chat,
            "text": escape_telegram_html(plan.segments[index].text),
            "parse_mode": "HTML",
            "link_preview_options": {"is_disabled": index > 0},
        }
        if thread := self.account.option("thread_id"):
            body["message_thread_id"] = thread
        if sent:
            body["reply_parameters"] = {"message_id": int(sent[-1].remote_id)}
        url = f"{self.account.base_url}/bot{self.account.secret('bot_token')}/sendMessage"
        response = await self.request("POST", url, json=body, safe_to_repeat=False)
        message = response.json()["result"]
        message_id = str(message["message_id"])
        username = (message.get("chat") or {}).get("username") or (
            str(chat)[1:] if str(chat).startswith("@") else None
        )
        return SentSegment(
            remote_id=message_id, url=f"https://t.me/{username}/{message_id}" if username else None
        )

    @classmethod
    def dry_run_response(cls, request: httpx.Request) -> httpx.Response | None:
        if request.method == "POST" and request.url.path.endswith("/sendMessage"):
            body = json.loads(request.content or b"{}")
            chat = body.get("chat_id")
            chat_info: dict[str, Any] = {"id": -1001, "type": "channel"}
            if isinstance(chat, str) and chat.startswith("@"):
                chat_info["username"] = chat[1:]
            result = {
                "message_id": next(_fake_ids),
                "chat": chat_info,
                "text": body.get("text", ""),
            }
            return fake_response(200, {"ok": True, "result": result})
        return None
