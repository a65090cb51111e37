"""Jinja2 templates (autoescaped) and page responses with the security headers."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.responses import HTMLResponse

from callkeep.web.security import SECURITY_HEADERS

TEMPLATE_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"

environment = Environment(
    loader=FileSystemLoader(TEMPLATE_DIR),
    autoescape=select_autoescape(["html"], default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def render(template: str, *, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page from `template`, never cached, with the security headers."""
    context.setdefault("errors", {})
    html = environment.get_template(template).render(**context)
    response = HTMLResponse(html, status_code=status_code)
    for name, value in SECURITY_HEADERS.items():
        response.headers[name] = value
    response.headers["Cache-Control"] = "no-store"
    return response


def human_time(moment: datetime) -> str:
    """`November 29, 2026 at 06:12 UTC`: the receipt's date in words."""
    return f"{moment:%B} {moment.day}, {moment:%Y} at {moment:%H:%M} UTC"


def masked_phone(e164: str) -> str:
    """A number with all but its last four digits hidden: `•••-•••-0123`."""
    digits = "".join(ch for ch in e164 if ch.isdigit())
    return "•••-•••-" + digits[-4:]
