"""The compliance report as a PDF (fpdf2, pure Python): the same figures and tables as its JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fpdf import FPDF

_ROWS_LIMIT = 5000  # a table longer than this is cut, saying how many rows the JSON holds


def _text(value: Any) -> str:
    """Text the PDF's core font can show (Latin-1), nothing lost silently: others become '?'."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    return str(value).encode("latin-1", "replace").decode("latin-1")


class _Report(FPDF):
    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", size=8)
        self.cell(0, 8, f"callkeep compliance report - page {self.page_no()} - not legal advice")


def _heading(pdf: FPDF, title: str) -> None:
    pdf.ln(3)
    pdf.set_font("Helvetica", style="B", size=12)
    pdf.cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=8)


def _table(pdf: FPDF, headers: list[str], rows: list[list[Any]]) -> None:
    if not rows:
        pdf.cell(0, 6, "none", new_x="LMARGIN", new_y="NEXT")
        return
    with pdf.table(text_align="LEFT", line_height=4.5) as table:
        table.row([_text(h) for h in headers])
        for row in rows[:_ROWS_LIMIT]:
            table.row([_text(v) for v in row])
    if len(rows) > _ROWS_LIMIT:
        pdf.cell(0, 6, f"... {len(rows) - _ROWS_LIMIT} more rows in the JSON report")
        pdf.ln()


def write(report: dict[str, Any], out: Path) -> None:
    """Writes `report` (the compliance report's JSON) to `out` as a PDF."""
    pdf = _Report(orientation="L")
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", style="B", size=16)
    pdf.cell(0, 10, "Compliance report", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    period = report["period"]
    lines = [
        f"Period: {period['from']} to {period['to']} (UTC days)",
        f"Seller: {_text(report['seller'] or 'all')}   Campaign: {_text(report['campaign'] or 'all')}",
        f"Calls: {report['calls']}   Violations: {len(report['violations'])}   "
        f"Incomplete records: {len(report['incomplete_records'])}",
        f"Generated: {report.get('generated_at', '-')}",
    ]
    for line in lines:
        pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    requests = report["dnc_requests"]
    _heading(pdf, "DNC requests (47 CFR 64.1200(d)(3))")
    _table(
        pdf,
        ["received", "met", "open", "overdue"],
        [[requests["received"], requests["met"], requests["open"], requests["overdue"]]],
    )
    _heading(pdf, "Violations")
    _table(
        pdf,
        ["call", "called number", "started at", "codes", "citations"],
        [
            [v["call_id"], v["called_number"], v["started_at"], v["codes"], v["citations"]]
            for v in report["violations"]
        ],
    )
    _heading(pdf, "Incomplete records (16 CFR 310.5(a)(2), (d))")
    _table(
        pdf,
        ["call", "missing", "found at", "corrected", "corrected at"],
        [
            [r["call_id"], r["missing"], r.get("found_at"), r["corrected"], r.get("corrected_at")]
            for r in report["incomplete_records"]
        ],
    )
    window_headers = ["campaign", "from", "to", "answered", "abandoned", "rate", "over 3%"]

    def windows(key: str) -> list[list[Any]]:
        return [
            [
                w["campaign"] or "(none)",
                w["window_start"],
                w["window_end"],
                w["answered"],
                w["abandoned"],
                f"{w['rate']:.4f}",
                w["over_limit"],
            ]
            for w in report.get(key, [])
        ]

    _heading(pdf, "Abandonment per 30-day window (16 CFR 310.4(b)(4)(i))")
    _table(pdf, window_headers, windows("abandonment"))
    _heading(pdf, "Worst rolling 30 days (47 CFR 64.1200(a)(7))")
    _table(pdf, window_headers, windows("abandonment_rolling"))
    _heading(pdf, "National registry per calling day (16 CFR 310.4(b)(3)(iv))")
    _table(
        pdf,
        ["day", "version", "age (days)", "stale", "versions used"],
        [
            [r["day"], r["version"], r["age_days"], r["stale"], r.get("versions", [])]
            for r in report["registry"]
        ],
    )
    harbor = report.get("safe_harbor") or {"procedures": [], "trainings": []}
    _heading(pdf, "Written procedures in force")
    _table(
        pdf,
        ["procedure", "version", "title", "effective"],
        [[p["slug"], p["version"], p["title"], p["effective_at"]] for p in harbor["procedures"]],
    )
    _heading(pdf, "Training records")
    _table(
        pdf,
        ["trainee", "procedure", "version", "trained at", "trainer"],
        [
            [t["trainee"], t["procedure"], t["version"], t["trained_at"], t["trainer"]]
            for t in harbor["trainings"]
        ],
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    pdf.output(str(partial))
    partial.chmod(0o600)
    partial.replace(out)
