"""Tenants, users, memberships and roles, invitations, API keys and sign-in sessions."""
