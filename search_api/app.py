"""The FastAPI app: wiring only. The engine is opened once at start-up and every error has one shape.

Run with `guidekb serve`, or `uvicorn --factory search_api.app:create_app`.
"""
from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from http import HTTPStatus

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from ingest.errors import GuidekbError

from .schemas import K_HELP, LANG_HELP, Q_HELP, AskRequest, ErrorResponse, PassageRecord, SearchResponse

log = logging.getLogger("guidekb")
ERRORS = {status: {"model": ErrorResponse} for status in (400, 404, 422, 500, 503)}
HTTP_CODES = {404: "not_found", 405: "method_not_allowed"}


def error_response(status: int, code: str, message: str, detail: dict | None = None, headers=None) -> JSONResponse:
    body = {"code": code, "message": message, **({"detail": detail} if detail else {})}
    return JSONResponse({"error": body}, status_code=status, headers=headers)


async def _guidekb_error(request: Request, exc: GuidekbError) -> JSONResponse:
    return JSONResponse(exc.to_dict(), status_code=exc.status)


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    # loc is ("query"|"body"|"path", field, ...) — or ("body", offset) for unparsable JSON: name the field sent
    errors = [{"field": "body" if e["type"] == "json_invalid" else ".".join(map(str, e["loc"][1:])) or str(e["loc"][0]),
               "message": e["msg"], "type": e["type"]} for e in exc.errors()]
    message = "; ".join(f"{e['field']}: {e['message']}" for e in errors) + " (see /docs)"
    return error_response(422, "invalid_request", message, {"errors": errors})


async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
    phrase = HTTPStatus(exc.status_code).phrase
    code = HTTP_CODES.get(exc.status_code, phrase.lower().replace(" ", "_").replace("-", "_"))
    if exc.status_code == 404:
        message = f"no such route: {request.method} {request.url.path}: see /docs for the API"
    elif exc.status_code == 405:
        message = f"{request.method} is not allowed on {request.url.path}: see /docs for the API"
    else:
        message = exc.detail if isinstance(exc.detail, str) else phrase
    return error_response(exc.status_code, code, message, headers=getattr(exc, "headers", None))


async def _internal_error(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal_error", "internal error: the server log has the details")


def create_app(settings=None, engine=None) -> FastAPI:
    """The app around one engine: the given one (tests), else one opened from `settings` at start-up."""

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if getattr(app.state, "engine", None) is None:
            from index import SearchEngine, build_settings  # heavy: only when the server starts

            app.state.engine = SearchEngine.open(settings or build_settings(), log=log.info)
        yield

    app = FastAPI(title="guidekb", summary="Ask the Erasmus+ Programme Guide; get cited passages.",
                  lifespan=lifespan)
    app.state.engine = engine
    app.add_exception_handler(GuidekbError, _guidekb_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _internal_error)

    # sync routes: the engine is CPU-bound, FastAPI runs these in its threadpool
    @app.get("/search", response_model=SearchResponse, responses=ERRORS)
    def search(request: Request, q: str = Query(description=Q_HELP), k: int | None = Query(None, description=K_HELP),
               lang: str | None = Query(None, description=LANG_HELP)) -> SearchResponse:
        return request.app.state.engine.search(q, k=k, lang=lang)

    @app.post("/ask", response_model=SearchResponse, responses=ERRORS)
    def ask(request: Request, body: AskRequest) -> SearchResponse:
        return request.app.state.engine.search(body.q, k=body.k, lang=body.lang)

    @app.get("/passages/{passage_id}", response_model=PassageRecord, responses=ERRORS)
    def passage(request: Request, passage_id: str) -> PassageRecord:
        return request.app.state.engine.get_passage(passage_id)

    @app.get("/health")
    def health(request: Request) -> dict:
        return {"status": "ok", **request.app.state.engine.status()}

    return app
