"""The domains, in the order their HTTP routes and commands are registered."""

from __future__ import annotations

import importlib
from types import ModuleType

DOMAINS = (
    "auth",
    "ledger",
    "phone",
    "records",
    "lists",
    "rules",
    "checks",
    "requests",
    "dialer",
    "reports",
    "backup",
    "operations",
    "web",
)


def domain_modules(kind: str) -> list[ModuleType]:
    """Each domain's `kind` module (``endpoints``, ``cli``, ``models``) that exists."""
    found = []
    for domain in DOMAINS:
        name = f"callkeep.{domain}.{kind}"
        try:
            found.append(importlib.import_module(name))
        except ModuleNotFoundError as exc:
            if exc.name not in (name, f"callkeep.{domain}"):
                raise
    return found


def load_models(*domains: str) -> None:
    """Imports every domain's tables so the metadata and the ledger know them all; or, when
    `domains` are named, only theirs (no foreign key leaves a domain, so their set is closed)."""
    if not domains:
        domain_modules("models")
        return
    for domain in domains:
        importlib.import_module(f"callkeep.{domain}.models")
