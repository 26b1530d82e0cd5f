"""Observability: one JSON access-log line per request and Prometheus metrics at GET /metrics."""
from __future__ import annotations

import json
import logging
import sys
import time

from fastapi import FastAPI
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

access_log = logging.getLogger("guidekb.access")
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """The app's own registry (not the global one), so several apps in one process do not collide."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("guidekb_requests", "HTTP requests answered, by route and status",
                                ["method", "route", "status"], registry=self.registry)
        self.latency = Histogram("guidekb_request_duration_seconds", "time to answer a request, by route and status",
                                 ["method", "route", "status"], buckets=LATENCY_BUCKETS, registry=self.registry)
        self.shed = Counter("guidekb_shed", "searches refused with 503 because the server was at capacity",
                            ["route"], registry=self.registry)
        self.in_flight = Gauge("guidekb_requests_in_flight", "requests being answered now", registry=self.registry)
        self.reloads = Counter("guidekb_reloads", "index reloads, by outcome", ["outcome"], registry=self.registry)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route, str(status)).observe(seconds)


def route_of(scope: Scope) -> str:
    """The route template (/passages/{passage_id}), never the raw path, so labels stay few."""
    path = getattr(scope.get("route"), "path", None)
    if path is None:  # answered before routing (a shed search, a 413): a fixed route's path is still a safe label
        fixed = {getattr(r, "path", "") for r in getattr(scope.get("app"), "routes", [])}
        path = scope["path"] if scope["path"] in fixed else "unmatched"
    return path


class AccessLogMiddleware:
    """Log one JSON line per request and count it; sits inside RequestIdMiddleware so the id is known."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start = time.perf_counter()
        status = 500  # what the client gets if the app raises before answering

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        self.metrics.in_flight.inc()
        try:
            await self.app(scope, receive, send_status)
        finally:
            self.metrics.in_flight.dec()
            seconds = time.perf_counter() - start
            route = route_of(scope)
            self.metrics.observe(scope["method"], route, status, seconds)
            access_log.info(json.dumps({
                "ts": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "request_id": scope.get("state", {}).get("request_id"), "method": scope["method"],
                "path": scope["path"], "route": route, "status": status, "duration_ms": round(seconds * 1000, 2),
            }))


def configure_logging(stream=None) -> None:
    """The server's log on stderr: access lines bare (JSON), guidekb's own messages with their level."""
    for logger, fmt in ((access_log, "%(message)s"), (logging.getLogger("guidekb"), "%(levelname)s: guidekb: %(message)s")):
        if not logger.handlers:
            handler = logging.StreamHandler(stream or sys.stderr)
            handler.setFormatter(logging.Formatter(fmt))
            logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    access_log.propagate = False


def install(app: FastAPI, metrics: Metrics) -> None:
    @app.get("/metrics", include_in_schema=False)
    def prometheus() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)
