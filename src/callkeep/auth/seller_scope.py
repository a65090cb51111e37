"""Tokens held to one seller (`callkeep token create --seller SLUG`).

A scoped token checks, records calls and requests, and reads, for its seller alone. An endpoint
admits one only when it declares `require(roles, seller_scoped=True)` (or passes
`seller_scoped=True` to `admit_soon`) and then holds every seller it touches to the token's
with the functions here; every other endpoint refuses a scoped token outright. Refusals are
403 `out_of_scope`, naming the token's seller.
"""

from __future__ import annotations

from callkeep.auth.schemas import Principal
from callkeep.errors import PermissionDenied


class OutOfScope(PermissionDenied):
    """A seller-scoped token asked for another seller, or for an endpoint it may not use."""

    code = "out_of_scope"


def _named(principal: Principal) -> str:
    return f"this token is scoped to seller {principal.seller_slug!r}"


def refuse_scoped(principal: Principal) -> None:
    """Refuses a scoped token on an endpoint that does not hold its records to one seller."""
    if principal.seller_id is not None:
        raise OutOfScope(f"{_named(principal)}; this endpoint is not limited to one seller")


def seller_ref(principal: Principal, asked: str | None) -> str | None:
    """The seller a request acts for: the one asked (a slug or id), or for a scoped token its
    own seller when none is asked; another seller is refused."""
    if principal.seller_id is None:
        return asked
    if asked is None or not asked.strip():
        return principal.seller_slug
    wanted = asked.strip()
    if wanted == principal.seller_id or wanted.lower() == principal.seller_slug:
        return wanted
    raise OutOfScope(f"{_named(principal)}; it may not act for seller {wanted!r}")


def hold_to_seller(principal: Principal, seller_id: str | None, what: str) -> None:
    """Refuses a scoped token a record (`what`) of another seller."""
    if principal.seller_id is not None and seller_id != principal.seller_id:
        raise OutOfScope(f"{_named(principal)}; {what} belongs to another seller")
