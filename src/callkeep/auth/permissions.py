"""The permission matrix: one declared rule per route, read back from the application itself.

A route declares who may use it in one of three ways, all visible where the route is written:

- ``Depends(require(roles))`` (the API, bearer tokens) or ``Depends(page(roles))`` (staff pages,
  session cookies): the dependency carries its rule;
- ``@admits(roles)`` on an endpoint that admits its caller inline (`admit(request, roles)`);
- ``Depends(public("why"))`` for a route anyone may use, or an entry in `PUBLIC_PATHS` for
  routes the framework adds (docs, the OpenAPI schema).

`rules(app)` walks every route of the app and finds its rule; `tests/auth/test_permission_matrix`
requests every route as every role and as nobody, and fails for a route without a rule.
`callkeep permissions` prints the matrix that `docs/permissions.md` holds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import Route

from callkeep.auth.roles import Role

F = TypeVar("F", bound=Callable[..., Any])
ATTRIBUTE = "__callkeep_rule__"


@dataclass(frozen=True)
class Rule:
    """Who may use a route: `roles` (None: anyone), and with what credential."""

    roles: frozenset[Role] | None
    via: str  # "token" (API), "session" (staff pages) or "public"
    why: str = ""


@dataclass(frozen=True)
class RouteRule:
    method: str
    path: str
    rule: Rule


# Routes FastAPI itself adds, and the liveness probe: anyone may read them.
PUBLIC_PATHS: dict[str, str] = {
    "/openapi.json": "the API's schema",
    "/docs": "the API's documentation",
    "/docs/oauth2-redirect": "the API documentation's sign-in hand-off",
    "/redoc": "the API's documentation",
    "/healthz": "liveness probe",
}


def declare(function: F, rule: Rule) -> F:
    """Marks a dependency or endpoint with its rule."""
    setattr(function, ATTRIBUTE, rule)
    return function


def admits(roles: Iterable[Role], *, why: str = "") -> Callable[[F], F]:
    """For an endpoint that admits its caller itself (`admit(request, roles)` on a hot path,
    or a webhook that also takes its provider's signature, named in `why`): its rule."""
    allowed = frozenset(roles)

    def mark(endpoint: F) -> F:
        return declare(endpoint, Rule(roles=allowed, via="token", why=why))

    return mark


def public(why: str) -> Callable[[], None]:
    """A dependency declaring that anyone may use the route, and why."""

    def dependency() -> None:
        return None

    return declare(dependency, Rule(roles=None, via="public", why=why))


def _found_in(dependant: Any) -> list[Rule]:
    found: list[Rule] = []
    call = getattr(dependant, "call", None)
    if call is not None and hasattr(call, ATTRIBUTE):
        found.append(getattr(call, ATTRIBUTE))
    for sub in getattr(dependant, "dependencies", []):
        found.extend(_found_in(sub))
    return found


def rule_of(route: Any) -> Rule | None:
    """The rule a route declares, or None when it declares none (a bug the tests catch).

    `route` is a route as the app serves it: with the dependencies of every router it was
    included through."""
    path = getattr(route, "path", "")
    dependant = getattr(route, "dependant", None)
    if dependant is not None:
        found = _found_in(dependant)
        endpoint = getattr(route, "endpoint", None)
        if hasattr(endpoint, ATTRIBUTE):
            found.append(getattr(endpoint, ATTRIBUTE))
        if found:
            # Several rules (a router's and a route's): each must admit, so the intersection.
            roles = None
            for rule in found:
                if rule.roles is not None:
                    roles = rule.roles if roles is None else roles & rule.roles
            public_only = all(r.roles is None for r in found)
            via = "public" if public_only else next(r.via for r in found if r.roles is not None)
            why = next((r.why for r in found if r.why), "")
            return Rule(roles=None if public_only else roles, via=via, why=why)
    if path in PUBLIC_PATHS:
        return Rule(roles=None, via="public", why=PUBLIC_PATHS[path])
    return None


def routes(app: FastAPI) -> list[tuple[str, str, Any]]:
    """Every (method, path, route) the app answers, HEAD and OPTIONS aside."""
    found = []
    for route in iter_route_contexts(app.routes):
        if not isinstance(route.original_route, Route | APIRoute) or route.path is None:
            continue
        for method in sorted(route.methods or ()):
            if method in ("HEAD", "OPTIONS"):
                continue
            found.append((method, route.path, route))
    return found


def rules(app: FastAPI) -> tuple[list[RouteRule], list[tuple[str, str]]]:
    """Every route's rule, and the routes that declare none."""
    known, missing = [], []
    for method, path, route in routes(app):
        rule = rule_of(route)
        if rule is None:
            missing.append((method, path))
        else:
            known.append(RouteRule(method=method, path=path, rule=rule))
    known.sort(key=lambda r: (r.path, r.method))
    return known, missing


def markdown(app: FastAPI) -> str:
    """The permission matrix as a Markdown page (what `docs/permissions.md` holds)."""
    known, missing = rules(app)
    order = list(Role)
    lines = [
        "# Who may do what",
        "",
        "Generated from the code by `callkeep permissions` (a test keeps this page equal to it).",
        "Every route of the API and the staff app declares its rule where it is written; a",
        "route without one fails the test suite. `Y` allowed; `-` refused (403); signed out or",
        "without a token: the API answers 401 and a staff page 303 to `/login`. The API takes",
        "bearer tokens only; staff pages take a session cookie only (`dialer` has no pages).",
        "Supervisors see only the sellers and campaigns assigned to them.",
        "",
        "| method | path | credential | " + " | ".join(r.value for r in order) + " |",
        "|---|---|---|" + "---|" * len(order),
    ]
    for item in known:
        rule = item.rule
        if rule.roles is None:
            cells = ["anyone"] * len(order)
            credential = "none" + (f" ({rule.why})" if rule.why else "")
        else:
            cells = ["Y" if role in rule.roles else "-" for role in order]
            credential = "bearer token" if rule.via == "token" else "session cookie"
            credential += f" ({rule.why})" if rule.why else ""
        path = item.path.replace("|", "\\|")
        lines.append(f"| {item.method} | `{path}` | {credential} | " + " | ".join(cells) + " |")
    for method, path in missing:
        lines.append(f"| {method} | `{path}` | **no rule** |" + " |" * len(order))
    lines += [
        "",
        "Agents and supervisors see only the contacts they work. Someone works a contact when",
        "callkeep holds a record they made for it (the contact itself, a call linked to it or",
        "to one of its numbers, an interaction with it, recorded by their user or one of its",
        "tokens), or a call or interaction of a seller or campaign assigned to them",
        "(`callkeep users assign`). An agent reads only the calls to a number of a contact",
        "they work (`/calls`, `GET /api/v1/calls`, a call's record and its amendments): any",
        "other call is 404 on the API and the 403 page in the staff app. An agent attaches",
        "personal data only to the contacts they work and to numbers that no contact they",
        "do not work holds: creating or amending a contact, recording a consent (which names",
        "the person beside the number). Logging a call or an interaction is how an agent",
        "comes to work a contact, and a purchase or an inquiry names no one, so those are",
        "not narrowed. Every refusal is written to the",
        "access log (`refused_contact`, `refused_call`). Supervisors see the calls of their",
        "sellers and campaigns; compliance officers, auditors and admins see every contact",
        "and call.",
        "",
        "Revoking a token or removing a user takes effect at once on the server that recorded",
        "it; other servers of the same database trust a token they verified for at most 10",
        "seconds (sessions are read from the database on every page, so they end everywhere",
        "at once).",
        "",
    ]
    return "\n".join(lines)
