"""Serve the built web app (web/dist) with a single-page-app fallback.

Installed as the router's fallback, so it answers only requests no route matched: API 404s and
405s stay problem+json, and a build made while the server runs is picked up without a restart.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from fastapi import FastAPI
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from relaydesk.settings import Settings

# Paths the server owns: never answered with the app's index.html.
RESERVED_PREFIXES = ("/api", "/hooks", "/healthz", "/readyz", "/metrics", "/docs", "/redoc")
# Vite names everything under assets/ by content hash, so a file there never changes.
IMMUTABLE = "public, max-age=31536000, immutable"
# index.html and unhashed files must be revalidated, or a browser keeps an old build.
REVALIDATE = "no-cache"

NO_BUILD_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>RelayDesk</title></head>
<body style="font-family: sans-serif; max-width: 40rem; margin: 4rem auto">
<h1>RelayDesk is running</h1>
<p>The web app has not been built. Build it with <code>make web</code> (needs Node.js 20 and
npm), then reload this page. The API is at <a href="/api/v1/docs">/api/v1/docs</a>.</p>
</body></html>
"""


def default_web_dist() -> Path:
    """web/dist of the source tree this package runs from (src/relaydesk/api/web.py)."""
    return Path(__file__).resolve().parents[3] / "web" / "dist"


def _reserved(path: str) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in RESERVED_PREFIXES)


def _file_in(root: Path, relative: str) -> Path | None:
    """The regular file at `relative` under `root`, or None (also for paths leaving root)."""
    try:
        candidate = (root / relative).resolve()
    except (OSError, ValueError):  # a NUL byte or a loop of links
        return None
    if not candidate.is_relative_to(root) or not candidate.is_file():
        return None
    return candidate


def _accepts_gzip(scope: Scope) -> bool:
    for name, value in scope.get("headers", []):
        if name == b"accept-encoding":
            codings = (c.split(b";")[0].strip() for c in value.lower().split(b","))
            return any(c == b"gzip" for c in codings)
    return False


def _file_response(found: Path, cache: str, accepts_gzip: bool) -> FileResponse:
    """The file, or the .gz the build wrote beside it when the browser takes gzip."""
    headers = {"cache-control": cache}
    packed = found.with_name(found.name + ".gz")
    if not packed.is_file():
        return FileResponse(found, headers=headers)
    headers["vary"] = "Accept-Encoding"
    if not accepts_gzip:
        return FileResponse(found, headers=headers)
    media_type = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
    headers["content-encoding"] = "gzip"
    return FileResponse(packed, media_type=media_type, headers=headers)


class WebApp:
    """The router's fallback: static files, index.html for app routes, else `previous`."""

    def __init__(self, dist: Path, previous: ASGIApp) -> None:
        self.dist = dist.expanduser().resolve()
        self.previous = previous

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "/")
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD") or _reserved(path):
            await self.previous(scope, receive, send)
            return
        response = self._respond(path, _accepts_gzip(scope))
        if response is None:
            await self.previous(scope, receive, send)
            return
        await response(scope, receive, send)

    def _respond(self, path: str, accepts_gzip: bool) -> Response | None:
        index = self.dist / "index.html"
        if not index.is_file():
            return HTMLResponse(NO_BUILD_PAGE) if path == "/" else None
        relative = path.lstrip("/")
        if relative:
            found = _file_in(self.dist, relative)
            if found is not None:
                cache = IMMUTABLE if relative.startswith("assets/") else REVALIDATE
                return _file_response(found, cache, accepts_gzip)
            if relative.startswith("assets/"):
                return None  # a missing script must fail loudly, not parse HTML as JavaScript
        return FileResponse(index, media_type="text/html", headers={"cache-control": REVALIDATE})


def install(app: FastAPI, settings: Settings) -> None:
    """Answer unmatched GETs from the web build; call after every router is included."""
    app.router.default = WebApp(settings.web_dist or default_web_dist(), app.router.default)
