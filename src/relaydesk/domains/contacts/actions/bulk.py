"""One action on many contacts at once: tag, untag or delete, in one transaction.

The cores are the single-contact ones (`contacts.do_*_many_txn`), so a bulk change writes and
emits exactly what the same changes one by one would; the audit trail gets one record with the
count. Ids that are not the workspace's contacts are left alone, whoever they belong to.
"""

from __future__ import annotations

import uuid

from relaydesk.db import Database
from relaydesk.domains.actor import Actor
from relaydesk.domains.audit.actions import record_txn
from relaydesk.domains.contacts.actions.contacts import (
    WRITE,
    do_add_tags_many_txn,
    do_delete_contacts_txn,
    do_remove_tags_many_txn,
    emit_updated_txn,
    lock_contacts_txn,
)
from relaydesk.domains.contacts.schemas import BulkAction, BulkIn
from relaydesk.domains.workspaces.access import require_txn


async def bulk_contacts(db: Database, actor: Actor, workspace_id: uuid.UUID, body: BulkIn) -> int:
    """The number of contacts that changed (a tag they already had is no change)."""
    tags = list(body.tags or [])
    async with db.write(f"bulk_{body.action.value}_contacts") as s:
        await require_txn(s, actor, workspace_id, WRITE)
        contacts = await lock_contacts_txn(s, workspace_id, body.contact_ids)
        ids = [c.id for c in contacts]
        if body.action is BulkAction.delete:
            await do_delete_contacts_txn(s, actor, workspace_id, contacts)
            affected = len(contacts)
        else:
            if body.action is BulkAction.tag:
                added = await do_add_tags_many_txn(s, workspace_id, ids, tags)
                emit_updated_txn(s, actor, workspace_id, contacts, added=added)
                affected = len(added)
            else:
                removed = await do_remove_tags_many_txn(s, ids, tags)
                emit_updated_txn(s, actor, workspace_id, contacts, removed=removed)
                affected = len(removed)
        if affected:
            record_txn(
                s,
                actor,
                f"contacts.bulk_{body.action.value}",
                workspace_id=workspace_id,
                target_type="contact",
                data={"count": affected, "tags": tags} if tags else {"count": affected},
            )
    return affected
