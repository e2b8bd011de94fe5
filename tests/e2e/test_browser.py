"""The web app end to end in Chromium: web/e2e/inbox.e2e.mjs drives the built app served by a
real server (SQLite) with a Telegram bot on the fake, and writes docs/screenshots (when and
where it runs: tests/e2e/browser.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from relaydesk.testing.fakes import TelegramControl, running_fake
from tests.e2e.browser import SQLITE_ONLY, require_browser, run_script, web_dist
from tests.harness import make_settings, running_server, throwaway_database
from tests.messaging import new_bot_token

# The browser script stops itself at 240 s; this is the backstop.
RUN_TIMEOUT = 300

pytestmark = [SQLITE_ONLY, pytest.mark.timeout(RUN_TIMEOUT + 60)]


def test_inbox_in_the_browser(tmp_path: Path) -> None:
    require_browser()
    with (
        throwaway_database(tmp_path) as url,
        running_server(make_settings(tmp_path, url, web_dist=web_dist())) as server,
        running_fake("telegram") as fake,
        TelegramControl(fake.base_url) as control,
    ):
        _, token = new_bot_token(control)
        run_script(
            "inbox.e2e.mjs",
            server.base_url,
            tmp_path,
            RUN_TIMEOUT,
            TELEGRAM_FAKE_URL=fake.base_url,
            TELEGRAM_BOT_TOKEN=token,
        )
