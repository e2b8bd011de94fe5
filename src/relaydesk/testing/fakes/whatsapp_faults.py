"""The WhatsApp fake's faults: which it accepts, how a faulted Graph API call is answered, and
answers held back until a test releases them."""

from __future__ import annotations

import asyncio
import contextlib

from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response

from relaydesk.testing.fakes.faults import CALL_FAULTS, DELIVERY_FAULTS, Fault, html_error_page
from relaydesk.testing.fakes.web import stall
from relaydesk.testing.fakes.whatsapp_send import GraphError

WHATSAPP_FAULTS = (
    CALL_FAULTS
    | DELIVERY_FAULTS
    | frozenset({"out_of_order", "batch", "closed_window", "hold_answer"})
)
# How long a held answer waits for `/_control/release` before it goes anyway.
_HOLD_SECONDS = 30.0


def graph_error(error: GraphError) -> JSONResponse:
    return JSONResponse(error.body(), status_code=error.status)


class HeldAnswers:
    """Answers of processed calls held back by the `hold_answer` fault until released: the
    provider's webhooks (a send's statuses) then come before its own API answer."""

    def __init__(self) -> None:
        self._held: list[asyncio.Event] = []

    async def hold(self, fault: Fault | None) -> None:
        if fault is None:
            return
        release = asyncio.Event()
        self._held.append(release)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(
                release.wait(), float(fault.options.get("seconds", _HOLD_SECONDS))
            )

    def release(self) -> int:
        """Let every held answer go; how many there were."""
        held, self._held = self._held, []
        for release in held:
            release.set()
        return len(held)


async def fault_answer(fault: Fault) -> Response | None:
    """The answer of a call under a call fault; None: process the call (after a stall)."""
    options = fault.options
    if fault.kind == "rate_limit":
        code = int(options.get("code", 130429))
        titles = {
            130429: ("Rate limit hit", "Cloud API message throughput has been reached."),
            131056: (
                "(Business Account, Consumer Account) pair rate limit hit",
                "Message failed to send because there were too many messages "
                "sent from this phone number to the same phone number in a "
                "short period of time.",
            ),
            80007: (
                "Rate limit issues",
                "The WhatsApp Business Account has reached its rate limit.",
            ),
            4: ("Application request limit reached", "Too many API calls."),
        }
        title, details = titles.get(code, ("Rate limit hit", "Rate limit hit"))
        status = int(options.get("status", 400))
        return graph_error(GraphError(status, code, f"(#{code}) {title}", details))
    if fault.kind == "server_error":
        status = int(options.get("status", 500))
        if options.get("body", "json") == "html":
            reasons = {
                500: "Internal Server Error",
                502: "Bad Gateway",
                503: "Service Unavailable",
                504: "Gateway Timeout",
            }
            page = html_error_page(status, reasons.get(status, "Server Error"))
            return HTMLResponse(page, status_code=status)
        error = GraphError(
            status,
            131000 if status == 500 else 2,
            "An unknown error has occurred."
            if status == 500
            else "Service temporarily unavailable",
            "Something went wrong",
        )
        body = error.body()
        body["error"]["is_transient"] = True
        return JSONResponse(body, status_code=status)
    if fault.kind == "error":
        code = int(options.get("code", 131026))
        return graph_error(
            GraphError(
                int(options.get("status", 400)),
                code,
                str(options.get("message", f"(#{code}) Message undeliverable")),
                str(options.get("details", "Message undeliverable")),
            )
        )
    await stall(float(options.get("seconds", 30)))
    if not options.get("process", True):
        return PlainTextResponse("Gateway Timeout", status_code=504)
    return None
