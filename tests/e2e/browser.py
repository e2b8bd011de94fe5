"""What the browser suites share: whether they can run here, the SQLite-only rule, and running
one of web/e2e's scripts against a server with its output shown when it fails.

They run where the build, Node.js and Chromium are at hand, and always under `make test-web`
and `make test`, which set E2E_REQUIRED=1 so that anything missing fails instead of skipping.
E2E_WEB_DIST names another build (default: web/dist), E2E_SCREENSHOT_DIR where screenshots go
(default: the test's temporary directory)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.harness import BACKEND

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
REQUIRED = os.environ.get("E2E_REQUIRED") == "1"

SQLITE_ONLY = pytest.mark.skipif(
    BACKEND != "sqlite",
    reason="the browser suite runs once, in the SQLite run; the API it drives is covered "
    "on PostgreSQL by the rest of the suite",
)


def web_dist() -> Path:
    return Path(os.environ.get("E2E_WEB_DIST") or ROOT / "web" / "dist")


def _missing() -> str | None:
    """Why the browser suite cannot run here, or None."""
    if not (web_dist() / "index.html").is_file():
        return f"no web build at {web_dist()} (make web)"
    if shutil.which("node") is None:
        return "Node.js is not installed"
    if not (ROOT / "web" / "node_modules" / "playwright-core").is_dir():
        return "web/node_modules has no playwright-core (cd web && npm ci)"
    if not CHROMIUM.exists():
        return f"no Chromium at {CHROMIUM} (scripts/ensure-chromium)"
    return None


def require_browser() -> None:
    """Skip (or, under E2E_REQUIRED=1, fail) when something the suite needs is missing."""
    missing = _missing()
    if missing:
        if REQUIRED:
            pytest.fail(f"E2E_REQUIRED=1 but {missing}")
        pytest.skip(f"{missing}; make test-web runs it")


def screenshot_dir(tmp_path: Path) -> Path:
    return Path(os.environ.get("E2E_SCREENSHOT_DIR") or tmp_path / "screenshots")


def run_script(script: str, base_url: str, tmp_path: Path, timeout: float, **env: str) -> None:
    """Run web/e2e/<script> with node against `base_url`; fails with its output."""
    result = subprocess.run(
        ["node", str(ROOT / "web" / "e2e" / script)],
        cwd=ROOT / "web",
        env={
            **os.environ,
            "BASE_URL": base_url,
            "SCREENSHOT_DIR": str(screenshot_dir(tmp_path)),
            "FAILURE_DIR": str(tmp_path / "failures"),
            "CHROMIUM": str(CHROMIUM),
            **env,
        },
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"the browser run failed (exit {result.returncode}):\n{output}"
    print(output)
