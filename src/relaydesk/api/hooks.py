"""Inbound provider webhooks: verify, store the raw body, answer 200 at once.

Nothing here parses or applies a payload: the inbox worker does that in batches
(channels/inbound/worker.py), so a provider never waits on our processing and a burst of
deliveries costs one insert transaction per round. A body is read with a cap
(`webhook_max_bytes`, 413 past it, whatever Content-Length claimed) and verified over the
exact bytes received before anything is stored.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse, Response
from sqlalchemy import select

from relaydesk.api.deps import DbDep, SettingsDep
from relaydesk.channels.base import ChannelAdapter
from relaydesk.channels.errors import VerificationError
from relaydesk.channels.inbound.worker import InboxWorker
from relaydesk.db import Database
from relaydesk.domains.channels.error_codes import ChannelError
from relaydesk.domains.channels.inbox import Incoming
from relaydesk.domains.channels.models import Channel
from relaydesk.errors import AppError, CommonError, ErrorCode, not_found

router = APIRouter(prefix="/hooks", tags=["hooks"], include_in_schema=True)


class WebhookError(ErrorCode):
    """What a provider's webhook call is refused with (the adapters' verification codes)."""

    TELEGRAM_SECRET_MISSING = (
        "telegram.secret_missing",
        401,
        "The X-Telegram-Bot-Api-Secret-Token header is missing",
    )
    TELEGRAM_SECRET_INVALID = (
        "telegram.secret_invalid",
        401,
        "The X-Telegram-Bot-Api-Secret-Token header is wrong",
    )
    WHATSAPP_SIGNATURE_MISSING = (
        "whatsapp.signature_missing",
        401,
        "The X-Hub-Signature-256 header is missing",
    )
    WHATSAPP_SIGNATURE_INVALID = (
        "whatsapp.signature_invalid",
        403,
        "The X-Hub-Signature-256 signature does not match the body",
    )
    WHATSAPP_VERIFY_TOKEN_INVALID = (
        "whatsapp.verify_token_invalid",
        403,
        "The subscription handshake is not valid",
    )


_BY_CODE = {e.code: e for e in WebhookError}


def _refusal(error: VerificationError) -> AppError:
    fallback = CommonError.UNAUTHENTICATED if error.status == 401 else CommonError.FORBIDDEN
    code: ErrorCode = _BY_CODE.get(error.code, fallback)
    return AppError(code)


def _worker(request: Request) -> InboxWorker:
    worker: InboxWorker = request.app.state.channel_inbox
    return worker


WorkerDep = Annotated[InboxWorker, Depends(_worker)]


async def _channel(db: Database, channel_id: uuid.UUID, channel_type: str) -> Channel:
    """The live channel of this type; a missing, deleted or other-typed one is a 404."""
    async with db.read("webhook_channel") as s:
        channel = await s.scalar(select(Channel).where(Channel.id == channel_id))
    if channel is None or channel.deleted_at is not None or channel.type != channel_type:
        raise not_found("channel")
    return channel


async def _read_capped(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise AppError(
            CommonError.PAYLOAD_TOO_LARGE, f"Webhook bodies are limited to {limit} bytes"
        )
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise AppError(
                CommonError.PAYLOAD_TOO_LARGE, f"Webhook bodies are limited to {limit} bytes"
            )
        chunks.append(chunk)
    return b"".join(chunks)


async def _accept(
    request: Request,
    channel: Channel,
    adapter: ChannelAdapter,
    worker: InboxWorker,
    limit: int,
) -> Response:
    body = await _read_capped(request, limit)
    try:
        adapter.verify(request.headers, body, request.query_params)
    except VerificationError as exc:
        raise _refusal(exc) from None
    if not channel.enabled:
        raise AppError(ChannelError.DISABLED)
    await worker.writer.store(Incoming(channel.workspace_id, channel.id, body))
    return Response(status_code=200)


@router.post("/telegram/{channel_id}", response_class=Response)
async def telegram_webhook(
    channel_id: uuid.UUID, request: Request, db: DbDep, settings: SettingsDep, worker: WorkerDep
) -> Response:
    """A Telegram update, authenticated by `X-Telegram-Bot-Api-Secret-Token`."""
    channel = await _channel(db, channel_id, "telegram")
    return await _accept(
        request, channel, worker.adapter(channel), worker, settings.webhook_max_bytes
    )


@router.get("/whatsapp/{channel_id}", response_class=PlainTextResponse)
async def whatsapp_handshake(
    channel_id: uuid.UUID, request: Request, db: DbDep, worker: WorkerDep
) -> PlainTextResponse:
    """Meta's subscription handshake: `hub.challenge` back when `hub.mode=subscribe` and
    `hub.verify_token` is the account's verify token; 403 otherwise."""
    channel = await _channel(db, channel_id, "whatsapp_cloud")
    try:
        challenge = worker.adapter(channel).verification_challenge(request.query_params)
    except VerificationError as exc:
        raise _refusal(exc) from None
    return PlainTextResponse(challenge)


@router.post("/whatsapp/{channel_id}", response_class=Response)
async def whatsapp_webhook(
    channel_id: uuid.UUID, request: Request, db: DbDep, settings: SettingsDep, worker: WorkerDep
) -> Response:
    """A WhatsApp Cloud API notification, signed with `X-Hub-Signature-256`."""
    channel = await _channel(db, channel_id, "whatsapp_cloud")
    return await _accept(
        request, channel, worker.adapter(channel), worker, settings.webhook_max_bytes
    )
