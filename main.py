"""trt-actors: the command line. The only entry point of the product.

    python main.py --help
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

Command = Callable[[argparse.Namespace], int]


def _log_path(args: argparse.Namespace) -> str | None:
    """The log the command reads: ``--db``, else ``TRT_DB`` (a file, or a ``postgresql://`` URL)."""
    from eventlog import is_postgres
    from trt_actors.config import ConfigError, Settings

    if args.db is not None:
        target = str(args.db)
    else:
        try:
            target = Settings.from_env().db
        except ConfigError as error:
            print(error, file=sys.stderr)
            return None
    if not is_postgres(target) and not Path(target).is_file():
        print(f"There is no event log at {target}: set TRT_DB or pass --db PATH.", file=sys.stderr)
        return None
    return target


def _trace(args: argparse.Namespace) -> int:
    import trio

    from eventlog import EventLog, EventLogError, RecordedEvent, open_log
    from eventlog.trace import chain_json, render_chains, render_trace
    from trt_actors.events import CODEC
    from trt_actors.trace_view import actor_of, details

    path = _log_path(args)
    if path is None:
        return 2
    if args.cid is None and not args.last and args.chat is None:
        print("trace needs a cid, --last, or --chat CHAT (its recent chains)", file=sys.stderr)
        return 2

    async def chains_of(log: EventLog, chat: int) -> list[list[RecordedEvent]]:
        events = [r for stream in (f"inbox:{chat}", f"chat:{chat}", f"outbox:{chat}")
                  for r in await log.read_stream(stream)]
        chains: dict[str, list[RecordedEvent]] = {}
        for recorded in sorted(events, key=lambda r: r.seq):
            chains.setdefault(recorded.cid, []).append(recorded)
        return list(chains.values())[-20:]

    async def show() -> int:
        # Read-only: a running bot may be writing this file; tracing never changes it.
        async with open_log(path, codec=CODEC, readonly=True) as log:
            cid = args.cid
            if cid is None and args.chat is not None and not args.last:
                chains = await chains_of(log, args.chat)
                print(render_chains(chains))
                return 0 if chains else 1
            if cid is None and args.chat is not None:
                chains = await chains_of(log, args.chat)
                cid = chains[-1][0].cid if chains else None
            elif cid is None:  # --last: the newest update's chain
                updates: list[RecordedEvent] = []
                top = await log.last_seq()
                while not updates and top > 0:
                    updates = await log.read_from(max(1, top - 999), limit=1000, types=["UpdateReceived"])
                    top -= 1000
                cid = updates[-1].cid if updates else None
            chain = await log.read_cid(cid) if cid is not None else []
            committed = await log.commit_times(cid) if cid is not None else {}
        shown = chain_json if args.format == "json" else render_trace
        print(shown(chain, committed, actor=actor_of, details=details))
        return 0 if chain else 1

    try:
        return trio.run(show)
    except EventLogError as error:
        print(error, file=sys.stderr)
        return 2


def _since(text: str) -> float:
    """``--since``: a date (2026-12-01), a date and time (2026-12-01T10:00, UTC unless it says), or a Unix time."""
    from datetime import datetime, timezone

    try:
        return float(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--since wants a date such as 2026-12-01 or a Unix time, not {text!r}") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).timestamp()


def _replay(args: argparse.Namespace) -> int:
    import trio

    from eventlog import open_log
    from registry import load_valid_registry
    from trt_actors.config import ConfigError, Settings
    from trt_actors.events import CODEC
    from trt_actors.replay import chains, replay_chain
    from trt_actors.app import decider_for, recorded_bot_username

    if (args.cid is None) == (not args.all):
        print("replay needs a cid, or --all", file=sys.stderr)
        return 2
    path = _log_path(args)
    if path is None:
        return 2
    try:
        settings = Settings.from_env()
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    registry = load_valid_registry(markup=settings.price_markup)

    async def run() -> int:
        async with open_log(path, codec=CODEC, readonly=True) as log:
            decider = decider_for(settings, registry, await recorded_bot_username(log))
            cids = [args.cid] if args.cid is not None else await chains(log, since=args.since)
            differ = decisions = 0
            for cid in cids:
                result = await replay_chain(log, cid, decider=decider, welcome_credits=settings.welcome_credits,
                                            deadlines=settings.job_deadlines, referral_bonus=settings.referral_bonus,
                                            referral_free=settings.referral_bonus_free)
                decisions += result.decisions
                if args.cid is not None or not result.identical:
                    print(result.summary())
                for divergence in result.divergences:
                    print(f"  {divergence.line()}")
                differ += not result.identical
        if args.all:
            print(f"{len(cids)} chains, {decisions} decisions replayed: "
                  + ("all identical" if not differ else f"{differ} chain(s) differ"))
        return 1 if differ else 0

    return trio.run(run)


def _show_chat(args: argparse.Namespace) -> int:
    import trio

    from eventlog import open_log, redacted
    from trt_actors.events import CODEC
    from trt_actors.show_chat import conversation, render

    path = _log_path(args)
    if path is None:
        return 2

    async def show() -> int:
        async with open_log(path, codec=CODEC, readonly=True) as log:
            lines = await conversation(log, args.chat_id, at=args.at)
        if not lines:
            print(f"chat {args.chat_id} has nothing in {redacted(path)}" + (" by then" if args.at else ""),
                  file=sys.stderr)
            return 1
        print(render(lines))
        return 0

    return trio.run(show)


def _audit(args: argparse.Namespace) -> int:
    import time

    import trio

    from eventlog import EventLogError, RecordedEvent, open_log
    from trt_actors.events import CODEC
    from trt_actors.ledger.audit import audit
    from trt_actors.ledger.audit_report import render_csv, render_json, render_table, summary_line

    path = _log_path(args)
    if path is None:
        return 2

    async def read_all() -> list[RecordedEvent]:
        # Read-only: a running bot may be writing this file; auditing never changes it.
        async with open_log(path, codec=CODEC, readonly=True) as log:
            events: list[RecordedEvent] = []
            while page := await log.read_from(events[-1].seq + 1 if events else 1, 5000):
                events.extend(page)
            return events

    try:
        events = trio.run(read_all)
    except EventLogError as error:
        print(error, file=sys.stderr)
        return 2
    report = audit(events, now=time.time(), user=args.user, since=args.since)
    render = {"table": render_table, "csv": render_csv, "json": render_json}[args.format]
    print(render(report))
    if args.format != "table":  # the table ends with these lines already
        for violation in report.violations:
            print(violation.line(), file=sys.stderr)
        print(summary_line(report.summary), file=sys.stderr)
    return 0 if report.passed else 1


def _settle_garbage_collector() -> None:
    """After start-up: move what exists to the permanent generation, and collect the young one less often.

    Events, records and states hold no reference cycles (most are ``gc=False``
    structs), so the cyclic collector finds almost nothing to free, yet by
    default it walks every young container every 700 allocations; measured in
    ``bench/pipeline.py``.
    """
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


def _run(args: argparse.Namespace) -> int:
    import logging
    import signal

    import trio

    from eventlog import redacted
    from registry import RegistryError
    from trt_actors.app import BotCannotStart, BotStopped, RunningBot, drain, run_bot
    from trt_actors.config import ConfigError, Settings

    try:
        settings = Settings.from_env(require_telegram=True, require_kie=True)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    for warning in settings.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    async def serve() -> None:
        active: list[RunningBot] = []
        with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
            async with trio.open_nursery() as nursery:

                async def stop_on_signal() -> None:  # also while the bot stands by, passive
                    async for received in signals:
                        print(f"{signal.Signals(received).name}: stopping.", flush=True)
                        if active:
                            await drain(active[0])  # no more updates taken; what is in flight finishes (≤ 5 s)
                        nursery.cancel_scope.cancel()
                        return

                nursery.start_soon(stop_on_signal)
                bot = await nursery.start(run_bot, settings)
                active.append(bot)
                _settle_garbage_collector()
                print(f"trt-actors is running ({bot.mode}); HTTP on {bot.http_url}; log {redacted(settings.db)}. "
                      "Ctrl-C stops it.", flush=True)

    try:
        trio.run(serve)
    except RegistryError as error:
        print(error, file=sys.stderr)
        return 2
    except BaseExceptionGroup as group:
        refused, others = group.split(BotCannotStart)
        if refused is not None and others is None:
            for why in refused.exceptions:
                print(f"trt-actors cannot start: {why}", file=sys.stderr)
            return 2
        stopped, rest = group.split(BotStopped)
        if stopped is None or rest is not None:
            raise
        for reason in stopped.exceptions:
            print(f"trt-actors stopped: {reason}", file=sys.stderr)
        return 1
    except BotCannotStart as cannot:
        print(f"trt-actors cannot start: {cannot}", file=sys.stderr)
        return 2
    except BotStopped as stop:
        print(f"trt-actors stopped: {stop}", file=sys.stderr)
        return 1
    return 0


def _check(args: argparse.Namespace) -> int:
    import trio

    from trt_actors.check import run_checks
    from trt_actors.config import ConfigError, Settings

    try:
        settings = Settings.from_env(require_telegram=True, require_kie=True)
    except ConfigError as error:
        print(f"✗ settings: {error}", file=sys.stderr)
        return 2
    print("✓ settings: read and valid" + "".join(f" (warning: {w})" for w in settings.warnings))
    findings = trio.run(lambda: run_checks(settings, url=args.url))
    for finding in findings:
        print(finding.line())
    return 0 if all(finding.ok for finding in findings) else 1


def _tail(args: argparse.Namespace) -> int:
    import trio

    from eventlog import is_postgres, redacted
    from trt_actors.config import ConfigError, Settings
    from trt_actors.tail import Filters, TailRefused, tail

    try:
        settings = Settings.from_env()
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    url = args.url or f"http://{settings.http_host}:{settings.http_port}"
    db = args.db or settings.db
    filters = Filters(cid=args.cid, chat=args.chat, type=args.type)
    readable = is_postgres(db) or Path(db).is_file()
    try:
        trio.run(lambda: tail(filters, url=url, token=settings.events_token, db=db if readable else None,
                              out=sys.stdout, as_json=args.json, count=args.count))
    except TailRefused as refused:
        print(refused, file=sys.stderr)
        return 2
    except OSError as error:
        print(f"no bot answers at {url} and there is no log at {redacted(db)} ({error}): start the bot, or pass --db",
              file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0


def _console(args: argparse.Namespace) -> int:
    from functools import partial

    from trt_actors.config import ConfigError, Settings
    from trt_actors.console import Console, Login
    from trt_actors.console.serving import serve_console

    try:
        settings = Settings.from_env()
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    login = Login(settings.console_user, settings.console_password)
    path = _log_path(args)
    if path is None:
        return 2
    if not login.configured:
        print("warning: CONSOLE_USER and CONSOLE_PASSWORD are not both set: the console refuses everyone (401) "
              "until they are.", file=sys.stderr)
    return _serve_until_stopped(
        partial(serve_console, Console(path, login), args.host, args.port, sys.stdout),
        f"The console cannot listen on {args.host}:{args.port} (in use, or not allowed): pass another --port, "
        "or --port 0 for any free one.")


def _serve_until_stopped(start: Callable[..., Awaitable[object]], refused: str) -> int:
    """Run ``start`` (a trio task that reports ``task_status`` and serves until cancelled) until SIGINT or SIGTERM.

    An ``OSError`` as it starts (its port in use) prints ``refused`` and returns 2.
    """
    import signal

    import trio

    async def serve() -> None:
        with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
            async with trio.open_nursery() as nursery:
                await nursery.start(start)
                async for received in signals:
                    print(f"{signal.Signals(received).name}: stopping.", flush=True)
                    nursery.cancel_scope.cancel()
                    return

    try:
        trio.run(serve)
    except BaseExceptionGroup as group:
        failed, rest = group.split(OSError)
        if failed is None or rest is not None:
            raise
        print(refused, file=sys.stderr)
        return 2
    return 0


def _demo(args: argparse.Namespace) -> int:
    if args.web:
        return _web_demo(args)
    from trt_actors.demo import main as demo_main

    return demo_main()


def _web_demo(args: argparse.Namespace) -> int:
    import os
    from functools import partial

    from eventlog import is_postgres
    from trt_actors.demo import run_web_demo

    db = os.environ.get("TRT_DB")
    if db and is_postgres(db):
        print("demo --web keeps its log in an SQLite file: unset TRT_DB, or set it to a file (the scripted "
              "`demo` runs on PostgreSQL too)", file=sys.stderr)
        return 2
    return _serve_until_stopped(
        partial(run_web_demo, args.port, sys.stdout, Path(db) if db else None),
        f"The web chat cannot listen on port {args.port} (in use, or not allowed): pass another with --port, "
        "or --port 0 for any free one.")


def _sandbox(args: argparse.Namespace) -> int:
    from functools import partial

    from trt_actors.sandbox.standalone import WebChatOptions, serve_sandbox
    from trt_actors.sandbox.terminal_chat import read_lines, readable_now

    web = WebChatOptions(args.console, Path(args.db) if args.db else None) if args.web else None
    typed = read_lines(sys.stdin) if readable_now(sys.stdin) else None
    return _serve_until_stopped(
        partial(serve_sandbox, args.port, sys.stdout, typed, web=web),
        f"The emulators cannot listen on port {args.port}, {args.port + 1} or {args.port + 2} (in use, or not "
        "allowed): pass another with --port, or --port 0 for any free ones.")


def _migrate_log(args: argparse.Namespace) -> int:
    import time

    from eventlog import EventLogError
    from eventlog.moving import copy_log

    started = time.monotonic()

    def progress(copied: int) -> None:
        if copied % 100_000 == 0:
            print(f"  {copied:,} events copied ({time.monotonic() - started:.0f} s)", flush=True)

    try:
        report = copy_log(args.source, args.target, progress=progress)
    except EventLogError as error:
        print(f"migrate-log: {error}", file=sys.stderr)
        return 2
    print(f"{report.line()} ({time.monotonic() - started:.1f} s)")
    return 0


def _registry(args: argparse.Namespace) -> int:
    from registry.cli import main as registry_main

    return registry_main(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python main.py",
        description="trt-actors: a Telegram bot that sells KIE.ai generations for credits.",
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    def add(name: str, help: str, handler: Command) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help, description=help)
        sub.set_defaults(handler=handler)
        return sub

    add("run", "run the bot: long polling, or the webhook when WEBHOOK_URL is set (needs TELEGRAM_BOT_TOKEN)",
        _run)
    demo = add("demo", "run the whole bot locally against the Telegram and KIE emulators and show what happened "
               "(--web: chat with it in a browser instead)", _demo)
    demo.add_argument("--web", action="store_true",
                      help="no scripted users: serve a web chat to talk to the bot, until Ctrl-C")
    demo.add_argument("--port", type=int, default=8080, help="with --web: the web chat's port (default 8080; 0: any)")
    sandbox = add("sandbox", "serve the local Telegram and KIE emulators without our bot, to try any bot against "
                  "them; prints their URLs and a bot token, and lets you chat with the bot as a user", _sandbox)
    sandbox.add_argument("--port", type=int, default=8081,
                         help="the Telegram emulator's port; KIE gets the next one (default 8081; 0: any free ports)")
    sandbox.add_argument("--web", action="store_true",
                         help="also serve the user's chat as a web page, on the port after KIE's")
    sandbox.add_argument("--console", help="with --web: the base URL of the bot's HTTP server, to link each message "
                         "to its chain in the console (needs --db)")
    sandbox.add_argument("--db", help="with --web and --console: the bot's event log file, read for the chains")
    check = add("check", "before and after a deploy: the token, the webhook, KIE, the registry, the log "
                "(and a running instance), one line each; exit 1 on any failure", _check)
    check.add_argument("--url", help="the base URL of a running instance, to check its /health and /ready")
    trace = add("trace", "show the whole chain of events of one update (its cid), the newest (--last), or a chat's "
                "recent chains (--chat)", _trace)
    trace.add_argument("cid", nargs="?")
    trace.add_argument("--last", action="store_true", help="the newest update's chain (of --chat, if given)")
    trace.add_argument("--chat", type=int, help="without a cid: the chat's recent chains, one line each")
    trace.add_argument("--format", choices=("text", "json"), default="text")
    trace.add_argument("--db", help="the event log: a file or a postgresql:// URL (default: TRT_DB or ./trt.sqlite3)")
    replay = add("replay", "re-run a chain's session and ledger decisions offline from the log, show the first difference "
                 "(exit 1 when any differs); --all for every chain", _replay)
    replay.add_argument("cid", nargs="?")
    replay.add_argument("--all", action="store_true", help="every chain of the log (the golden-log check)")
    replay.add_argument("--since", type=_since, help="with --all: chains that started from this date or Unix time")
    replay.add_argument("--db", help="the event log: a file or a postgresql:// URL (default: TRT_DB or ./trt.sqlite3)")
    audit = add("audit", "tie every credit movement to its cause and check the books close (exit 1 on a violation)",
                _audit)
    audit.add_argument("--db", help="the event log: a file or a postgresql:// URL (default: TRT_DB or ./trt.sqlite3)")
    audit.add_argument("--user", type=int, help="only this user's ledger and payments")
    audit.add_argument("--since", type=_since, help="list movements from this date or Unix time on")
    audit.add_argument("--format", choices=("table", "csv", "json"), default="table")
    tail = add("tail", "follow the live events of a running bot (its /events WebSocket, EVENTS_TOKEN), or of the "
               "log file when no bot answers", _tail)
    tail.add_argument("--cid", help="only this chain")
    tail.add_argument("--chat", help="only this chat")
    tail.add_argument("--type", help="only this event type, such as UiRendered")
    tail.add_argument("--url", help="the running bot (default: http://HTTP_HOST:HTTP_PORT)")
    tail.add_argument("--db", help="the log file to follow when no bot answers (default: TRT_DB)")
    tail.add_argument("--json", action="store_true", help="the telemetry's JSON lines instead of text")
    tail.add_argument("--count", type=int, help="stop after this many lines")
    show_chat = add("show-chat", "the conversation of one chat as the user saw it (now, or --at a moment), from the log",
                    _show_chat)
    show_chat.add_argument("chat_id", type=int)
    show_chat.add_argument("--at", type=_since, help="as it looked then: a date and time (UTC) or a Unix time")
    show_chat.add_argument("--db", help="the event log: a file or a postgresql:// URL (default: TRT_DB or ./trt.sqlite3)")
    console = add("console", "serve the read-only web console over a log file, with no bot running "
                  "(login: CONSOLE_USER and CONSOLE_PASSWORD)", _console)
    console.add_argument("--db", help="the event log: a file or a postgresql:// URL (default: TRT_DB or ./trt.sqlite3)")
    console.add_argument("--host", default="127.0.0.1", help="the address to listen on (default 127.0.0.1)")
    console.add_argument("--port", type=int, default=8090, help="the port (default 8090; 0: any free one)")

    migrate = add("migrate-log", "copy a log into an empty store (SQLite to PostgreSQL, say) with every event id, seq "
                  "and cid intact, then verify counts and a checksum; stop the bot first", _migrate_log)
    migrate.add_argument("--from", dest="source", required=True, help="the log to copy: sqlite:PATH, a path, or a URL")
    migrate.add_argument("--to", dest="target", required=True,
                         help="the empty store to fill: postgresql://user@host/db (or sqlite:PATH)")
    registry = add("registry", "validate, sync and compare the model registry", _registry)
    from registry.cli import add_arguments as add_registry_arguments

    add_registry_arguments(registry)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Command = args.handler
    return handler(args)


if __name__ == "__main__":
    raise SystemExit(main())
