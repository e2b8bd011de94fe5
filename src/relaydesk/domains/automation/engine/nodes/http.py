"""`http_request`: a call to an outside service, at least once, with
`Idempotency-Key: <run_id>:<node_id>` so the service can drop repeats.

The host is resolved once; unless `automation_http_allow_private`, every address it
resolves to must be public (not private, loopback, link-local, multicast, reserved or
unspecified, IPv4-mapped IPv6 included), and the request connects to the address that was
checked (the URL's host is kept for `Host` and TLS), so a second lookup cannot point it
elsewhere. Redirects are not followed. A status of 400 or more fails the attempt (retried
per the node's `retry`, then the `failure` edge); a refused address is not retried. The call
is made outside any database transaction (the node is registered `external`). JSON fields
of the answer are saved to `vars.<name>` by dotted paths (`data.items.0.id`). Secrets in
headers are masked in the step's input and output.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import socket
from dataclasses import dataclass
from typing import Any

import httpx

from relaydesk.domains.automation.engine.context import NodeContext
from relaydesk.domains.automation.engine.nodes.dry import is_dry
from relaydesk.domains.automation.engine.registry import StepResult, node
from relaydesk.domains.automation.error_codes import AutomationError
from relaydesk.domains.automation.graph import HttpRequestParams
from relaydesk.errors import AppError

_MAX_BODY = 1024 * 1024  # bytes of the answer read; the rest is not needed for `save`
_SECRET_WORDS = ("authorization", "cookie", "secret", "token", "password", "api-key", "apikey")
_IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def mask_headers(headers: dict[str, str]) -> dict[str, str]:
    return {
        k: "***" if any(w in k.lower() for w in _SECRET_WORDS) else v for k, v in headers.items()
    }


def refused(address: _IpAddress) -> bool:
    """Whether the address is anything but a public unicast one."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (
        not address.is_global
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


async def resolve_checked(host: str, port: int, allow_private: bool) -> str:
    """The address to connect to: the first the host resolves to, all of them checked."""
    try:
        addresses = [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM
            )
        except OSError as exc:
            raise AppError(AutomationError.HTTP_FAILED, f"cannot resolve {host!r}: {exc}") from None
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not addresses:
        raise AppError(AutomationError.HTTP_FAILED, f"{host!r} resolves to no address")
    if not allow_private:
        bad = [a for a in addresses if refused(a)]
        if bad:
            raise AppError(
                AutomationError.HTTP_ADDRESS_REFUSED, f"{host!r} resolves to {bad[0]} (refused)"
            )
    return str(addresses[0])


def dig(value: Any, path: str) -> Any:
    """A dotted path into JSON: object keys and list indexes; None where it leads nowhere."""
    for part in path.split("."):
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.lstrip("-").isdigit():
            index = int(part)
            value = value[index] if -len(value) <= index < len(value) else None
        else:
            return None
    return value


@node("http_request", external=True)
async def http_request(ctx: NodeContext, params: HttpRequestParams) -> StepResult:
    """In the run's transaction: render the request. The call itself is returned, to be
    made by the engine after that transaction has committed."""
    url = httpx.URL(str(await ctx.render(params.url)))
    headers = {str(k): str(v) for k, v in (await ctx.render(params.headers or {})).items()}
    body = await ctx.render(params.body)
    shown = {"method": params.method, "url": str(url), "headers": mask_headers(headers)}
    if body is not None:
        shown["body"] = body
    ctx.record_input(**shown)
    if url.scheme not in ("http", "https") or not url.host:
        raise AppError(AutomationError.HTTP_FAILED, "the URL must be http(s) with a host")
    if is_dry(ctx):
        return StepResult(output={"dry_run": True, "would": {"request": shown}})
    request = _Request(
        method=params.method,
        url=url,
        headers={**headers, "Idempotency-Key": ctx.idempotency_key},
        body=body,
        timeout=float(params.timeout_seconds),
        save=dict(params.save or {}),
        allow_private=ctx.settings.automation_http_allow_private,
    )
    return StepResult(call=request.perform)


@dataclass(frozen=True)
class _Request:
    method: str
    url: httpx.URL
    headers: dict[str, str]
    body: Any
    timeout: float
    save: dict[str, str]
    allow_private: bool

    async def perform(self) -> StepResult:
        url = self.url
        assert url.host  # checked when the request was rendered
        port = url.port or (443 if url.scheme == "https" else 80)
        address = await resolve_checked(url.host, port, self.allow_private)
        # Connect to the checked address; the name stays in Host and in TLS (SNI, certificate).
        pinned = url.copy_with(host=address)
        headers = {**self.headers, "Host": url.netloc.decode("ascii")}
        body = self.body
        content = json.dumps(body).encode() if isinstance(body, dict) else body
        if isinstance(body, dict):
            headers.setdefault("Content-Type", "application/json")
        try:
            async with (
                httpx.AsyncClient(
                    timeout=httpx.Timeout(self.timeout), follow_redirects=False, trust_env=False
                ) as client,
                client.stream(
                    self.method,
                    pinned,
                    headers=headers,
                    content=content,
                    extensions={"sni_hostname": url.host},
                ) as response,
            ):
                raw = b""
                async for chunk in response.aiter_bytes():
                    raw += chunk
                    if len(raw) >= _MAX_BODY:
                        break
        except httpx.HTTPError as exc:
            raise AppError(
                AutomationError.HTTP_FAILED, f"{type(exc).__name__}: {exc}".rstrip(": ")
            ) from None
        if response.status_code >= 400:
            raise AppError(AutomationError.HTTP_FAILED, f"HTTP {response.status_code}")
        saved: dict[str, Any] = {}
        if self.save:
            try:
                data = json.loads(raw[:_MAX_BODY])
            except ValueError:
                data = None
            saved = {name: dig(data, path) for name, path in self.save.items()}
        return StepResult(output={"status": response.status_code, "saved": saved}, save=saved)
