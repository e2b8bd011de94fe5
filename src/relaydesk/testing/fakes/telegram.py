"""A Telegram Bot API fake: `/bot<token>/<method>` and `/file/bot<token>/<path>` on a real
HTTP server, with webhook delivery, long polling and a control API under `/_control`.

See docs/fakes.md for what is implemented and how faithful it is.
"""

from __future__ import annotations

import base64
import json
import re
import time
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from relaydesk.testing.fakes.delivery import Poster, RetryPolicy, TaskSet
from relaydesk.testing.fakes.faults import CALL_FAULTS, Fault, FaultBook, html_error_page
from relaydesk.testing.fakes.idempotency import HEADER as IDEMPOTENCY_HEADER
from relaydesk.testing.fakes.journal import Journal
from relaydesk.testing.fakes.telegram_methods import METHODS, Described, record_key
from relaydesk.testing.fakes.telegram_params import TelegramError, read_params
from relaydesk.testing.fakes.telegram_state import Bot
from relaydesk.testing.fakes.web import (
    ControlError,
    build_app,
    control,
    fault_routes,
    read_json,
    require,
    stall,
)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)
TOKEN = re.compile(r"^(\d+):[A-Za-z0-9_-]+$")
WEBHOOK_FAULTS = frozenset({"duplicate_delivery", "bad_secret", "missing_secret"})
TELEGRAM_FAULTS = CALL_FAULTS | WEBHOOK_FAULTS
_REASONS = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def _answer(body: dict[str, Any], status: int = 200) -> JSONResponse:
    return JSONResponse(body, status_code=status)


def _error(error: TelegramError) -> JSONResponse:
    return _answer(error.body(), error.code)


class TelegramFake:
    def __init__(self, *, accept_any_token: bool = False, retry: RetryPolicy | None = None):
        # accept_any_token: a well-formed token not registered yet registers itself (handy for
        # local development); tests register bots explicitly and see 401 for anything else.
        self.accept_any_token = accept_any_token
        self.bots: dict[int, Bot] = {}
        self.journal = Journal()
        self.faults = FaultBook(TELEGRAM_FAULTS)
        self.poster = Poster(self.journal, retry or RetryPolicy())
        self.tasks = TaskSet()

    # -- bots -------------------------------------------------------------------------------

    def add_bot(
        self, token: str, username: str | None = None, first_name: str | None = None
    ) -> Bot:
        match = TOKEN.match(token)
        if match is None:
            raise ControlError("a bot token looks like 123456:ABC-DEF_ghi")
        bot_id = int(match.group(1))
        existing = self.bots.get(bot_id)
        if existing is not None and existing.token == token:
            return existing
        bot = Bot(
            id=bot_id,
            token=token,
            username=username or f"fake{bot_id}_bot",
            first_name=first_name or "Fake Bot",
        )
        self.bots[bot_id] = bot
        return bot

    def bot_for_token(self, token: str) -> Bot | None:
        match = TOKEN.match(token)
        if match is None:
            return None
        bot = self.bots.get(int(match.group(1)))
        if bot is None and self.accept_any_token:
            return self.add_bot(token)
        return bot if bot is not None and bot.token == token else None

    def _bot(self, request: Request) -> Bot:
        bot = self.bots.get(int(request.path_params["bot_id"]))
        if bot is None:
            raise ControlError("no such bot", 404)
        return bot

    # -- webhook delivery -------------------------------------------------------------------

    def webhook_changed(self, bot: Bot) -> None:
        bot.signal()
        if bot.webhook_url and (bot.webhook_worker is None or bot.webhook_worker.done()):
            bot.webhook_worker = self.tasks.spawn(self._deliver_updates(bot))

    def _headers(self, bot: Bot) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        fault = self.faults.take(frozenset({"bad_secret", "missing_secret"}))
        if fault is not None and fault.kind == "bad_secret":
            headers[SECRET_HEADER] = "wrong-" + (bot.secret_token or "secret")
        elif fault is None and bot.secret_token:
            headers[SECRET_HEADER] = bot.secret_token
        return headers

    async def _deliver_updates(self, bot: Bot) -> None:
        """One update per POST, in order, as Telegram does; the next waits for the previous."""
        while bot.webhook_url:
            if not bot.pending:
                await bot.changed().wait()
                continue
            update = bot.pending[0]
            done = await self._deliver(bot, update, bot.webhook_url)
            if done and bot.pending and bot.pending[0] is update:
                bot.pending.pop(0)

    async def _deliver(self, bot: Bot, update: dict[str, Any], url: str) -> bool:
        """Post one update with retries; False when it must stay pending (webhook changed)."""
        body = json.dumps(update).encode()
        label = f"update {update['update_id']}"
        outcome = await self.poster.post(
            url,
            body,
            lambda: self._headers(bot),
            label=label,
            still_wanted=lambda: bot.webhook_url == url,
        )
        if outcome.delivered:
            if self.faults.take(frozenset({"duplicate_delivery"})):
                await self.poster.post_once(url, body, self._headers(bot), attempt=1, label=label)
            return True
        if bot.webhook_url != url:
            return False
        # Given up: Telegram records the error and (here, after bounded retries) moves on.
        bot.last_error_date = int(time.time())
        bot.last_error_message = outcome.error
        return True

    # -- the Bot API ------------------------------------------------------------------------

    async def _api(self, request: Request) -> Response:
        method_name = request.path_params["method"]
        bot = self.bot_for_token(request.path_params["token"])
        if bot is None:
            self.journal.call(method_name, 401)
            return _error(TelegramError(401, "Unauthorized"))
        method = METHODS.get(method_name.lower())
        if method is None:
            self.journal.call(method_name, 404, bot_id=bot.id)
            return _error(TelegramError(404, "Not Found"))
        try:
            # Read the whole request first: a stalled call is still processed after the
            # client gave up, as a slow provider would.
            params = await read_params(request)
        except TelegramError as exc:
            self.journal.call(method_name, exc.code, bot_id=bot.id, error=exc.description)
            return _error(exc)
        fault = self.faults.take(CALL_FAULTS, method_name)
        if fault is not None:
            faulted = await self._fault_answer(fault)
            if faulted is not None:
                self.journal.call(method_name, faulted.status_code, fault=fault.kind, bot_id=bot.id)
                return faulted
        key = request.headers.get(IDEMPOTENCY_HEADER)
        try:
            result, replayed = await bot.replays.run(
                key, lambda: record_key(bot, key, method(self, bot, params))
            )
        except TelegramError as exc:
            self.journal.call(method_name, exc.code, bot_id=bot.id, error=exc.description)
            return _error(exc)
        self.journal.call(
            method_name,
            200,
            bot_id=bot.id,
            fault=fault.kind if fault else None,
            idempotency_key=key,
            replayed=replayed,
        )
        if isinstance(result, Described):
            return _answer({"ok": True, "result": result.result, "description": result.description})
        return _answer({"ok": True, "result": result})

    async def _fault_answer(self, fault: Fault) -> Response | None:
        options = fault.options
        if fault.kind == "rate_limit":
            retry_after = int(options.get("retry_after", 1))
            return _error(
                TelegramError(
                    429,
                    f"Too Many Requests: retry after {retry_after}",
                    {"retry_after": retry_after},
                )
            )
        if fault.kind == "server_error":
            status = int(options.get("status", 502))
            reason = _REASONS.get(status, "Server Error")
            if options.get("body", "json") == "html":
                return HTMLResponse(html_error_page(status, reason), status_code=status)
            return _answer({"ok": False, "error_code": status, "description": reason}, status)
        if fault.kind == "error":
            return _error(
                TelegramError(
                    int(options.get("error_code", 400)),
                    str(options.get("description", "Bad Request")),
                    options.get("parameters"),
                )
            )
        # stall: hold the request, then answer normally unless told to drop it
        await stall(float(options.get("seconds", 30)))
        if not options.get("process", True):
            return _answer({"ok": False, "error_code": 504, "description": "Gateway Timeout"}, 504)
        return None

    async def _download(self, request: Request) -> Response:
        bot = self.bot_for_token(request.path_params["token"])
        stored = bot.file_by_path(request.path_params["path"]) if bot else None
        if bot is None or stored is None:
            return _error(TelegramError(404, "Not Found"))
        self.journal.call("download", 200, bot_id=bot.id, path=stored.file_path)
        return Response(stored.content, media_type=stored.mime_type or "application/octet-stream")

    # -- control API ------------------------------------------------------------------------

    def _bot_summary(self, bot: Bot) -> dict[str, Any]:
        return {
            "id": bot.id,
            "username": bot.username,
            "webhook_url": bot.webhook_url,
            "secret_token": bot.secret_token,
            "pending_update_count": len(bot.pending),
            "polls_waiting": bot.polls_waiting,
            "allowed_updates": bot.allowed_updates,
            "chats": [
                c.info
                | {"blocked": c.blocked, "bot_removed": c.bot_removed, "migrated_to": c.migrated_to}
                | {"bot_admin": c.bot_admin, "banned": sorted(c.banned)}
                for c in bot.chats.values()
            ],
        }

    async def _c_add_bot(self, request: Request) -> Response:
        data = await read_json(request)
        bot = self.add_bot(
            str(require(data, "token")), data.get("username"), data.get("first_name")
        )
        return JSONResponse(self._bot_summary(bot), status_code=201)

    async def _c_bot(self, request: Request) -> Response:
        return JSONResponse(self._bot_summary(self._bot(request)))

    async def _c_add_chat(self, request: Request) -> Response:
        bot = self._bot(request)
        data = await read_json(request)
        info = require(data, "chat")
        if not isinstance(info, dict) or "id" not in info:
            raise ControlError("chat must be an object with an id")
        chat = bot.chat_for(info)
        chat.members |= {int(m) for m in data.get("members", [])}
        if "member_count" in data:
            chat.member_count = int(data["member_count"])
        if "bot_admin" in data:
            chat.bot_admin = bool(data["bot_admin"])
        return JSONResponse(chat.info, status_code=201)

    async def _c_add_updates(self, request: Request) -> Response:
        bot = self._bot(request)
        data = await read_json(request)
        updates = data.get("updates", [data.get("update")] if "update" in data else None)
        if not isinstance(updates, list) or not all(isinstance(u, dict) for u in updates):
            raise ControlError("updates must be a list of update objects")
        added = [bot.add_update(u) for u in updates]
        return JSONResponse({"updates": added}, status_code=201)

    async def _c_add_file(self, request: Request) -> Response:
        bot = self._bot(request)
        data = await read_json(request)
        kind = str(data.get("kind", "document"))
        if kind not in ("photo", "document"):
            raise ControlError("kind is photo or document")
        content = base64.b64decode(str(require(data, "content_b64")))
        stored = bot.store_file(kind, content, data.get("file_name"), data.get("mime_type"))
        body = {
            "file": stored.as_file(),
            "photo": stored.as_photo(),
            "document": stored.as_document(),
        }
        return JSONResponse(body, status_code=201)

    async def _c_sent(self, request: Request) -> Response:
        bot = self._bot(request)
        chat_id = request.query_params.get("chat_id")
        sent = [s for s in bot.sent if chat_id is None or str(s["chat_id"]) == chat_id]
        return JSONResponse({"sent": sent})

    async def _c_actions(self, request: Request) -> Response:
        return JSONResponse({"actions": self._bot(request).actions})

    async def _c_calls(self, request: Request) -> Response:
        return JSONResponse({"calls": self.journal.calls})

    async def _c_deliveries(self, request: Request) -> Response:
        return JSONResponse({"deliveries": self.journal.deliveries})

    async def _c_config(self, request: Request) -> Response:
        data = await read_json(request)
        if "retry" in data:
            self.poster.policy.update(dict(data["retry"]))
        if "accept_any_token" in data:
            self.accept_any_token = bool(data["accept_any_token"])
        return JSONResponse(
            {"accept_any_token": self.accept_any_token, "retry": vars(self.poster.policy)}
        )

    async def _c_reset(self, request: Request) -> Response:
        await self.tasks.cancel_all()
        self.bots.clear()  # their replays go with them
        self.journal.clear()
        self.faults.clear()
        return JSONResponse({"reset": True})

    def app(self) -> Starlette:
        routes: list[BaseRoute] = [
            Route("/bot{token}/{method}", self._api, methods=["GET", "POST"]),
            Route("/file/bot{token}/{path:path}", self._download, methods=["GET"]),
            Route("/_control/bots", control(self._c_add_bot), methods=["POST"]),
            Route("/_control/bots/{bot_id:int}", control(self._c_bot), methods=["GET"]),
            Route("/_control/bots/{bot_id:int}/chats", control(self._c_add_chat), methods=["POST"]),
            Route(
                "/_control/bots/{bot_id:int}/updates",
                control(self._c_add_updates),
                methods=["POST"],
            ),
            Route("/_control/bots/{bot_id:int}/files", control(self._c_add_file), methods=["POST"]),
            Route("/_control/bots/{bot_id:int}/sent", control(self._c_sent), methods=["GET"]),
            Route("/_control/bots/{bot_id:int}/actions", control(self._c_actions), methods=["GET"]),
            Route("/_control/calls", self._c_calls, methods=["GET"]),
            Route("/_control/deliveries", self._c_deliveries, methods=["GET"]),
            Route("/_control/config", control(self._c_config), methods=["PUT"]),
            Route("/_control/reset", self._c_reset, methods=["POST"]),
        ]
        routes += [Route(p, h, methods=m) for p, h, m in fault_routes(self.faults)]
        return build_app(routes, self.poster, self.tasks)
