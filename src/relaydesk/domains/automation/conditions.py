"""Condition rules: `{match: all|any, rules: [rule | group]}` evaluated against a run's facts.

Facts are looked up by field name (`contact.tags`, `conversation.status`, …) through a
callable, so only the fields a rule names are computed. Text comparisons use the keyword
normalisation (NFKC, casefold).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from relaydesk.domains.automation.graph import Rule, RuleGroup
from relaydesk.domains.automation.variables import normalise

Facts = Callable[[str], Any]


def _text(value: Any) -> Any:
    return normalise(value) if isinstance(value, str) else value


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _compare(op: str, actual: Any, expected: Any) -> bool:
    if op == "exists":
        return actual not in (None, "", [])
    if op == "not_exists":
        return actual in (None, "", [])
    if op == "is_true":
        return actual is True
    if op == "is_false":
        return actual is not True
    if op in ("gt", "gte", "lt", "lte"):
        a, b = _number(actual), _number(expected)
        if a is None or b is None:
            return False
        return {"gt": a > b, "gte": a >= b, "lt": a < b, "lte": a <= b}[op]
    if op == "matches":
        return isinstance(actual, str) and re.search(str(expected), normalise(actual)) is not None
    if isinstance(actual, list):
        items = [_text(a) for a in actual]
        if op in ("contains", "eq"):
            return _text(expected) in items
        if op in ("not_contains", "neq"):
            return _text(expected) not in items
        wanted = [_text(e) for e in expected] if isinstance(expected, list) else [_text(expected)]
        if op == "in":
            return any(w in items for w in wanted)
        if op == "not_in":
            return not any(w in items for w in wanted)
        return False
    a, b = _text(actual), _text(expected)
    if isinstance(b, bool) or isinstance(a, bool):
        a, b = actual, expected
    if op == "eq":
        return bool(a == b or (_number(a) is not None and _number(a) == _number(b)))
    if op == "neq":
        return not _compare("eq", actual, expected)
    if op == "contains":
        return isinstance(a, str) and isinstance(b, str) and b in a
    if op == "not_contains":
        return not (isinstance(a, str) and isinstance(b, str) and b in a)
    if op == "starts_with":
        return isinstance(a, str) and isinstance(b, str) and a.startswith(b)
    if op in ("in", "not_in"):
        options = [_text(e) for e in expected] if isinstance(expected, list) else [b]
        found = a in options
        return found if op == "in" else not found
    return False


def evaluate(group: RuleGroup, facts: Facts) -> bool:
    results = (
        evaluate(rule, facts)
        if isinstance(rule, RuleGroup)
        else _compare(rule.op, facts(rule.field), rule.value)
        for rule in group.rules
    )
    return all(results) if group.match == "all" else any(results)


def fields_of(group: RuleGroup) -> set[str]:
    found: set[str] = set()
    for rule in group.rules:
        found |= fields_of(rule) if isinstance(rule, RuleGroup) else {rule.field}
    return found


__all__ = ["Facts", "Rule", "RuleGroup", "evaluate", "fields_of"]
