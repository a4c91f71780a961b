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
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

import httpx
import trio

from eventlog import EventLog, EventLogError, EventStore, NewEvent, open_log, redacted
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
from trt_actors.http.bot_server import BotServer, readiness
from trt_actors.metrics import Metrics
from trt_actors.events import CODEC
from trt_actors.events.ops import BotIdentified
from trt_actors.invitations import Invitations
from trt_actors.kie import open_kie_client
from trt_actors.runtime import Reactor, Supervisor, SystemJournal
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
    """Handles on a running bot, for the demo, tests and tools."""

    log: EventLog
    registry: Registry
    sessions: Sessions
    receiver: UpdateReceiver
    router: Router
    outbox: Outbox
    ledger: Ledger
    refunds: Refunds
    jobs: JobRunner
    reactors: tuple[Reactor, ...]
    supervisor: Supervisor
    metrics: Metrics
    http_url: str
    mode: str
    leadership: Leadership | None = None
    promos: Promos | None = None


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


async def _identify(log: EventStore, me: User | None) -> str:
    """Record who Telegram says the bot is, when that is news; the username to build invitation links with."""
    if me is None or not me.username:
        return await recorded_bot_username(log)
    if me.username != await recorded_bot_username(log):
        await log.append([NewEvent(event_id=f"bot:{me.id}:{me.username}", stream=BOT_STREAM,
                                   event=BotIdentified(bot_id=me.id, username=me.username), cid=f"bot:{me.id}",
                                   ts=time.time())])
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
    _check_port(settings.http_host, settings.http_port)
    me = await _check_token(settings)
    async with _opened_log(settings) as log, trio.open_nursery() as serving:
        # Three clients: the long poll holds one connection for its whole timeout, and a job's uploads and
        # deliveries (files of many megabytes) must not keep the outbox's screens waiting.
        intake_tg = TelegramClient.from_settings(settings)
        outbox_tg = TelegramClient.from_settings(settings)
        jobs_tg = TelegramClient.from_settings(settings)
        telemetry_out = _telemetry_out(settings.telemetry)
        # Passive until this process holds the lease; from then on it alone writes (see actors/leadership.py).
        # Meanwhile the HTTP server answers: /health, /ready (503, passive) and, with a webhook, every user.
        leadership = Leadership(log, settings.instance_id or default_instance_id(), ttl=settings.lease_seconds)
        passive = PassiveWebhook(intake_tg, secret=settings.webhook_secret, instance=leadership.holder)
        server = BotServer(checks={"lease": lambda: leadership.running}, about=leadership.about,
                           passive=passive.handle if settings.webhook_url else None,
                           console=Console(settings.db, Login(settings.console_user, settings.console_password)))
        http_url: str = await serving.start(_serve, server, settings)
        await leadership.take()
        await _record_declined(log, passive)
        bot_username = await _identify(log, me)
        blocks = await BlockList.load(log)
        switches = await ModelSwitches.load(log)
        journal = SystemJournal(log)
        try:
            # The HTTP clients outlive the supervisor: a stop waits for a createTask in flight (see JobRunner).
            async with httpx.AsyncClient(
                timeout=httpx.Timeout(30.0, connect=10.0), follow_redirects=True
            ) as files_http, open_kie_client(settings) as kie, Supervisor.open(
                "root", journal=journal
            ) as root, Sessions.open(
                log, registry, journal=journal,
                idle_timeout=idle_timeout if idle_timeout is not None else settings.session_idle_seconds,
                max_live=settings.max_live_sessions,
                decider=decider_for(settings, registry, bot_username),
                limiter=RateLimiter(messages=settings.rate_messages, taps=settings.rate_taps),
                blocked=blocks.is_blocked, disabled=switches.disabled,
            ) as sessions, Ledger.open(log, journal=journal) as ledger, Promos.open(log, journal=journal) as promos:
                receiver = UpdateReceiver(
                    log, intake_tg, bot_id=_bot_id(settings), webhook_secret=settings.webhook_secret
                )
                broadcasts = Broadcasts(log)
                desk = AdminDesk(log, ledger, admin_ids=settings.admin_ids, blocks=blocks, switches=switches,
                                 models=[model.id for model in registry.models], broadcasts=broadcasts,
                                 kie_credits=kie.credit)
                router = Router(log, admin_route(desk, sessions.route), answer=receiver.answers.answer)
                budget = throttle or Throttle(
                    per_chat_rate=settings.send_rate_per_chat,
                    per_chat_burst=max(3.0, settings.send_rate_per_chat),
                    global_rate=settings.send_rate_global,
                    global_burst=max(30.0, settings.send_rate_global),
                )
                outbox = Outbox(log, outbox_tg, throttle=budget, head=lambda: log.statistics().writer.head_seq)
                checkout = Checkout(log, intake_tg, ledger, packages=settings.stars_packages)
                refunds = Refunds(log, outbox_tg, ledger)
                requests = LedgerRequests(log, ledger, welcome_credits=settings.welcome_credits)
                reports = LedgerReports(log, sessions.run)
                referrals = ReferralBonuses(log, ledger, bonus=settings.referral_bonus,
                                            free=settings.referral_bonus_free)
                growth = (FriendReports(log, sessions.run), PromoRedemptions(log, promos), PromoCredits(log, ledger),
                          PromoReports(log, sessions.run), AdminRequests(log, desk, ledger, refunds, promos, broadcasts))
                limits = JobLimits(
                    deadlines=settings.job_deadlines, max_running=settings.max_running_jobs,
                    callback_base=settings.kie_callback_base, callback_secret=_callback_secret(settings.kie_api_key),
                    hmac_key=settings.kie_webhook_hmac_key,
                )
                jobs = JobRunner(log, kie, jobs_tg, registry, http=files_http, limits=limits, journal=journal,
                                 throttle=budget)
                job_requests = JobRequests(log, jobs, ledger, registry)
                job_reactors = (
                    job_requests, JobSettlements(log, ledger), HoldOutcomes(log, jobs), JobReports(log, jobs, sessions.run),
                    AdminAlerts(log, outbox_tg, settings.admin_ids), Resends(log, jobs),
                )
                metrics = Metrics()
                metrics.register("eventlog", log.statistics)
                metrics.register("receiver", receiver.statistics)
                metrics.register("router", router.statistics)
                metrics.register("outbox", outbox.statistics)
                metrics.register("supervisor", root.statistics)
                metrics.register("sessions", sessions.statistics)
                metrics.register("ledger", ledger.statistics)
                metrics.register("ledger_requests", requests.statistics)
                metrics.register("ledger_reports", reports.statistics)
                metrics.register("checkout", checkout.statistics)
                metrics.register("refunds", refunds.statistics)
                metrics.register("referrals", referrals.statistics)
                metrics.register("jobs", jobs.statistics)
                metrics.register("lease", leadership.statistics)
                telemetry = Telemetry(log, out=telemetry_out, token=settings.events_token)
                metrics.register("telemetry", telemetry.statistics)
                for reaction in (*job_reactors, *growth):
                    metrics.register(reaction.reactor.name.replace("-", "_"), reaction.statistics)
                metrics.register("promos", promos.statistics)
                metrics.register("admin_desk", desk.statistics)
                metrics.register("broadcasts", broadcasts.statistics)
                server.activate(
                    receiver=receiver,
                    metrics=metrics,
                    checks=readiness(log, ("receiver", receiver), ("router", router), ("outbox", outbox),
                                     ("checkout", checkout.reactor), ("ledger-requests", requests.reactor),
                                     ("ledger-reports", reports.reactor), ("job-requests", job_requests.reactor),
                                     ("lease", leadership)),
                    kie_callback=jobs.handle_callback,
                    events=telemetry.websocket,
                )
                if limits.callback_base is None and _loopback(settings.kie_api_base):
                    # A KIE on this machine (the emulator) can call the bot's own server back.
                    jobs.limits = replace(limits, callback_base=http_url)
                root.start("jobs", jobs.run)
                root.start("outbox", outbox.run)
                root.start("router", router.run)
                root.start("checkout", checkout.run)
                root.start("ledger-requests", requests.run)
                root.start("ledger-reports", reports.run)
                root.start("hold-expiry", HoldExpiry(log, ledger).run)
                root.start("refunds", refunds.run)
                root.start("referrals", referrals.run)
                root.start("broadcasts", broadcasts.run)
                root.start("telemetry", telemetry.run)
                for reaction in (*job_reactors, *growth):
                    root.start(reaction.reactor.name, reaction.run)
                webhook_url = settings.webhook_url
                if webhook_url is not None:

                    async def run_webhook() -> None:
                        await receiver.run_webhook(f"{webhook_url}")

                    root.start("receiver", run_webhook)
                else:
                    root.start("receiver", receiver.run_polling)
                mode = "webhook" if webhook_url else "polling"
                logger.info("bot running (%s), HTTP on %s, log %s", mode, http_url, redacted(settings.db))
                task_status.started(
                    RunningBot(
                        log, registry, sessions, receiver, router, outbox, ledger, refunds, jobs,
                        (router.reactor, outbox.reactor, checkout.reactor, requests.reactor, reports.reactor,
                         refunds.reactor, referrals.reactor,
                         *(reaction.reactor for reaction in (*job_reactors, *growth))),
                        root, metrics, http_url, mode, leadership=leadership, promos=promos,
                    )
                )
                raise BotStopped(await _stopped_by(log, leadership))
        finally:
            with trio.CancelScope(shield=True):
                await intake_tg.aclose()
                await outbox_tg.aclose()
                await jobs_tg.aclose()
                if telemetry_out is not None and telemetry_out is not sys.stdout:
                    telemetry_out.close()
                await leadership.release()  # every actor has stopped: the standby may take over at once
                serving.cancel_scope.cancel()


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
            outbox, answers = bot.outbox.statistics(), bot.receiver.statistics().answers
            caught_up = all(reactor.statistics().checkpoint >= head for reactor in bot.reactors)
            idle = caught_up and not (outbox.in_flight or answers.queued or answers.in_flight)
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
