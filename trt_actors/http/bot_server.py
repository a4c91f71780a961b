"""The bot's own HTTP server: the Telegram webhook, health, readiness and metrics.

Routes:

=========================  ==========================================================
``POST /telegram/webhook``  :meth:`UpdateReceiver.handle_webhook` (401 / 413 / 400 / 503 / 500 / 200)
``GET /health``             200 while the process is up
``GET /ready``              200 when every readiness check passes, else 503 (which failed is named)
``GET /metrics``            Prometheus text from the registered ``statistics()`` providers
``POST /kie/callback``      the KIE callback handler, when one is given (404 until then)
``/events`` (WebSocket)     the live event feed, when one is given
``GET /console/...``        the read-only console, when one is given (its login first; :mod:`trt_actors.console`)
=========================  ==========================================================

Anything else is 404. Responses never carry secrets: the webhook secret and
the bot token appear in no body and no log line.

Example::

    server = BotServer(receiver=receiver, metrics=metrics, checks=readiness(log, receiver, outbox))
    async with trio.open_nursery() as nursery:
        url = await nursery.start(server.run, settings.http_host, settings.http_port)
        await nursery.start(receiver.run_webhook, settings.webhook_url)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Protocol

import trio

from trt_actors.actors.receiver import UpdateReceiver
from trt_actors.console import EVENTS_PATH as CONSOLE_EVENTS_PATH
from trt_actors.console import PREFIX as CONSOLE_PREFIX
from trt_actors.console import Console
from trt_actors.http.asgi import ASGIApp, Handler, Receive, Request, Response, Scope, Send, asgi_app, serve
from trt_actors.metrics import CONTENT_TYPE, Metrics

__all__ = ["MAX_BODY", "BotServer", "readiness"]

MAX_BODY = 4 * 1024 * 1024
"""The largest body any route reads; the webhook route itself refuses more than 1 MB."""

WEBHOOK_PATH = "/telegram/webhook"
KIE_CALLBACK_PATH = "/kie/callback"


class Running(Protocol):
    """A part ``/ready`` asks whether it runs."""

    @property
    def running(self) -> bool: ...


class _Healthy(Protocol):
    @property
    def healthy(self) -> bool: ...


def readiness(log: _Healthy, *parts: tuple[str, Running]) -> dict[str, Callable[[], bool]]:
    """The standard readiness checks: the log is open with a working writer, and each named part is running.

    >>> checks = readiness(log, ("receiver", receiver), ("outbox", outbox))
    """
    checks: dict[str, Callable[[], bool]] = {"eventlog": lambda: log.healthy}
    for name, part in parts:
        checks[name] = lambda part=part: part.running  # type: ignore[misc]
    return checks


class BotServer:
    """Routes the bot's HTTP requests. Serve it with :meth:`run` (hypercorn, trio worker)."""

    def __init__(
        self,
        *,
        receiver: UpdateReceiver | None = None,
        metrics: Metrics | None = None,
        checks: Mapping[str, Callable[[], bool]] | None = None,
        kie_callback: Handler | None = None,
        events: ASGIApp | None = None,
        about: Callable[[], Mapping[str, object]] | None = None,
        passive: Handler | None = None,
        console: Console | None = None,
    ) -> None:
        self._console = console
        self._receiver = receiver
        self._metrics = metrics or Metrics()
        self._checks = dict(checks or {})
        self._kie_callback = kie_callback
        self._events = events
        self._about = about
        self._passive = passive
        self.requests = 0

    def activate(
        self,
        *,
        receiver: UpdateReceiver,
        metrics: Metrics,
        checks: Mapping[str, Callable[[], bool]],
        kie_callback: Handler | None = None,
        events: ASGIApp | None = None,
    ) -> None:
        """The instance became the active one: serve the receiver (not the passive answers), metrics and checks."""
        self._receiver = receiver
        self._metrics = metrics
        self._checks = dict(checks)
        self._kie_callback = kie_callback
        self._events = events
        self._passive = None

    async def handle(self, request: Request) -> Response:
        """Answer one request (the ``Request -> Response`` handler)."""
        self.requests += 1
        path = request.path.rstrip("/") or "/"
        if path == WEBHOOK_PATH:
            if request.method != "POST":
                return Response.text("use POST", 405)
            if self._receiver is None:
                if self._passive is not None:  # standing by: the user is answered, nothing is taken
                    return await self._passive(request)
                return Response.text("webhook mode is off", 404)
            return await self._receiver.handle_webhook(request)
        if (path == KIE_CALLBACK_PATH or path.startswith(KIE_CALLBACK_PATH + "/")) and self._kie_callback is not None:
            if request.method != "POST":
                return Response.text("use POST", 405)
            return await self._kie_callback(request)
        if self._console is not None and (path == CONSOLE_PREFIX or path.startswith(CONSOLE_PREFIX + "/")):
            return await self._console.handle(request)
        if request.method not in ("GET", "HEAD"):
            return Response.text("not found", 404)
        if path == "/health":
            return Response.json({"status": "ok"})
        if path == "/ready":
            results = {name: _passes(check) for name, check in self._checks.items()}
            ready = all(results.values())
            about = dict(self._about()) if self._about is not None else {}
            return Response.json({"ready": ready, "checks": results, **about}, status=200 if ready else 503)
        if path == "/metrics":
            return Response(200, self._metrics.render().encode("utf-8"), CONTENT_TYPE)
        return Response.text("not found", 404)

    def asgi(self) -> ASGIApp:
        """The ASGI application (bodies over :data:`MAX_BODY` get 413; ``/events`` goes to the WebSocket app)."""
        return asgi_app(self.handle, max_body=MAX_BODY, websocket=self._websocket)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._console is not None and scope.get("path", "").rstrip("/") == CONSOLE_EVENTS_PATH:
            await self._console.websocket(scope, receive, send)
            return
        if self._events is None:
            await send({"type": "websocket.close", "code": 1003})
            return
        await self._events(scope, receive, send)

    async def run(
        self, host: str = "127.0.0.1", port: int = 0, *, task_status: trio.TaskStatus[str] = trio.TASK_STATUS_IGNORED
    ) -> None:
        """Serve until cancelled; ``task_status.started`` reports the base URL."""
        await serve(self.asgi(), host, port, task_status=task_status)


def _passes(check: Callable[[], bool]) -> bool:
    try:
        return bool(check())
    except Exception:
        return False
