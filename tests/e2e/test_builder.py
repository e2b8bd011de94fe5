"""The automation builder end to end in Chromium: web/e2e/builder.e2e.mjs drives the built app
served by a real server (SQLite): a workflow is built on the canvas, checked, published and
read back through the API, and a broken step is shown and keeps it from publishing (when and
where it runs: tests/e2e/browser.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.browser import SQLITE_ONLY, require_browser, run_script, web_dist
from tests.harness import make_settings, running_server, throwaway_database

# The browser script stops itself at 180 s; this is the backstop.
RUN_TIMEOUT = 240

pytestmark = [SQLITE_ONLY, pytest.mark.timeout(RUN_TIMEOUT + 60)]


def test_builder_in_the_browser(tmp_path: Path) -> None:
    require_browser()
    with (
        throwaway_database(tmp_path) as url,
        running_server(make_settings(tmp_path, url, web_dist=web_dist())) as server,
    ):
        run_script("builder.e2e.mjs", server.base_url, tmp_path, RUN_TIMEOUT)
