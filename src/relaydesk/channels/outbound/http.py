"""The outbound pipeline's HTTP client: httpx's API on aiohttp's connections.

httpx's own transport (httpcore on anyio streams) cost two to four times the CPU of this
one per POST, the largest single cost of an automated reply (figures in
docs/adr/0005-outbound-http-transport.md). Senders and adapters keep httpx's requests,
responses, timeouts and errors; only the connections change.

What it keeps of httpx's behaviour: header names as written, no redirects, no body
decoding by aiohttp (httpx decodes), proxies from the environment, no cookies of its own
(httpx's client keeps them), and each aiohttp error raised as the httpx error a sender
already handles, with no URL in its text (a Telegram URL holds the bot's token).
"""

from __future__ import annotations

import contextlib
import urllib.request
from collections.abc import AsyncIterator, Iterator
from functools import cache

import aiohttp
import httpx
from yarl import URL

_CHUNK = 64 * 1024
# httpx's own pool defaults.
_MAX_CONNECTIONS = 100
_KEEPALIVE_SECONDS = 5.0


@contextlib.contextmanager
def _as_httpx_errors(request: httpx.Request) -> Iterator[None]:
    try:
        yield
    except aiohttp.ConnectionTimeoutError as exc:
        raise httpx.ConnectTimeout(type(exc).__name__, request=request) from None
    except TimeoutError as exc:  # aiohttp's socket timeouts and the whole request's
        raise httpx.ReadTimeout(type(exc).__name__, request=request) from None
    except aiohttp.ClientConnectorError as exc:
        raise httpx.ConnectError(f"{type(exc).__name__}: {exc.os_error}", request=request) from None
    except (aiohttp.ServerDisconnectedError, aiohttp.ClientResponseError) as exc:
        # A malformed answer or a close before it (ClientResponseError's text names the URL).
        raise httpx.RemoteProtocolError(type(exc).__name__, request=request) from None
    except aiohttp.ClientPayloadError as exc:
        raise httpx.ReadError(type(exc).__name__, request=request) from None
    except aiohttp.ClientError as exc:
        raise httpx.NetworkError(type(exc).__name__, request=request) from None


class _Body(httpx.AsyncByteStream):
    def __init__(self, response: aiohttp.ClientResponse, request: httpx.Request) -> None:
        self._response = response
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _as_httpx_errors(self._request):
            async for chunk in self._response.content.iter_chunked(_CHUNK):
                yield chunk

    async def aclose(self) -> None:
        self._response.release()


def _timeout(request: httpx.Request) -> aiohttp.ClientTimeout:
    phases: dict[str, float | None] = request.extensions.get("timeout", {})
    return _client_timeout(
        phases.get("connect"), phases.get("read"), phases.get("write"), phases.get("pool")
    )


@cache  # a client's sends all name the same few timeouts
def _client_timeout(
    connect: float | None, read: float | None, write: float | None, pool: float | None
) -> aiohttp.ClientTimeout:
    # aiohttp has no write timeout: the whole request is bounded by the phases' sum instead.
    phases = (connect, read, write, pool)
    return aiohttp.ClientTimeout(
        total=None if None in phases else sum(p for p in phases if p is not None),
        connect=pool,
        sock_connect=connect,
        sock_read=read,
    )


class AiohttpTransport(httpx.AsyncBaseTransport):
    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None
        # Read once, as httpx's own client does. (aiohttp's trust_env would read them, and
        # ~/.netrc, on another thread for every request: two hand-offs a send.)
        self._proxies = urllib.request.getproxies_environment()
        self._proxy_of: dict[tuple[str, str], str | None] = {}

    def _proxy_for(self, url: httpx.URL) -> str | None:
        key = (url.scheme, url.host)
        if key not in self._proxy_of:  # NO_PROXY is asked once per scheme and host
            proxy = self._proxies.get(url.scheme) or self._proxies.get("all")
            bypass = proxy is not None and urllib.request.proxy_bypass(url.host)
            self._proxy_of[key] = None if bypass else proxy
        return self._proxy_of[key]

    def _open(self) -> aiohttp.ClientSession:
        # Made on the first request, inside the running loop (aiohttp binds to it).
        connector = aiohttp.TCPConnector(
            ssl=httpx.create_ssl_context(),
            limit=_MAX_CONNECTIONS,
            keepalive_timeout=_KEEPALIVE_SECONDS,
        )
        return aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar())

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._session is None:
            self._session = self._open()
        body = await request.aread()
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw]
        with _as_httpx_errors(request):
            response = await self._session.request(
                request.method,
                URL(str(request.url), encoded=True),  # httpx has quoted it: sent as is
                headers=headers,
                data=body or None,
                skip_auto_headers=("Content-Type",),
                allow_redirects=False,
                auto_decompress=False,
                timeout=_timeout(request),
                server_hostname=request.extensions.get("sni_hostname"),
                proxy=self._proxy_for(request.url),
            )
        return httpx.Response(
            status_code=response.status,
            headers=response.raw_headers,
            stream=_Body(response, request),
            request=request,
            extensions={
                "http_version": b"HTTP/1.1",
                "reason_phrase": (response.reason or "").encode("latin-1"),
            },
        )

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def sending_client(timeout: float, user_agent: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=AiohttpTransport(),
        timeout=httpx.Timeout(timeout),
        follow_redirects=False,
        headers={"User-Agent": user_agent},
    )
