"""The automation engine: one interpreter for every workflow version, on our own tables.

Node handlers
-------------
A node type is one handler registered in `NODE_HANDLERS` (`registry.py`) with `@node`:

    @node("add_tag")
    async def add_tag(ctx: NodeContext, params: TagsParams) -> StepResult: ...

- `params` is the node's params parsed by its model in `graph.NODE_PARAMS`.
- `ctx` (`context.py`) holds the open write transaction (`ctx.s`), the run, the actor
  (`Actor.automation(run.id, …)`: events it causes carry the run), the time, the settings,
  and loaders for the run's contact, conversation and facts; `await ctx.render(text)` fills
  in variables; `ctx.record_input(...)` sets what the step row shows as its input.
- The handler writes its database side effect through `ctx.s`. The engine inserts the step
  row `(run_id, node_id)` in the same savepoint, so the effect and its record commit
  together, once. Work outside the database (HTTP) must be idempotent on
  `ctx.idempotency_key` (`<run_id>:<node_id>`).
- A handler registered with `@node(..., external=True)` (`http_request`) only prepares in
  the transaction and returns the outside work as `StepResult.call`: the runner makes the
  call after that transaction has committed, holding none, and records the step with the
  call's result in the next one (so the call is at least once, not exactly once).
- It returns a `StepResult` (status, output, the handle to leave by, a wait, a stop) or
  raises: the engine retries per the node's `retry`, then follows its `failure` edge or
  fails the run with the error.

Adding a node type is one module under `engine/nodes/` imported below.

Runs
----
The trigger consumer (`triggers/consumer.py`) inserts `pending` runs. The runner
(`runner.py`) claims due runs in batches under a lease named after this process's
executor id, advances each node by node in one write transaction (a savepoint per node),
and leaves a run `waiting` with `wake_at` at a wait; the same claim query resumes it when
due. `service.py` runs the loops and wakes them after commits.
"""

from relaydesk.domains.automation.engine.nodes import (
    contacts,
    conversations,
    flow,
    http,
    messages,
    questions,
    workflows,
)
from relaydesk.domains.automation.engine.registry import (
    NODE_HANDLERS,
    NodeHandler,
    StepResult,
    node,
)

__all__ = [
    "NODE_HANDLERS",
    "NodeHandler",
    "StepResult",
    "contacts",
    "conversations",
    "flow",
    "http",
    "messages",
    "node",
    "questions",
    "workflows",
]
