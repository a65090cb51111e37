"""The web application: the API, the public pages and the staff app over one runtime."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from callkeep import __version__
from callkeep.config import Settings, get_settings
from callkeep.domains import domain_modules, load_models
from callkeep.kit.http import BodyLimit, install_error_handlers
from callkeep.kit.runtime import Runtime, build_runtime

UPLOAD_PATHS = ("/api/v1/lists/imports", "/api/v1/scrubs", "/api/v1/imports")


def create_app(settings: Settings | None = None, *, runtime: Runtime | None = None) -> FastAPI:
    """Builds the app; every domain's `endpoints.router` is mounted."""
    load_models()
    if runtime is None:
        from callkeep import migrations

        runtime = build_runtime(settings or get_settings())
        migrations.ensure_current(runtime.settings.database_url)
    rt = runtime
    app = FastAPI(
        title="callkeep",
        version=__version__,
        description="Call records and Do-Not-Call compliance that prove themselves. "
        "Not legal advice.",
    )
    app.state.runtime = rt
    install_error_handlers(app)
    for module in domain_modules("endpoints"):
        app.include_router(module.router)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> JSONResponse:
        return JSONResponse({"status": "ok", "version": __version__})

    app.add_middleware(
        BodyLimit,
        limit=rt.settings.max_body_bytes,
        upload_limit=rt.settings.max_upload_bytes,
        upload_paths=UPLOAD_PATHS,
    )
    return app
