"""The application factory. Nothing heavy happens at import; the lifespan loads resources once."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI

import catalog.router
import guide.router
import sizing.feedback_router
import sizing.router
from fitguide.db import Database
from fitguide.logging import configure_logging
from fitguide.runtime import RuntimeCollector, configure_threads, exclusive_lock
from fitguide.settings import Settings, get_settings
from fitguide.timing import StartupTimer
from web import console, pages, system
from web.cors import MerchantCORSMiddleware, OriginRegistry
from web.errors import install_error_handlers
from web.observability import Metrics, RequestContextMiddleware
from web.ratelimit import RateLimitMiddleware
from web.security import SecurityHeadersMiddleware

log = logging.getLogger("fitguide")


def _load_resources(app: FastAPI, settings: Settings) -> None:
    """Blocking start-up work, run in a worker thread so the event loop stays responsive."""
    timer = StartupTimer()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    # With --workers N every worker starts at once: one migrates and loads the demo catalog at a time,
    # so no two race on the schema or on creating the demo merchant.
    with exclusive_lock(settings.var_dir / ".startup.lock"):
        with timer.phase("database"):
            database = Database(settings.resolved_database_url)
            database.migrate()
        app.state.db = database
        app.state.components["database"] = True
        if settings.load_demo:
            from catalog.demo import ensure_demo_merchant

            with timer.phase("demo_catalog"):
                ensure_demo_merchant(database, settings)
    with timer.phase("sizing_model"):
        from sizing.body_model import load_body_model
        from sizing.feedback import build_fit_adjuster
        from sizing.service import SizingService

        # Learning from returns: per-product offsets fitted on each merchant's feedback, refit on new.
        app.state.fit_adjuster = build_fit_adjuster(database)
        app.state.catalog_listeners.append(app.state.fit_adjuster.invalidate)
        app.state.sizing = SizingService(
            load_body_model(settings.data_dir), database, fit_adjuster=app.state.fit_adjuster
        )
        app.state.fit_adjuster.size_gap_source = app.state.sizing
    app.state.catalog_listeners.append(app.state.sizing.invalidate)
    app.state.components["sizing_model"] = True
    with timer.phase("embedder"):
        from guide.embedding import build_embedder

        app.state.embedder = build_embedder(settings)
    app.state.components["embedder"] = True
    with timer.phase("search_setup"):  # faiss, the tokenizer's dictionaries
        from guide.index_manager import IndexManager
        from guide.service import GuideService

        configure_threads()
        app.state.search = IndexManager(settings, database, app.state.embedder)
    app.state.catalog_listeners.append(app.state.search.on_catalog_changed)
    app.state.components["index"] = True
    app.state.guide = GuideService(
        database, app.state.search.for_merchant, app.state.sizing, settings.session_ttl_seconds
    )
    # Last, after any demo catalog load above it: the first chat must not wait for an index build.
    with timer.phase("index"):
        app.state.search.warm_up(settings.demo_merchant_id)
    timer.done()
    app.state.metrics.registry.register(RuntimeCollector(timer, app.state.search.query_cache.stats))


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    await anyio.to_thread.run_sync(_load_resources, app, settings)
    log.info("ready", extra={"fields": {"var_dir": str(settings.var_dir)}})
    try:
        yield
    finally:
        search = getattr(app.state, "search", None)
        if search is not None:
            search.close()
        database: Database | None = getattr(app.state, "db", None)
        if database is not None:
            database.dispose()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    app = FastAPI(
        title="FitGuide",
        version="0.1.0",
        description="AI shopping guide and size recommender for apparel.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.components = {}
    # Called with a merchant id after its catalog changed; the guide registers its index refresh here.
    app.state.catalog_listeners = []
    app.state.metrics = Metrics()
    install_error_handlers(app)
    app.add_middleware(RateLimitMiddleware, per_minute=settings.rate_limit_per_minute)
    # Outside the rate limiter so a 429 still carries CORS headers the widget can read.
    origin_registry = OriginRegistry()
    app.state.catalog_listeners.append(origin_registry.invalidate)
    app.add_middleware(MerchantCORSMiddleware, registry=origin_registry)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(
        RequestContextMiddleware, metrics=app.state.metrics, max_body_bytes=settings.max_body_bytes
    )
    app.include_router(system.router)
    app.include_router(catalog.router.router)
    app.include_router(sizing.router.router)
    app.include_router(sizing.feedback_router.router)
    app.include_router(guide.router.router)
    app.include_router(pages.router)
    app.include_router(console.router)
    return app
