"""The node handler interface and the registry from node type to handler (see __init__)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from relaydesk.domains.automation.engine.context import NodeContext


@dataclass
class StepResult:
    """What a node did. `status` is recorded on its step; the run goes on by `handle`.

    `reason`: why a step was skipped (`consent.opted_out`). `wait_until`: the run waits,
    then goes on by `handle`. `stop`: the run ends as `stopped` with this reason.
    `save`: values set as the run's `vars.<name>` when the step is recorded.
    `call`: only from an external node: the work outside the database, which the engine
    awaits after committing what came before and outside any transaction; the step is
    recorded with the result the call returns.
    """

    status: str = "succeeded"  # succeeded | skipped
    output: dict[str, Any] = field(default_factory=dict)
    handle: str = "next"
    reason: str | None = None
    wait_until: datetime | None = None
    stop: str | None = None
    save: dict[str, Any] = field(default_factory=dict)
    call: ExternalCall | None = None


ExternalCall = Callable[[], Awaitable[StepResult]]

NodeHandler = Callable[["NodeContext", Any], Awaitable[StepResult]]
# Attempts of a node without `retry`: one, but an HTTP call is worth trying again.
DEFAULT_ATTEMPTS: dict[str, int] = {"http_request": 3}
NODE_HANDLERS: dict[str, NodeHandler] = {}
# Types whose handler returns a `StepResult.call`: no write transaction is held across it.
EXTERNAL_TYPES: set[str] = set()


def node(*types: str, external: bool = False) -> Callable[[NodeHandler], NodeHandler]:
    """Register a handler for one or more node types. `external`: the handler prepares
    (renders its params in the transaction) and returns the outside work as `call`."""

    def register(handler: NodeHandler) -> NodeHandler:
        for kind in types:
            NODE_HANDLERS[kind] = handler
            if external:
                EXTERNAL_TYPES.add(kind)
        return handler

    return register
