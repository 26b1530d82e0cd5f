"""Swap in a newly built index without stopping: POST /admin/reload (with a token) or SIGHUP.

The new engine is opened aside (same settings, same model object, never building) and replaces
`app.state.engine` in one assignment: a request that already holds the old engine finishes with it.
"""
from __future__ import annotations

import asyncio
import hmac
import logging
import signal
import threading
from typing import Annotated

from fastapi import FastAPI, Header, Request
from fastapi.concurrency import run_in_threadpool

from ingest.errors import GuidekbError

from .errors import error_response
from .schemas import ErrorResponse

log = logging.getLogger("guidekb")
_lock = threading.Lock()  # one reload at a time; searches never wait for it


def reload_engine(app: FastAPI) -> dict:
    """Open the index `current` points at now and make it the one served; the old one stays on failure."""
    from index import SearchEngine

    with _lock:
        old = app.state.engine
        if old is None:
            raise GuidekbError("not_ready", "the index is still loading: try again in a moment", 503)
        try:
            new = SearchEngine.open(app.state.settings or old.settings, embedder=old.embedder,
                                    build_if_missing=False, log=log.info)
        except GuidekbError:
            app.state.metrics.reloads.labels("failed").inc()
            raise
        app.state.engine = new
        app.state.metrics.reloads.labels("ok").inc()
    before, after = old.status(), new.status()
    log.info("index reloaded: %s -> %s", before.get("build"), after.get("build"))
    return {"status": "reloaded", "previous": before, "current": after}


def install_route(app: FastAPI, token: str) -> None:
    expected = f"Bearer {token}".encode()

    @app.post("/admin/reload", responses={401: {"model": ErrorResponse}, 503: {"model": ErrorResponse}})
    async def admin_reload(request: Request, authorization: Annotated[str | None, Header()] = None):
        """Load the index last built (`guidekb build`) and serve it from now on; needs the admin token."""
        if not hmac.compare_digest((authorization or "").encode(), expected):
            return error_response(401, "unauthorized", "send the admin token as `Authorization: Bearer <token>`",
                                  headers={"WWW-Authenticate": "Bearer"})
        return await run_in_threadpool(reload_engine, request.app)


def install_sighup(app: FastAPI) -> None:
    """Reload on SIGHUP when running in the server's main thread (not under a test client)."""
    if not hasattr(signal, "SIGHUP") or threading.current_thread() is not threading.main_thread():
        return
    loop = asyncio.get_running_loop()
    running: set[asyncio.Task] = set()  # the loop keeps only weak references to tasks

    def on_sighup() -> None:
        async def run() -> None:
            try:
                await run_in_threadpool(reload_engine, app)
            except GuidekbError as exc:
                log.error("reload on SIGHUP failed, still serving the previous index: %s", exc.message)

        task = loop.create_task(run())
        running.add(task)
        task.add_done_callback(running.discard)

    loop.add_signal_handler(signal.SIGHUP, on_sighup)
