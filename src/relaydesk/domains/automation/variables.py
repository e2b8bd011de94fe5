"""`{{…}}` variables in texts: finding them (validation) and filling them in (runs)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping
from typing import Any

_VARIABLE = re.compile(r"\{\{\s*([^{}]+?)\s*\}\}")


def normalise(text: str) -> str:
    """Case- and width-insensitive form: NFKC (full-width `？` is `?`), then casefold."""
    return unicodedata.normalize("NFKC", text).casefold().strip()


def variables_in(text: str) -> Iterator[str]:
    for match in _VARIABLE.finditer(text):
        yield match.group(1)


def lookup(values: Mapping[str, Any], name: str) -> Any:
    """`a.b.c` through nested mappings; None when any part is missing."""
    current: Any = values
    for part in name.split("."):
        if isinstance(current, Mapping) and part in current:
            current = current[part]
        else:
            return None
    return current


def render(text: str, values: Mapping[str, Any]) -> str:
    """Fill in every variable; a missing value becomes the empty string."""

    def fill(match: re.Match[str]) -> str:
        value = lookup(values, match.group(1))
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    return _VARIABLE.sub(fill, text)


def render_value(value: Any, values: Mapping[str, Any]) -> Any:
    """`render` applied to every string inside lists and mappings."""
    if isinstance(value, str):
        return render(value, values)
    if isinstance(value, list):
        return [render_value(v, values) for v in value]
    if isinstance(value, dict):
        return {k: render_value(v, values) for k, v in value.items()}
    return value
