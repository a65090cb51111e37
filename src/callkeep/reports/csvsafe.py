"""CSV cells that a spreadsheet will show as text, never run as a formula."""

from __future__ import annotations

from typing import Any

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> str:
    """`value` as CSV text; a leading formula character is neutralised with a quote.

    E.164 numbers (``+12075550123``) and negative numbers keep their meaning for a reader: the
    quote is shown in a spreadsheet and removed by any program that strips it.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if text.startswith(TRIGGERS):
        return "'" + text
    return text
