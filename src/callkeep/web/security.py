"""Protection for the public pages without third parties: CSRF tokens, per-client rate limits,
and the response headers every page carries.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request, Response
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from callkeep.kit.clock import utcnow
from callkeep.kit.crypto import keyring
from callkeep.web.models import PublicRateCounter

CSRF_COOKIE = "callkeep_csrf"
CSRF_FIELD = "csrf"
SUBMISSIONS_PER_HOUR = 10
LOOKUPS_PER_HOUR = 30

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def _csrf_signature(nonce: str) -> str:
    key = keyring().derived("csrf")
    return hmac.new(key, nonce.encode(), hashlib.sha256).hexdigest()[:32]


def new_csrf_token() -> str:
    """A signed token for the double-submit cookie and the form's hidden field."""
    nonce = secrets.token_urlsafe(18)
    return f"{nonce}.{_csrf_signature(nonce)}"


def csrf_token_valid(token: str | None) -> bool:
    """True when `token` was signed by this installation."""
    if not token or "." not in token or len(token) > 200:
        return False
    nonce, _, signature = token.partition(".")
    return hmac.compare_digest(_csrf_signature(nonce), signature)


def csrf_matches(*, cookie: str | None, form_value: str | None) -> bool:
    """The double-submit check: the form echoes the cookie, and the token is ours."""
    if not cookie or not form_value:
        return False
    return hmac.compare_digest(cookie, form_value) and csrf_token_valid(cookie)


def client_key(action: str, address: str) -> str:
    """The counter key for one client and action; the address itself is not kept."""
    digest = keyring().blind_index(f"rate:{address}")
    return f"{action}:{digest}"


def allow(*, session: Session, action: str, address: str, per_hour: int) -> bool:
    """Counts one use of `action` by `address` this hour; False once over `per_hour`."""
    key = client_key(action, address)
    window = utcnow().replace(minute=0, second=0)
    counter = session.get(PublicRateCounter, key, with_for_update=True)
    if counter is None:
        try:
            with session.begin_nested():
                session.add(PublicRateCounter(key=key, window_start=window, count=1))
            return True
        except IntegrityError:
            counter = session.get(
                PublicRateCounter, key, with_for_update=True, populate_existing=True
            )
            assert counter is not None
    if counter.window_start != window:
        counter.window_start = window
        counter.count = 1
    else:
        counter.count += 1
    session.flush()
    return counter.count <= per_hour


def form_token(request: Request) -> str:
    """The double-submit token for a form: the browser's own while valid, else a new one."""
    cookie = request.cookies.get(CSRF_COOKIE)
    return cookie if cookie and csrf_token_valid(cookie) else new_csrf_token()


def set_form_cookie(request: Request, response: Response, *, token: str, path: str) -> None:
    """Sets the form token as an HttpOnly, SameSite=Strict cookie for the forms under `path`."""
    response.set_cookie(
        CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path=path,
    )
