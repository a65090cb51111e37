"""First start: migrate, record the default seller, create the admin and its token, seed the
demo if asked."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, select

if TYPE_CHECKING:
    from callkeep.kit.runtime import Runtime

BOOT_ACTOR = "system:bootstrap"
UNNAMED_REMINDER = (
    'the default seller is still "My business": callkeep sellers rename default "Your Name"'
)


def ensure_default_seller(rt: Runtime) -> bool:
    """Records the default seller in a database that has none; returns whether it did.

    A new database holds it from its first start, so checks, DNC requests and call records work
    before any setup. Cheap when it exists: one read.
    """
    from callkeep.records import service as records

    with rt.db.transaction(read_only=True) as session:
        slug = session.scalar(
            select(records.Seller.slug).where(records.Seller.slug == records.DEFAULT_SELLER_SLUG)
        )
    if slug is not None:
        return False
    with rt.db.transaction() as session:
        return records.ensure_default_seller(session=session, actor=BOOT_ACTOR)


def reminders(rt: Runtime) -> list[str]:
    """What the operator should still set up, one line each."""
    from callkeep.records import service as records

    with rt.db.transaction(read_only=True) as session:
        unnamed = records.default_unnamed(session=session)
    return [UNNAMED_REMINDER] if unnamed else []


def _login_file(rt: Runtime) -> Path:
    return rt.settings.data_dir / "initial-admin.txt"


def prepare(rt: Runtime, *, demo: bool) -> list[str]:
    """Upgrades the schema; on an empty database records the default seller and creates `admin`;
    returns the login lines."""
    from callkeep import migrations
    from callkeep.auth import service as auth_service
    from callkeep.auth.models import User
    from callkeep.kit.crypto import _write_private

    migrations.upgrade(rt.settings.database_url)
    ensure_default_seller(rt)
    with rt.db.transaction() as session:
        if session.scalar(select(func.count()).select_from(User)) == 0:
            password = secrets.token_urlsafe(12)
            auth_service.create_user(
                session=session,
                actor=BOOT_ACTOR,
                username="admin",
                role="admin",
                password=password,
            )
            _, token = auth_service.create_token(
                session=session, actor=BOOT_ACTOR, name="admin-api", role="admin"
            )
            _write_private(
                _login_file(rt),
                f"username: admin\npassword: {password}\napi token: {token}\n",
            )
    if demo:
        from callkeep.records import service as records

        with rt.db.transaction() as session:
            records.seed_demo_if_empty(session=session)
    path = _login_file(rt)
    if path.exists():
        lines = [f"admin login (from {path}):"]
        lines += ["  " + line for line in path.read_text().splitlines()]
        lines.append("  change it with: callkeep users reset-password admin")
        return lines
    return ["admin login: see 'callkeep users reset-password admin'"]
