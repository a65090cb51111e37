"""A figure drawn as SVG by pygal, on the server, with no script and nothing fetched.

The SVG is served as an image (`<img>`), so nothing in it ever runs; its own stylesheet is
inline, which its response's Content-Security-Policy allows for that response alone.
"""

from __future__ import annotations

import csv
import io

import pygal
from pygal.style import Style

from callkeep.web.dashboard import Figure

STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1b1b1b",
    foreground_strong="#1b1b1b",
    foreground_subtle="#6f777b",
    colors=("#0b4f8a", "#d4351c", "#00703c", "#f47738", "#4c2c92", "#b58840", "#6f72af", "#85994b"),
    font_family="system-ui, sans-serif",
    label_font_size=13,
    major_label_font_size=13,
    legend_font_size=13,
    title_font_size=15,
    no_data_font_size=20,
)
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'"


def _options() -> dict[str, object]:
    return {
        "style": STYLE,
        "js": [],
        "disable_xml_declaration": True,
        "width": 720,
        "height": 340,
        "show_legend": True,
        "legend_at_bottom": True,
        "x_label_rotation": 40,
        "print_values": False,
        "tooltip_border_radius": 0,
        "show_minor_x_labels": False,
        "truncate_label": 14,
    }


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float) else 0.0


def svg(figure: Figure) -> str:
    """The figure as an SVG document."""
    rows = figure.rows
    labels = [str(r[0]) for r in rows]
    chart: pygal.graph.graph.Graph
    if figure.kind == "stacked":
        chart = pygal.StackedBar(**_options())
        for i, name in enumerate(figure.headers[1:-1], start=1):
            chart.add(name, [_number(r[i]) for r in rows])
    elif figure.kind == "limit":
        chart = pygal.Line(**_options(), show_dots=False)
        chart.add("age in days", [None if r[2] == "" else _number(r[2]) for r in rows])
        chart.add(f"{figure.limit:g}-day line", [figure.limit] * len(rows))
    elif figure.kind == "limit_bars":
        chart = pygal.Bar(**_options())
        chart.add("abandonment %", [_number(r[3]) for r in rows])
        chart.add(f"{figure.limit:g}% limit", [figure.limit] * len(rows))
    elif figure.kind == "rate":
        chart = pygal.Bar(**_options())
        chart.add("answer rate %", [_number(r[3]) for r in rows])
    else:
        chart = pygal.Bar(**_options())
        chart.add(figure.headers[-1], [_number(r[-1]) for r in rows])
    chart.x_labels = labels
    chart.x_labels_major = labels[:: max(1, len(labels) // 12)]
    chart.no_data_text = "No data for this period"
    return str(chart.render(is_unicode=True))


def _safe(cell: object) -> str:
    """A CSV cell a spreadsheet will not run as a formula."""
    text = str(cell)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def csv_text(figure: Figure) -> str:
    """The figure's table as CSV, header first."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_safe(h) for h in figure.headers])
    for row in figure.rows:
        writer.writerow([_safe(c) for c in row])
    return out.getvalue()
