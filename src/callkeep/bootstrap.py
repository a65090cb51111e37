"""First start: migrate, create the admin and its token, seed the demo if asked."""

from __future__ import annotations

import secrets
from pathlib import Path

from sqlalchemy import func, select

from callkeep import migrations
from callkeep.auth import service as auth_service
from callkeep.auth.models import User
from callkeep.kit.crypto import _write_private
from callkeep.kit.runtime import Runtime

BOOT_ACTOR = "system:bootstrap"


def _login_file(rt: Runtime) -> Path:
    return rt.settings.data_dir / "initial-admin.txt"


def _demo_national_list(rt: Runtime) -> None:
    """A small synthetic national registry over the demo's area codes, obtained today, so the
    demo's checks answer from a fresh registry rather than `registry_missing`."""
    from callkeep.lists import imports
    from callkeep.records.models import Call

    with rt.db.transaction(read_only=True) as session:
        called = set(session.scalars(select(Call.called_number).distinct()))
    area_codes = sorted({207} | {int(n[2:5]) for n in called if n and n.startswith("+1")})
    registered = sorted(n for n in called if n and n.startswith("+1") and int(n[-1]) % 3 == 0)
    path = rt.settings.data_dir / "demo-national-registry.txt"
    path.write_text("".join(f"{n[2:]}\n" for n in registered) or "2077841299\n")
    with rt.db.transaction() as session:
        imports.import_list(
            session=session,
            actor=BOOT_ACTOR,
            folder=rt.settings.snapshot_dir,
            max_unzipped=rt.settings.max_unzipped_bytes,
            request=imports.ImportRequest(
                paths=[path],
                list_name="national",
                san="DEMO-SAN",
                area_codes=area_codes,
                accessed_by="demo data",
            ),
        )


def prepare(rt: Runtime, *, demo: bool) -> list[str]:
    """Upgrades the schema; on an empty database creates `admin`; returns the login lines."""
    migrations.upgrade(rt.settings.database_url)
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
        from callkeep.records import demo as demo_data

        with rt.db.transaction() as session:
            seeded = demo_data.seed_if_empty(session=session)
        if seeded:
            _demo_national_list(rt)
    path = _login_file(rt)
    if path.exists():
        lines = [f"admin login (from {path}):"]
        lines += ["  " + line for line in path.read_text().splitlines()]
        lines.append("  change it with: callkeep users reset-password admin")
        return lines
    return ["admin login: see 'callkeep users reset-password admin'"]
