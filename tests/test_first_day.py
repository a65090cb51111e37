"""A working first day: a new database holds the default seller, and checks, DNC requests (CLI,
API, the public page) and call records all work for it before any setup, on both engines."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select, text
from typer.testing import CliRunner

from callkeep import migrations
from callkeep.app import create_app
from callkeep.auth import service as auth_service
from callkeep.bootstrap import UNNAMED_REMINDER, ensure_default_seller, prepare, reminders
from callkeep.cli import app
from callkeep.config import Settings
from callkeep.errors import InvalidInput
from callkeep.kit import cli as kit_cli
from callkeep.kit.runtime import Runtime, build_runtime
from callkeep.ledger import service as ledger
from callkeep.records.parties import models as pm
from callkeep.records.parties import sellers

PG_URL = os.environ.get("CALLKEEP_TEST_POSTGRES_URL", "")
# tomorrow, 15:00 UTC (10 or 11 a.m. in Maine): after the requests below are made
AT = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT15:00:00Z")


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with nothing in it at all, not even tables."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    if not PG_URL:
        pytest.skip("no PostgreSQL (set CALLKEEP_TEST_POSTGRES_URL)")
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    name = f"callkeep_fresh_{os.getpid()}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield PG_URL.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_db_upgrade_records_the_default_seller_once_in_the_ledger(
    fresh_url: str, tmp_path: Path
) -> None:
    rt = build_runtime(Settings(data_dir=tmp_path / "data", database_url=fresh_url))
    try:
        migrations.upgrade(fresh_url)
        assert ensure_default_seller(rt) is True
        assert ensure_default_seller(rt) is False  # every later start finds it
        with rt.db.transaction(read_only=True) as session:
            rows = list(session.scalars(select(pm.Seller)))
            default = sellers.seller_view(session=session, ref=None)
            report = ledger.verify(session=session)
        assert [(r.slug, r.name) for r in rows] == [("default", "My business")]
        assert default["slug"] == "default"
        assert report.intact and report.records == 1
        assert reminders(rt) == [UNNAMED_REMINDER]
    finally:
        rt.db.dispose()


def test_the_default_seller_is_renamed_by_an_amendment(rt: Runtime) -> None:
    ensure_default_seller(rt)
    with rt.db.transaction() as session:
        view = sellers.rename_seller(
            session=session, actor="test", ref="default", name="Auburn Heat Pumps"
        )
    assert view["name"] == "Auburn Heat Pumps" and view["slug"] == "default"
    assert reminders(rt) == []
    with rt.db.transaction(read_only=True) as session:
        assert session.scalar(select(pm.Seller.name)) == "My business"  # the original stays
        assert sellers.seller_view(session=session, ref=None)["name"] == "Auburn Heat Pumps"
        assert ledger.verify(session=session).intact


def test_sellers_rename_on_the_command_line(rt: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    from callkeep.records import cli as records_cli
    from callkeep.records.parties import cli as parties_cli

    ensure_default_seller(rt)
    monkeypatch.setattr(records_cli, "cli_runtime", lambda: rt)
    monkeypatch.setattr(parties_cli, "cli_runtime", lambda: rt)
    done = CliRunner().invoke(app, ["sellers", "rename", "default", "Lewiston Solar"])
    assert done.exit_code == 0, done.output
    assert "Lewiston Solar" in done.output
    listed = CliRunner().invoke(app, ["sellers", "list"])
    assert "default  Lewiston Solar" in listed.output and "(default)" in listed.output
    unknown = CliRunner().invoke(app, ["sellers", "rename", "nobody", "X"])
    assert isinstance(unknown.exception, InvalidInput)  # main() makes it exit 2
    assert "no seller 'nobody'" in unknown.exception.message


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found
    return found.group(1)


def test_a_new_database_takes_checks_and_dnc_requests_on_every_channel(rt: Runtime) -> None:
    prepare(rt, demo=False)  # what `callkeep serve` does on its first start
    with rt.db.transaction() as session:
        _, token = auth_service.create_token(session=session, actor="t", name="d", role="admin")
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(runtime=rt), raise_server_exceptions=False) as client:
        check = client.post(
            "/api/v1/checks", json={"phone": "207-555-0123", "at": AT}, headers=headers
        )
        assert check.status_code == 200, check.text
        assert "registry_missing" in [r["code"] for r in check.json()["reasons"]]

        api = client.post(
            "/api/v1/dnc-requests", json={"phone": "207-555-0124", "name": "Ann"}, headers=headers
        )
        assert api.status_code == 201, api.text
        assert api.json()["seller"] == "default"

        form = client.get("/do-not-call")
        assert form.status_code == 200 and "My business" in form.text
        posted = client.post(
            "/do-not-call",
            data={"csrf": _csrf(form.text), "phone": "207-555-0125", "name": "", "email": ""},
        )
        assert posted.status_code == 200, posted.text
        assert 'data-testid="confirmation-code"' in posted.text

        for phone in ("+12075550124", "+12075550125"):
            again = client.post("/api/v1/checks", json={"phone": phone, "at": AT}, headers=headers)
            assert "entity_dnc" in [r["code"] for r in again.json()["reasons"]]

    monkey = pytest.MonkeyPatch()
    from callkeep.requests import cli as requests_cli

    monkey.setattr(requests_cli, "cli_runtime", lambda: rt)
    try:
        done = CliRunner().invoke(app, ["dnc", "add", "207-555-0126", "--json"])
    finally:
        monkey.undo()
    assert done.exit_code == 0, done.output
    with rt.db.transaction(read_only=True) as session:
        assert [s.slug for s in session.scalars(select(pm.Seller))] == ["default"]
        assert ledger.verify(session=session).intact


def test_a_fresh_data_folder_serves_the_public_page_from_the_first_start(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        form = client.get("/do-not-call")
        assert form.status_code == 200
        posted = client.post(
            "/do-not-call",
            data={"csrf": _csrf(form.text), "phone": "(207) 555-0199", "name": "", "email": ""},
        )
        assert posted.status_code == 200 and "confirmation-code" in posted.text
        client.app.state.runtime.db.dispose()  # type: ignore[attr-defined]


def test_the_command_line_records_the_default_seller_on_its_first_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CALLKEEP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("CALLKEEP_DATABASE_URL", raising=False)
    from callkeep import config

    config.get_settings.cache_clear()
    kit_cli.cli_runtime.cache_clear()
    try:
        rt = kit_cli.cli_runtime()
        with rt.db.transaction(read_only=True) as session:
            assert sellers.seller_view(session=session, ref=None)["name"] == "My business"
        rt.db.dispose()
    finally:
        config.get_settings.cache_clear()
        kit_cli.cli_runtime.cache_clear()
    assert (tmp_path / "data" / "callkeep.db").stat().st_mode & 0o777 == 0o600
