"""Workspace-scoped search over messages and contacts (SQLite FTS5 trigram, PostgreSQL pg_trgm)."""
