"""Excerpts of a message around the query, cut into matching and plain parts.

The database decides what matches; this only finds where, for display. Parts are plain
text, so a client renders them without interpreting markup (no injection through messages).
"""

from __future__ import annotations

import re

from relaydesk.domains.search.schemas import SnippetPart

SNIPPET_WIDTH = 160
ELLIPSIS = "…"


def snippet(text: str, query: str, width: int = SNIPPET_WIDTH) -> list[SnippetPart]:
    pattern = re.compile(re.escape(query), re.IGNORECASE)
    width = max(width, len(query) + 40)
    first = pattern.search(text)
    # Centre the first match in the window, then pull the window back inside the text.
    start = 0 if first is None else max(0, first.start() - (width - len(query)) // 2)
    end = min(len(text), start + width)
    start = max(0, end - width)
    window = text[start:end]

    parts: list[SnippetPart] = []
    position = 0
    for found in pattern.finditer(window):
        if found.start() > position:
            parts.append(SnippetPart(text=window[position : found.start()], match=False))
        parts.append(SnippetPart(text=found.group(), match=True))
        position = found.end()
    if position < len(window):
        parts.append(SnippetPart(text=window[position:], match=False))
    if start > 0:
        parts.insert(0, SnippetPart(text=ELLIPSIS, match=False))
    if end < len(text):
        parts.append(SnippetPart(text=ELLIPSIS, match=False))
    return parts
