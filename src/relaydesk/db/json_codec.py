"""How JSON columns are written and read: orjson, with the standard library's `json` for
the rare value orjson declines.

`json` cost about 8 µs to write and 4 µs to read a `contact.updated` payload here; orjson
about 0.8 and 1.5 (docs/benchmarks.md, "automation", 2026-12-07), and every event, step and
run context passes through these two functions. What `json` would refuse is still refused
(datetimes, objects), with its error; what orjson declines but `json` takes (integers past
64 bits on the way in, `NaN` in text written before) goes through `json`. Keys that are
not strings are written as strings, as `json` does. UUIDs are written as their text.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME


def dumps(value: Any) -> str:
    try:
        return orjson.dumps(value, option=_OPTIONS).decode()
    except orjson.JSONEncodeError:
        return json.dumps(value)


def loads(text: str | bytes) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)
