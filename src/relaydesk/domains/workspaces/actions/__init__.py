"""The only writers of the workspaces domain: `check_*` validates and locks, `do_*` writes.

Split by concept (sign-in, workspaces, members, invitations, API keys) as Zulip splits
`zerver/actions/`; callers import the module they need.
"""
