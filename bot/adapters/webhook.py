"""A platform postbot does not ship, reached by configuration alone.

The account names the ``url``, ``method`` (POST), ``headers`` (values may be
``${ENV_VAR}`` references) and ``body``: a Jinja2 template of the JSON body,
rendered in the sandbox with ``text``, ``index``, ``count``, ``previous_id``,
``article_id``, ``language`` and ``account``. ``id_field`` and ``url_field``
(dotted paths such as ``data.id``) pick the post's id and URL out of the
answer. Without a body template the body is ``{"text": ...}``.
"""

from __future__ import annotations

import itertools
import json
from typing import Any, ClassVar

import httpx
import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from bot.adapters.base import Adapter, Journal, fake_response
from bot.errors import ConfigError, PermanentError
from bot.models import PostPlan, SentSegment

_fake_ids = itertools.count(1)
_ENV = ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False)
_ENV.filters["json"] = lambda value: json.dumps(value, ensure_ascii=False)


class WebhookAdapter(Adapter):
    platform: ClassVar[str] = "webhook"

    def _body(self, plan: PostPlan, index: int, sent: list[SentSegment]) -> Any:
        template = self.account.option("body")
        context = {
            "text": plan.segments[index].text,
            "index": index,
            "count": len(plan.segments),
            "previous_id": sent[-1].remote_id if sent else None,
            "article_id": plan.article_id,
            "language": plan.language,
            "account": self.account.name,
        }
        if not template:
            return {"text": context["text"]}
        try:
            rendered = _ENV.from_string(str(template)).render(context)
            return json.loads(rendered)
        except jinja2.TemplateError as exc:
            raise ConfigError(None, f"account {self.account.name}: body template: {exc}") from exc
        except json.JSONDecodeError as exc:
            raise PermanentError(
                self.account.name,
                f"body template did not render JSON ({exc.msg}); use the json filter on text",
            ) from exc

    async def send_segment(
        self, plan: PostPlan, index: int, sent: list[SentSegment], journal: Journal
    ) -> SentSegment:
        response = await self.request(
            str(self.account.option("method", "POST")).upper(),
            str(self.account.option("url")),
            json=self._body(plan, index, sent),
            headers=dict(self.account.option("headers") or {}),
            safe_to_repeat=False,
        )
        try:
            data = response.json()
        except ValueError:
            data = None
        remote_id = _pick(data, self.account.option("id_field", "id")) or f"webhook-{index + 1}"
        url = _pick(data, self.account.option("url_field", "url"))
        return SentSegment(remote_id=str(remote_id), url=str(url) if url else None)

    @classmethod
    def dry_run_response(cls, request: httpx.Request) -> httpx.Response | None:
        return fake_response(200, {"id": f"dry-run-{next(_fake_ids)}"})


def _pick(data: Any, path: str | None) -> Any:
    if not path:
        return None
    for part in str(path).split("."):
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data
