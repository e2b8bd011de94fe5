"""Graph JSON, version 1: the models of every trigger and node type, and `validate_graph`.

A graph is stored as sent (after a check of its outer shape, `GraphShape`); the full check,
which publishing requires, is `validate_graph`: it parses each node's params with the model
of its type and reports every problem it finds, each with the node it concerns.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import CroniterError, croniter
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

from relaydesk.domains.automation.variables import variables_in

TRIGGER_ID = "trigger"
NODE_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
REGEX_MAX_LENGTH = 200
_NODE_ID = re.compile(NODE_ID_PATTERN)


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid")


Status = Literal["open", "pending", "resolved", "snoozed"]
Keyword = Annotated[str, Field(min_length=1, max_length=200)]
TagName = Annotated[str, Field(min_length=1, max_length=64)]


# Triggers -------------------------------------------------------------------------------


class Keywords(_Params):
    mode: Literal["exact", "contains", "regex"] = "contains"
    values: Annotated[list[Keyword], Field(min_length=1, max_length=50)]


class MessageReceivedParams(_Params):
    channel_ids: list[uuid.UUID] | None = None
    keywords: Keywords | None = None
    first_message_only: bool = False


class ChannelFilterParams(_Params):
    channel_ids: list[uuid.UUID] | None = None


class StatusChangedParams(_Params):
    to: Status | None = None


class EmptyParams(_Params):
    pass


class TagParams(_Params):
    tag: TagName | None = None


class AttributeChangedParams(_Params):
    key: Annotated[str, Field(min_length=1, max_length=64)]


class ScheduleParams(_Params):
    cron: Annotated[str, Field(min_length=9, max_length=100)]
    timezone: str = "UTC"
    backfill: Literal["skip", "once"] = "skip"
    contact_tags: list[TagName] | None = None


class WaitingParams(_Params):
    minutes: Annotated[int, Field(ge=1, le=100_000)]
    business_hours: bool = False


def _trigger(kind: str, params: type[_Params], required: bool = False) -> type[BaseModel]:
    default: Any = ... if required else Field(default_factory=params)
    return type(
        f"{''.join(p.title() for p in kind.split('_'))}Trigger",
        (BaseModel,),
        {
            "__annotations__": {"type": Literal[kind], "params": params},
            "params": default,
            "model_config": ConfigDict(extra="forbid"),
        },
    )


TRIGGER_PARAMS: dict[str, tuple[type[_Params], bool]] = {
    "message_received": (MessageReceivedParams, False),
    "conversation_created": (ChannelFilterParams, False),
    "conversation_status_changed": (StatusChangedParams, False),
    "conversation_assigned": (EmptyParams, False),
    "contact_created": (EmptyParams, False),
    "contact_updated": (EmptyParams, False),
    "tag_added": (TagParams, False),
    "tag_removed": (TagParams, False),
    "attribute_changed": (AttributeChangedParams, True),
    "schedule": (ScheduleParams, True),
    "webhook": (EmptyParams, False),
    "manual": (EmptyParams, False),
    "customer_waiting": (WaitingParams, True),
    "agent_waiting": (WaitingParams, True),
}
TRIGGER_MODELS = {kind: _trigger(kind, p, req) for kind, (p, req) in TRIGGER_PARAMS.items()}


# Nodes ----------------------------------------------------------------------------------

Op = Literal[
    "eq",
    "neq",
    "contains",
    "not_contains",
    "starts_with",
    "in",
    "not_in",
    "gt",
    "gte",
    "lt",
    "lte",
    "exists",
    "not_exists",
    "is_true",
    "is_false",
    "matches",
]
_FIELD = re.compile(
    r"^(contact\.(name|email|phone|language|tags|blocked)"
    r"|contact\.attributes\.[a-z][a-z0-9_]{0,63}"
    r"|conversation\.(status|priority|labels|assignee_user_id|channel_type|channel_id)"
    r"|message\.text|business_hours|minutes_since_last_message|minutes_since_last_inbound"
    r"|vars\.[A-Za-z_][A-Za-z0-9_]{0,63})$"
)


class Rule(_Params):
    field: Annotated[str, Field(min_length=1, max_length=100)]
    op: Op
    value: Any = None

    @model_validator(mode="after")
    def _known_field(self) -> Rule:
        if not _FIELD.match(self.field):
            raise ValueError(f"unknown field {self.field!r}")
        if self.op == "matches":
            _compile(str(self.value or ""))
        return self


class RuleGroup(_Params):
    match: Literal["all", "any"] = "all"
    rules: Annotated[list[Rule | RuleGroup], Field(min_length=1, max_length=50)]


class ConditionParams(RuleGroup):
    pass


class TemplateRef(_Params):
    name: Annotated[str, Field(min_length=1, max_length=512)]
    language: Annotated[str, Field(min_length=1, max_length=16)]
    body_params: list[str] = Field(default_factory=list)
    header_params: list[str] | None = None


class SendMessageParams(_Params):
    text: Annotated[str, Field(min_length=1, max_length=4096)] | None = None
    template: TemplateRef | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> SendMessageParams:
        if (self.text is None) == (self.template is None):
            raise ValueError("give exactly one of text and template")
        return self


class AskQuestionParams(_Params):
    text: Annotated[str, Field(min_length=1, max_length=4096)]
    save_to_attribute: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
    timeout_minutes: Annotated[int, Field(ge=1, le=100_000)]


class TagsParams(_Params):
    tags: Annotated[list[TagName], Field(min_length=1, max_length=50)]


class SetAttributeParams(_Params):
    key: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
    value: Any


class AssignParams(_Params):
    mode: Literal["user", "team_round_robin", "least_busy"]
    user_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _target(self) -> AssignParams:
        if self.mode == "user" and self.user_id is None:
            raise ValueError("mode 'user' needs user_id")
        if self.mode == "team_round_robin" and self.team_id is None:
            raise ValueError(f"mode {self.mode!r} needs team_id")
        return self


class SetStatusParams(_Params):
    status: Status
    snooze_minutes: Annotated[int, Field(ge=1, le=100_000)] | None = None

    @model_validator(mode="after")
    def _snooze(self) -> SetStatusParams:
        if self.status == "snoozed" and self.snooze_minutes is None:
            raise ValueError("status 'snoozed' needs snooze_minutes")
        return self


class SetPriorityParams(_Params):
    priority: Literal["low", "normal", "high", "urgent"]


class AddNoteParams(_Params):
    text: Annotated[str, Field(min_length=1, max_length=10_000)]


class HttpRequestParams(_Params):
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"]
    url: Annotated[str, Field(min_length=1, max_length=2000)]
    headers: dict[str, str] | None = None
    body: str | dict[str, Any] | None = None
    timeout_seconds: Annotated[int, Field(ge=1, le=30)] = 10
    save: dict[str, str] | None = None


class WaitDuration(_Params):
    mode: Literal["duration"]
    seconds: Annotated[int, Field(ge=1, le=365 * 24 * 3600)]


class WaitUntilTime(_Params):
    mode: Literal["until_time"]
    time: Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]
    timezone: str = "UTC"


class WaitUntilAttribute(_Params):
    mode: Literal["until_attribute"]
    key: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
    offset_minutes: int | None = None


WaitParams = Annotated[
    WaitDuration | WaitUntilTime | WaitUntilAttribute, Field(discriminator="mode")
]


class AbSplitParams(_Params):
    percent_a: Annotated[int, Field(ge=1, le=99)]


class StartWorkflowParams(_Params):
    workflow_id: uuid.UUID


class StopParams(_Params):
    reason: Annotated[str, Field(max_length=200)] | None = None


NODE_PARAMS: dict[str, Any] = {
    "condition": ConditionParams,
    "send_message": SendMessageParams,
    "ask_question": AskQuestionParams,
    "add_tag": TagsParams,
    "remove_tag": TagsParams,
    "set_attribute": SetAttributeParams,
    "assign": AssignParams,
    "set_status": SetStatusParams,
    "set_priority": SetPriorityParams,
    "add_note": AddNoteParams,
    "http_request": HttpRequestParams,
    "wait": WaitParams,
    "ab_split": AbSplitParams,
    "start_workflow": StartWorkflowParams,
    "stop": StopParams,
}
_PARAM_ADAPTERS: dict[str, TypeAdapter[Any]] = {k: TypeAdapter(v) for k, v in NODE_PARAMS.items()}

# The handles each node type may leave by; every action may also leave by `failure`.
_BRANCHES = {
    "condition": {"true", "false"},
    "ask_question": {"answered", "timeout"},
    "ab_split": {"a", "b"},
    "stop": set(),
}
_NO_FAILURE = {"condition", "ab_split", "stop", "wait"}


def handles_of(node_type: str) -> set[str]:
    handles = set(_BRANCHES.get(node_type, {"next"}))
    if node_type not in _NO_FAILURE:
        handles.add("failure")
    return handles


def parse_node_params(node_type: str, params: dict[str, Any]) -> Any:
    return _PARAM_ADAPTERS[node_type].validate_python(params)


def parse_trigger_params(trigger_type: str, params: dict[str, Any]) -> Any:
    return TRIGGER_PARAMS[trigger_type][0].model_validate(params)


# The outer shape ------------------------------------------------------------------------


class Retry(_Params):
    max_attempts: Annotated[int, Field(ge=1, le=10)] = 1
    backoff_seconds: Annotated[int, Field(ge=0, le=3600)] = 0


class TriggerShape(BaseModel):
    type: Annotated[str, Field(min_length=1, max_length=48)]
    params: dict[str, Any] = Field(default_factory=dict)


class NodeShape(BaseModel):
    # Other keys (the builder's layout) are kept as they are.
    model_config = ConfigDict(extra="allow")

    id: Annotated[str, Field(min_length=1, max_length=64)]
    type: Annotated[str, Field(min_length=1, max_length=48)]
    params: dict[str, Any] = Field(default_factory=dict)
    retry: Retry | None = None


class Edge(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="allow")

    from_: str = Field(alias="from", min_length=1, max_length=64)
    to: Annotated[str, Field(min_length=1, max_length=64)]
    handle: Annotated[str, Field(min_length=1, max_length=32)] = "next"


class GraphSettings(BaseModel):
    model_config = ConfigDict(extra="allow")

    rate_limit_per_minute: Annotated[int, Field(ge=1, le=100_000)] | None = None


class GraphShape(BaseModel):
    """The shape checked when a graph is saved; its params are checked by `validate_graph`."""

    model_config = ConfigDict(extra="allow")

    version: Literal[1] = 1
    trigger: TriggerShape
    nodes: Annotated[list[NodeShape], Field(max_length=500)] = Field(default_factory=list)
    edges: Annotated[list[Edge], Field(max_length=1000)] = Field(default_factory=list)
    settings: GraphSettings = Field(default_factory=GraphSettings)

    def dump(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=False)


# The typed graph (documentation and clients): one model per trigger and node type ------


def _node_model(kind: str, params: Any) -> Any:
    return type(
        f"{''.join(p.title() for p in kind.split('_'))}Node",
        (BaseModel,),
        {
            "__annotations__": {
                "id": str,
                "type": Literal[kind],
                "params": params,
                "retry": Retry | None,
            },
            "retry": None,
            "model_config": ConfigDict(extra="allow"),
        },
    )


_trigger_union: Any = TRIGGER_MODELS["message_received"]
for _model in list(TRIGGER_MODELS.values())[1:]:
    _trigger_union = _trigger_union | _model
AnyTrigger = Annotated[_trigger_union, Field(discriminator="type")]
_node_union: Any = None
for _kind, _params in NODE_PARAMS.items():
    _m = _node_model(_kind, _params)
    _node_union = _m if _node_union is None else _node_union | _m
AnyNode = Annotated[_node_union, Field(discriminator="type")]


class Graph(BaseModel):
    """Graph JSON v1 with every trigger and node type (its JSON Schema is in the docs)."""

    version: Literal[1] = 1
    trigger: AnyTrigger
    nodes: list[AnyNode]
    edges: list[Edge]
    settings: GraphSettings = Field(default_factory=GraphSettings)


# Validation -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    node_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"node_id": self.node_id, "code": self.code, "message": self.message}


def _compile(pattern: str) -> re.Pattern[str]:
    if len(pattern) > REGEX_MAX_LENGTH:
        raise ValueError(f"regex longer than {REGEX_MAX_LENGTH} characters")
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"invalid regex: {exc}") from None


def cron_problem(cron: str) -> str | None:
    """Why a cron expression cannot be used, or None: five fields (minute hour day month
    weekday), or six with seconds last."""
    if len(cron.split()) not in (5, 6):
        return (
            "a cron expression has five fields: minute hour day month weekday (six: seconds last)"
        )
    try:
        croniter(cron, datetime(2026, 1, 1, tzinfo=UTC))
    except (CroniterError, ValueError, KeyError) as exc:
        return f"invalid cron expression: {exc}"
    return None


def _timezone_problem(name: str) -> str | None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return f"unknown timezone {name!r}"
    return None


def _params_problems(
    node_id: str | None, error: ValidationError, code_prefix: str = "automation"
) -> Iterator[Problem]:
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"])
        missing = item["type"] == "missing"
        message = item["msg"].removeprefix("Value error, ")
        text = f"{where}: {message}" if where else message
        if "invalid regex" in message or "regex longer" in message:
            yield Problem(f"{code_prefix}.invalid_regex", text, node_id)
        else:
            code = "missing_field" if missing else "invalid_params"
            yield Problem(f"{code_prefix}.{code}", text, node_id)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def validate_graph(graph: GraphShape, available: set[str] | None = None) -> list[Problem]:
    """Every problem of a saved graph; empty when it can be published. `available` names
    the node types this server can execute (others are reported)."""
    problems: list[Problem] = []
    trigger_type = graph.trigger.type
    if trigger_type not in TRIGGER_PARAMS:
        problems.append(Problem("automation.unknown_trigger", f"unknown trigger {trigger_type!r}"))
    else:
        try:
            trigger_params = parse_trigger_params(trigger_type, graph.trigger.params)
        except ValidationError as exc:
            problems.extend(_params_problems(TRIGGER_ID, exc))
        else:
            problems.extend(_trigger_problems(trigger_params))
    nodes: dict[str, NodeShape] = {}
    saved_vars: set[str] = set()
    for node in graph.nodes:
        if not _NODE_ID.match(node.id) or node.id == TRIGGER_ID:
            problems.append(
                Problem("automation.invalid_node_id", f"invalid node id {node.id!r}", node.id)
            )
        if node.id in nodes:
            problems.append(Problem("automation.duplicate_node", "node id used twice", node.id))
        nodes[node.id] = node
        if node.type == "http_request" and isinstance(node.params.get("save"), dict):
            saved_vars.update(str(k) for k in node.params["save"])
    for node in graph.nodes:
        if node.type not in NODE_PARAMS:
            problems.append(
                Problem("automation.unknown_node_type", f"unknown type {node.type!r}", node.id)
            )
            continue
        if available is not None and node.type not in available:
            problems.append(
                Problem(
                    "automation.not_available",
                    f"node type {node.type!r} is not available on this server yet",
                    node.id,
                )
            )
        try:
            params = parse_node_params(node.type, node.params)
        except ValidationError as exc:
            problems.extend(_params_problems(node.id, exc))
        else:
            problems.extend(_node_problems(node.id, params))
        for text in _strings(node.params):
            for name in variables_in(text):
                if not _known_variable(name, trigger_type, saved_vars):
                    problems.append(
                        Problem(
                            "automation.unknown_variable",
                            f"unknown variable {{{{{name}}}}}",
                            node.id,
                        )
                    )
    problems.extend(_edge_problems(graph, nodes))
    return problems


def _trigger_problems(params: Any) -> Iterator[Problem]:
    keywords = params.keywords if isinstance(params, MessageReceivedParams) else None
    if keywords is not None and keywords.mode == "regex":
        for value in keywords.values:
            try:
                _compile(value)
            except ValueError as exc:
                yield Problem("automation.invalid_regex", str(exc), TRIGGER_ID)
    if isinstance(params, ScheduleParams):
        cron = cron_problem(params.cron)
        if cron:
            yield Problem("automation.invalid_cron", cron, TRIGGER_ID)
        tz = _timezone_problem(params.timezone)
        if tz:
            yield Problem("automation.invalid_timezone", tz, TRIGGER_ID)


def _node_problems(node_id: str, params: Any) -> Iterator[Problem]:
    if isinstance(params, WaitUntilTime):
        tz = _timezone_problem(params.timezone)
        if tz:
            yield Problem("automation.invalid_timezone", tz, node_id)


_VARIABLE = re.compile(
    r"^(contact\.(name|email|phone|language)|contact\.attributes\.[a-z][a-z0-9_]{0,63}"
    r"|conversation\.id|message\.text|workspace\.name)$"
)


def _known_variable(name: str, trigger_type: str, saved_vars: set[str]) -> bool:
    if _VARIABLE.match(name):
        return True
    if name.startswith("trigger.body.") and len(name) > len("trigger.body."):
        return trigger_type == "webhook"
    if name.startswith("vars."):
        return name.removeprefix("vars.") in saved_vars
    return False


def _edge_problems(graph: GraphShape, nodes: dict[str, NodeShape]) -> list[Problem]:
    problems: list[Problem] = []
    successors: dict[str, list[str]] = {TRIGGER_ID: [], **{n: [] for n in nodes}}
    seen: set[tuple[str, str]] = set()
    for edge in graph.edges:
        source, target = edge.from_, edge.to
        if source not in successors:
            problems.append(
                Problem("automation.unknown_node", f"edge from unknown node {source!r}", source)
            )
            continue
        if target not in nodes:
            problems.append(
                Problem("automation.unknown_node", f"edge to unknown node {target!r}", source)
            )
            continue
        allowed = {"next"} if source == TRIGGER_ID else handles_of(nodes[source].type)
        if edge.handle not in allowed:
            problems.append(
                Problem(
                    "automation.bad_handle",
                    f"{edge.handle!r} is not a handle of this node; use one of "
                    f"{sorted(allowed) or 'none'}",
                    source,
                )
            )
            continue
        if (source, edge.handle) in seen:
            problems.append(
                Problem("automation.duplicate_edge", f"two edges leave by {edge.handle!r}", source)
            )
            continue
        seen.add((source, edge.handle))
        successors[source].append(target)
    if not successors[TRIGGER_ID]:
        problems.append(
            Problem("automation.no_start", "connect the trigger to a first node", TRIGGER_ID)
        )
    # Cycles: depth-first search with colours.
    colour: dict[str, int] = {}

    def visit(node: str) -> bool:
        colour[node] = 1
        for nxt in successors[node]:
            state = colour.get(nxt, 0)
            if state == 1 or (state == 0 and visit(nxt)):
                return True
        colour[node] = 2
        return False

    for node in successors:
        if colour.get(node, 0) == 0 and visit(node):
            problems.append(Problem("automation.cycle", "the graph has a cycle", node))
            break
    reachable: set[str] = set()
    stack = [TRIGGER_ID]
    while stack:
        node = stack.pop()
        if node in reachable:
            continue
        reachable.add(node)
        stack.extend(successors[node])
    for node_id in nodes:
        if node_id not in reachable:
            problems.append(
                Problem("automation.unreachable", "no path from the trigger reaches it", node_id)
            )
    return problems


def successor(graph: dict[str, Any], node_id: str, handle: str = "next") -> str | None:
    for edge in graph.get("edges", []):
        if edge.get("from") == node_id and edge.get("handle", "next") == handle:
            target: str = edge["to"]
            return target
    return None
