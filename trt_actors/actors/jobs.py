"""The KIE job runner: the shell around :class:`~trt_actors.jobs.JobDecider` that uploads, submits, polls and delivers.

One runner per process. Every job is the fold of its stream ``job:<job_id>``
(the job id is the confirmation id that named its hold) and has one task here
while it is open, which does the next thing its state asks for and records
what came back before it does anything else:

* **uploads**: each photo of the order is fetched from Telegram (``getFile``
  and the file's bytes) and sent to KIE's upload API; the Telegram file URL,
  which carries the bot token, never leaves the process;
* **submit**: ``JobSubmitting`` is committed, then ``createTask`` is called
  with the payload built from the registry (:func:`trt_actors.jobs.payload.kie_input`)
  and a callback URL naming the job and a per-job token. A createTask whose
  request may have reached KIE and whose answer was lost is never sent again:
  KIE has no idempotency key and no way to look a task up by anything of
  ours, so the job is voided (``unsubmitted``) and the user told; a late
  callback for it is confirmed by ``recordInfo`` and recorded as ``JobLate``
  for admins;
* **completion** by polls on the decider's backoff schedule and by
  callbacks, which are only hints: a callback with a good token (and a good
  HMAC signature, when ``KIE_WEBHOOK_HMAC_KEY`` is set) makes the job ask
  ``recordInfo`` now; what that answers is what is recorded;
* **delivery** once the ledger captured the hold (:mod:`trt_actors.jobs.delivery`),
  then ``ResultDelivered``; within the outbox's :class:`~trt_actors.actors.throttle.Throttle` (its budgets,
  and the pause a 429 ordered for the chat), and again after Telegram's passing troubles.

Capture and void go through the ledger by durable reactions, not calls
(:mod:`trt_actors.actors.job_reactions`). Time and jitter enter the decider
as command fields and land in the events.

Limits: at most ``max_running`` jobs hold a KIE task at once (the rest wait
as "queued"), ``createTask`` calls keep to KIE's 20 per 10 s, and at most
``max_polls`` recordInfo calls are in flight however many jobs are open.

After a restart, :meth:`JobRunner.run` lists the open jobs (an index, not
the log) and resumes each: a job found in ``submitting`` is recovered as
above, a running one polled, a captured one delivered.

Example::

    runner = JobRunner(log, kie, tg, registry, http=http, settings=settings)
    root.start("jobs", runner.run)
    await runner.request(RequestJob(...), meta)
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import logging
import random
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import ClassVar

import httpx
import msgspec
import trio

from eventlog import EventStore, NotLeaseHolder
from registry import Registry
from trt_actors.actors.throttle import Throttle
from trt_actors.http import Request, Response
from trt_actors.jobs import (
    JobCommand,
    JobDecider,
    JobState,
    RecordCreated,
    RecordDelivery,
    RecordKieError,
    RecordReport,
    RecordUploads,
    Recover,
    RequestJob,
    Submit,
    Tick,
    job_stream,
    report_of,
)
from trt_actors.events.jobs import UploadedFiles
from trt_actors.jobs.delivery import Result, chat_action_for, deliver
from trt_actors.jobs.payload import PayloadError, kie_input
from trt_actors.jobs.state import DELIVERED, DELIVERING, FAILED, REQUESTED, RUNNING, SUBMITTING, SUCCEEDED
from trt_actors.kie import (
    KieApiError,
    KieCallback,
    KieClient,
    KieError,
    KieNetworkError,
    KieProtocolError,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    TaskNotFoundError,
    parse_callback,
    verify_signature,
)
from trt_actors.runtime import CommandMeta, CommandRejected, EventSourced, Executed, SystemJournal
from trt_actors.secret import Secret
from trt_actors.session.callback_data import WhyPrice, encode
from trt_actors.session.texts import DEFAULT_LANGUAGE, Texts
from trt_actors.telegram import (
    BadRequest,
    Forbidden,
    ServerError,
    TelegramAPIError,
    TelegramClient,
    TelegramError,
    TelegramNetworkError,
    TooManyRequests,
)

__all__ = ["CALLBACK_PATH", "JobLimits", "JobRunner", "JobRunnerStatistics", "callback_token"]

log = logging.getLogger(__name__)

CALLBACK_PATH = "/kie/callback"

CREATE_WAIT = 20.0
"""Seconds a createTask may take before its answer counts as lost (the job is then recovered, never resent);
also how long a stop may wait for a createTask in flight."""
"""KIE calls back ``{base}/kie/callback/<job_id>/<token>``."""

Shell = EventSourced[JobState, JobCommand]


def callback_token(secret: Secret, job_id: str) -> str:
    """The per-job token of a callback URL: 32 hex digits of HMAC-SHA256(secret, job id)."""
    return hmac.new(secret.reveal().encode(), f"kie-callback:{job_id}".encode(), hashlib.sha256).hexdigest()[:32]


@dataclass(frozen=True)
class JobLimits:
    """How long each category may take, and how much of KIE the runner may use at once."""

    deadlines: Mapping[str, float]
    max_running: int = 20
    creates_per_window: int = 20
    create_window: float = 10.0
    max_polls: int = 8
    callback_base: str | None = None
    callback_secret: Secret = field(default_factory=lambda: Secret(""))
    hmac_key: Secret = field(default_factory=lambda: Secret(""))
    create_wait: float = CREATE_WAIT

    def deadline(self, category: str) -> float:
        return self.deadlines.get(category, self.deadlines.get("other", 2400.0))


class JobRunnerStatistics(msgspec.Struct, frozen=True):
    """Open jobs now; tasks created, results delivered, callbacks heard and refused, steps that failed and retried."""

    COUNTERS: ClassVar[frozenset[str]] = frozenset({"submitted", "delivered", "callbacks", "forged_callbacks", "crashes"})

    open: int
    submitted: int
    delivered: int
    callbacks: int
    forged_callbacks: int
    crashes: int


class _CreateWindow:
    """KIE takes 20 createTask per 10 s and does not queue the rest: wait for a free slot instead of a 429."""

    def __init__(self, limit: int, window: float) -> None:
        self._limit = limit
        self._window = window
        self._times: deque[float] = deque()
        self._lock = trio.Lock()

    async def acquire(self) -> None:
        async with self._lock:
            while True:
                now = trio.current_time()
                while self._times and now - self._times[0] >= self._window:
                    self._times.popleft()
                if len(self._times) < self._limit:
                    self._times.append(now)
                    return
                await trio.sleep(self._times[0] + self._window - now)


class _Job:
    """An open job: its shell, the lock that runs one command at a time, and what wakes its task."""

    __slots__ = ("changed", "cid", "driven", "hinted", "lock", "shell", "slot")

    def __init__(self, shell: Shell, cid: str) -> None:
        self.shell = shell
        self.cid = cid
        self.lock = trio.Lock()
        self.changed = trio.Event()
        self.hinted = False  # a callback came: ask recordInfo now
        self.slot = False  # holds one of the max_running places
        self.driven = False  # its task runs

    def wake(self) -> None:
        self.changed.set()
        self.changed = trio.Event()


class JobRunner:
    """Runs every open job (see the module docstring). Start :meth:`run` before asking anything of it."""

    def __init__(
        self,
        log: EventStore,
        kie: KieClient,
        tg: TelegramClient,
        registry: Registry,
        *,
        http: httpx.AsyncClient,
        limits: JobLimits,
        clock: Callable[[], float] = time.time,
        jitter: Callable[[], float] = random.random,
        journal: SystemJournal | None = None,
        throttle: Throttle | None = None,
    ) -> None:
        self._log = log
        self._kie = kie
        self._tg = tg
        self._throttle = throttle
        self._registry = registry
        self._http = http
        self.limits = limits
        self._clock = clock
        self._jitter = jitter
        self._journal = journal
        self._decider = JobDecider()
        self._live: dict[str, _Job] = {}
        self._running = trio.CapacityLimiter(limits.max_running)
        self._polls = trio.CapacityLimiter(limits.max_polls)
        self._creates = _CreateWindow(limits.creates_per_window, limits.create_window)
        self._nursery: trio.Nursery | None = None
        self._ready = trio.Event()
        self.submitted = self.delivered = self.callbacks = self.forged_callbacks = self.crashes = 0

    # -- the runner's life -------------------------------------------------------------------

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Resume every open job, then run the jobs requested from now on; until cancelled."""
        self._live.clear()  # after a restart by the supervisor: the tasks of the jobs died with the old nursery
        async with trio.open_nursery() as nursery:
            self._nursery = nursery
            for item in await self._log.open_items("job:"):
                job_id = item.item.removeprefix("job:")
                if job_id not in self._live:
                    await self._open(job_id)
            self._ready.set()
            task_status.started()
            await trio.sleep_forever()

    async def request(self, command: RequestJob, meta: CommandMeta) -> Executed:
        """Open the job for a placed hold (a second request records nothing) and start running it."""
        await self._ready.wait()
        job = self._live.get(command.job_id) or await self._open(command.job_id, cid=meta.cid, start=False)
        executed = await self._execute(job, command, meta)
        self._start(job)
        return executed

    async def record(self, command: JobCommand, meta: CommandMeta) -> Executed | None:
        """Run a command from outside (the ledger's answer); None when no such job was ever requested."""
        await self._ready.wait()
        job = self._live.get(command.job_id) or await self._open(command.job_id, cid=meta.cid, start=False)
        if job.shell.version == 0:
            self._live.pop(command.job_id, None)
            return None
        executed = await self._execute(job, command, meta)
        self._start(job)
        return executed

    async def state(self, job_id: str) -> JobState:
        """The job as committed (read from the log when it is not open here)."""
        job = self._live.get(job_id)
        if job is not None:
            return job.shell.state
        shell = self._shell(job_id)
        await shell.recover()
        return shell.state

    async def _open(self, job_id: str, *, cid: str = "", start: bool = True) -> _Job:
        shell = self._shell(job_id)
        await shell.recover()
        if not cid:
            first = await self._log.read_stream(job_stream(job_id), 1, 1)
            cid = first[0].cid if first else job_id
        job = _Job(shell, cid)
        self._live[job_id] = job
        if start:
            self._start(job)
        return job

    def _shell(self, job_id: str) -> Shell:
        return EventSourced(self._decider, self._log, job_stream(job_id), state_type=JobState, snapshot_every=50)

    def _start(self, job: _Job) -> None:
        state = job.shell.state
        if state.terminal or state.status == FAILED:
            if not job.driven and self._live.get(state.job_id) is job:
                del self._live[state.job_id]
            return
        if not job.driven:
            assert self._nursery is not None
            job.driven = True
            self._nursery.start_soon(self._drive, job, name=f"job:{state.job_id}")

    async def _execute(self, job: _Job, command: JobCommand, meta: CommandMeta) -> Executed:
        async with job.lock:
            executed = await job.shell.handle(command, meta)
        job.wake()
        return executed

    def _meta(self, job: _Job, kind: str, now: float) -> CommandMeta:
        state = job.shell.state
        return CommandMeta(command_id=f"v{job.shell.version}:{kind}", cid=job.cid, ts=now,
                           causation=None, chat_id=state.chat_id, user_id=state.user_id)

    async def _run(self, job: _Job, command: JobCommand, kind: str, now: float) -> None:
        await self._execute(job, command, self._meta(job, kind, now))

    # -- one job's task ----------------------------------------------------------------------

    async def _drive(self, job: _Job) -> None:
        job_id = job.shell.state.job_id
        failures = 0
        try:
            while True:
                state = job.shell.state
                if state.terminal or state.status == FAILED:
                    return
                try:
                    await self._step(job, state)
                    failures = 0
                except (CommandRejected, KieProtocolError, TelegramError, OSError, httpx.HTTPError) as error:
                    failures += 1
                    self.crashes += 1
                    log.warning("job %s: %s (%s); trying again", job_id, error, type(error).__name__)
                    if self._journal is not None:
                        await self._journal.crashed(f"job/{job_id}", error, failures, min(30.0, 2.0 ** failures))
                    await job.shell.recover()  # what was committed, not what this task believed
                    await trio.sleep(min(30.0, 2.0 ** failures))
        finally:
            if job.slot:
                self._running.release_on_behalf_of(job)
                job.slot = False
            if self._live.get(job_id) is job:
                del self._live[job_id]

    async def _step(self, job: _Job, state: JobState) -> None:
        now = self._clock()
        if state.status == REQUESTED:
            if now >= state.deadline_at or state.hold == "voided":
                await self._run(job, Tick(job_id=state.job_id, now=now), "tick", now)
            elif now < state.next_at:  # an upload or a createTask failed: its retry waits its turn
                await self._sleep(job, min(state.next_at, state.deadline_at))
            elif state.needs_uploads:
                await self._upload(job, state, now)
            else:
                await self._submit(job, state)
        elif state.status == SUBMITTING:
            # Only a restart finds a job here: its createTask may have reached KIE, and KIE cannot be asked.
            await self._run(job, Recover(job_id=state.job_id, now=now), "recover", now)
        elif state.status == RUNNING:
            await self._hold_slot(job)
            if now >= state.deadline_at or state.hold == "voided":
                await self._run(job, Tick(job_id=state.job_id, now=now), "tick", now)
            elif job.hinted or now >= state.next_at:
                await self._poll(job, state)
            else:
                await self._sleep(job, min(state.next_at, state.deadline_at))
        elif state.status == SUCCEEDED:
            self._release_slot(job)
            await job.changed.wait()  # the ledger's answer to the capture comes through a reaction
        elif state.status == DELIVERING:
            await self._deliver(job, state)

    async def _sleep(self, job: _Job, until: float) -> None:
        with trio.move_on_after(max(0.0, until - self._clock())):
            await job.changed.wait()

    async def _hold_slot(self, job: _Job) -> None:
        if not job.slot:
            await self._running.acquire_on_behalf_of(job)
            job.slot = True

    def _release_slot(self, job: _Job) -> None:
        if job.slot:
            self._running.release_on_behalf_of(job)
            job.slot = False

    async def _upload(self, job: _Job, state: JobState, now: float) -> None:
        uploaded: list[UploadedFiles] = []
        try:
            for files in state.files:
                urls = []
                for index, file_id in enumerate(files.file_ids):
                    telegram_file = await self._tg.get_file(file_id)
                    content = await self._tg.download_file(telegram_file)
                    name = f"{state.job_id}-{files.name}-{index}.jpg"
                    stored = await self._kie.upload_stream(content, file_name=name, upload_path=f"trt/{state.user_id}")
                    urls.append(stored.download_url)
                uploaded.append(UploadedFiles(name=files.name, urls=tuple(urls)))
        except (KieError, TelegramAPIError) as error:
            await self._kie_error(job, "upload", error, self._clock())
            return
        await self._run(job, RecordUploads(job_id=state.job_id, files=tuple(uploaded), now=now), "uploads", now)

    async def _submit(self, job: _Job, state: JobState) -> None:
        await self._hold_slot(job)
        await self._creates.acquire()
        now = self._clock()
        await self._run(job, Submit(job_id=state.job_id, now=now), "submit", now)  # committed before the call
        if job.shell.state.status != SUBMITTING:
            return
        try:
            model = self._registry.model(state.model_id)
            payload = kie_input(model, state.params, state.uploads)
        except (KeyError, PayloadError) as error:
            # The registry changed since the confirmation: no call is made, and the job fails as KIE would
            # answer it (505 for a model that is gone, 422 for inputs it no longer takes), in our words.
            code = 505 if isinstance(error, KeyError) else 422
            now = self._clock()
            await self._run(job, RecordKieError(job_id=state.job_id, call="createTask", code=code,
                                                message=f"not sent: {error}"[:300], now=now, jitter=0.0), "payload", now)
            return
        # A stop (SIGTERM, a handover) waits for the answer of a createTask in flight and records it: cancelled
        # in mid-call, the task could exist at KIE with no record of it here, and the job would be voided.
        with trio.CancelScope(shield=True):
            await self._create(job, state, model.kie_model, payload)

    async def _create(self, job: _Job, state: JobState, kie_model: str, payload: dict[str, object]) -> None:
        try:
            with trio.fail_after(self.limits.create_wait):
                created = await self._kie.create_task(kie_model, payload, callback_url=self._callback_url(state.job_id))
        except trio.TooSlowError:  # sent, and no answer: it may exist at KIE
            now = self._clock()
            await self._run(job, Recover(job_id=state.job_id, now=now), "no-answer", now)
            return
        except KieNetworkError as error:
            now = self._clock()
            if error.sent:  # it may exist at KIE, which cannot be asked: never a second createTask
                await self._run(job, Recover(job_id=state.job_id, now=now), "lost-answer", now)
            else:
                await self._run(job, RecordKieError(job_id=state.job_id, call="createTask", code=0,
                                                    message=str(error)[:300], now=now, jitter=self._jitter(),
                                                    sent=False), "unsent", now)
            return
        except KieProtocolError:
            now = self._clock()
            await self._run(job, Recover(job_id=state.job_id, now=now), "unreadable-answer", now)
            return
        except KieApiError as error:
            await self._kie_error(job, "createTask", error, self._clock())
            return
        self.submitted += 1
        now = self._clock()
        await self._run(job, RecordCreated(job_id=state.job_id, task_id=created.task_id, now=now), "created", now)
        await self._chat_action(state)

    async def _poll(self, job: _Job, state: JobState) -> None:
        source = "callback" if job.hinted else "poll"
        job.hinted = False
        try:
            async with self._polls:
                info = await self._kie.record_info(state.task_id)
        except KieError as error:
            await self._kie_error(job, "recordInfo", error, self._clock())
            return
        now = self._clock()
        report = report_of(info, source)
        await self._run(job, RecordReport(job_id=state.job_id, report=report, now=now, jitter=self._jitter()),
                        f"report-{source}", now)
        if job.shell.state.status == RUNNING:
            await self._chat_action(state)

    async def _kie_error(self, job: _Job, call: str, error: KieError | TelegramAPIError, now: float) -> None:
        state = job.shell.state
        if isinstance(error, TaskNotFoundError):
            code = 404
        elif isinstance(error, KieApiError):
            code = error.code
        elif isinstance(error, TelegramAPIError):
            code = 400 if isinstance(error, BadRequest) else (error.error_code or 0)
        else:
            code = 0
        command = RecordKieError(job_id=state.job_id, call=call, code=code, message=str(error)[:300], now=now,
                                 jitter=self._jitter())
        await self._run(job, command, f"error-{call}", now)

    async def _deliver(self, job: _Job, state: JobState) -> None:
        result = self._result(state)
        for attempt in itertools.count(1):
            try:
                message_ids = await self._deliver_in_turn(result)
                break
            except (Forbidden, BadRequest) as error:  # blocked, or the chat is gone: the result stays in /history
                log.warning("job %s: the result could not be sent (%s)", state.job_id, error)
                message_ids = ()
                break
            except TooManyRequests as error:  # Telegram's ban on this chat: nothing before it ends
                why, pause = str(error), float(error.retry_after or 1)
            except (ServerError, TelegramNetworkError) as error:  # Telegram's passing trouble, not a crash
                why, pause = str(error), min(30.0, 2.0 ** attempt)
            log.info("job %s: sending the result failed (%s); again in %.0f s", state.job_id, why, pause)
            await trio.sleep(pause)
        self.delivered += 1
        now = self._clock()
        await self._run(job, RecordDelivery(job_id=state.job_id, message_ids=tuple(message_ids), now=now),
                        "delivered", now)

    async def _deliver_in_turn(self, result: Result) -> tuple[int, ...]:
        """Send a result in its chat's turn of the outbox's throttle (its budgets, and the pause a 429 ordered for
        the chat, by whichever sender met it); a 429 met here pauses the chat for the outbox too."""
        if self._throttle is None:
            return await deliver(self._tg, self._http, result)
        async with self._throttle.turn(result.chat_id):
            try:
                sent = await deliver(self._tg, self._http, result)
            except TooManyRequests as error:
                self._throttle.pause_chat(result.chat_id, float(error.retry_after or 1))
                raise
        return sent

    async def resend(self, job_id: str) -> tuple[int, ...]:
        """Send a delivered job's result again from its recorded URLs (the user asked from /history)."""
        state = await self.state(job_id)
        if state.status != DELIVERED:
            return ()
        return tuple(await deliver(self._tg, self._http, self._result(state)))

    def _result(self, state: JobState) -> Result:
        """What to send for a succeeded job: its files, captioned with the model's name in the user's language."""
        model = self._registry.model(state.model_id)
        russian = state.language == "ru"
        why = (Texts.of(state.language or DEFAULT_LANGUAGE).plain("btn.why_short"),
               encode(0, WhyPrice(job_id=state.job_id)))  # the session answers it whatever screen it is on
        return Result(chat_id=state.chat_id, media=model.media, category=state.category,
                      result_urls=state.result_urls, caption=_caption(model.name.ru if russian else model.name.en, state),
                      original_label="⬇️ Оригинал" if russian else "⬇️ Original", why=why)

    async def _chat_action(self, state: JobState) -> None:
        model = self._registry.model(state.model_id)
        try:
            await self._tg.send_chat_action(state.chat_id, chat_action_for(model.media, state.category))
        except TelegramAPIError as error:  # only a hint that the bot works
            log.debug("chat action for job %s: %s", state.job_id, error)

    # -- callbacks ---------------------------------------------------------------------------

    def _callback_url(self, job_id: str) -> str | None:
        base = self.limits.callback_base
        if not base or not self.limits.callback_secret.reveal():
            return None
        return f"{base}{CALLBACK_PATH}/{job_id}/{callback_token(self.limits.callback_secret, job_id)}"

    def runs(self, request: Request) -> bool:
        """Whether the job a ``/kie/callback/<job_id>/...`` request names runs here (several instances: the one
        whose runner drives the job is the one to wake)."""
        job_id = request.path.removeprefix(CALLBACK_PATH + "/").partition("/")[0]
        return job_id in self._live

    async def handle_callback(self, request: Request) -> Response:
        """``POST /kie/callback/<job_id>/<token>``: a hint to ask recordInfo now. Forged ones change nothing."""
        job_id, _, token = request.path.removeprefix(CALLBACK_PATH + "/").rstrip("/").partition("/")
        secret = self.limits.callback_secret
        given = token.encode("utf-8", "surrogatepass")  # a path may carry any character: compare bytes
        if not job_id or not secret.reveal() or not hmac.compare_digest(given, callback_token(secret, job_id).encode()):
            self.forged_callbacks += 1
            return Response.text("unknown callback", 401)
        try:
            callback: KieCallback = parse_callback(request.body)
        except KieProtocolError:
            self.forged_callbacks += 1
            return Response.text("not a KIE callback", 400)
        if self.limits.hmac_key.reveal():
            verdict = verify_signature(self.limits.hmac_key, task_id=callback.task.task_id,
                                       timestamp=request.headers.get(TIMESTAMP_HEADER.lower()),
                                       signature=request.headers.get(SIGNATURE_HEADER.lower()), now=time.time())
            if not verdict.ok:
                self.forged_callbacks += 1
                return Response.text(verdict.value, 401)
        self.callbacks += 1
        job = self._live.get(job_id)
        if job is not None and job.shell.state.task_id == callback.task.task_id:
            job.hinted = True
            job.wake()
        elif self._nursery is not None:
            self._nursery.start_soon(self._late_callback, job_id, callback.task.task_id)
        return Response.json({"code": 200, "msg": "received"})

    async def _late_callback(self, job_id: str, task_id: str) -> None:
        """A callback for a job that is not running here: confirm with recordInfo and let the decider judge."""
        state = await self.state(job_id)
        if state.status != FAILED or state.late or state.task_id not in ("", task_id):
            return  # only a failed job can have a result nobody waits for
        try:
            async with self._polls:
                info = await self._kie.record_info(task_id)
        except KieError as error:
            log.info("late callback for job %s: recordInfo failed (%s)", job_id, error)
            return
        now = self._clock()
        first = await self._log.read_stream(job_stream(job_id), 1, 1)  # the chain of the order it was for
        cid = first[0].cid if first else job_id
        meta = CommandMeta(command_id=f"late:{task_id}:{info.state.value}", cid=cid, ts=now,
                           chat_id=state.chat_id, user_id=state.user_id)
        try:
            await self.record(RecordReport(job_id=job_id, report=report_of(info, "callback"), now=now, jitter=0.5),
                              meta)
        except CommandRejected as refused:
            log.info("late callback for job %s: %s", job_id, refused)
        except NotLeaseHolder:  # several instances: the job's chat is another's; its owner hears KIE next time
            log.info("late callback for job %s: its chat is served by another instance", job_id)

    def statistics(self) -> JobRunnerStatistics:
        return JobRunnerStatistics(open=len(self._live), submitted=self.submitted, delivered=self.delivered,
                                   callbacks=self.callbacks, forged_callbacks=self.forged_callbacks,
                                   crashes=self.crashes)


def _caption(model_name: str, state: JobState) -> str:
    shown = [str(param.value) for param in state.params if param.name != "prompt" and not isinstance(param.value, list)
             and len(str(param.value)) <= 24]
    return " · ".join([f"🎨 {model_name}", *shown[:4]])
