"""`POST /hooks/automation/{workflow_id}`: an outside system starts a webhook workflow.

Authenticated by the workflow's secret in `X-RelayDesk-Secret` (compared in constant time
with its stored hash); a missing or wrong one is a 401 and nothing is stored. The body is
read with the webhooks' cap (`webhook_max_bytes`, 413 past it) and must be a JSON object.
"""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request, status

from relaydesk.api.deps import DbDep, SettingsDep
from relaydesk.api.hooks import _read_capped as read_capped
from relaydesk.domains.automation.error_codes import AutomationError
from relaydesk.domains.automation.schemas import WebhookRunOut
from relaydesk.domains.automation.triggers.webhook import (
    IDEMPOTENCY_KEY_MAX,
    live_webhook,
    secret_matches,
    start_webhook_run,
)
from relaydesk.errors import AppError, CommonError

router = APIRouter(prefix="/hooks", tags=["hooks"])


@router.post("/automation/{workflow_id}", status_code=status.HTTP_202_ACCEPTED)
async def automation_webhook(
    workflow_id: uuid.UUID,
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    x_relaydesk_secret: Annotated[str | None, Header()] = None,
    idempotency_key: Annotated[str | None, Header(max_length=IDEMPOTENCY_KEY_MAX)] = None,
) -> WebhookRunOut:
    """Starts a run of a published webhook workflow (404 otherwise). The JSON object body
    is `{{trigger.body.…}}`; `contact_id`, `email` or `phone` in it binds the run to that
    contact. The same `Idempotency-Key` again answers the first call's run."""
    pinned, secret_hash = await live_webhook(db, workflow_id)
    if not secret_matches(secret_hash, x_relaydesk_secret):
        raise AppError(AutomationError.WEBHOOK_SECRET_INVALID)
    raw = await read_capped(request, settings.webhook_max_bytes)
    body: Any
    try:
        body = json.loads(raw) if raw.strip() else {}
    except (ValueError, UnicodeDecodeError):
        raise AppError(CommonError.MALFORMED_BODY, "The body is not valid JSON") from None
    if not isinstance(body, dict):
        raise AppError(AutomationError.WEBHOOK_BODY_INVALID)
    started = await start_webhook_run(db, pinned, body, idempotency_key or None)
    return WebhookRunOut(run_id=started.run_id, duplicate=started.duplicate)
