"""The action register over HTTP: GET /actions, GET /actions/{page}, GET /deadlines.ics."""
from __future__ import annotations

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import Response

from index.register.models import ActionRecord

from .schemas import ErrorResponse

router = APIRouter()
ERRORS = {status: {"model": ErrorResponse} for status in (400, 404, 422)}  # 400: an unknown language code


@router.get("/actions", response_model=list[ActionRecord], responses=ERRORS)
def actions(request: Request, lang: str | None = Query(None, description="only records in this language (e.g. bg)")):
    """Every action page in every language the index holds: where and by when to apply, duration, grant, who can
    apply, partners, ages, each field with the row it was read from."""
    from index.register.service import list_actions

    return list_actions(request.app.state.engine, lang)


@router.get("/actions/{page:path}", response_model=list[ActionRecord], responses=ERRORS)
def action(request: Request, page: str):
    """One action page (its path below programme-guide/, or its last part) in every language held, English first."""
    from index.register.service import page_actions

    return page_actions(request.app.state.engine, page)


@router.get("/deadlines.ics", responses={200: {"content": {"text/calendar": {}}}, **ERRORS})
def deadlines(request: Request, lang: str = Query("en", description="language of the events' text"),
              year: int | None = Query(None, ge=2000, le=2100, description="year of the deadlines (default: the edition's)")):
    """Every deadline as an iCalendar file (RFC 5545) to subscribe to, each event linking to its row."""
    from index.register.service import calendar

    return Response(calendar(request.app.state.engine, lang, year), media_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": 'inline; filename="erasmus-deadlines.ics"'})


def install(app: FastAPI) -> None:
    app.include_router(router)
