"""The whole bot, wired: the log, the registry, the actors and the HTTP server under one supervisor.

``run_bot`` is what ``python main.py run`` and ``python main.py demo`` start.
It refuses to start with an invalid registry (every defect listed), opens the
event log, and runs under one root :class:`~trt_actors.runtime.Supervisor`:

* the **sessions** region (one event-sourced session per chat);
* the **receiver**: long polling, or the webhook when ``WEBHOOK_URL`` is set;
* the **outbox**, which delivers every ``UiRendered`` from the log;
* the **HTTP server**: ``/telegram/webhook``, ``/health``, ``/ready``, ``/metrics``.

Example::

    async with trio.open_nursery() as nursery:
        bot = await nursery.start(run_bot, Settings.from_env(require_telegram=True))
        print(bot.http_url)
        ...
        nursery.cancel_scope.cancel()      # a clean stop
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import trio

from eventlog import SQLiteEventLog
from registry import Registry, load_valid_registry
from trt_actors.actors.outbox import Outbox
from trt_actors.actors.receiver import UpdateReceiver
from trt_actors.actors.session import Sessions
from trt_actors.actors.throttle import Throttle
from trt_actors.config import Settings
from trt_actors.http.bot_server import BotServer, readiness
from trt_actors.metrics import Metrics
from trt_actors.runtime import Supervisor, SystemJournal
from trt_actors.telegram import TelegramClient

__all__ = ["RunningBot", "run_bot"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunningBot:
    """Handles on a running bot, for the demo, tests and tools."""

    log: SQLiteEventLog
    registry: Registry
    sessions: Sessions
    receiver: UpdateReceiver
    outbox: Outbox
    supervisor: Supervisor
    metrics: Metrics
    http_url: str
    mode: str


async def run_bot(
    settings: Settings,
    *,
    registry: Registry | None = None,
    idle_timeout: float = 600.0,
    throttle: Throttle | None = None,
    task_status: trio.TaskStatus[RunningBot] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Run the bot until cancelled. ``task_status.started`` reports a :class:`RunningBot`.

    ``idle_timeout`` passivates a chat's session after that many idle seconds;
    ``throttle`` replaces the outbox's Telegram budgets (about 1 message/s per
    chat, 30/s in all) — tests that drive many chats quickly raise them.
    """
    if not settings.telegram_bot_token:
        raise ValueError("run_bot needs settings.telegram_bot_token; Settings.from_env(require_telegram=True) checks it")
    registry = registry if registry is not None else load_valid_registry(markup=settings.price_markup)
    async with SQLiteEventLog.open(settings.db_path) as log:
        journal = SystemJournal(log)
        # Two clients: the long poll holds one connection for its whole timeout.
        intake_tg = TelegramClient.from_settings(settings)
        outbox_tg = TelegramClient.from_settings(settings)
        try:
            async with Supervisor.open("root", journal=journal) as root, Sessions.open(
                log, registry, idle_timeout=idle_timeout, journal=journal
            ) as sessions:
                receiver = UpdateReceiver(log, intake_tg, sessions.route, webhook_secret=settings.webhook_secret)
                outbox = Outbox(log, outbox_tg, throttle=throttle, head=lambda: log.statistics().writer.head_seq)
                metrics = Metrics()
                metrics.register("eventlog", log.statistics)
                metrics.register("receiver", receiver.statistics)
                metrics.register("outbox", outbox.statistics)
                metrics.register("supervisor", root.statistics)
                metrics.register("sessions", sessions.statistics)
                server = BotServer(
                    receiver=receiver,
                    metrics=metrics,
                    checks=readiness(log, ("receiver", receiver), ("outbox", outbox)),
                )
                http_url: str = await _start_http(root, server, settings)
                root.start("outbox", outbox.run)
                webhook_url = settings.webhook_url
                if webhook_url is not None:

                    async def run_webhook() -> None:
                        await receiver.run_webhook(f"{webhook_url}")

                    root.start("receiver", run_webhook)
                else:
                    root.start("receiver", receiver.run_polling)
                mode = "webhook" if webhook_url else "polling"
                logger.info("bot running (%s), HTTP on %s, log %s", mode, http_url, settings.db_path)
                task_status.started(
                    RunningBot(log, registry, sessions, receiver, outbox, root, metrics, http_url, mode)
                )
                await trio.sleep_forever()
        finally:
            with trio.CancelScope(shield=True):
                await intake_tg.aclose()
                await outbox_tg.aclose()


async def _start_http(root: Supervisor, server: BotServer, settings: Settings) -> str:
    """Start the HTTP server under ``root`` and return its base URL once it listens."""
    bound: list[str] = []
    listening = trio.Event()

    async def serve_http() -> None:
        async def run(*, task_status: trio.TaskStatus[str] = trio.TASK_STATUS_IGNORED) -> None:
            await server.run(settings.http_host, settings.http_port, task_status=task_status)

        async with trio.open_nursery() as nursery:
            url: str = await nursery.start(run)
            bound.append(url)
            listening.set()

    root.start("http", serve_http)
    await listening.wait()
    return bound[0]
