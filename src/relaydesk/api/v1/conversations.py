"""Conversations, their messages, notes, labels and read cursors; attachments."""

from __future__ import annotations

import hashlib
import re
import uuid
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request, Response, status
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException

from relaydesk.api.deps import (
    PAGE_SIZE,
    Cursor,
    DbDep,
    Limit,
    ReadAccess,
    SettingsDep,
    workspace_access,
)
from relaydesk.api.v1.pages import PageOut
from relaydesk.domains.conversations import queries
from relaydesk.domains.conversations.actions import attachments as attachment_actions
from relaydesk.domains.conversations.actions import conversations as conversation_actions
from relaydesk.domains.conversations.actions import messages as message_actions
from relaydesk.domains.conversations.error_codes import AttachmentError, ConversationError
from relaydesk.domains.conversations.schemas import (
    AttachmentOut,
    ConversationPatchIn,
    ConversationStatus,
    ConversationView,
    Label,
    LabelsIn,
    MessageEditIn,
    MessageOut,
    MessageSendIn,
    MessagesPage,
    NoteIn,
    ReadIn,
    ReadOut,
)
from relaydesk.domains.workspaces.access import WorkspaceAccess
from relaydesk.domains.workspaces.roles import Permission
from relaydesk.errors import AppError, CommonError, not_found
from relaydesk.settings import Settings
from relaydesk.storage import storage_for
from relaydesk.storage.base import StorageKeyError

router = APIRouter()
conversations = APIRouter(prefix="/workspaces/{workspace_id}/conversations", tags=["conversations"])
attachments = APIRouter(prefix="/workspaces/{workspace_id}/attachments", tags=["attachments"])
Write = Annotated[WorkspaceAccess, Depends(workspace_access(Permission.conversations_write))]
Seq = Annotated[int | None, Query(ge=0)]
# Pages of messages may be larger than other lists: a client catching up reads thousands.
MAX_MESSAGES_PAGE = 1000


@conversations.get("")
async def list_conversations(
    access: ReadAccess,
    db: DbDep,
    cursor: Cursor = None,
    limit: Limit = PAGE_SIZE,
    status: ConversationStatus | None = None,
    channel_id: uuid.UUID | None = None,
    contact_id: Annotated[uuid.UUID | None, Query(description="With this contact.")] = None,
    assignee_user_id: uuid.UUID | None = None,
    team_id: uuid.UUID | None = None,
    label: Annotated[Label | None, Query()] = None,
    mine: Annotated[bool, Query(description="Assigned to you.")] = False,
    unassigned: bool = False,
    unread: Annotated[bool, Query(description="With messages you have not read.")] = False,
) -> PageOut[ConversationView]:
    """Newest activity first, each with your `unread_count`."""
    user_id = access.actor.user_id
    if (mine or unread) and user_id is None:
        raise AppError(ConversationError.USER_REQUIRED)
    filters = queries.ConversationFilters(
        status=status,
        channel_id=channel_id,
        contact_id=contact_id,
        assignee_user_id=assignee_user_id,
        team_id=team_id,
        label=label,
        mine=mine,
        unassigned=unassigned,
        unread=unread,
    )
    page = await queries.list_conversations(
        db, access.workspace_id, cursor, limit, filters, user_id
    )
    return PageOut(items=page.items, next_cursor=page.next_cursor)


@conversations.get("/{conversation_id}")
async def get_conversation(
    conversation_id: uuid.UUID, access: ReadAccess, db: DbDep
) -> ConversationView:
    return await queries.get_conversation(
        db, access.workspace_id, conversation_id, access.actor.user_id
    )


async def _view(db: DbDep, access: WorkspaceAccess, conversation_id: uuid.UUID) -> ConversationView:
    return await queries.get_conversation(
        db, access.workspace_id, conversation_id, access.actor.user_id
    )


@conversations.patch("/{conversation_id}")
async def update_conversation(
    conversation_id: uuid.UUID, body: ConversationPatchIn, access: Write, db: DbDep
) -> ConversationView:
    """Status (`snoozed` needs `snoozed_until`), priority, assignee (a member) and team."""
    await conversation_actions.update_conversation(
        db, access.actor, access.workspace_id, conversation_id, body
    )
    return await _view(db, access, conversation_id)


@conversations.post("/{conversation_id}/labels")
async def add_labels(
    conversation_id: uuid.UUID, body: LabelsIn, access: Write, db: DbDep
) -> ConversationView:
    await conversation_actions.add_labels(
        db, access.actor, access.workspace_id, conversation_id, body.labels
    )
    return await _view(db, access, conversation_id)


@conversations.delete("/{conversation_id}/labels/{label}")
async def remove_label(
    conversation_id: uuid.UUID, label: Label, access: Write, db: DbDep
) -> ConversationView:
    await conversation_actions.remove_labels(
        db, access.actor, access.workspace_id, conversation_id, [label]
    )
    return await _view(db, access, conversation_id)


@conversations.post("/{conversation_id}/read")
async def mark_read(
    conversation_id: uuid.UUID, body: ReadIn, access: ReadAccess, db: DbDep
) -> ReadOut:
    """Move your read cursor forward to `seq`; it never moves back."""
    state = await conversation_actions.mark_read(
        db, access.actor, access.workspace_id, conversation_id, body.seq
    )
    return ReadOut(
        conversation_id=state.conversation_id,
        last_read_seq=state.last_read_seq,
        unread_count=state.unread_count,
    )


@conversations.post("/{conversation_id}/notes", status_code=status.HTTP_201_CREATED)
async def add_note(
    conversation_id: uuid.UUID, body: NoteIn, access: Write, db: DbDep
) -> MessageOut:
    """A private note for members; it takes a seq and is never sent to the channel."""
    note = await message_actions.add_note(
        db, access.actor, access.workspace_id, conversation_id, body.text
    )
    return MessageOut.model_validate(note)


@conversations.get("/{conversation_id}/messages")
async def list_messages(
    conversation_id: uuid.UUID,
    access: ReadAccess,
    db: DbDep,
    after_seq: Seq = None,
    before_seq: Seq = None,
    around_seq: Seq = None,
    limit: Annotated[int, Query(ge=1, le=MAX_MESSAGES_PAGE)] = PAGE_SIZE,
) -> MessagesPage:
    """Messages in seq order. `after_seq` pages forward (catch-up); `before_seq` pages back
    through history; `around_seq` centres a page on one message (a search hit, a reply);
    none gives the newest page."""
    if around_seq is not None and (after_seq is not None or before_seq is not None):
        raise AppError(ConversationError.SEQ_PARAMS_CONFLICT)
    return await queries.messages_by_seq(
        db,
        access.workspace_id,
        conversation_id,
        after_seq=after_seq,
        before_seq=before_seq,
        around_seq=around_seq,
        limit=limit,
    )


@conversations.post("/{conversation_id}/messages", status_code=status.HTTP_201_CREATED)
async def send_message(
    conversation_id: uuid.UUID, body: MessageSendIn, access: Write, db: DbDep
) -> MessageOut:
    """Reply in the conversation. The message is `queued` until its channel sends it."""
    message = await message_actions.send_message(
        db, access.actor, access.workspace_id, conversation_id, body
    )
    return MessageOut.model_validate(message)


@conversations.patch("/{conversation_id}/messages/{message_id}")
async def edit_message(
    conversation_id: uuid.UUID,
    message_id: uuid.UUID,
    body: MessageEditIn,
    access: Write,
    db: DbDep,
) -> MessageOut:
    """Edit your own outbound text or note (already delivered copies are not changed)."""
    message = await message_actions.edit_message(
        db, access.actor, access.workspace_id, conversation_id, message_id, body.text
    )
    return MessageOut.model_validate(message)


@conversations.post("/{conversation_id}/messages/{message_id}/recall")
async def recall_message(
    conversation_id: uuid.UUID, message_id: uuid.UUID, access: Write, db: DbDep
) -> MessageOut:
    """Recall a message: its seq stays as a tombstone; text, payload and attachments go."""
    message = await message_actions.recall_message(
        db, access.actor, access.workspace_id, conversation_id, message_id
    )
    return MessageOut.model_validate(message)


# Room for the multipart envelope (boundaries, part headers) around the file itself.
_MULTIPART_OVERHEAD = 16 * 1024
_UNSAFE_FILENAME = re.compile(r"[\x00-\x1f\x7f\"\\/]")


def _allowed(settings: Settings, content_type: str) -> bool:
    for pattern in settings.attachment_allowed_types:
        pattern = pattern.strip().lower()
        if pattern == content_type or (
            pattern.endswith("/*") and content_type.startswith(pattern[:-1])
        ):
            return True
    return False


def _clean_filename(raw: str | None) -> str:
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_FILENAME.sub("_", name).strip(" .")
    return name[:255] or "file"


def _too_large(settings: Settings) -> AppError:
    return AppError(
        AttachmentError.TOO_LARGE,
        f"Attachments are limited to {settings.attachment_max_bytes} bytes",
    )


async def _read_limited(upload: UploadFile, limit: int, settings: Settings) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := await upload.read(64 * 1024):
        size += len(chunk)
        if size > limit:
            raise _too_large(settings)
        chunks.append(chunk)
    return b"".join(chunks)


@attachments.post("", status_code=status.HTTP_201_CREATED)
async def upload_attachment(
    request: Request, access: Write, db: DbDep, settings: SettingsDep
) -> AttachmentOut:
    """Upload one file as `multipart/form-data` in a part named `file`. Reference it by id
    in `attachment_ids` when sending, or in an inbound message's `attachments`."""
    limit = settings.attachment_max_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit + _MULTIPART_OVERHEAD:
        raise _too_large(settings)
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise AppError(AttachmentError.FILE_REQUIRED)
    try:
        form = await request.form(max_files=1, max_fields=4)
    except MultiPartException as exc:
        raise AppError(CommonError.BAD_REQUEST, exc.message) from None
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise AppError(AttachmentError.FILE_REQUIRED)
        content_type = (upload.content_type or "").split(";", 1)[0].strip().lower()
        if not content_type or not _allowed(settings, content_type):
            raise AppError(
                AttachmentError.TYPE_NOT_ALLOWED,
                f"{content_type or 'a file without a content type'} is not accepted",
            )
        data = await _read_limited(upload, limit, settings)
        filename = _clean_filename(upload.filename)
    finally:
        await form.close()
    digest = hashlib.sha256(data).hexdigest()
    # Bytes first, then the row: a failed write leaves at most an unreferenced blob.
    await storage_for(settings.data_dir).put(digest, data)
    attachment = await attachment_actions.create_attachment(
        db,
        access.actor,
        access.workspace_id,
        filename=filename,
        content_type=content_type,
        size=len(data),
        sha256=digest,
    )
    return AttachmentOut.model_validate(attachment)


@attachments.get(
    "/{attachment_id}",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}, "description": "The file"}},
)
async def download_attachment(
    attachment_id: uuid.UUID, access: ReadAccess, db: DbDep, settings: SettingsDep
) -> Response:
    """The file, always as a download (never rendered inline)."""
    attachment = await queries.get_attachment(db, access.workspace_id, attachment_id)
    try:
        data = await storage_for(settings.data_dir).get(attachment.storage_key)
    except StorageKeyError:
        raise not_found("attachment") from None
    ascii_name = attachment.filename.encode("ascii", "replace").decode().replace("?", "_")
    disposition = (
        f'attachment; filename="{_clean_filename(ascii_name)}"; '
        f"filename*=UTF-8''{quote(attachment.filename, safe='')}"
    )
    return Response(
        content=data,
        media_type=attachment.content_type,
        headers={
            "Content-Disposition": disposition,
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, max-age=3600",
        },
    )


router.include_router(conversations)
router.include_router(attachments)
