"""Keyword triggers: what each mode matches, and that the index's candidates never leave out
a trigger that matches (they only spare asking the others)."""

from __future__ import annotations

import uuid
from typing import Any

from relaydesk.domains.automation.graph import parse_trigger_params
from relaydesk.domains.automation.triggers.base import Occurrence
from relaydesk.domains.automation.triggers.messages import MESSAGE_RECEIVED, message_data

CHANNEL, OTHER = uuid.uuid4(), uuid.uuid4()

TRIGGERS: list[dict[str, Any]] = [
    {"keywords": {"mode": "exact", "values": ["price"]}},  # 0
    {"keywords": {"mode": "contains", "values": ["refund", "退款"]}},  # 1
    {"keywords": {"mode": "regex", "values": [r"\border\s*#?\d+", r"^help$"]}},  # 2
    {"keywords": {"mode": "regex", "values": [r"(ab)\1", "zzz"]}},  # 3: a back-reference
    {"keywords": {"mode": "regex", "values": ["(?i)urgent", "zzz"]}},  # 4: a global flag
    {"keywords": {"mode": "exact", "values": ["price"]}, "channel_ids": [str(OTHER)]},  # 5
    {"first_message_only": True},  # 6
    {},  # 7: every message
]

# (text, first message) -> the triggers that match, on CHANNEL.
CASES: dict[tuple[str, bool], set[int]] = {
    ("\uff30\uff32\uff29\uff23\uff25", False): {0, 7},  # PRICE in full width
    ("Price", False): {0, 7},
    ("price please", False): {7},
    ("I want a REFUND", False): {1, 7},
    ("我要退款", False): {1, 7},
    ("where is order #123?", False): {2, 7},
    ("help", False): {2, 7},
    ("help me", False): {7},
    ("abab", False): {3, 7},
    ("this is urgent", False): {4, 7},
    ("hi", True): {6, 7},
}


def _occurrence(text: str, first: bool) -> Occurrence:
    data = message_data(text, CHANNEL, first, "m1")
    return Occurrence("message_received", uuid.uuid4(), 1, "contact", None, data=data)


def test_keyword_modes_and_candidates() -> None:
    compiled = [
        MESSAGE_RECEIVED.compile(parse_trigger_params("message_received", t)) for t in TRIGGERS
    ]
    assert MESSAGE_RECEIVED.candidates is not None
    narrow = MESSAGE_RECEIVED.candidates(compiled)
    for (text, first), expected in CASES.items():
        occurrence = _occurrence(text, first)
        matching = {i for i, c in enumerate(compiled) if MESSAGE_RECEIVED.matches(c, occurrence)}
        assert matching == expected, text
        assert matching <= set(narrow(occurrence)), text


def test_a_triggers_regexes_are_one_search_only_where_that_means_the_same() -> None:
    def patterns(values: list[str]) -> list[str]:
        params = {"keywords": {"mode": "regex", "values": values}}
        compiled = MESSAGE_RECEIVED.compile(parse_trigger_params("message_received", params))
        return [p.pattern for p in compiled.patterns]

    assert patterns([r"a\d+", "b"]) == [r"(?:a\d+)|(?:b)"]
    assert patterns([r"(ab)\1", "b"]) == [r"(ab)\1", "b"]
    assert patterns(["(?i)abc", "b"]) == ["(?i)abc", "b"]
