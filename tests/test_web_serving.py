"""The built web app is served at `/` with a single-page-app fallback; the API keeps its own."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import assert_problem
from tests.harness import Server

INDEX = "<!doctype html><title>RelayDesk test build</title>"
SCRIPT = "console.log('hashed asset')"
BIG = "export const x = 1;\n" * 5000


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, make_server: Callable[..., Server]) -> Server:
    root = tmp_path_factory.mktemp("web")
    (root / "secret.txt").write_text("outside the build")
    dist = root / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text(INDEX)
    (dist / "assets" / "x.js").write_text(SCRIPT)
    (dist / "assets" / "big.js").write_text(BIG)
    (dist / "assets" / "big.js.gz").write_bytes(gzip.compress(BIG.encode()))
    (dist / "favicon.svg").write_text("<svg/>")
    return make_server(web_dist=dist)


@pytest.mark.parametrize("path", ["/", "/inbox/123", "/w/abc/settings", "/login"])
def test_app_routes_answer_index_html(built: Server, path: str) -> None:
    with built.client() as client:
        response = client.get(path)
    assert response.status_code == 200
    assert response.text == INDEX
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-cache"


def test_assets_are_served_with_a_long_cache(built: Server) -> None:
    with built.client() as client:
        response = client.get("/assets/x.js")
        other = client.get("/favicon.svg")
        head = client.head("/assets/x.js")
    assert response.status_code == 200
    assert response.text == SCRIPT
    assert "javascript" in response.headers["content-type"]
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert other.text == "<svg/>"
    assert other.headers["cache-control"] == "no-cache"  # not hashed: revalidated
    assert head.status_code == 200
    assert head.content == b""


def test_a_precompressed_asset_goes_gzipped_to_browsers_that_take_it(built: Server) -> None:
    with built.client() as client:
        # httpx asks for gzip by default and inflates the body; the raw stream is checked too.
        with client.stream("GET", "/assets/big.js") as response:
            raw = b"".join(response.iter_raw())
        plain = client.get("/assets/big.js", headers={"accept-encoding": "identity"})
    assert response.headers["content-encoding"] == "gzip"
    assert "javascript" in response.headers["content-type"]
    assert response.headers["vary"] == "Accept-Encoding"
    assert len(raw) < len(BIG) / 10
    assert gzip.decompress(raw).decode() == BIG
    assert "content-encoding" not in plain.headers
    assert plain.text == BIG
    assert plain.headers["vary"] == "Accept-Encoding"


def test_a_missing_asset_is_a_404_not_the_index(built: Server) -> None:
    with built.client() as client:
        assert_problem(client.get("/assets/gone-1234.js"), 404, "not_found")


def test_files_outside_the_build_are_not_served(built: Server) -> None:
    with built.client() as client:
        response = client.get("/assets/..%2f..%2fsecret.txt")
        dotted = client.get("/%2e%2e/secret.txt")
    assert "outside the build" not in response.text
    assert "outside the build" not in dotted.text


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_unknown_api_paths_stay_problem_json(built: Server, method: str) -> None:
    with built.client() as client:
        assert_problem(client.request(method, "/api/v1/nope"), 404, "not_found")
        assert_problem(client.request(method, "/api"), 404, "not_found")


def test_other_server_paths_are_untouched(built: Server) -> None:
    with built.client() as client:
        assert_problem(client.get("/hooks/nope"), 404, "not_found")
        # The route exists for POST only: still a 405, not the app.
        channel = "00000000-0000-0000-0000-000000000000"
        assert_problem(client.get(f"/hooks/telegram/{channel}"), 405, "method_not_allowed")
        assert client.get("/healthz").json()["status"] == "ok"
        assert client.get("/metrics").headers["content-type"].startswith("text/plain")
        assert "paths" in client.get("/api/v1/openapi.json").json()
        assert_problem(client.get("/docs"), 404, "not_found")
        # Only GET and HEAD are answered with the app.
        assert_problem(client.post("/inbox/123"), 404, "not_found")


def test_without_a_build_the_root_says_how_to_build(
    tmp_path: Path, make_server: Callable[..., Server]
) -> None:
    server = make_server(web_dist=tmp_path / "no-such-dist")
    with server.client() as client:
        root = client.get("/")
        deep = client.get("/inbox/123")
    assert root.status_code == 200
    assert "make web" in root.text
    assert_problem(deep, 404, "not_found")
