"""The KIE.ai emulator: a real HTTP server on loopback that behaves like KIE.

It serves the main API under ``{base}`` (``emu.api_base``) and the file-upload
host under ``{base}/upload`` (``emu.upload_base``), so a client configured
with those two base URLs cannot tell it from KIE:

* ``POST /api/v1/jobs/createTask``: 32-hex task ids (``recordId`` too); 422 on
  a bad body, or on an ``input`` the vendor refuses once
  :attr:`KieEmulator.schemas` is set (see :mod:`~trt_actors.sandbox.kie.schemas`);
  429 past 20 creates per 10 s (not queued); 402 when the balance is below
  the model's price.
* ``GET /api/v1/jobs/recordInfo``: the record shaped like real traffic; the
  task moves through its :class:`~trt_actors.sandbox.kie.script.Script` on
  polls and on the clock. An unknown id answers ``data: null`` (as recorded
  traffic does), or 404/422 if :attr:`KieEmulator.unknown_task_code` says so.
* ``GET /api/v1/chat/credit``: the balance, charged on success only.
* ``POST /api/v1/common/download-url``: a 20-minute link to a result file;
  any other URL gives 422 ``url is wrong``.
* ``POST /upload/api/file-{stream,base64,url}-upload``: stores the file and
  serves it at its ``downloadUrl``.
* ``GET /files/<name>``: the result files (tiny valid PNG/MP4/MP3), public, so
  the Telegram emulator can fetch them by URL.

Callbacks go to ``callBackUrl`` in KIE's shape (see
:mod:`~trt_actors.sandbox.kie.callbacks`), errors can be injected on every
route (:mod:`~trt_actors.sandbox.kie.faults`), and all time comes from a
:class:`~trt_actors.sandbox.clock.Clock`, so with a ``VirtualClock`` a test
decides when stages end and retries fire. Business errors use HTTP 200 with
the code in the body, as KIE does.

Example::

    async with KieEmulator.serve(api_key="k", clock=VirtualClock(), callback_secret="s") as emu:
        emu.script("kling-3.0/video", Script(waiting=3, generating=2, price=110))
        emu.faults.inject(Route.CREATE_TASK, 455)
        client = KieClient(HttpCaller(http, api_base=emu.api_base,
                                      upload_base=emu.upload_base, api_key=Secret("k")))

This module holds the routing, the jobs API and the account; the task
lifecycle, callbacks, faults, rate limit, files and upload host live in
their own modules.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any

import httpx
import msgspec
import trio

from trt_actors.http import Request, Response, serve
from trt_actors.sandbox.clock import Clock, SystemClock
from trt_actors.sandbox.kie.callbacks import CallbackAttempt, CallbackSender
from trt_actors.sandbox.kie.faults import DEFAULT_MESSAGES, Faults, Route
from trt_actors.sandbox.kie.files import FileStore
from trt_actors.sandbox.kie.media import media_bytes
from trt_actors.sandbox.kie.ratelimit import SlidingWindow
from trt_actors.sandbox.kie.replies import error, ok, read_json
from trt_actors.sandbox.kie.schemas import Schema
from trt_actors.sandbox.kie.script import Script, media_kind_for
from trt_actors.sandbox.kie.states import WireState
from trt_actors.sandbox.kie.tasks import EmulatedTask
from trt_actors.sandbox.kie.upload_host import UploadHost

__all__ = ["KieEmulator", "KieEmulatorStatistics", "UPLOAD_PREFIX"]

UPLOAD_PREFIX = "/upload"
DOWNLOAD_LINK_SECONDS = 20 * 60

_Handler = Callable[[Request], Awaitable[Response]]


class KieEmulatorStatistics(msgspec.Struct, frozen=True):
    """Counters of a running emulator."""

    tasks: int
    creates: int
    rate_limited: int
    polls: int
    callbacks_delivered: int
    callback_attempts_failed: int
    faults_served: int
    balance: float


class KieEmulator:
    """A running KIE emulator. Make one with :meth:`serve`; configure it with
    :meth:`script`, :attr:`faults`, :attr:`balance`, :attr:`unknown_task_code` and
    :attr:`schemas` (vendor input schemas by model; None, the default, checks no input);
    watch it with :attr:`tasks`, :attr:`callback_attempts`, :meth:`statistics`
    and the ``wait_*`` methods."""

    def __init__(
        self,
        *,
        api_key: str,
        clock: Clock,
        callback_secret: str | None,
        balance: float,
        seed: int | None,
        rate_limit: int,
        rate_window: float,
    ) -> None:
        self._api_key = api_key
        self.clock = clock
        self.callback_secret = callback_secret
        self.balance = balance
        self.faults = Faults()
        self.tasks: dict[str, EmulatedTask] = {}
        self.default_script = Script()
        self.unknown_task_code: int | None = None
        self.schemas: Mapping[str, Schema] | None = None
        self.api_base = ""
        self.upload_base = ""
        self._scripts: dict[str, Script] = {}
        self._results = FileStore()
        self._random = random.Random(seed)
        self._uploads = UploadHost(
            FileStore(), clock=clock, rng=self._random, base_url=lambda: self.upload_base, http=lambda: self._http
        )
        self._limit = SlidingWindow(rate_limit, rate_window)
        self._changed = trio.Event()
        self._nursery: trio.Nursery | None = None
        self._http: httpx.AsyncClient | None = None
        self._sender: CallbackSender | None = None
        self._creates = 0
        self._rate_limited = 0
        self._polls = 0
        self._routes: dict[tuple[str, str], tuple[Route, _Handler]] = {
            ("POST", "/api/v1/jobs/createTask"): (Route.CREATE_TASK, self._create_task),
            ("GET", "/api/v1/jobs/recordInfo"): (Route.RECORD_INFO, self._record_info),
            ("GET", "/api/v1/chat/credit"): (Route.CREDIT, self._credit),
            ("POST", "/api/v1/common/download-url"): (Route.DOWNLOAD_URL, self._download_url),
            ("POST", UPLOAD_PREFIX + "/api/file-stream-upload"): (Route.UPLOAD, self._uploads.stream),
            ("POST", UPLOAD_PREFIX + "/api/file-base64-upload"): (Route.UPLOAD, self._uploads.base64),
            ("POST", UPLOAD_PREFIX + "/api/file-url-upload"): (Route.UPLOAD, self._uploads.from_url),
        }

    def __repr__(self) -> str:
        return f"KieEmulator(api_base={self.api_base!r}, tasks={len(self.tasks)})"

    @classmethod
    @asynccontextmanager
    async def serve(
        cls,
        *,
        api_key: str = "kie-emulator-key",
        clock: Clock | None = None,
        callback_secret: str | None = None,
        balance: float = 1000.0,
        seed: int | None = None,
        callback_retry_interval: float = 5.0,
        rate_limit: int = 20,
        rate_window: float = 10.0,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> AsyncIterator[KieEmulator]:
        """Run an emulator on ``host:port`` (0 = any free port) until the block exits.

        ``api_key`` is the only Bearer key accepted (others get 401).
        ``clock`` defaults to the wall clock; pass a ``VirtualClock`` for
        deterministic tests. ``callback_secret`` turns on HMAC-signed
        callbacks; failed callbacks are retried every
        ``callback_retry_interval`` clock seconds. ``balance`` is the account's
        starting credit. ``seed`` makes task ids and file names reproducible.
        ``rate_limit`` creates are accepted per ``rate_window`` seconds.
        """
        emulator = cls(
            api_key=api_key,
            clock=clock if clock is not None else SystemClock(),
            callback_secret=callback_secret,
            balance=balance,
            seed=seed,
            rate_limit=rate_limit,
            rate_window=rate_window,
        )
        async with httpx.AsyncClient() as http, trio.open_nursery() as nursery:
            emulator._http = http
            emulator._nursery = nursery
            emulator._sender = CallbackSender(
                http,
                emulator.clock,
                secret=callback_secret,
                retry_interval=callback_retry_interval,
                on_attempt=emulator._attempted,
            )
            base: str = await nursery.start(serve, emulator.handle, host, port)
            emulator.api_base = base
            emulator.upload_base = base + UPLOAD_PREFIX
            try:
                yield emulator
            finally:
                nursery.cancel_scope.cancel()

    # ------------------------------------------------------------------ configuration

    def script(self, model: str, script: Script) -> None:
        """Make every new task of ``model`` follow ``script``."""
        self._scripts[model] = script

    def script_for(self, model: str) -> Script:
        """The script a new task of ``model`` will follow."""
        return self._scripts.get(model, self.default_script)

    def send_callback_again(self, task_id: str) -> None:
        """Deliver a finished task's callback once more, now (a duplicate arriving late).

        Raises ``ValueError`` if the task is unknown, unfinished or has no ``callBackUrl``.
        """
        task = self.tasks.get(task_id)
        if task is None or task.completed_at is None or task.callback_url is None:
            raise ValueError(f"task {task_id} has no finished callback to resend")
        if self._nursery is None or self._sender is None:
            raise RuntimeError("the emulator is not running")
        delivery = 1 + max((a.delivery for a in self._sender.attempts if a.task_id == task_id), default=0)
        body = msgspec.json.encode(self.callback_body(task))
        self._nursery.start_soon(self._sender.deliver, task.callback_url, task_id, body, delivery)

    # ------------------------------------------------------------------ observation

    @property
    def callback_attempts(self) -> list[CallbackAttempt]:
        """Every callback POST so far, in order."""
        return list(self._sender.attempts) if self._sender is not None else []

    def statistics(self) -> KieEmulatorStatistics:
        attempts = self.callback_attempts
        return KieEmulatorStatistics(
            tasks=len(self.tasks),
            creates=self._creates,
            rate_limited=self._rate_limited,
            polls=self._polls,
            callbacks_delivered=sum(1 for a in attempts if a.ok),
            callback_attempts_failed=sum(1 for a in attempts if not a.ok),
            faults_served=self.faults.served,
            balance=self.balance,
        )

    async def wait_callback_attempts(self, count: int) -> None:
        """Return once at least ``count`` callback POSTs have been made."""
        await self._wait(lambda: len(self.callback_attempts) >= count)

    async def wait_task_state(self, task_id: str, state: WireState) -> None:
        """Return once the task has reached ``state`` (terminal states include their side effects)."""

        def reached() -> bool:
            task = self.tasks.get(task_id)
            if task is None:
                return False
            if state.is_terminal:
                return task.completed_at is not None and task.state is state
            return task.state is state

        await self._wait(reached)

    async def _wait(self, condition: Callable[[], bool]) -> None:
        while not condition():
            await self._changed.wait()

    def _notify(self) -> None:
        self._changed.set()
        self._changed = trio.Event()

    def _attempted(self, attempt: CallbackAttempt) -> None:
        self._notify()

    # ------------------------------------------------------------------ HTTP

    async def handle(self, request: Request) -> Response:
        """Answer one HTTP request (the handler given to :func:`trt_actors.http.serve`)."""
        now = self.clock.now()
        if request.method == "GET" and request.path.startswith("/files/"):
            return self._results.serve(request.path[len("/files/") :], request.query, now=now)
        upload_files = UPLOAD_PREFIX + "/files/"
        if request.method == "GET" and request.path.startswith(upload_files):
            return self._uploads.store.serve(request.path[len(upload_files) :], request.query, now=now)
        found = self._routes.get((request.method, request.path.rstrip("/")))
        if found is None:
            return Response.json({"code": 404, "msg": "Not Found", "data": None}, status=404)
        route, handler = found
        upload = route is Route.UPLOAD
        if request.headers.get("authorization", "") != f"Bearer {self._api_key}":
            return error(401, DEFAULT_MESSAGES[401], upload=upload)
        fault = self.faults.take(route)
        if fault is not None and fault.hang:
            await trio.sleep_forever()
        if fault is not None:
            return error(fault.code, fault.message, http_status=fault.http_status, upload=upload)
        return await handler(request)

    # ------------------------------------------------------------------ jobs API

    def _task_id(self) -> str:
        return f"{self._random.getrandbits(128):032x}"

    async def _create_task(self, request: Request) -> Response:
        now = self.clock.now()
        if not self._limit.try_acquire(now):
            self._rate_limited += 1
            return error(429, DEFAULT_MESSAGES[429])
        body = read_json(request)
        if not isinstance(body, dict):
            return error(422, "The request body must be a JSON object")
        model = body.get("model")
        if not isinstance(model, str) or not model:
            return error(422, "model is required")
        task_input = body.get("input")
        if not isinstance(task_input, dict):
            return error(422, "input is required")
        callback_url = body.get("callBackUrl")
        if callback_url is not None and not (
            isinstance(callback_url, str) and callback_url.startswith(("http://", "https://"))
        ):
            return error(422, "callBackUrl is invalid")
        schema = self.schemas.get(model) if self.schemas is not None else None
        refusal = schema.problem(task_input) if schema is not None else None
        if refusal is not None:
            return error(422, refusal)
        script = self.script_for(model)
        if self.balance < script.price:
            return error(402, DEFAULT_MESSAGES[402])
        task = EmulatedTask(self._task_id(), model, dict(task_input), callback_url, script, now)
        self.tasks[task.task_id] = task
        self._creates += 1
        if task.starts_terminal():
            self._finish(task)
        elif script.stage_seconds is not None and self._nursery is not None:
            self._nursery.start_soon(self._drive, task)
        self._notify()
        return ok({"taskId": task.task_id, "recordId": task.task_id})

    async def _drive(self, task: EmulatedTask) -> None:
        while not task.is_terminal:
            left = task.seconds_left_in_stage(self.clock.now())
            if left is None:
                return
            if left > 0:
                await self.clock.sleep(left)
                continue
            if task.catch_up(self.clock.now()):
                self._finish(task)
            self._notify()

    async def _record_info(self, request: Request) -> Response:
        task = self.tasks.get(request.query.get("taskId", ""))
        if task is None:
            if self.unknown_task_code is not None:
                return error(self.unknown_task_code, "Record does not exist")
            return ok(None)
        now = self.clock.now()
        if task.catch_up(now):
            self._finish(task)
        record = task.record()
        self._polls += 1
        if task.count_poll(now):
            self._finish(task)
        self._notify()
        return ok(record)

    def _finish(self, task: EmulatedTask) -> None:
        script = task.script
        task.completed_at = self.clock.now()
        if script.outcome is WireState.SUCCESS:
            kind = script.media or media_kind_for(task.model)
            urls = []
            for index in range(script.results):
                name = f"{task.task_id}-{index}.{kind.extension}"
                self._results.put(name, media_bytes(kind, seed=len(self._results)), kind.mime_type)
                urls.append(f"{self.api_base}/files/{name}")
            task.result_urls = tuple(urls)
            task.consumed = script.price
            self.balance -= script.price
        if task.callback_url is not None and script.callbacks > 0 and self._nursery is not None:
            body = msgspec.json.encode(self.callback_body(task))
            self._nursery.start_soon(self._send_callbacks, task, task.callback_url, body)
        self._notify()

    def callback_body(self, task: EmulatedTask) -> dict[str, Any]:
        """The body KIE POSTs to ``callBackUrl`` for a finished task."""
        success = task.script.outcome is WireState.SUCCESS
        record = task.record()
        record.update(
            consumeCredits=task.consumed,
            remainedCredits=self.balance,
            updateTime=record["completeTime"],
        )
        return {
            "code": 200 if success else 501,
            "msg": "Playground task completed successfully." if success else "Playground task failed.",
            "data": record,
        }

    async def _send_callbacks(self, task: EmulatedTask, url: str, body: bytes) -> None:
        if task.script.callback_delay > 0:
            await self.clock.sleep(task.script.callback_delay)
        assert self._sender is not None
        for delivery in range(1, task.script.callbacks + 1):
            await self._sender.deliver(url, task.task_id, body, delivery=delivery)

    # ------------------------------------------------------------------ account and files

    async def _credit(self, request: Request) -> Response:
        return ok(self.balance)

    async def _download_url(self, request: Request) -> Response:
        body = read_json(request)
        url = body.get("url") if isinstance(body, dict) else None
        prefix = f"{self.api_base}/files/"
        if not isinstance(url, str) or not url.startswith(prefix) or url[len(prefix) :] not in self._results:
            return error(422, "url is wrong")
        expires = int(self.clock.now()) + DOWNLOAD_LINK_SECONDS
        return ok(f"{url}?expires={expires}")
