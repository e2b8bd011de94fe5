"""Webhook payloads of the WhatsApp fake: envelopes, statuses, signatures, batching and the
delivery faults (duplicates, bad or missing signatures, batched payloads)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any

from relaydesk.testing.fakes.delivery import DeliveryQueue, TaskSet
from relaydesk.testing.fakes.faults import FaultBook
from relaydesk.testing.fakes.whatsapp_state import PhoneNumber, SentMessage

SIGNATURE_HEADER = "X-Hub-Signature-256"
ERROR_HREF = "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"
_SIGNATURE_FAULTS = frozenset({"bad_signature", "missing_signature"})


def sign(app_secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass
class Event:
    """One item of a webhook: an inbound message or a status, with the contact it concerns."""

    phone: PhoneNumber
    field: str  # "messages" or "statuses"
    item: dict[str, Any]
    contact: dict[str, Any] | None


def envelope(events: list[Event]) -> dict[str, Any]:
    """Group events as Meta does: an entry per WABA, a change per phone number and kind,
    several messages or statuses (and their contacts) inside one change's value."""
    entries: dict[str, dict[tuple[str, str], dict[str, Any]]] = {}
    for event in events:
        changes = entries.setdefault(event.phone.waba_id, {})
        value = changes.get((event.phone.phone_number_id, event.field))
        if value is None:
            value = changes[(event.phone.phone_number_id, event.field)] = {
                "messaging_product": "whatsapp",
                "metadata": event.phone.metadata(),
            }
        if event.contact is not None:
            contacts = value.setdefault("contacts", [])
            if event.contact not in contacts:
                contacts.append(event.contact)
        value.setdefault(event.field, []).append(event.item)
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": waba_id,
                "changes": [{"value": value, "field": "messages"} for value in changes.values()],
            }
            for waba_id, changes in entries.items()
        ],
    }


def status_item(
    message: SentMessage, status: str, errors: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": message.id,
        "status": status,
        "timestamp": str(int(time.time())),
    }
    if message.user.visible_wa_id:
        item["recipient_id"] = message.user.visible_wa_id
    if status != "failed" or message.input == message.user.user_id:
        item["recipient_user_id"] = message.user.user_id
    if "biz_opaque_callback_data" in message.body:
        item["biz_opaque_callback_data"] = message.body["biz_opaque_callback_data"]
    if status in ("sent", "delivered"):
        category = "marketing" if message.type == "template" else "service"
        item["conversation"] = {"id": message.id[-32:], "origin": {"type": category}}
        item["pricing"] = {
            "billable": category != "service",
            "pricing_model": "PMP",
            "category": category,
            "type": "regular",
        }
    if errors:
        item["errors"] = errors
    return item


def error_item(code: int, title: str, details: str) -> dict[str, Any]:
    return {
        "code": code,
        "title": title,
        "message": title,
        "error_data": {"details": details},
        "href": ERROR_HREF,
    }


class Emitter:
    def __init__(self, faults: FaultBook, queue: DeliveryQueue, tasks: TaskSet) -> None:
        self._faults = faults
        self._queue = queue
        self._tasks = tasks
        self._held: list[Event] = []
        self._hold_for = 0

    def emit(self, events: list[Event]) -> None:
        """Send these events in one POST per callback (or hold them for a batch fault)."""
        if not self._hold_for:
            fault = self._faults.take(frozenset({"batch"}))
            if fault is not None:
                self._hold_for = max(1, int(fault.options.get("count", 2)))
                max_wait = float(fault.options.get("max_wait", 5.0))
                self._tasks.spawn(self._flush_later(max_wait))
        if self._hold_for:
            self._held.extend(events)
            if len(self._held) >= self._hold_for:
                self.flush()
            return
        self._send(events)

    def flush(self) -> None:
        held, self._held, self._hold_for = self._held, [], 0
        if held:
            self._send(held)

    async def _flush_later(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
        self.flush()

    def _send(self, events: list[Event]) -> None:
        targets: dict[tuple[str, str], list[Event]] = {}
        for event in events:
            if event.phone.callback_url:
                key = (event.phone.callback_url, event.phone.app_secret)
                targets.setdefault(key, []).append(event)
        for (url, secret), group in targets.items():
            self.post_raw(url, secret, envelope(group))

    def post_raw(self, url: str, app_secret: str, payload: dict[str, Any]) -> None:
        body = json.dumps(payload).encode()
        duplicate = self._faults.take(frozenset({"duplicate_delivery"})) is not None

        def headers() -> dict[str, str]:
            headers = {"Content-Type": "application/json"}
            fault = self._faults.take(_SIGNATURE_FAULTS)
            if fault is None:
                headers[SIGNATURE_HEADER] = sign(app_secret, body)
            elif fault.kind == "bad_signature":
                headers[SIGNATURE_HEADER] = sign(app_secret + "-wrong", body)
            return headers

        kinds = sorted(
            {
                k
                for e in payload.get("entry", [])
                for c in e.get("changes", [])
                for k in c.get("value", {})
                if k in ("messages", "statuses")
            }
        )
        self._queue.submit(url, body, headers, label="+".join(kinds) or "raw", duplicate=duplicate)

    def clear(self) -> None:
        self._held, self._hold_for = [], 0
