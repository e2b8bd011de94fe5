"""The only writers of the contacts domain: `check_*` validates and locks, `do_*` writes.

Split by concept: `contacts` (fields, tags, consent), `identities` (resolved on ingest),
`merge`, `definitions` (typed attributes) and `imports` (CSV). Callers import the module
they need; `do_resolve_identities_txn` stays importable from here for ingest.
"""

from relaydesk.domains.contacts.actions.identities import do_resolve_identities_txn

__all__ = ["do_resolve_identities_txn"]
