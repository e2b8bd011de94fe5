"""Contacts endpoints (under /workspaces/{workspace_id})."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/workspaces/{workspace_id}", tags=["contacts"])
