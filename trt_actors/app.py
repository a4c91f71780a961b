"""The whole bot, wired: the log, the registry, the actors and the HTTP server under one supervisor.

``run_bot`` is what ``python main.py run`` and ``python main.py demo`` start.
It refuses to start with an invalid registry (every defect listed), opens the
event log, and runs under one root :class:`~trt_actors.runtime.Supervisor`:

* the **sessions** region (one event-sourced session per chat);
* the **receiver**: long polling, or the webhook when ``WEBHOOK_URL`` is set;
  it records updates and answers taps;
* the **router**, a durable reactor that hands every recorded update to its
  chat's session and moves on only after the session committed;
* the **outbox**, a durable reactor that delivers every ``UiRendered`` and invoice;
* the **ledger** (one event-sourced ledger per user) and the reactions that
  move money: session requests to the ledger, ledger outcomes back to the
  sessions, expired holds voided (:mod:`trt_actors.actors.ledger_reactions`);
* **checkout**, which answers Stars pre-checkout queries within Telegram's
  10 s, and **refunds**, which return the Stars of a reserved refund;
* the **job runner** (:mod:`trt_actors.actors.jobs`), which turns a placed
  hold into one KIE task and its result into messages, and the reactions
  that tie jobs to the ledger, the sessions and the admins
  (:mod:`trt_actors.actors.job_reactions`);
* the **HTTP server**: ``/telegram/webhook``, ``/kie/callback/<job>/<token>``,
  ``/health``, ``/ready``, ``/metrics``, and the read-only console under
  ``/console`` (:mod:`trt_actors.console`).

If the log's writer breaks for good (the disk is gone), ``run_bot`` stops
everything and raises :class:`BotStopped` with the reason: a bot that cannot
record must not take updates.

Example::

    async with trio.open_nursery() as nursery:
        bot = await nursery.start(run_bot, Settings.from_env(require_telegram=True))
        print(bot.http_url)
        ...
        nursery.cancel_scope.cancel()      # a clean stop
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import os
import socket
import sqlite3
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

import httpx
import trio

from eventlog import ACTIVE_LEASE, EventLog, EventLogError, EventStore, NewEvent, open_log, redacted
from registry import Registry, load_valid_registry
from trt_actors.actors.checkout import Checkout
from trt_actors.actors.job_reactions import AdminAlerts, HoldOutcomes, JobReports, JobRequests, JobSettlements, Resends
from trt_actors.actors.jobs import JobLimits, JobRunner
from trt_actors.actors.leadership import Leadership, default_instance_id
from trt_actors.actors.passive import PassiveWebhook
from trt_actors.actors.telemetry import Telemetry
from trt_actors.actors.ledger import Ledger
from trt_actors.actors.ledger_reactions import HoldExpiry, LedgerReports, LedgerRequests
from trt_actors.actors.outbox import Outbox
from trt_actors.actors.receiver import UpdateReceiver
from trt_actors.actors.admin_desk import AdminDesk, AdminRequests, admin_route
from trt_actors.actors.broadcasts import Broadcasts
from trt_actors.admin.views import BlockList, ModelSwitches
from trt_actors.actors.promo_reactions import PromoCredits, PromoRedemptions, PromoReports
from trt_actors.actors.promos import Promos
from trt_actors.actors.referrals import FriendReports, ReferralBonuses
from trt_actors.actors.refunds import Refunds
from trt_actors.actors.routing import Router
from trt_actors.actors.session_region import Sessions
from trt_actors.actors.throttle import Throttle
from trt_actors.config import Settings
from trt_actors.limits import RateLimiter
from trt_actors.session import SessionDecider
from trt_actors.console import Console, Login
from trt_actors.http.asgi import Request, Response
from trt_actors.http.bot_server import BotServer, Running, readiness
from trt_actors.metrics import Metrics
from trt_actors.events import CODEC
from trt_actors.events.admin import ModelSwitched, UserBlocked, UserUnblocked
from trt_actors.events.ops import BotIdentified
from trt_actors.invitations import Invitations
from trt_actors.kie import KieClient, open_kie_client
from trt_actors.runtime import Reactor, Supervisor, SystemJournal
from trt_actors.runtime.reactor import Reacting
from trt_actors.shards import Membership, Unit, UnitStore, unit_names
from trt_actors.secret import Secret
from trt_actors.telegram import NotFound, TelegramClient, TelegramError, Unauthorized, User

__all__ = ["BOT_STREAM", "DRAIN_SECONDS", "BotCannotStart", "BotStopped", "RunningBot", "decider_for", "drain",
           "recorded_bot_username", "run_bot"]

DRAIN_SECONDS = 5.0
"""How long a clean stop lets the work in flight finish before it cancels the rest."""

logger = logging.getLogger(__name__)


class BotStopped(Exception):
    """The bot stopped itself because a part it cannot run without failed for good."""


class BotCannotStart(Exception):
    """A setting or the machine keeps the bot from starting; the message is one sentence that says what to do."""


@dataclass(frozen=True)
class RunningBot:
    """Handles on a running bot, for the demo, tests and tools.

    With one active instance, ``actors`` are the bot's actors and ``sessions``, ``router`` and the rest name
    them. An instance sharing the chats with others (``SHARDS`` > 1) runs one set per unit it owns: ``units()``
    lists them, ``membership`` says which units it owns.
    """

    log: EventLog
    registry: Registry
    receiver: UpdateReceiver
    supervisor: Supervisor
    metrics: Metrics
    http_url: str
    mode: str
    leadership: Leadership | None = None
    actors: _Actors | None = None
    membership: Membership | None = None
    units: Callable[[], list[_Actors]] | None = None

    def everything(self) -> list[_Actors]:
        """Every set of actors this instance runs now."""
        return [self.actors] if self.actors is not None else self.units() if self.units is not None else []

    @property
    def _one(self) -> _Actors:
        if self.actors is None:
            raise AttributeError("this instance shares the chats with others (SHARDS > 1): it runs one set of "
                                 "actors per unit it owns, see units()")
        return self.actors

    @property
    def sessions(self) -> Sessions:
        return self._one.sessions

    @property
    def router(self) -> Router:
        return self._one.router

    @property
    def outbox(self) -> Outbox:
        return self._one.outbox

    @property
    def ledger(self) -> Ledger:
        return self._one.ledger

    @property
    def refunds(self) -> Refunds:
        return self._one.refunds

    @property
    def jobs(self) -> JobRunner:
        return self._one.jobs

    @property
    def promos(self) -> Promos:
        return self._one.promos

    @property
    def reactors(self) -> tuple[Reactor, ...]:
        return tuple(reactor for actors in self.everything() for reactor in actors.reactors)


def decider_for(settings: Settings, registry: Registry, bot_username: str = "") -> SessionDecider:
    """The sessions' decider as ``settings`` configure it, for the bot named ``bot_username`` (``replay`` builds
    the same one to re-run a log, with the name :func:`recorded_bot_username` finds there)."""
    return SessionDecider(registry, settings.stars_packages, max_jobs=settings.max_jobs_per_user,
                          support=settings.support, generations=settings.rate_generations,
                          free=settings.free_tier,
                          invitations=Invitations(bot_username=bot_username, bonus=settings.referral_bonus,
                                                  free=settings.referral_bonus_free))


BOT_STREAM = "ops:bot"
"""Where the bot's identity is recorded (``BotIdentified``)."""


async def recorded_bot_username(log: EventStore) -> str:
    """The bot's username as last recorded (``BotIdentified``); "" if Telegram never said."""
    recorded = await log.read_stream(BOT_STREAM, 1, 1_000)
    names = [r.event.username for r in recorded if isinstance(r.event, BotIdentified)]
    return names[-1] if names else ""


async def _identify(log: EventLog, me: User | None, *, fence: str | None) -> str:
    """Record who Telegram says the bot is, when that is news; the username to build invitation links with."""
    if me is None or not me.username:
        return await recorded_bot_username(log)
    if me.username != await recorded_bot_username(log):
        await log.append([NewEvent(event_id=f"bot:{me.id}:{me.username}", stream=BOT_STREAM,
                                   event=BotIdentified(bot_id=me.id, username=me.username), cid=f"bot:{me.id}",
                                   ts=time.time())], fence=fence)
    return me.username


async def run_bot(
    settings: Settings,
    *,
    registry: Registry | None = None,
    idle_timeout: float | None = None,
    throttle: Throttle | None = None,
    task_status: trio.TaskStatus[RunningBot] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Run the bot until cancelled. ``task_status.started`` reports a :class:`RunningBot`.

    ``idle_timeout`` passivates a chat's session after that many idle seconds (``SESSION_IDLE_SECONDS`` when
    None);
    ``throttle`` replaces the outbox's Telegram budgets (about 1 message/s per
    chat, 30/s in all) — tests that drive many chats quickly raise them.
    """
    if not settings.telegram_bot_token:
        raise ValueError("run_bot needs settings.telegram_bot_token; Settings.from_env(require_telegram=True) checks it")
    registry = registry if registry is not None else load_valid_registry(markup=settings.price_markup)
    if not settings.db_url:
        _check_log_file(settings.db_path)
        if settings.shards > 1:
            raise BotCannotStart(f"SHARDS is {settings.shards}, but TRT_DB is an SQLite file: several instances "
                                 "share the chats through PostgreSQL (TRT_DB=postgresql://...); on one machine, "
                                 "leave SHARDS at 1.")
    _check_port(settings.http_host, settings.http_port)
    me = await _check_token(settings)
    async with _opened_log(settings) as log, trio.open_nursery() as serving:
        # Three clients: the long poll holds one connection for its whole timeout, and a job's uploads and
        # deliveries (files of many megabytes) must not keep the outbox's screens waiting.
        intake_tg = TelegramClient.from_settings(settings)
        outbox_tg = TelegramClient.from_settings(settings)
        jobs_tg = TelegramClient.from_settings(settings)
        telemetry_out = _telemetry_out(settings.telemetry)
        holder = settings.instance_id or default_instance_id()
        sharded = settings.shards > 1
        # One instance: passive until this process holds the lease; from then on it alone writes (see
        # actors/leadership.py). Meanwhile the HTTP server answers: /health, /ready (503, passive) and, with a
        # webhook, every user. Several sharing the chats (SHARDS > 1): each owns the units it holds a lease for.
        leadership = Leadership(log, holder, ttl=settings.lease_seconds)
        membership = Membership(log, holder, units=unit_names(settings.shards), ttl=settings.lease_seconds)
        passive = PassiveWebhook(intake_tg, secret=settings.webhook_secret, instance=leadership.holder)
        server = BotServer(checks={"lease": (lambda: membership.member) if sharded else (lambda: leadership.running)},
                           about=membership.about if sharded else leadership.about,
                           passive=passive.handle if settings.webhook_url and not sharded else None,
                           console=Console(settings.db, Login(settings.console_user, settings.console_password)))
        http_url: str = await serving.start(_serve, server, settings)
        if not sharded:
            await leadership.take()
            await _record_declined(log, passive)
        bot_username = await _identify(log, me, fence=None if sharded else ACTIVE_LEASE)
        blocks = await BlockList.load(log)
        switches = await ModelSwitches.load(log)
        journal = SystemJournal(log)
        try:
            # The HTTP clients outlive the supervisor: a stop waits for a createTask in flight (see JobRunner).
            async with httpx.AsyncClient(
                timeout=httpx.Timeout(30.0, connect=10.0), follow_redirects=True
            ) as files_http, open_kie_client(settings) as kie, Supervisor.open("root", journal=journal) as root:
                receiver = UpdateReceiver(
                    UnitStore(log, Unit.named(ACTIVE_LEASE), narrow=False, unfenced=True) if sharded else log,
                    intake_tg, bot_id=_bot_id(settings), webhook_secret=settings.webhook_secret,
                )
                shared = _Shared(settings=settings, registry=registry, log=log, journal=journal, kie=kie,
                                 files_http=files_http, intake_tg=intake_tg, outbox_tg=outbox_tg, jobs_tg=jobs_tg,
                                 bot_username=bot_username, blocks=blocks, switches=switches, receiver=receiver,
                                 idle_timeout=idle_timeout if idle_timeout is not None else settings.session_idle_seconds,
                                 throttle=throttle, http_url=http_url, parts=settings.shards)
                metrics = Metrics()
                metrics.register("eventlog", log.statistics)
                metrics.register("receiver", receiver.statistics)
                metrics.register("supervisor", root.statistics)
                telemetry = Telemetry(log, out=telemetry_out, token=settings.events_token)
                metrics.register("telemetry", telemetry.statistics)
                root.start("telemetry", telemetry.run)
                if sharded:
                    metrics.register("units", membership.statistics)
                    await _run_shared(shared, root, server, metrics, membership, telemetry, task_status)
                    return
                async with _actors(shared, log, log) as actors:
                    actors.register(metrics)
                    metrics.register("lease", leadership.statistics)
                    server.activate(
                        receiver=receiver,
                        metrics=metrics,
                        checks=readiness(log, ("receiver", receiver), *actors.checks(), ("lease", leadership)),
                        kie_callback=actors.jobs.handle_callback,
                        events=telemetry.websocket,
                    )
                    for name, run in actors.tasks(chats=True, everyone=True):
                        root.start(name, run)
                    root.start("receiver", _intake(receiver, settings))
                    mode = "webhook" if settings.webhook_url else "polling"
                    logger.info("bot running (%s), HTTP on %s, log %s", mode, http_url, redacted(settings.db))
                    task_status.started(RunningBot(log, registry, receiver, root, metrics, http_url, mode,
                                                   leadership=leadership, actors=actors))
                    raise BotStopped(await _stopped_by(log, leadership))
        finally:
            with trio.CancelScope(shield=True):
                await intake_tg.aclose()
                await outbox_tg.aclose()
                await jobs_tg.aclose()
                if telemetry_out is not None and telemetry_out is not sys.stdout:
                    telemetry_out.close()
                await leadership.release()  # every actor has stopped: the standby may take over at once
                await membership.leave()
                serving.cancel_scope.cancel()


@dataclass(frozen=True)
class _Shared:
    """What every unit of one process shares: the settings, the clients, the admin's views, the receiver."""

    settings: Settings
    registry: Registry
    log: EventLog
    journal: SystemJournal
    kie: KieClient
    files_http: httpx.AsyncClient
    intake_tg: TelegramClient
    outbox_tg: TelegramClient
    jobs_tg: TelegramClient
    bot_username: str
    blocks: BlockList
    switches: ModelSwitches
    receiver: UpdateReceiver
    idle_timeout: float
    throttle: Throttle | None
    http_url: str
    parts: int
    """Among how many units of chats the global budgets (Telegram's sends, KIE's running jobs) are shared."""


@dataclass(frozen=True)
class _Actors:
    """The actors of one unit (or of the whole bot, with one instance)."""

    sessions: Sessions
    ledger: Ledger
    promos: Promos
    router: Router
    outbox: Outbox
    checkout: Checkout
    refunds: Refunds
    requests: LedgerRequests
    reports: LedgerReports
    referrals: ReferralBonuses
    growth: tuple[Reacting, ...]
    jobs: JobRunner
    job_reactors: tuple[Reacting, ...]
    desk: AdminDesk
    broadcasts: Broadcasts
    hold_expiry: HoldExpiry

    @property
    def reactors(self) -> tuple[Reactor, ...]:
        return (self.router.reactor, self.outbox.reactor, self.checkout.reactor, self.requests.reactor,
                self.reports.reactor, self.refunds.reactor, self.referrals.reactor,
                *(reaction.reactor for reaction in (*self.job_reactors, *self.growth)))

    def tasks(self, *, chats: bool, everyone: bool) -> list[tuple[str, Callable[..., Awaitable[None]]]]:
        """What to run: the work of chats (``chats``), the work of none or all of them (``everyone``)."""
        tasks: list[tuple[str, Callable[..., Awaitable[None]]]] = []
        if chats:
            tasks += [("jobs", self.jobs.run), ("outbox", self.outbox.run), ("router", self.router.run)]
        if everyone:
            tasks += [("checkout", self.checkout.run)]
        if chats:
            tasks += [("ledger-requests", self.requests.run), ("ledger-reports", self.reports.run)]
        if everyone:
            tasks += [("hold-expiry", self.hold_expiry.run)]
        if chats:
            tasks += [("refunds", self.refunds.run), ("referrals", self.referrals.run)]
        if everyone:
            tasks += [("broadcasts", self.broadcasts.run)]
        if chats:
            tasks += [(reaction.reactor.name, reaction.run) for reaction in (*self.job_reactors, *self.growth)]
        return tasks

    def checks(self) -> list[tuple[str, Running]]:
        """The parts ``/ready`` asks about."""
        return [("router", self.router), ("outbox", self.outbox), ("checkout", self.checkout.reactor),
                ("ledger-requests", self.requests.reactor), ("ledger-reports", self.reports.reactor),
                ("job-requests", self.job_reactors[0].reactor)]

    def register(self, metrics: Metrics, prefix: str = "") -> None:
        for name, provider in self.providers():
            metrics.register(prefix + name, provider)

    def providers(self) -> list[tuple[str, Callable[[], object]]]:
        return [
            ("router", self.router.statistics), ("outbox", self.outbox.statistics),
            ("sessions", self.sessions.statistics), ("ledger", self.ledger.statistics),
            ("ledger_requests", self.requests.statistics), ("ledger_reports", self.reports.statistics),
            ("checkout", self.checkout.statistics), ("refunds", self.refunds.statistics),
            ("referrals", self.referrals.statistics), ("jobs", self.jobs.statistics),
            *((reaction.reactor.name.replace("-", "_"), reaction.statistics)
              for reaction in (*self.job_reactors, *self.growth)),
            ("promos", self.promos.statistics), ("admin_desk", self.desk.statistics),
            ("broadcasts", self.broadcasts.statistics),
        ]


@contextlib.asynccontextmanager
async def _actors(shared: _Shared, store: EventStore, everyone: EventStore) -> AsyncIterator[_Actors]:
    """The actors of one unit over ``store`` (its own events); ``everyone`` reads the whole log (a broadcast's
    recipients, the admin's stats) and writes as ``store`` does."""
    settings, registry, journal, parts = shared.settings, shared.registry, shared.journal, shared.parts
    async with Sessions.open(
        store, registry, journal=journal, idle_timeout=shared.idle_timeout,
        max_live=max(1, settings.max_live_sessions // parts),
        decider=decider_for(settings, registry, shared.bot_username),
        limiter=RateLimiter(messages=settings.rate_messages, taps=settings.rate_taps),
        blocked=shared.blocks.is_blocked, disabled=shared.switches.disabled,
    ) as sessions, Ledger.open(store, journal=journal) as ledger, Promos.open(store, journal=journal) as promos:
        receiver, kie = shared.receiver, shared.kie
        broadcasts = Broadcasts(everyone)
        desk = AdminDesk(everyone, ledger, admin_ids=settings.admin_ids, blocks=shared.blocks,
                         switches=shared.switches, models=[model.id for model in registry.models],
                         broadcasts=broadcasts, kie_credits=kie.credit)
        # One instance answers a tap again when routing it, in case it crashed between recording and answering.
        # Shared (SHARDS > 1), the tap was recorded by whichever instance polls or took the webhook, and it has
        # answered: another answer would only be refused by Telegram.
        router = Router(store, admin_route(desk, sessions.route), answer=receiver.answers.answer if parts == 1 else None)
        budget = shared.throttle or Throttle(
            per_chat_rate=settings.send_rate_per_chat,
            per_chat_burst=max(3.0, settings.send_rate_per_chat),
            global_rate=settings.send_rate_global / parts,
            global_burst=max(30.0, settings.send_rate_global) / parts,
        )
        outbox = Outbox(store, shared.outbox_tg, throttle=budget,
                        head=lambda: shared.log.statistics().writer.head_seq)
        checkout = Checkout(store, shared.intake_tg, ledger, packages=settings.stars_packages)
        refunds = Refunds(store, shared.outbox_tg, ledger)
        requests = LedgerRequests(store, ledger, welcome_credits=settings.welcome_credits)
        reports = LedgerReports(store, sessions.run)
        referrals = ReferralBonuses(store, ledger, bonus=settings.referral_bonus, free=settings.referral_bonus_free)
        growth: tuple[Reacting, ...] = (
            FriendReports(store, sessions.run), PromoRedemptions(store, promos), PromoCredits(store, ledger),
            PromoReports(store, sessions.run), AdminRequests(store, desk, ledger, refunds, promos, broadcasts),
        )
        limits = JobLimits(
            deadlines=settings.job_deadlines, max_running=max(1, -(-settings.max_running_jobs // parts)),
            callback_base=settings.kie_callback_base, callback_secret=_callback_secret(settings.kie_api_key),
            hmac_key=settings.kie_webhook_hmac_key,
        )
        if limits.callback_base is None and _loopback(settings.kie_api_base):
            # A KIE on this machine (the emulator) can call the bot's own server back.
            limits = replace(limits, callback_base=shared.http_url)
        jobs = JobRunner(store, kie, shared.jobs_tg, registry, http=shared.files_http, limits=limits,
                         journal=journal, throttle=budget)
        job_reactors: tuple[Reacting, ...] = (
            JobRequests(store, jobs, ledger, registry), JobSettlements(store, ledger), HoldOutcomes(store, jobs),
            JobReports(store, jobs, sessions.run), AdminAlerts(store, shared.outbox_tg, settings.admin_ids),
            Resends(store, jobs),
        )
        yield _Actors(sessions=sessions, ledger=ledger, promos=promos, router=router, outbox=outbox,
                      checkout=checkout, refunds=refunds, requests=requests, reports=reports, referrals=referrals,
                      growth=growth, jobs=jobs, job_reactors=job_reactors, desk=desk, broadcasts=broadcasts,
                      hold_expiry=HoldExpiry(store, ledger))


def _intake(receiver: UpdateReceiver, settings: Settings) -> Callable[..., Awaitable[None]]:
    """The receiver's task: long polling, or the webhook at ``WEBHOOK_URL``."""
    webhook_url = settings.webhook_url
    if webhook_url is None:
        return receiver.run_polling

    async def run_webhook() -> None:
        await receiver.run_webhook(f"{webhook_url}")

    return run_webhook


async def _run_shared(
    shared: _Shared,
    root: Supervisor,
    server: BotServer,
    metrics: Metrics,
    membership: Membership,
    telemetry: Telemetry,
    task_status: trio.TaskStatus[RunningBot],
) -> None:
    """Several instances share the chats (``SHARDS`` > 1): run the units this instance holds, as the membership
    takes and gives them up, until the log fails (see :mod:`trt_actors.shards`)."""
    log, settings = shared.log, shared.settings
    running: dict[str, tuple[trio.CancelScope, _Actors | None, trio.Event]] = {}

    async with trio.open_nursery() as units:

        async def run_unit(name: str, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
            unit = Unit.named(name)
            everyone = UnitStore(log, unit, narrow=False)
            store: EventStore = everyone if unit.index is None else UnitStore(log, unit)
            slug = "global" if unit.index is None else f"shard{unit.index}"
            stopped = trio.Event()
            with trio.CancelScope() as scope:
                try:
                    async with Supervisor.open(f"unit {name}", journal=shared.journal) as supervisor, \
                            _actors(shared, store, everyone) as actors:
                        running[name] = (scope, actors, stopped)
                        actors.register(metrics, prefix=f"{slug}_")
                        chats = unit.index is not None
                        for task, run in actors.tasks(chats=chats, everyone=not chats):
                            supervisor.start(task, run)
                        if not chats and settings.webhook_url is None:  # one instance polls: the global unit's
                            supervisor.start("receiver", shared.receiver.run_polling)
                        task_status.started()
                        await trio.sleep_forever()
                finally:
                    metrics.unregister(f"{slug}_")
                    running.pop(name, None)
                    stopped.set()

        async def start(name: str) -> None:
            await units.start(run_unit, name)

        async def stop(name: str) -> None:
            entry = running.get(name)
            if entry is not None:
                scope, _, stopped = entry
                scope.cancel()
                await stopped.wait()

        async def kie_callback(request: Request) -> Response:
            jobs = [actors.jobs for _, actors, _ in running.values() if actors is not None]
            handler = next((runner for runner in jobs if runner.runs(request)), jobs[0] if jobs else None)
            if handler is None:
                return Response.text("no job runs here yet; KIE calls back again or the job polls", 503)
            return await handler.handle_callback(request)

        if settings.webhook_url is not None:  # every instance takes webhooks; each update goes through the log
            root.start("receiver", _intake(shared.receiver, settings))
        else:
            root.start("tap-answers", shared.receiver.answers.run)
        root.start("admin-views", partial(_follow_admin_views, log, shared.blocks, shared.switches))
        server.activate(receiver=shared.receiver, metrics=metrics,
                        checks={"eventlog": lambda: log.healthy, "membership": lambda: membership.member},
                        kie_callback=kie_callback, events=telemetry.websocket)
        units.start_soon(partial(membership.run, start=start, stop=stop))
        while not membership.member:
            await trio.sleep(0.05)
        mode = "webhook" if settings.webhook_url else "polling"
        logger.info("bot running (%s, %d shards shared), HTTP on %s, log %s", mode, settings.shards,
                    shared.http_url, redacted(settings.db))
        task_status.started(RunningBot(
            log, shared.registry, shared.receiver, root, metrics, shared.http_url, mode, membership=membership,
            units=lambda: [actors for _, actors, _ in running.values() if actors is not None],
        ))
        failure = await log.wait_failed()
        units.cancel_scope.cancel()
    raise BotStopped(f"the event log cannot record any more ({failure}); stopping the bot")

async def drain(bot: RunningBot, *, timeout: float = DRAIN_SECONDS) -> bool:
    """A clean stop's first half: take no more updates, and let what is in flight finish, for ``timeout`` at
    most (every reactor at the log's head, the outbox and the tap answers idle). True when all finished.

    The second half is cancelling :func:`run_bot`, which stops the actors (a createTask in flight is still
    waited for), releases the lease and closes the log. What did not finish is done by the next instance.
    """
    bot.receiver.stop_intake()
    quiet = 0
    with trio.move_on_after(timeout):
        while quiet < 2:
            await trio.sleep(0.02)
            head = bot.log.statistics().writer.head_seq
            answers = bot.receiver.statistics().answers
            # A unit runs only some of its reactors (the global unit no router, a shard no checkout): the others
            # never move, and wait for nothing.
            caught_up = all(reactor.statistics().checkpoint >= head for reactor in bot.reactors if reactor.running)
            sending = any(actors.outbox.statistics().in_flight for actors in bot.everything())
            idle = caught_up and not (sending or answers.queued or answers.in_flight)
            quiet = quiet + 1 if idle else 0
        return True
    return False


async def _stopped_by(log: EventLog, leadership: Leadership) -> str:
    """Keep the lease until the log cannot write any more or the lease is lost; why the bot must stop."""
    reasons: list[str] = []
    async with trio.open_nursery() as watch:

        async def log_failed() -> None:
            failure = await log.wait_failed()
            reasons.append(f"the event log cannot record any more ({failure}); stopping the bot")
            watch.cancel_scope.cancel()

        async def lease_lost() -> None:
            lease = await leadership.keep()
            reasons.append(f"this instance lost the lease to {lease.holder} (epoch {lease.epoch}), which now "
                           "runs the bot; this one stops so that only one acts")
            watch.cancel_scope.cancel()

        watch.start_soon(log_failed)
        watch.start_soon(lease_lost)
    return reasons[0]


def _telemetry_out(where: str) -> TextIO | None:
    """Where the telemetry lines go: stdout, a file (appended, a line at a time), or nowhere."""
    if not where:
        return None
    if where == "stdout":
        return sys.stdout
    try:
        return open(where, "a", encoding="utf-8", buffering=1)  # noqa: SIM115 - closed when the bot stops
    except OSError as error:
        raise BotCannotStart(f"TELEMETRY is {where}, which cannot be written ({error.strerror}): give a writable "
                             "file, stdout, or nothing.") from None


@contextlib.asynccontextmanager
async def _opened_log(settings: Settings) -> AsyncIterator[EventLog]:
    """The bot's log; a PostgreSQL server that cannot be reached or is not a log is a sentence, not a traceback."""
    async with contextlib.AsyncExitStack() as stack:
        try:
            log = await stack.enter_async_context(open_log(settings.db, codec=CODEC))
        except EventLogError as error:
            raise BotCannotStart(f"TRT_DB: {error}") from None
        yield log


def _check_log_file(path: Path) -> None:
    """The log's folder exists and the file, if there is one, is an SQLite database we may write."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise BotCannotStart(f"TRT_DB is {path}, but the folder {folder} does not exist: create it, or set TRT_DB "
                             "to a file in an existing folder.")
    if not path.exists():
        if not os.access(folder, os.W_OK):
            raise BotCannotStart(f"TRT_DB is {path}, but the folder {folder} is not writable: fix its permissions, "
                                 "or set TRT_DB to a file in a writable folder.")
        return
    if not os.access(path, os.R_OK | os.W_OK):
        raise BotCannotStart(f"TRT_DB is {path}, but that file cannot be read and written: fix its permissions.")
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
            connection.execute("PRAGMA schema_version").fetchone()
    except sqlite3.DatabaseError as error:
        raise BotCannotStart(f"TRT_DB is {path}, which is not an SQLite database ({error}): set TRT_DB to the "
                             "bot's log, or to a new file.") from None


def _check_port(host: str, port: int) -> None:
    """Nothing else listens on the HTTP server's address (asked once at start, not retried for seconds)."""
    if port == 0:
        return
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise BotCannotStart(f"HTTP_PORT {port} on {host} cannot be used ({error.strerror}): stop what listens "
                                 "there, or set HTTP_PORT to a free port.") from None


async def _check_token(settings: Settings) -> User | None:
    """Telegram knows the token (``getMe``): the bot itself, or None when Telegram did not answer. Only a refusal
    stops the start: an unreachable Telegram is retried."""
    async with TelegramClient.from_settings(settings) as tg:
        try:
            with trio.move_on_after(10):
                return await tg.get_me()
        except (Unauthorized, NotFound):
            raise BotCannotStart("Telegram refused TELEGRAM_BOT_TOKEN (401 Unauthorized): copy the token again from "
                                 "@BotFather, or revoke it there and use the new one.") from None
        except TelegramError as error:
            logger.warning("getMe failed (%s); starting anyway, the receiver retries", error)
    return None


def _callback_secret(kie_api_key: Secret) -> Secret:
    """The key of the per-job callback tokens, derived from the KIE key (one-way: a token does not reveal it)."""
    return Secret(hmac.new(kie_api_key.reveal().encode(), b"trt-actors kie callback tokens", hashlib.sha256).hexdigest())


def _loopback(url: str) -> bool:
    return urlsplit(url).hostname in ("127.0.0.1", "localhost", "::1")


def _bot_id(settings: Settings) -> int:
    """The bot's id: the number before the colon of its token (0 if the token has another shape)."""
    head = settings.telegram_bot_token.reveal().partition(":")[0]
    return int(head) if head.isdigit() else 0


async def _serve(server: BotServer, settings: Settings, *, task_status: trio.TaskStatus[str]) -> None:
    """The HTTP server, from start to stop (passive, then active); ``task_status`` gets its base URL."""
    await server.run(settings.http_host, settings.http_port, task_status=task_status)


async def _follow_admin_views(log: EventLog, blocks: BlockList, switches: ModelSwitches) -> None:
    """Keep the admin's block list and model switches as the log has them, whichever instance's desk wrote them
    (with several instances, the desk that blocks a user is not the one that serves every chat)."""
    kinds = (UserBlocked.type_name(), UserUnblocked.type_name(), ModelSwitched.type_name())
    async for recorded in log.subscribe(log.statistics().writer.head_seq + 1, types=kinds):
        blocks.apply(recorded.event)
        switches.apply(recorded.event)


async def _record_declined(log: EventLog, passive: PassiveWebhook) -> None:
    """What this instance declined while it stood by, recorded now that it may write (``PassiveRejected``)."""
    declined = list(passive.declined)
    passive.declined.clear()
    if declined:
        await log.append([
            NewEvent(event_id=f"passive:{passive.instance}:{event.update_id}", stream=f"inbox:{chat}", event=event,
                     cid=f"passive:{event.update_id}", ts=time.time(), chat_id=chat, user_id=user)
            for chat, user, event in declined
        ])
