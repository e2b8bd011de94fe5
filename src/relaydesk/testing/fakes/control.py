"""Python clients of the fakes' control APIs, for tests and local scripts (sync, httpx)."""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import httpx

T = TypeVar("T")
CONTROL_TIMEOUT = 30.0


class _Control:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url, timeout=CONTROL_TIMEOUT)

    def close(self) -> None:
        self._http.close()

    def __enter__(self: T) -> T:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _do(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
    ) -> Any:
        response = self._http.request(method, path, json=body, params=params)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text}")
        return response.json()

    def fault(
        self, kind: str, *, times: int = 1, method: str | None = None, **options: Any
    ) -> dict[str, Any]:
        """Inject a fault for the next `times` matching calls or deliveries."""
        spec: dict[str, Any] = {"kind": kind, "times": times, **options}
        if method is not None:
            spec["method"] = method
        result: dict[str, Any] = self._do("POST", "/_control/faults", spec)["faults"][0]
        return result

    def clear_faults(self) -> None:
        self._do("DELETE", "/_control/faults")

    def calls(self, method: str | None = None) -> list[dict[str, Any]]:
        calls: list[dict[str, Any]] = self._do("GET", "/_control/calls")["calls"]
        if method is None:
            return calls
        return [c for c in calls if c["method"].lower() == method.lower()]

    def deliveries(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._do("GET", "/_control/deliveries")["deliveries"]
        return result

    def configure(self, **settings: Any) -> dict[str, Any]:
        result: dict[str, Any] = self._do("PUT", "/_control/config", settings)
        return result

    def reset(self) -> None:
        self._do("POST", "/_control/reset")

    @staticmethod
    def wait_for(
        fetch: Callable[[], T],
        done: Callable[[T], bool],
        timeout: float = 10.0,
        what: str = "the fake",
    ) -> T:
        """Poll `fetch` until `done(value)`; fail loudly after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        tick = threading.Event()
        while True:
            value = fetch()
            if done(value):
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
            tick.wait(0.02)


class TelegramControl(_Control):
    def add_bot(self, token: str, username: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"token": token}
        if username:
            body["username"] = username
        result: dict[str, Any] = self._do("POST", "/_control/bots", body)
        return result

    def bot(self, bot_id: int) -> dict[str, Any]:
        result: dict[str, Any] = self._do("GET", f"/_control/bots/{bot_id}")
        return result

    def add_chat(self, bot_id: int, chat: dict[str, Any], **extra: Any) -> dict[str, Any]:
        result: dict[str, Any] = self._do(
            "POST", f"/_control/bots/{bot_id}/chats", {"chat": chat, **extra}
        )
        return result

    def inject(self, bot_id: int, *updates: dict[str, Any]) -> list[dict[str, Any]]:
        """Queue inbound updates (served to getUpdates, or pushed to the webhook if set)."""
        result: list[dict[str, Any]] = self._do(
            "POST", f"/_control/bots/{bot_id}/updates", {"updates": list(updates)}
        )["updates"]
        return result

    def add_file(
        self,
        bot_id: int,
        content: bytes,
        kind: str = "document",
        file_name: str | None = None,
        mime_type: str | None = None,
    ) -> dict[str, Any]:
        body = {
            "kind": kind,
            "content_b64": base64.b64encode(content).decode(),
            "file_name": file_name,
            "mime_type": mime_type,
        }
        result: dict[str, Any] = self._do("POST", f"/_control/bots/{bot_id}/files", body)
        return result

    def sent(self, bot_id: int, chat_id: int | None = None) -> list[dict[str, Any]]:
        params = None if chat_id is None else {"chat_id": chat_id}
        path = f"/_control/bots/{bot_id}/sent"
        result: list[dict[str, Any]] = self._do("GET", path, params=params)["sent"]
        return result

    def actions(self, bot_id: int) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._do("GET", f"/_control/bots/{bot_id}/actions")[
            "actions"
        ]
        return result

    def wait_sent(self, bot_id: int, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        return self.wait_for(
            lambda: self.sent(bot_id), lambda s: len(s) >= count, timeout, f"{count} sent messages"
        )


class WhatsAppControl(_Control):
    def add_phone_number(
        self,
        phone_number_id: str,
        *,
        access_token: str,
        app_secret: str,
        verify_token: str | None = None,
        callback_url: str | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """Register a phone number, or update one (settings left out stay as they were)."""
        body = {
            "phone_number_id": phone_number_id,
            "access_token": access_token,
            "app_secret": app_secret,
            "verify_token": verify_token,
            "callback_url": callback_url,
            **extra,
        }
        body = {k: v for k, v in body.items() if v is not None}
        result: dict[str, Any] = self._do("POST", "/_control/phone_numbers", body)
        return result

    def add_template(
        self, phone_number_id: str, name: str, body_text: str, language: str = "en_US", **extra: Any
    ) -> dict[str, Any]:
        components = extra.pop("components", [{"type": "BODY", "text": body_text}])
        result: dict[str, Any] = self._do(
            "POST",
            f"/_control/phone_numbers/{phone_number_id}/templates",
            {"name": name, "language": language, "components": components, **extra},
        )
        return result

    def inbound(
        self, phone_number_id: str, user: dict[str, Any], *messages: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Messages from `user` ({wa_id, name, user_id?, username?, hide_phone?}) in one POST;
        a message may carry its own "user" to mix senders in one payload."""
        result: list[dict[str, Any]] = self._do(
            "POST",
            f"/_control/phone_numbers/{phone_number_id}/inbound",
            {"user": user, "messages": list(messages)},
        )["messages"]
        return result

    def window(self, phone_number_id: str, user: dict[str, Any], open_: bool) -> dict[str, Any]:
        result: dict[str, Any] = self._do(
            "POST",
            f"/_control/phone_numbers/{phone_number_id}/window",
            {"user": user, "open": open_},
        )
        return result

    def verify_webhook(self, phone_number_id: str, **override: Any) -> dict[str, Any]:
        result: dict[str, Any] = self._do(
            "POST", f"/_control/phone_numbers/{phone_number_id}/verify_webhook", override
        )
        return result

    def add_media(
        self, phone_number_id: str, content: bytes, mime_type: str, filename: str | None = None
    ) -> dict[str, Any]:
        result: dict[str, Any] = self._do(
            "POST",
            f"/_control/phone_numbers/{phone_number_id}/media",
            {
                "content_b64": base64.b64encode(content).decode(),
                "mime_type": mime_type,
                "filename": filename,
            },
        )
        return result

    def post_webhook(self, phone_number_id: str, payload: dict[str, Any]) -> None:
        self._do("POST", f"/_control/phone_numbers/{phone_number_id}/webhook", {"payload": payload})

    def sent(self, phone_number_id: str) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._do(
            "GET", f"/_control/phone_numbers/{phone_number_id}/sent"
        )["sent"]
        return result

    def status(self, message_id: str, status: str, **error: Any) -> dict[str, Any]:
        result: dict[str, Any] = self._do(
            "POST", "/_control/statuses", {"message_id": message_id, "status": status, **error}
        )
        return result

    def flush(self) -> None:
        self._do("POST", "/_control/flush")

    def release(self) -> int:
        """Send the answers held by the `hold_answer` fault; how many there were."""
        released: int = self._do("POST", "/_control/release")["released"]
        return released
