"""Database access: engine, declarative base, and named read/write transactions."""

from relaydesk.db.base import Base
from relaydesk.db.database import Database

__all__ = ["Base", "Database"]
