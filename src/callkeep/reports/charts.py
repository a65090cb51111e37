"""The compliance report's charts as SVG text (pygal), for a page to embed as they are.

Each function takes the report's JSON and returns one SVG document; a page route only places it.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pygal
from pygal.style import CleanStyle


def _chart(kind: type[pygal.Graph], title: str) -> Any:
    return kind(
        title=title,
        style=CleanStyle,
        disable_xml_declaration=True,
        show_legend=True,
        width=800,
        height=360,
        x_label_rotation=30,
    )


def _svg(chart: Any) -> str:
    return str(chart.render(is_unicode=True))


def abandonment_svg(report: dict[str, Any]) -> str:
    """Abandonment rate per campaign and 30-day window, against the 3% line."""
    chart = _chart(pygal.Bar, "Abandonment per 30-day window (limit 3%)")
    windows = report["abandonment"]
    chart.x_labels = [f"{w['campaign'] or '-'} {w['window_start']}" for w in windows]
    chart.add("rate %", [round(w["rate"] * 100, 2) for w in windows])
    chart.add("limit %", [3.0 for _ in windows])
    return _svg(chart)


def violations_svg(report: dict[str, Any]) -> str:
    """How many calls of the period carry each violation code."""
    chart = _chart(pygal.HorizontalBar, "Calls per violation code")
    counts = Counter(code for v in report["violations"] for code in v["codes"])
    for code, count in counts.most_common():
        chart.add(code, count)
    return _svg(chart)


def registry_age_svg(report: dict[str, Any]) -> str:
    """The national registry's age on each calling day, against the 31-day safe harbor."""
    chart = _chart(pygal.Line, "Registry age per calling day (safe harbor: 31 days)")
    days = report["registry"]
    chart.x_labels = [d["day"] for d in days]
    chart.add("age (days)", [d["age_days"] for d in days])
    chart.add("31 days", [31 for _ in days])
    return _svg(chart)


def dnc_requests_svg(report: dict[str, Any]) -> str:
    """The period's DNC requests: met in time, open, overdue."""
    chart = _chart(pygal.Pie, "DNC requests")
    requests = report["dnc_requests"]
    for key in ("met", "open", "overdue"):
        chart.add(key, requests[key])
    return _svg(chart)


CHARTS = {
    "abandonment": abandonment_svg,
    "violations": violations_svg,
    "registry_age": registry_age_svg,
    "dnc_requests": dnc_requests_svg,
}
