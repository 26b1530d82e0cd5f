"""The one error shape of the API, {"error": {"code", "message", "detail"?}}, and the handlers that produce it."""
from __future__ import annotations

import logging
from http import HTTPStatus

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from ingest.errors import GuidekbError

log = logging.getLogger("guidekb")
HTTP_CODES = {404: "not_found", 405: "method_not_allowed"}
REQUEST_ID_HEADER = "X-Request-ID"


def error_body(code: str, message: str, detail: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, **({"detail": detail} if detail else {})}}


def error_response(status: int, code: str, message: str, detail: dict | None = None, headers=None) -> JSONResponse:
    return JSONResponse(error_body(code, message, detail), status_code=status, headers=headers)


def request_id(request: Request) -> str | None:
    return request.scope.get("state", {}).get("request_id")


async def guidekb_error(request: Request, exc: GuidekbError) -> JSONResponse:
    return JSONResponse(exc.to_dict(), status_code=exc.status)


async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    # loc is ("query"|"body"|"path", field, ...) — or ("body", offset) for unparsable JSON: name the field sent
    errors = [{"field": "body" if e["type"] == "json_invalid" else ".".join(map(str, e["loc"][1:])) or str(e["loc"][0]),
               "message": e["msg"], "type": e["type"]} for e in exc.errors()]
    message = "; ".join(f"{e['field']}: {e['message']}" for e in errors) + " (see /docs)"
    return error_response(422, "invalid_request", message, {"errors": errors})


async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
    if exc.status_code == 400 and isinstance(exc.__cause__, UnicodeError):
        # FastAPI wraps a body it cannot decode in a bare 400 "error parsing the body": say what is wrong
        return error_response(400, "invalid_encoding", "the request body is not valid UTF-8: send JSON encoded as UTF-8")
    phrase = HTTPStatus(exc.status_code).phrase
    code = HTTP_CODES.get(exc.status_code, phrase.lower().replace(" ", "_").replace("-", "_"))
    if exc.status_code == 404:
        message = f"no such route: {request.method} {request.url.path}: see /docs for the API"
    elif exc.status_code == 405:
        message = f"{request.method} is not allowed on {request.url.path}: see /docs for the API"
    else:
        message = exc.detail if isinstance(exc.detail, str) else phrase
    return error_response(exc.status_code, code, message, headers=getattr(exc, "headers", None))


async def internal_error(request: Request, exc: Exception) -> JSONResponse:
    rid = request_id(request)
    log.error("unhandled error on %s %s (request %s)", request.method, request.url.path, rid, exc_info=exc)
    # this answer is sent outside the request-id middleware, so it carries the header itself
    return error_response(500, "internal_error", "internal error: the server log has the details",
                          headers={REQUEST_ID_HEADER: rid} if rid else None)


def install(app) -> None:
    app.add_exception_handler(GuidekbError, guidekb_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(Exception, internal_error)
