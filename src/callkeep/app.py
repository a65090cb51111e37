"""The web application: the API, the public pages and the staff app over one runtime."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import ModuleType

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from callkeep import __version__
from callkeep.checks.lane import PATH as CHECK_LANE_PATH
from callkeep.checks.lane import CheckLane
from callkeep.config import Settings, get_settings
from callkeep.domains import domain_modules, load_models
from callkeep.kit import apidocs
from callkeep.kit.http import BodyLimit, install_error_handlers
from callkeep.kit.observability import Observed, configure_logging
from callkeep.kit.openapi import document_errors
from callkeep.kit.runtime import Runtime, build_runtime
from callkeep.kit.schedule import Schedule
from callkeep.operations.service import metrics_for
from callkeep.requests.dialer_webhooks import start_dispatcher

UPLOAD_PATHS = (
    "/api/v1/lists/imports",
    "/api/v1/scrubs",
    "/api/v1/imports",
    "/lists/imports",
    "/scrubs",
    "/api/v1/calls/imports",
)
# a batch of 1,000 calls with notes outgrows the body limit of one request
BATCH_LIMITS = {"/api/v1/calls/batch": 8 * 1024 * 1024}
HOT_ENDPOINTS = ("callkeep.checks.endpoints", "callkeep.records.endpoints")


def create_app(
    settings: Settings | None = None, *, runtime: Runtime | None = None, settle_heap: bool = True
) -> FastAPI:
    """Builds the app; every domain's `endpoints.router` is mounted.

    `settle_heap` collects and freezes what is loaded when the app starts, as a server's one app
    should; a process that starts many apps in turn (the test suite) passes False, since the full
    collection costs about a second each time there and freezing helps no request.
    """
    load_models()
    if runtime is None:
        from callkeep import migrations

        runtime = build_runtime(settings or get_settings())
        migrations.ensure_current(runtime.settings.database_url)
        from callkeep.bootstrap import ensure_default_seller

        ensure_default_seller(runtime)
    rt = runtime
    schedule = _schedule(rt)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        stop_checkpoints = rt.db.checkpoint_in_background()
        deliveries = start_dispatcher(rt.db)  # each new DNC request, to the dialers
        schedule.start()
        # Everything loaded so far (modules, mappers, schemas, routes) lives as long as the
        # server: keep it out of the cycle collector's full passes, which would otherwise walk
        # it all and stall every request in flight for tens of milliseconds.
        if settle_heap:
            gc.collect()
            gc.freeze()
        try:
            yield
        finally:
            if settle_heap:
                gc.unfreeze()  # an app stopped in a longer-lived process (tests) is collectable
            schedule.stop()
            stop_checkpoints()
            deliveries.stop()

    app = FastAPI(
        lifespan=lifespan,
        title="callkeep",
        version=__version__,
        description="Call records and Do-Not-Call compliance that prove themselves. "
        "Not legal advice.",
        docs_url=None,  # served from local assets by kit.apidocs: no CDN
        redoc_url=None,
    )
    app.state.runtime = rt
    app.state.metrics = metrics_for(rt.db, rt.settings)
    install_error_handlers(app)
    apidocs.install(app)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> JSONResponse:
        return JSONResponse({"status": "ok", "version": __version__})

    # Routes are matched in order, one by one: the calls dialers make on every dial come first.
    def heat(module: ModuleType) -> int:
        name = module.__name__
        return HOT_ENDPOINTS.index(name) if name in HOT_ENDPOINTS else len(HOT_ENDPOINTS)

    for module in sorted(domain_modules("endpoints"), key=heat):
        app.include_router(module.router)

    document_errors(app)
    app.add_middleware(
        BodyLimit,
        limit=rt.settings.max_body_bytes,
        upload_limit=rt.settings.max_upload_bytes,
        upload_paths=UPLOAD_PATHS,
        path_limits=BATCH_LIMITS,
    )
    # outermost: a dialer's well-formed check is answered before the stack above
    app.add_middleware(CheckLane, state=app.state, limit=rt.settings.max_body_bytes)
    # outermost of all: every answer carries its request id and is timed, the lane's too
    app.add_middleware(Observed, metrics=app.state.metrics, lanes=(CHECK_LANE_PATH,))
    return app


def create_served_app() -> FastAPI:
    """The app as one of several server processes builds it: JSON log lines, then `create_app`."""
    configure_logging()
    return create_app()


def _schedule(rt: Runtime) -> Schedule:
    """The server's background jobs: hourly ledger checkpoints, and backups and retention if
    scheduled."""
    from callkeep.backup import tasks as backup_tasks
    from callkeep.ledger import tasks as ledger_tasks
    from callkeep.reports import tasks as report_tasks

    return Schedule([*ledger_tasks.jobs(rt), *backup_tasks.jobs(rt), *report_tasks.jobs(rt)])
