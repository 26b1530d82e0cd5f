"""The FastAPI app: wiring only. The engine is opened once at start-up and every error has one shape.

Run with `guidekb serve`, or `uvicorn --factory search_api.app:create_app`.
"""
from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from typing import Annotated

from collections import Counter

from fastapi import Depends, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from . import actions, errors, filters, metrics, page, reload
from .admission import MAX_WEIGHT, Admission
from .middleware import MAX_BODY_BYTES, BodyLimitMiddleware, HeadAsGetMiddleware, RequestIdMiddleware, Utf8QueryMiddleware
from .schemas import (AskRequest, ErrorResponse, PassageRecord, SearchParams, SearchResponse, TranslationsParams,
                      TranslationsResponse)

log = logging.getLogger("guidekb")
ERRORS = {status: {"model": ErrorResponse} for status in (400, 404, 413, 422, 500, 503)}
MAX_IN_FLIGHT = 16  # cost units of searches answered at once (a short question is one unit; see admission.py)
MAX_WAIT = 0.5  # seconds a search may wait for room before it is shed with 503


LIST_PARAMETERS = ("lang", "languages", "prefer", "editions")  # several codes are one value: "bg,en"


def single_values(request: Request) -> None:
    """Each query parameter at most once: a repeated `q` or `k` would otherwise silently take the last value."""
    counts = Counter(name for name, _ in request.query_params.multi_items())
    repeated = [{"type": "repeated", "loc": ("query", name),
                 "msg": f"given {n} times: give it once" + (", codes separated by commas" if name in LIST_PARAMETERS else "")}
                for name, n in counts.items() if n > 1]
    if repeated:
        raise RequestValidationError(repeated)


def create_app(settings=None, engine=None, max_body_bytes: int = MAX_BODY_BYTES, max_in_flight: int = MAX_IN_FLIGHT,
               max_wait: float = MAX_WAIT, admin_token: str | None = None) -> FastAPI:
    """The app around one engine: the given one (tests), else one opened from `settings` at start-up.

    `admin_token` switches on POST /admin/reload (Bearer token); SIGHUP reloads too when the server runs the app.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if getattr(app.state, "engine", None) is None:
            from index import SearchEngine, build_settings  # heavy: only when the server starts

            app.state.settings = app.state.settings or build_settings()
            app.state.engine = SearchEngine.open(app.state.settings, log=log.info)
        reload.install_sighup(app)
        yield

    app = FastAPI(title="guidekb", summary="Ask the Erasmus+ Programme Guide; get cited passages.",
                  lifespan=lifespan)
    app.state.engine = engine
    app.state.settings = settings or (engine.settings if engine is not None else None)
    app.state.metrics = observed = metrics.Metrics()
    app.state.admission = Admission(max_in_flight, max_wait, on_shed=lambda path: observed.shed.labels(path).inc())
    errors.install(app)
    app.add_middleware(HeadAsGetMiddleware)  # innermost: the access log still sees HEAD
    app.add_middleware(BodyLimitMiddleware, max_bytes=max_body_bytes)
    app.add_middleware(Utf8QueryMiddleware)
    app.add_middleware(metrics.AccessLogMiddleware, metrics=observed)
    app.add_middleware(RequestIdMiddleware)  # added last: outermost, so even a 413 carries the id

    async def admitted_search(request: Request, q: str, k, lang, languages, prefer, editions):
        """Checked, admitted by cost (admission.py), then searched in the threadpool (the engine is CPU-bound)."""
        engine = request.app.state.engine
        if engine is None:
            return errors.error_response(503, "not_ready", "the index is still loading: try again in a moment")
        engine.validate(q, k, lang)  # bad input is refused before it waits for room
        admission = request.app.state.admission
        async with admission.slot(request.url.path, q) as admitted:
            if not admitted:
                return errors.error_response(
                    503, "overloaded", f"the server is answering as many searches as it can ({admission.capacity} "
                    f"short questions at once; a long one counts as up to {MAX_WEIGHT}): retry in a second",
                    headers={"Retry-After": "1"})
            return await run_in_threadpool(filters.search, engine, q, k, lang, languages, prefer, editions)

    @app.get("/search", response_model=SearchResponse, responses=ERRORS, dependencies=[Depends(single_values)])
    async def search(request: Request, params: Annotated[SearchParams, Query()]) -> SearchResponse:
        return await admitted_search(request, params.q, params.k, params.lang, params.languages, params.prefer,
                                     params.editions)

    @app.post("/ask", response_model=SearchResponse, responses=ERRORS)
    async def ask(request: Request, body: AskRequest) -> SearchResponse:
        return await admitted_search(request, body.q, body.k, body.lang, body.languages, body.prefer, body.editions)

    @app.get("/passages/{passage_id}", response_model=PassageRecord, responses=ERRORS)
    def passage(request: Request, passage_id: str) -> PassageRecord:
        return request.app.state.engine.get_passage(passage_id)

    @app.get("/passages/{passage_id}/translations", response_model=TranslationsResponse, responses=ERRORS,
             dependencies=[Depends(single_values)])
    def translations(request: Request, passage_id: str,
                     params: Annotated[TranslationsParams, Query()]) -> TranslationsResponse:
        """The same clause in other languages, aligned at build time; English (prevailing) first."""
        return request.app.state.engine.translations(passage_id, filters.parse_languages(params.lang))

    @app.get("/health")
    def health(request: Request) -> dict:
        """Liveness: the process answers (with the index's status once it is loaded)."""
        engine = request.app.state.engine
        return {"status": "ok", **(engine.status() if engine is not None else {})}

    @app.get("/ready", responses={503: {"model": ErrorResponse}})
    def ready(request: Request):
        """Readiness: 200 once the index is loaded and can answer, 503 before."""
        engine = request.app.state.engine
        if engine is None:
            return errors.error_response(503, "not_ready", "the index is still loading: try again in a moment")
        return JSONResponse({"status": "ready", **engine.status()})

    actions.install(app)
    page.install(app)
    metrics.install(app, observed)
    if admin_token:
        reload.install_route(app, admin_token)
    return app
