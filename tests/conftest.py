"""The test world: a real database per test (SQLite, and PostgreSQL when the suite starts one),
a runtime with its own data directory and keys, and an HTTP client with tokens per role.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session
from world import ROLES, Builder, World

from callkeep.app import create_app
from callkeep.config import Settings
from callkeep.domains import load_models
from callkeep.kit.db import Base, Database
from callkeep.kit.runtime import Runtime, build_runtime
from callkeep.migrations import alembic_config

load_models()

IN_CI = os.environ.get("CI", "").lower() == "true"
PG_URL = os.environ.get("CALLKEEP_TEST_POSTGRES_URL", "")
ENGINES = ["sqlite", "postgresql"]


def pytest_sessionstart(session: pytest.Session) -> None:
    if IN_CI and not PG_URL:
        raise pytest.UsageError("CI=true but no PostgreSQL: CALLKEEP_TEST_POSTGRES_URL is unset")


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this run, with every table created once."""
    if not PG_URL:
        pytest.skip("no PostgreSQL (set CALLKEEP_TEST_POSTGRES_URL, or run `make test`)")
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    name = f"callkeep_test_{os.getpid()}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_URL.rsplit("/", 1)[0] + "/" + name
    _create_schema(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _create_schema(url: str) -> None:
    """Every table from the models, stamped as the newest migration (test_migrations proves
    the migrations build the same schema)."""
    engine = create_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()
    command.stamp(alembic_config(url), "head")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "callkeep.db"
    _create_schema(f"sqlite:///{path}")
    return path


def _truncate_all(url: str) -> None:
    engine = create_engine(url)
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def sqlite_db(tmp_path: Path, sqlite_template: Path) -> Iterator[Database]:
    """A SQLite database with every table, for what only SQLite has (its one write lock)."""
    path = tmp_path / "only-sqlite.db"
    shutil.copyfile(sqlite_template, path)
    db = Database(f"sqlite:///{path}")
    yield db
    db.dispose()


@pytest.fixture(params=ENGINES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with every table, empty: SQLite in a temp folder, or the PostgreSQL one."""
    if request.param == "sqlite":
        path = tmp_path / "callkeep.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("postgres_database")
        _truncate_all(url)
        yield url


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=database_url)


@pytest.fixture
def rt(settings: Settings) -> Iterator[Runtime]:
    runtime = build_runtime(settings)
    yield runtime
    runtime.db.dispose()


@pytest.fixture
def session(rt: Runtime) -> Iterator[Session]:
    """A session whose writes are committed when the test ends cleanly."""
    with rt.db.transaction() as s:
        yield s


@pytest.fixture
def client(rt: Runtime) -> Iterator[TestClient]:
    """The app as a dialer or a browser reaches it (its start-up's heap settling, a server's
    concern, left out: it costs about a second a test)."""
    app = create_app(runtime=rt, settle_heap=False)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def tokens(rt: Runtime) -> dict[str, str]:
    """A bearer token per role: admin, compliance, agent, dialer, auditor."""
    with rt.db.transaction() as s:
        return Builder(World(rt=rt), s).tokens(ROLES)


@pytest.fixture
def admin_headers(tokens: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['admin']}"}
