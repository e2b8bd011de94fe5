"""Ready-made workflows: each template turns its params into a graph, installed published."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid")


Reply = Annotated[str, Field(min_length=1, max_length=4096)]


class KeywordReplyParams(_Params):
    keywords: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=200)]],
        Field(min_length=1, max_length=50),
    ]
    reply: Reply
    mode: str = Field(default="contains", pattern="^(exact|contains|regex)$")


class ReplyParams(_Params):
    reply: Reply


def _keyword_reply(p: KeywordReplyParams) -> dict[str, Any]:
    return {
        "version": 1,
        "trigger": {
            "type": "message_received",
            "params": {"keywords": {"mode": p.mode, "values": p.keywords}},
        },
        "nodes": [{"id": "reply", "type": "send_message", "params": {"text": p.reply}}],
        "edges": [{"from": "trigger", "to": "reply"}],
        "settings": {"rate_limit_per_minute": None},
    }


def _welcome(p: ReplyParams) -> dict[str, Any]:
    return {
        "version": 1,
        "trigger": {"type": "message_received", "params": {"first_message_only": True}},
        "nodes": [{"id": "welcome", "type": "send_message", "params": {"text": p.reply}}],
        "edges": [{"from": "trigger", "to": "welcome"}],
        "settings": {"rate_limit_per_minute": None},
    }


def _away(p: ReplyParams) -> dict[str, Any]:
    return {
        "version": 1,
        "trigger": {"type": "message_received", "params": {}},
        "nodes": [
            {
                "id": "closed",
                "type": "condition",
                "params": {
                    "match": "all",
                    "rules": [{"field": "business_hours", "op": "is_false"}],
                },
            },
            {"id": "away", "type": "send_message", "params": {"text": p.reply}},
        ],
        "edges": [
            {"from": "trigger", "to": "closed"},
            {"from": "closed", "to": "away", "handle": "true"},
        ],
        "settings": {"rate_limit_per_minute": None},
    }


# The remaining templates of graph version 1 -----------------------------------------------

TeamId = uuid.UUID
Tag = Annotated[str, Field(min_length=1, max_length=64)]
Question = Annotated[str, Field(min_length=1, max_length=4096)]


def _graph(
    trigger: dict[str, Any], nodes: list[dict[str, Any]], edges: list[tuple[str, ...]]
) -> dict[str, Any]:
    return {
        "version": 1,
        "trigger": trigger,
        "nodes": nodes,
        "edges": [
            {"from": e[0], "to": e[1], **({"handle": e[2]} if len(e) > 2 else {})} for e in edges
        ],
        "settings": {"rate_limit_per_minute": None},
    }


def _to_team(node_id: str, team_id: uuid.UUID) -> dict[str, Any]:
    return {
        "id": node_id,
        "type": "assign",
        "params": {"mode": "team_round_robin", "team_id": str(team_id)},
    }


class EscalateParams(_Params):
    minutes: Annotated[int, Field(ge=1, le=100_000)] = 15
    team_id: TeamId
    business_hours: bool = True
    tag: Tag = "escalated"


def _escalate(p: EscalateParams) -> dict[str, Any]:
    trigger = {
        "type": "customer_waiting",
        "params": {"minutes": p.minutes, "business_hours": p.business_hours},
    }
    nodes = [
        _to_team("assign", p.team_id),
        {"id": "tag", "type": "add_tag", "params": {"tags": [p.tag]}},
    ]
    return _graph(trigger, nodes, [("trigger", "assign"), ("assign", "tag")])


class FollowUpParams(_Params):
    hours: Annotated[int, Field(ge=1, le=24 * 60)] = 24
    text: Reply


def _follow_up(p: FollowUpParams) -> dict[str, Any]:
    trigger = {"type": "agent_waiting", "params": {"minutes": p.hours * 60}}
    nodes = [{"id": "follow_up", "type": "send_message", "params": {"text": p.text}}]
    return _graph(trigger, nodes, [("trigger", "follow_up")])


class CollectEmailParams(_Params):
    question: Question
    tag: Tag = "lead"
    timeout_minutes: Annotated[int, Field(ge=1, le=100_000)] = 60


def _collect_email(p: CollectEmailParams) -> dict[str, Any]:
    no_email = {
        "match": "all",
        "rules": [{"field": "contact.email", "op": "not_exists"}],
    }
    nodes = [
        {"id": "no_email", "type": "condition", "params": no_email},
        {
            "id": "ask",
            "type": "ask_question",
            "params": {
                "text": p.question,
                "save_to_attribute": "email",
                "timeout_minutes": p.timeout_minutes,
            },
        },
        {"id": "tag", "type": "add_tag", "params": {"tags": [p.tag]}},
    ]
    edges = [("trigger", "no_email"), ("no_email", "ask", "true"), ("ask", "tag", "answered")]
    trigger = {"type": "message_received", "params": {"first_message_only": True}}
    return _graph(trigger, nodes, edges)


class CsatParams(_Params):
    question: Question
    timeout_minutes: Annotated[int, Field(ge=1, le=100_000)] = 24 * 60


def _csat(p: CsatParams) -> dict[str, Any]:
    trigger = {"type": "conversation_status_changed", "params": {"to": "resolved"}}
    ask = {
        "id": "ask",
        "type": "ask_question",
        "params": {
            "text": p.question,
            "save_to_attribute": "csat",
            "timeout_minutes": p.timeout_minutes,
        },
    }
    return _graph(trigger, [ask], [("trigger", "ask")])


class LanguageRule(_Params):
    language: Annotated[str, Field(min_length=2, max_length=35)]
    team_id: TeamId


class RouteByLanguageParams(_Params):
    rules: Annotated[list[LanguageRule], Field(min_length=1, max_length=20)]


def _route_by_language(p: RouteByLanguageParams) -> dict[str, Any]:
    # A chain of conditions: the first rule whose language matches assigns its team.
    nodes: list[dict[str, Any]] = []
    edges: list[tuple[str, ...]] = []
    for i, rule in enumerate(p.rules, 1):
        check = {
            "match": "all",
            "rules": [{"field": "contact.language", "op": "starts_with", "value": rule.language}],
        }
        nodes += [
            {"id": f"is_{i}", "type": "condition", "params": check},
            _to_team(f"team_{i}", rule.team_id),
        ]
        edges.append(("trigger", "is_1") if i == 1 else (f"is_{i - 1}", f"is_{i}", "false"))
        edges.append((f"is_{i}", f"team_{i}", "true"))
    trigger = {"type": "conversation_created", "params": {}}
    return _graph(trigger, nodes, edges)


class VipParams(_Params):
    tag: Tag = "vip"
    team_id: TeamId


def _vip(p: VipParams) -> dict[str, Any]:
    check = {"match": "all", "rules": [{"field": "contact.tags", "op": "contains", "value": p.tag}]}
    nodes = [{"id": "is_vip", "type": "condition", "params": check}, _to_team("assign", p.team_id)]
    trigger = {"type": "conversation_created", "params": {}}
    return _graph(trigger, nodes, [("trigger", "is_vip"), ("is_vip", "assign", "true")])


class ReengageParams(_Params):
    days: Annotated[int, Field(ge=1, le=60)]
    template_name: Annotated[str, Field(min_length=1, max_length=512)]
    language: Annotated[str, Field(min_length=1, max_length=16)]


def _reengage(p: ReengageParams) -> dict[str, Any]:
    # WhatsApp only accepts approved templates once the customer's 24-hour window closed.
    on_whatsapp = {
        "match": "all",
        "rules": [{"field": "conversation.channel_type", "op": "eq", "value": "whatsapp_cloud"}],
    }
    send = {
        "id": "template",
        "type": "send_message",
        "params": {
            "template": {"name": p.template_name, "language": p.language, "body_params": []}
        },
    }
    nodes = [{"id": "on_whatsapp", "type": "condition", "params": on_whatsapp}, send]
    trigger = {"type": "agent_waiting", "params": {"minutes": p.days * 24 * 60}}
    return _graph(trigger, nodes, [("trigger", "on_whatsapp"), ("on_whatsapp", "template", "true")])


@dataclass(frozen=True)
class Template:
    key: str
    name: str
    description: str
    params: type[_Params]
    build: Callable[[Any], dict[str, Any]]

    def params_schema(self) -> dict[str, Any]:
        return self.params.model_json_schema()


TEMPLATES: dict[str, Template] = {
    t.key: t
    for t in (
        Template(
            "keyword-auto-reply",
            "Keyword auto-reply",
            "Answer messages that contain one of the keywords.",
            KeywordReplyParams,
            _keyword_reply,
        ),
        Template(
            "welcome-new-contact",
            "Welcome new contacts",
            "Greet a contact's first message.",
            ReplyParams,
            _welcome,
        ),
        Template(
            "away-message",
            "Away message",
            "Answer messages that arrive outside the workspace's business hours.",
            ReplyParams,
            _away,
        ),
        Template(
            "escalate-waiting-customer",
            "Escalate waiting customers",
            "Assign a team and tag the conversation when a customer waits too long for a reply.",
            EscalateParams,
            _escalate,
        ),
        Template(
            "follow-up-no-reply",
            "Follow up without reply",
            "Send a follow-up when the customer has not answered our last message.",
            FollowUpParams,
            _follow_up,
        ),
        Template(
            "collect-email-lead",
            "Collect email leads",
            "Ask new contacts without an email for it and tag them as leads.",
            CollectEmailParams,
            _collect_email,
        ),
        Template(
            "csat-on-resolve",
            "Satisfaction survey",
            "Ask for a rating when a conversation is resolved.",
            CsatParams,
            _csat,
        ),
        Template(
            "route-by-language",
            "Route by language",
            "Assign new conversations to a team by the contact's language.",
            RouteByLanguageParams,
            _route_by_language,
        ),
        Template(
            "vip-to-team",
            "VIPs to a team",
            "Assign new conversations of tagged contacts to a team.",
            VipParams,
            _vip,
        ),
        Template(
            "reengage-whatsapp-template",
            "Re-engage on WhatsApp",
            "Send an approved WhatsApp template when a contact has been silent for days.",
            ReengageParams,
            _reengage,
        ),
    )
}
