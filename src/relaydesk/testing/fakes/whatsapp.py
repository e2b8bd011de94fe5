"""A WhatsApp Cloud API fake: the Graph API endpoints a Cloud API client uses, on a real HTTP
server, with signed webhook delivery of inbound messages and statuses and a control API under
`/_control`. See docs/fakes.md for what is implemented and how faithful it is.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from relaydesk.testing.fakes.delivery import DeliveryQueue, Poster, RetryPolicy, TaskSet
from relaydesk.testing.fakes.faults import CALL_FAULTS, FaultBook
from relaydesk.testing.fakes.idempotency import HEADER as IDEMPOTENCY_HEADER
from relaydesk.testing.fakes.idempotency import Replays
from relaydesk.testing.fakes.journal import Journal
from relaydesk.testing.fakes.web import (
    ControlError,
    build_app,
    control,
    fault_routes,
    read_json,
    require,
)
from relaydesk.testing.fakes.whatsapp_faults import (
    WHATSAPP_FAULTS,
    HeldAnswers,
    fault_answer,
    graph_error,
)
from relaydesk.testing.fakes.whatsapp_send import (
    GraphError,
    bad_token,
    check_content,
    invalid,
    no_object,
)
from relaydesk.testing.fakes.whatsapp_state import (
    Media,
    PhoneNumber,
    SentMessage,
    Template,
    User,
    Users,
    digits,
    wamid,
)
from relaydesk.testing.fakes.whatsapp_webhooks import Emitter, Event, error_item, status_item

_VERSION = re.compile(r"^v\d+(\.\d+)?$")
STATUSES = ("sent", "delivered", "read", "played", "failed")
WINDOW_TITLE = "Re-engagement message"
WINDOW_DETAILS = (
    "Message failed to send because more than 24 hours have passed since the customer last "
    "replied to this number."
)
HANDSHAKE_TIMEOUT = 10.0


@dataclass
class WhatsAppConfig:
    # Statuses sent automatically for each accepted message, `status_delay` seconds apart.
    auto_statuses: list[str] = field(default_factory=lambda: ["sent", "delivered", "read"])
    status_delay: float = 0.05
    window_seconds: float = 24 * 3600
    enforce_window: bool = True
    # "status": accept and report 131047 in a failed status (what Meta does);
    # "sync": answer the send itself with error 131047.
    window_error: str = "status"
    media_url_ttl: float = 300.0

    def update(self, data: dict[str, Any]) -> None:
        for name in ("status_delay", "window_seconds", "media_url_ttl"):
            if name in data:
                setattr(self, name, float(data[name]))
        if "enforce_window" in data:
            self.enforce_window = bool(data["enforce_window"])
        if "window_error" in data:
            if data["window_error"] not in ("status", "sync"):
                raise ControlError("window_error is status or sync")
            self.window_error = str(data["window_error"])
        if "auto_statuses" in data:
            statuses = [str(s) for s in data["auto_statuses"]]
            if any(s not in STATUSES for s in statuses):
                raise ControlError(f"auto_statuses are among {STATUSES}")
            self.auto_statuses = statuses


class WhatsAppFake:
    def __init__(
        self,
        *,
        seed_phone_number: bool = False,
        retry: RetryPolicy | None = None,
        config: WhatsAppConfig | None = None,
    ) -> None:
        self.config = config or WhatsAppConfig()
        self.phones: dict[str, PhoneNumber] = {}
        self.users = Users()
        self.media: dict[str, Media] = {}
        self.sent: dict[str, SentMessage] = {}
        self.replays = Replays()
        self.journal = Journal()
        self.faults = FaultBook(WHATSAPP_FAULTS)
        self.held = HeldAnswers()
        self.poster = Poster(self.journal, retry or RetryPolicy())
        self.tasks = TaskSet()
        self.queue = DeliveryQueue(self.poster, self.tasks)
        self.emitter = Emitter(self.faults, self.queue, self.tasks)
        self._url_key = secrets.token_bytes(16)
        if seed_phone_number:
            self.add_phone(
                {
                    "phone_number_id": "100000000000001",
                    "display_phone_number": "15550000001",
                    "waba_id": "200000000000001",
                    "access_token": "fake-access-token",
                    "app_secret": "fake-app-secret",
                    "verify_token": "fake-verify-token",
                }
            )

    # -- phone numbers and auth -------------------------------------------------------------

    def add_phone(self, data: dict[str, Any]) -> PhoneNumber:
        phone_id = str(require(data, "phone_number_id"))
        phone = self.phones.get(phone_id)
        if phone is None:
            phone = PhoneNumber(
                phone_number_id=phone_id,
                display_phone_number=str(data.get("display_phone_number", "15550000000")),
                waba_id=str(data.get("waba_id", "2" + phone_id[1:])),
                access_token=str(require(data, "access_token")),
                app_secret=str(require(data, "app_secret")),
                verify_token=str(data.get("verify_token", "")),
            )
            self.phones[phone_id] = phone
        for name in (
            "display_phone_number",
            "waba_id",
            "access_token",
            "app_secret",
            "verify_token",
            "callback_url",
            "verified_name",
        ):
            if name in data:
                setattr(phone, name, data[name] if data[name] is None else str(data[name]))
        return phone

    def _token(self, request: Request) -> str | None:
        header = request.headers.get("authorization", "")
        if header.lower().startswith("bearer "):
            return header[7:].strip()
        return request.query_params.get("access_token")

    def _authorise(self, request: Request, phone: PhoneNumber | None, node: str, verb: str) -> None:
        token = self._token(request)
        if not token or all(p.access_token != token for p in self.phones.values()):
            raise bad_token()
        if phone is None or phone.access_token != token:
            raise no_object(node, verb)

    def _node(self, request: Request) -> str:
        version = request.path_params["version"]
        if not _VERSION.match(version):
            raise GraphError(400, 2500, f"Unknown path components: /{version}")
        return str(request.path_params["node"])

    async def _call(self, request: Request, kind: str, work: Any) -> Response:
        """Run one Graph API call with faults and the journal around it."""
        # Read the whole request first: a stalled call is still processed after the client
        # gave up, as a slow provider would.
        await request.body()
        fault = self.faults.take(CALL_FAULTS, kind)
        if fault is not None:
            faulted = await fault_answer(fault)
            if faulted is not None:
                self.journal.call(kind, faulted.status_code, fault=fault.kind)
                return faulted
        try:
            result = await work(request)
        except GraphError as exc:
            self.journal.call(kind, exc.status, code=exc.code)
            return graph_error(exc)
        self.journal.call(kind, 200, fault=fault.kind if fault else None)
        await self.held.hold(self.faults.take(frozenset({"hold_answer"}), kind))
        if isinstance(result, Response):
            return result
        return JSONResponse(result)

    # -- messages ---------------------------------------------------------------------------

    def _recipient(self, body: dict[str, Any]) -> tuple[User, str]:
        recipient = body.get("recipient")
        if recipient:
            user = self.users.by_id.get(str(recipient))
            if user is None:
                raise invalid("recipient is not a valid business-scoped user ID")
            return user, str(recipient)
        to = body.get("to")
        if not to:
            raise invalid("", "(#100) The parameter to is required.")
        wa_id = digits(str(to))
        if len(wa_id) < 7:
            raise invalid(f"Invalid phone number: {to}")
        return self.users.by_wa_id(wa_id), str(to)

    def _window_open(self, phone: PhoneNumber, user: User) -> bool:
        opened = phone.last_inbound.get(user.user_id)
        return opened is not None and time.time() - opened < self.config.window_seconds

    async def _send(self, request: Request) -> Any:
        key = request.headers.get(IDEMPOTENCY_HEADER)
        answer, _ = await self.replays.run(key, lambda: self._send_once(request, key))
        return answer

    async def _send_once(self, request: Request, key: str | None) -> Any:
        node = self._node(request)
        phone = self.phones.get(node)
        self._authorise(request, phone, node, "post")
        assert phone is not None
        try:
            body = await request.json()
        except ValueError:
            raise invalid("Request body is not valid JSON") from None
        if not isinstance(body, dict) or body.get("messaging_product") != "whatsapp":
            raise invalid("", "(#100) The parameter messaging_product is required.")
        user, given = self._recipient(body)
        kind = check_content(phone, self.media, body)
        failure = None
        if kind != "template" and self.config.enforce_window:
            closed = not self._window_open(phone, user)
            if self.faults.take(frozenset({"closed_window"})) is not None:
                closed = True
            if closed and self.config.window_error == "sync":
                raise GraphError(400, 131047, f"(#131047) {WINDOW_TITLE}", WINDOW_DETAILS)
            if closed:
                failure = error_item(131047, WINDOW_TITLE, WINDOW_DETAILS)
        message = SentMessage(
            wamid(), phone.phone_number_id, user, given, kind, body, idempotency_key=key
        )
        self.sent[message.id] = message
        self.tasks.spawn(self._status_flow(phone, message, failure))
        contact: dict[str, Any] = {"input": given}
        if user.visible_wa_id:
            contact["wa_id"] = user.visible_wa_id
        contact["user_id"] = user.user_id
        sent: dict[str, Any] = {"id": message.id}
        if kind == "template":
            sent["message_status"] = "accepted"
        return {"messaging_product": "whatsapp", "contacts": [contact], "messages": [sent]}

    async def _status_flow(
        self, phone: PhoneNumber, message: SentMessage, failure: dict[str, Any] | None
    ) -> None:
        if failure is not None:
            await asyncio.sleep(self.config.status_delay)
            self.emit_status(phone, message, "failed", [failure])
            return
        order = list(self.config.auto_statuses)
        if order and self.faults.take(frozenset({"out_of_order"})) is not None:
            order.reverse()
        for status in order:
            await asyncio.sleep(self.config.status_delay)
            self.emit_status(phone, message, status)

    def emit_status(
        self,
        phone: PhoneNumber,
        message: SentMessage,
        status: str,
        errors: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        item = status_item(message, status, errors)
        message.statuses.append(item)
        # Failed statuses carry no contacts array, as Meta documents.
        contact = None if status == "failed" else message.user.contact()
        self.emitter.emit([Event(phone, "statuses", item, contact)])
        return item

    # -- media ------------------------------------------------------------------------------

    async def _upload(self, request: Request) -> Any:
        node = self._node(request)
        phone = self.phones.get(node)
        self._authorise(request, phone, node, "post")
        assert phone is not None
        async with request.form(max_part_size=100 * 1024 * 1024) as form:
            if form.get("messaging_product") != "whatsapp":
                raise invalid("", "(#100) The parameter messaging_product is required.")
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise invalid("", "(#100) The parameter file is required.")
            content = await upload.read()
            mime = str(form.get("type") or upload.content_type or "application/octet-stream")
            filename = upload.filename
        media = self.add_media(phone, content, mime, filename)
        return {"id": media.id}

    def add_media(
        self, phone: PhoneNumber, content: bytes, mime: str, filename: str | None
    ) -> Media:
        media = Media(
            str(10**14 + secrets.randbelow(9 * 10**14)),
            phone.phone_number_id,
            content,
            mime,
            filename,
        )
        self.media[media.id] = media
        return media

    def _media_hash(self, media_id: str, expires: int) -> str:
        return hmac.new(self._url_key, f"{media_id}:{expires}".encode(), hashlib.sha256).hexdigest()

    async def _node_get(self, request: Request) -> Any:
        node = self._node(request)
        media = self.media.get(node)
        if media is not None:
            self._authorise(request, self.phones.get(media.phone_number_id), node, "get")
            expires = int(time.time() + self.config.media_url_ttl)
            base = str(request.base_url).rstrip("/")
            url = f"{base}/_media/{node}?ext={expires}&hash={self._media_hash(node, expires)}"
            return {
                "messaging_product": "whatsapp",
                "url": url,
                "mime_type": media.mime_type,
                "sha256": media.sha256,
                "file_size": len(media.content),
                "id": media.id,
            }
        phone = self.phones.get(node)
        self._authorise(request, phone, node, "get")
        assert phone is not None
        return {
            "verified_name": phone.verified_name,
            "display_phone_number": phone.display_phone_number,
            "id": phone.phone_number_id,
            "quality_rating": "GREEN",
            "code_verification_status": "VERIFIED",
            "platform_type": "CLOUD_API",
            "throughput": {"level": "STANDARD"},
        }

    async def _node_delete(self, request: Request) -> Any:
        node = self._node(request)
        media = self.media.get(node)
        self._authorise(
            request, self.phones.get(media.phone_number_id) if media else None, node, "delete"
        )
        del self.media[node]
        return {"success": True}

    async def _download(self, request: Request) -> Response:
        media_id = request.path_params["media_id"]
        token = self._token(request)
        if not token or all(p.access_token != token for p in self.phones.values()):
            self.journal.call("download", 401)
            return PlainTextResponse("Unauthorized", status_code=401)
        media = self.media.get(media_id)
        try:
            expires = int(request.query_params.get("ext", "0"))
        except ValueError:
            expires = 0
        good = hmac.compare_digest(
            request.query_params.get("hash", ""), self._media_hash(media_id, expires)
        )
        if media is None or not good or expires < time.time():
            self.journal.call("download", 404)
            return PlainTextResponse("URL signature expired", status_code=404)
        self.journal.call("download", 200)
        return Response(media.content, media_type=media.mime_type)

    async def _templates(self, request: Request) -> Any:
        node = self._node(request)
        phones = [p for p in self.phones.values() if p.waba_id == node]
        token = self._token(request)
        if not token or all(p.access_token != token for p in self.phones.values()):
            raise bad_token()
        if not any(p.access_token == token for p in phones):
            raise no_object(node, "get")
        data = [t.describe() for p in phones for t in p.templates]
        return {"data": data, "paging": {"cursors": {"before": "", "after": ""}}}

    # -- control API ------------------------------------------------------------------------

    def _phone(self, request: Request) -> PhoneNumber:
        phone = self.phones.get(request.path_params["phone_id"])
        if phone is None:
            raise ControlError("no such phone number", 404)
        return phone

    def _user(self, spec: Any) -> User:
        if not isinstance(spec, dict):
            raise ControlError("user must be an object with wa_id and/or user_id")
        try:
            return self.users.upsert(spec)
        except ValueError as exc:
            raise ControlError(str(exc)) from None

    async def _c_add_phone(self, request: Request) -> Response:
        phone = self.add_phone(await read_json(request))
        return JSONResponse(phone.describe(), status_code=201)

    async def _c_phone(self, request: Request) -> Response:
        return JSONResponse(self._phone(request).describe())

    async def _c_add_template(self, request: Request) -> Response:
        phone = self._phone(request)
        data = await read_json(request)
        template = Template(
            name=str(require(data, "name")),
            language=str(data.get("language", "en_US")),
            components=list(data.get("components", [])),
            category=str(data.get("category", "UTILITY")),
            status=str(data.get("status", "APPROVED")),
        )
        phone.templates = [
            t for t in phone.templates if (t.name, t.language) != (template.name, template.language)
        ] + [template]
        return JSONResponse(template.describe(), status_code=201)

    async def _c_inbound(self, request: Request) -> Response:
        """Inbound messages from users, delivered in one POST (several messages in one change)."""
        phone = self._phone(request)
        data = await read_json(request)
        default_user = data.get("user")
        specs = require(data, "messages")
        if not isinstance(specs, list) or not specs:
            raise ControlError("messages must be a non-empty list")
        events: list[Event] = []
        for spec in specs:
            spec = dict(spec)
            user = self._user(spec.pop("user", default_user))
            message: dict[str, Any] = {}
            if user.visible_wa_id:
                message["from"] = user.visible_wa_id
            message["from_user_id"] = user.user_id
            message["id"] = spec.pop("id", None) or wamid()
            message["timestamp"] = str(spec.pop("timestamp", int(time.time())))
            message.update(spec)
            message.setdefault("type", "text")
            # A message from the user opens (or refreshes) the customer-service window.
            phone.last_inbound[user.user_id] = time.time()
            contact = None if message["type"] == "system" else user.contact()
            events.append(Event(phone, "messages", message, contact))
        self.emitter.emit(events)
        return JSONResponse({"messages": [e.item for e in events]}, status_code=201)

    async def _c_window(self, request: Request) -> Response:
        phone = self._phone(request)
        data = await read_json(request)
        user = self._user(require(data, "user"))
        if data.get("open", True):
            phone.last_inbound[user.user_id] = time.time()
        else:
            phone.last_inbound.pop(user.user_id, None)
        return JSONResponse({"user_id": user.user_id, "open": self._window_open(phone, user)})

    async def _c_verify(self, request: Request) -> Response:
        phone = self._phone(request)
        data = await read_json(request)
        url = data.get("callback_url") or phone.callback_url
        if not url:
            raise ControlError("the phone number has no callback_url")
        challenge = str(secrets.randbelow(10**9))
        params = {
            "hub.mode": "subscribe",
            "hub.verify_token": str(data.get("verify_token", phone.verify_token)),
            "hub.challenge": challenge,
        }
        try:
            response = await self.poster.client().get(
                str(url), params=params, timeout=HANDSHAKE_TIMEOUT
            )
        except httpx.HTTPError as exc:
            return JSONResponse({"ok": False, "error": str(exc), "challenge": challenge})
        ok = response.status_code == 200 and response.text == challenge
        return JSONResponse(
            {
                "ok": ok,
                "status": response.status_code,
                "body": response.text,
                "challenge": challenge,
            }
        )

    async def _c_media(self, request: Request) -> Response:
        phone = self._phone(request)
        data = await read_json(request)
        content = base64.b64decode(str(require(data, "content_b64")))
        media = self.add_media(
            phone, content, str(data.get("mime_type", "image/jpeg")), data.get("filename")
        )
        return JSONResponse(
            {
                "id": media.id,
                "mime_type": media.mime_type,
                "sha256": media.sha256,
                "file_size": len(media.content),
            },
            status_code=201,
        )

    async def _c_raw_webhook(self, request: Request) -> Response:
        phone = self._phone(request)
        data = await read_json(request)
        if not phone.callback_url:
            raise ControlError("the phone number has no callback_url")
        self.emitter.post_raw(phone.callback_url, phone.app_secret, require(data, "payload"))
        return JSONResponse({"queued": True}, status_code=202)

    async def _c_sent(self, request: Request) -> Response:
        phone = self._phone(request)
        sent = [
            m.describe() for m in self.sent.values() if m.phone_number_id == phone.phone_number_id
        ]
        return JSONResponse({"sent": sent})

    async def _c_status(self, request: Request) -> Response:
        data = await read_json(request)
        message = self.sent.get(str(require(data, "message_id")))
        if message is None:
            raise ControlError("no message with that id was sent", 404)
        status = str(require(data, "status"))
        if status not in STATUSES:
            raise ControlError(f"status is one of {STATUSES}")
        errors = None
        if status == "failed":
            code = int(data.get("code", 131026))
            errors = [
                error_item(
                    code,
                    str(data.get("title", "Message undeliverable")),
                    str(data.get("details", "Message undeliverable")),
                )
            ]
        item = self.emit_status(self.phones[message.phone_number_id], message, status, errors)
        return JSONResponse(item, status_code=201)

    async def _c_flush(self, request: Request) -> Response:
        self.emitter.flush()
        return JSONResponse({"flushed": True})

    async def _c_calls(self, request: Request) -> Response:
        return JSONResponse({"calls": self.journal.calls})

    async def _c_deliveries(self, request: Request) -> Response:
        return JSONResponse(
            {"deliveries": self.journal.deliveries, "pending": self.queue.pending()}
        )

    async def _c_config(self, request: Request) -> Response:
        data = await read_json(request)
        self.config.update(data)
        if "retry" in data:
            self.poster.policy.update(dict(data["retry"]))
        return JSONResponse({**vars(self.config), "retry": vars(self.poster.policy)})

    async def _c_release(self, request: Request) -> Response:
        return JSONResponse({"released": self.held.release()})

    async def _c_reset(self, request: Request) -> Response:
        self.held.release()
        await self.tasks.cancel_all()
        self.queue = DeliveryQueue(self.poster, self.tasks)
        self.emitter = Emitter(self.faults, self.queue, self.tasks)
        self.phones.clear()
        self.users = Users()
        self.media.clear()
        self.sent.clear()
        self.replays.clear()
        self.journal.clear()
        self.faults.clear()
        return JSONResponse({"reset": True})

    def app(self) -> Starlette:
        def api(kind: str, work: Any) -> Any:
            async def endpoint(request: Request) -> Response:
                return await self._call(request, kind, work)

            return endpoint

        phone = "/_control/phone_numbers/{phone_id}"
        routes: list[BaseRoute] = [
            Route("/_media/{media_id}", self._download, methods=["GET"]),
            Route("/_control/phone_numbers", control(self._c_add_phone), methods=["POST"]),
            Route(phone, control(self._c_phone), methods=["GET"]),
            Route(phone + "/templates", control(self._c_add_template), methods=["POST"]),
            Route(phone + "/inbound", control(self._c_inbound), methods=["POST"]),
            Route(phone + "/window", control(self._c_window), methods=["POST"]),
            Route(phone + "/verify_webhook", control(self._c_verify), methods=["POST"]),
            Route(phone + "/media", control(self._c_media), methods=["POST"]),
            Route(phone + "/webhook", control(self._c_raw_webhook), methods=["POST"]),
            Route(phone + "/sent", control(self._c_sent), methods=["GET"]),
            Route("/_control/statuses", control(self._c_status), methods=["POST"]),
            Route("/_control/flush", self._c_flush, methods=["POST"]),
            Route("/_control/release", self._c_release, methods=["POST"]),
            Route("/_control/calls", self._c_calls, methods=["GET"]),
            Route("/_control/deliveries", self._c_deliveries, methods=["GET"]),
            Route("/_control/config", control(self._c_config), methods=["PUT"]),
            Route("/_control/reset", self._c_reset, methods=["POST"]),
        ]
        routes += [Route(p, h, methods=m) for p, h, m in fault_routes(self.faults)]
        routes += [
            Route("/{version}/{node}/messages", api("messages", self._send), methods=["POST"]),
            Route("/{version}/{node}/media", api("media", self._upload), methods=["POST"]),
            Route(
                "/{version}/{node}/message_templates",
                api("templates", self._templates),
                methods=["GET"],
            ),
            Route("/{version}/{node}", api("node", self._node_get), methods=["GET"]),
            Route("/{version}/{node}", api("media_delete", self._node_delete), methods=["DELETE"]),
        ]
        return build_app(routes, self.poster, self.tasks)
