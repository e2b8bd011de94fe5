"""The web app's generated API client is built from the schema the server really serves."""

from __future__ import annotations

import json
from pathlib import Path

from relaydesk.api.app import create_app
from relaydesk.settings import Settings

COMMITTED = Path(__file__).resolve().parents[1] / "web" / "openapi.json"


def test_committed_schema_matches_the_app() -> None:
    assert COMMITTED.is_file(), f"{COMMITTED} is missing: run `make client`"
    committed = json.loads(COMMITTED.read_text(encoding="utf-8"))
    current = json.loads(json.dumps(create_app(Settings()).openapi()))
    changed = sorted(
        path
        for path in committed["paths"].keys() | current["paths"].keys()
        if committed["paths"].get(path) != current["paths"].get(path)
    )
    assert committed == current, (
        "web/openapi.json differs from the app's OpenAPI schema "
        f"(paths changed: {changed or 'none; components or info differ'}): "
        "run `make client` and commit web/openapi.json and web/src/api/schema.d.ts"
    )
