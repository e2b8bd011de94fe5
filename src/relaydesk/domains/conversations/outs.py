"""Conversations as answers and events show them: labels, the reply window and the contact's
name filled in with one query each, whatever the number of conversations."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.domains.contacts.models import Contact
from relaydesk.domains.conversations.models import Conversation, ConversationLabel
from relaydesk.domains.conversations.reply_window import set_reply_windows_txn
from relaydesk.domains.conversations.schemas import ConversationOut


async def labels_txn(
    s: AsyncSession, conversation_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[str]]:
    found: dict[uuid.UUID, list[str]] = {}
    if not conversation_ids:
        return found
    rows = await s.execute(
        select(ConversationLabel.conversation_id, ConversationLabel.label)
        .where(ConversationLabel.conversation_id.in_(conversation_ids))
        .order_by(ConversationLabel.label)
    )
    for conversation_id, label in rows:
        found.setdefault(conversation_id, []).append(label)
    return found


async def contact_names_txn(
    s: AsyncSession, contact_ids: set[uuid.UUID]
) -> dict[uuid.UUID, str | None]:
    """How each contact is shown in a list: its name, else its phone, else its email."""
    if not contact_ids:
        return {}
    rows = await s.execute(
        select(Contact.id, func.coalesce(Contact.name, Contact.phone, Contact.email)).where(
            Contact.id.in_(contact_ids)
        )
    )
    return {row[0]: row[1] for row in rows}


async def conversation_outs_txn(
    s: AsyncSession, conversations: Sequence[Conversation]
) -> list[ConversationOut]:
    ids = [c.id for c in conversations]
    labels = await labels_txn(s, ids)
    names = await contact_names_txn(s, {c.contact_id for c in conversations})
    outs = []
    for conversation in conversations:
        out = ConversationOut.model_validate(conversation)
        out.labels = labels.get(conversation.id, [])
        out.contact_name = names.get(conversation.contact_id)
        outs.append(out)
    await set_reply_windows_txn(s, outs)
    return outs
