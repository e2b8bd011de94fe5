"""The `webhook` trigger: `POST /hooks/automation/{workflow_id}` starts a run.

The caller proves itself with `X-RelayDesk-Secret`: a random secret made at the first
publish of a webhook workflow (and on rotation), shown once; only its SHA-256 is stored
and compared in constant time. The JSON body is the run's `trigger.body`; a `contact_id`,
`email` or `phone` in it binds the run to that contact of the workflow's workspace (an
unknown one is recorded on the run, which starts without a contact). An `Idempotency-Key`
starts at most one run per workflow.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

import phonenumbers
from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.db import Database
from relaydesk.db.upsert import ignoring_insert
from relaydesk.domains.automation.engine.starts import RUNS_STARTED, Pinned, run_values
from relaydesk.domains.automation.error_codes import CONTACT_NOT_FOUND, AutomationError
from relaydesk.domains.automation.models import Workflow, WorkflowRun, WorkflowVersion
from relaydesk.domains.contacts.models import Contact
from relaydesk.errors import AppError, not_found

IDEMPOTENCY_KEY_MAX = 200


def new_secret() -> tuple[str, str]:
    """A secret and the hash stored for it."""
    secret = "rdwh_" + secrets.token_urlsafe(32)
    return secret, hash_secret(secret)


def hash_secret(secret: str) -> str:
    # A random 256-bit secret needs no salt or stretching: SHA-256 cannot be reversed.
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(stored_hash: str | None, given: str | None) -> bool:
    if not stored_hash or not given:
        return False
    return hmac.compare_digest(stored_hash, hash_secret(given))


@dataclass(frozen=True, slots=True)
class WebhookRun:
    run_id: uuid.UUID
    duplicate: bool  # an earlier call with the same Idempotency-Key started it


async def live_webhook(db: Database, workflow_id: uuid.UUID) -> tuple[Pinned, str | None]:
    """The published webhook workflow and its secret hash; 404 otherwise."""
    async with db.read("automation_webhook_workflow") as s:
        row = (
            await s.execute(
                select(
                    Workflow.workspace_id,
                    WorkflowVersion.id,
                    WorkflowVersion.version,
                    WorkflowVersion.graph,
                    Workflow.webhook_secret_hash,
                )
                .join(
                    WorkflowVersion,
                    and_(
                        WorkflowVersion.workflow_id == Workflow.id,
                        WorkflowVersion.version == Workflow.published_version,
                    ),
                )
                .where(Workflow.id == workflow_id, Workflow.status == "published")
            )
        ).first()
    if row is None or row[3].get("trigger", {}).get("type") != "webhook":
        raise not_found("workflow")
    return Pinned(row[0], workflow_id, row[1], row[2], "webhook"), row[4]


async def _contact_txn(
    s: AsyncSession, workspace_id: uuid.UUID, body: dict[str, Any]
) -> tuple[uuid.UUID | None, dict[str, Any]]:
    """The contact the body names, and what to record when it names an unknown one."""
    for key in ("contact_id", "email", "phone"):
        value = body.get(key)
        if not isinstance(value, str) or not value.strip():
            continue
        value = value.strip()
        where: Any
        if key == "contact_id":
            try:
                where = Contact.id == uuid.UUID(value)
            except ValueError:
                return None, {"contact_lookup": {"by": key, "reason": CONTACT_NOT_FOUND}}
        elif key == "email":
            where = func.lower(Contact.email) == value.lower()
        else:
            where = Contact.phone == _e164(value)
        found = await s.scalar(
            select(Contact.id)
            .where(Contact.workspace_id == workspace_id, where)
            .order_by(Contact.created_at)
            .limit(1)
        )
        if found is None:
            return None, {"contact_lookup": {"by": key, "reason": CONTACT_NOT_FOUND}}
        return found, {}
    return None, {}


def _e164(value: str) -> str:
    """Phones are stored in E.164; one written otherwise is looked up as given."""
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return value
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


async def start_webhook_run(
    db: Database,
    pinned: Pinned,
    body: dict[str, Any],
    idempotency_key: str | None,
) -> WebhookRun:
    async with db.write("automation_webhook_run") as s:
        if idempotency_key is not None:
            existing = await s.scalar(
                select(WorkflowRun.id).where(
                    WorkflowRun.workflow_id == pinned.workflow_id,
                    WorkflowRun.idempotency_key == idempotency_key,
                )
            )
            if existing is not None:
                return WebhookRun(existing, True)
        contact_id, noted = await _contact_txn(s, pinned.workspace_id, body)
        values = run_values(
            pinned,
            contact_id=contact_id,
            trigger={"body": body, **noted},
            idempotency_key=idempotency_key,
        )
        # A concurrent call with the same key may have inserted it since the check above.
        inserted = await s.scalar(
            ignoring_insert(s, WorkflowRun).values(**values).returning(WorkflowRun.id)
        )
        if inserted is None:
            existing = await s.scalar(
                select(WorkflowRun.id).where(
                    WorkflowRun.workflow_id == pinned.workflow_id,
                    WorkflowRun.idempotency_key == idempotency_key,
                )
            )
            if existing is None:  # pragma: no cover - the conflict names this row
                raise AppError(AutomationError.NOT_PUBLISHED)
            return WebhookRun(existing, True)
        s.info[RUNS_STARTED] = True
    return WebhookRun(inserted, False)
