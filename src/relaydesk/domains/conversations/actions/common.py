"""Helpers shared by the conversation writers."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.db.scoped import get_in_workspace_txn
from relaydesk.domains.actor import Actor
from relaydesk.domains.conversations.models import Conversation
from relaydesk.domains.conversations.outs import conversation_outs_txn
from relaydesk.domains.conversations.schemas import ConversationOut
from relaydesk.domains.workspaces.access import require_txn
from relaydesk.domains.workspaces.roles import Permission
from relaydesk.events.outbox import emit_txn
from relaydesk.events.schemas import ConversationUpdated

PREVIEW_LENGTH = 200
# Set on a write session that queued an outbound message, so deliverers wake after commit.
OUTBOUND_QUEUED = "relaydesk_outbound_queued"


async def conversation_out_txn(s: AsyncSession, conversation: Conversation) -> ConversationOut:
    return (await conversation_outs_txn(s, [conversation]))[0]


async def emit_conversations_updated_txn(
    s: AsyncSession, actor: Actor, conversations: Sequence[Conversation]
) -> None:
    await emit_conversations_updated_by_txn(s, [(actor, c) for c in conversations])


async def emit_conversations_updated_by_txn(
    s: AsyncSession, changes: Sequence[tuple[Actor, Conversation]]
) -> None:
    """`conversation.updated` for each conversation, by the actor that changed it."""
    await s.flush()
    outs = await conversation_outs_txn(s, [conversation for _, conversation in changes])
    for (actor, conversation), out in zip(changes, outs, strict=True):
        emit_txn(s, actor, conversation.workspace_id, ConversationUpdated(conversation=out))


async def emit_conversation_updated_txn(
    s: AsyncSession, actor: Actor, conversation: Conversation
) -> None:
    await emit_conversations_updated_txn(s, actor, [conversation])


def preview_of(text: str | None, kind: str) -> str:
    return (text or kind)[:PREVIEW_LENGTH]


async def check_writable_conversation_txn(
    s: AsyncSession, actor: Actor, workspace_id: uuid.UUID, conversation_id: uuid.UUID
) -> Conversation:
    """The check_* gate of conversation writes: the actor may write, the conversation is this
    workspace's (else 404), and its row is locked for the rest of the transaction."""
    await require_txn(s, actor, workspace_id, Permission.conversations_write)
    return await get_in_workspace_txn(
        s, Conversation, workspace_id, conversation_id, "conversation", lock=True
    )
