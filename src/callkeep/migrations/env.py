from __future__ import annotations

from alembic import context

from callkeep.domains import load_models
from callkeep.kit.db import Base, make_engine

load_models()
target_metadata = Base.metadata
url = context.config.get_main_option("sqlalchemy.url") or ""


def run() -> None:
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run()
