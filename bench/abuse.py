"""Bounded resources under abuse: the whole bot's memory and the latency of the other chats, at full size.

    python bench/abuse.py                  # the three scenarios at full size (about four minutes)
    python bench/abuse.py --quick          # a tenth of each load (about two minutes)
    python bench/abuse.py --json out.json  # the figures also as JSON (default bench/out/abuse.json)

The bot is ``run_bot`` in a process of its own (so its RSS is the bot's
alone), on a fresh durable SQLite log, against the Telegram emulator run by
this process over loopback HTTP; the emulator also plays every user. The
send budgets are raised out of the way (as in the other benches: Telegram's
30 messages/s would make the answer to 10,000 chats take five minutes
whatever the bot does), the rate limits are the defaults (``RATE_MESSAGES``
30/60), and sessions passivate after :data:`IDLE` seconds (600 in
production), so that "after passivation" comes within the run.

Each scenario starts a fresh bot, lets :data:`CALM` chats talk at a person's
pace (a ``/help`` every :data:`PACE` seconds each) for :data:`BASELINE`
seconds to measure their latency without abuse, then again during the abuse:

- **flood**: one chat sends 1,000 updates within one second (polling);
- **chats**: 10,000 distinct chats each send ``/start`` within one minute (polling);
- **bodies**: a client POSTs 1 MB bodies (one byte over the webhook's limit) to
  the webhook for :data:`BODIES_SECONDS` seconds over four connections, every
  other one with the right secret (webhook mode; the emulator delivers the
  calm chats' updates to the same webhook).

Latency is from the emulator queueing a calm chat's update to the bot's answer
arriving in that chat. Memory is the bot process's RSS: before the abuse
(after the baseline), the highest sampled during it (every 0.25 s), and once
every session of the abuse was passivated; ``/metrics`` is sampled with it for
the structural figures (live sessions, the router's and the outbox's pending
events, the users the rate limiter keeps, webhook handlers in flight). At the
end the log is read: every update recorded exactly once, every chat answered,
and the audit of ``python main.py audit`` passes.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
import trio

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.pipeline_report import machine  # noqa: E402
from tests.e2e.books import books_close, read_log  # noqa: E402
from tests.e2e.support import WEBHOOK_PATH, free_port  # noqa: E402
from trt_actors.actors.receiver import MAX_WEBHOOK_BODY, SECRET_HEADER  # noqa: E402
from trt_actors.events import UpdateReceived  # noqa: E402
from trt_actors.sandbox.telegram import TelegramEmulator, TelegramUser  # noqa: E402

TOKEN = "123456:ABUSE-bench-token"
SECRET = "abuse-bench-secret"
IDLE = 10.0
"""Seconds after which the bot passivates an idle session in this bench."""
CALM = 30
PACE = 3.0
BASELINE = 20.0
BODIES_SECONDS = 20.0
FIRST_CALM_CHAT = 500_000
FIRST_ABUSER = 1_000_000
_SAMPLE = re.compile(r"^(trt_[a-z0-9_]+) ([0-9.e+-]+)$", re.MULTILINE)
_WATCHED = {
    "live_sessions": "trt_sessions_live",
    "router_pending": "trt_router_pending",
    "router_lanes": "trt_router_lanes",
    "outbox_pending": "trt_outbox_pending",
    "limiter_windows": "trt_sessions_limited_users",
    "webhook_handlers": "trt_receiver_webhook_in_flight",
}


# -- the bot's process -----------------------------------------------------------------------------------


def serve_bot(config: dict[str, Any]) -> None:
    """The child: ``run_bot`` with ``config`` until killed; prints ``ready <http url>`` once it takes updates."""
    from dataclasses import replace

    from tests.e2e.conftest import fast
    from trt_actors.app import run_bot
    from trt_actors.config import Secret, Settings

    async def main() -> None:
        settings = Settings(
            telegram_bot_token=Secret(TOKEN), telegram_api_base=config["api_base"], db_path=Path(config["db"]),
            http_port=config["port"], lease_seconds=1.0, kie_api_base="http://127.0.0.1:9",
        )
        if config.get("webhook"):
            settings = replace(settings, webhook_url=f"http://127.0.0.1:{config['port']}{WEBHOOK_PATH}",
                               webhook_secret=Secret(SECRET))
        async with trio.open_nursery() as nursery:
            bot = await nursery.start(lambda task_status: run_bot(settings, idle_timeout=IDLE, throttle=fast(),
                                                                  task_status=task_status))
            while not (bot.receiver.running and bot.outbox.running):
                await trio.sleep(0.01)
            print(f"ready {bot.http_url}", flush=True)

    trio.run(main)


class Bot:
    """The bot's process, seen from outside: its RSS and its ``/metrics``."""

    def __init__(self, process: subprocess.Popen[bytes], url: str, http: httpx.AsyncClient) -> None:
        self.process = process
        self.url = url
        self.http = http

    def rss(self) -> int:
        """Resident memory now, in bytes."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise RuntimeError("no VmRSS")

    async def metrics(self) -> dict[str, float]:
        text = (await self.http.get(f"{self.url}/metrics")).text
        return {name: float(value) for name, value in _SAMPLE.findall(text)}


async def start_bot(db: Path, api_base: str, http: httpx.AsyncClient, *, webhook: bool) -> Bot:
    config = {"db": str(db), "api_base": api_base, "port": free_port(), "webhook": webhook}
    process = subprocess.Popen([sys.executable, __file__, "--serve-bot", json.dumps(config)],
                               stdout=subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert process.stdout is not None
    line = await trio.to_thread.run_sync(process.stdout.readline)
    if not line.startswith(b"ready "):
        process.kill()
        raise RuntimeError(f"the bot did not start: {line!r}")
    return Bot(process, line.split()[1].decode(), http)


def stop_bot(bot: Bot) -> None:
    bot.process.send_signal(signal.SIGKILL)  # a temporary log: nothing to save; the audit reads what it holds
    bot.process.wait()


# -- one run ------------------------------------------------------------------------------------------------


@dataclass
class Figures:
    scenario: str
    load: str
    rss_before: int = 0
    rss_peak: int = 0
    rss_after: int = 0
    peaks: dict[str, float] = field(default_factory=dict)
    after: dict[str, float] = field(default_factory=dict)
    calm_alone: list[float] = field(default_factory=list)
    calm_abused: list[float] = field(default_factory=list)
    checks: dict[str, object] = field(default_factory=dict)
    seconds: float = 0.0


@dataclass
class Run:
    """One scenario's bot, emulator, what was sent per chat, and the figures."""

    emulator: TelegramEmulator
    bot: Bot
    figures: Figures
    sent: Counter[int] = field(default_factory=Counter)

    async def send(self, user: TelegramUser, text: str) -> None:
        await user.send_text(text)
        self.sent[user.chat_id] += 1

    async def calm_chats(self, users: list[TelegramUser], seconds: float, latencies: list[float]) -> None:
        """Each user sends ``/help`` every :data:`PACE` seconds for ``seconds``; the time to each answer."""

        async def talk(user: TelegramUser, offset: float) -> None:
            await trio.sleep(offset)
            end = trio.current_time() + seconds - offset
            while trio.current_time() < end:
                began = trio.current_time()
                count = len(user.messages())
                await self.send(user, "/help")
                with trio.fail_after(120):
                    await user.wait_messages(count + 1)
                latencies.append(trio.current_time() - began)
                await trio.sleep(max(0.0, PACE - (trio.current_time() - began)))

        async with trio.open_nursery() as nursery:
            for index, user in enumerate(users):
                nursery.start_soon(talk, user, PACE * index / len(users))

    async def sample(self, stop: trio.Event) -> None:
        """RSS and the watched gauges every 0.25 s until ``stop``: their highest values."""
        figures = self.figures
        while not stop.is_set():
            figures.rss_peak = max(figures.rss_peak, self.bot.rss())
            metrics = await self.bot.metrics()
            for label, name in _WATCHED.items():
                figures.peaks[label] = max(figures.peaks.get(label, 0.0), metrics.get(name, 0.0))
            with trio.move_on_after(0.25):
                await stop.wait()

    async def wait_passivated(self) -> None:
        """Wait until no session is live (the calm chats are quiet too), then take the RSS and gauges after."""
        with trio.fail_after(IDLE * 6):
            while (await self.bot.metrics()).get("trt_sessions_live", 1.0) > 0:
                await trio.sleep(0.5)
        self.figures.rss_after = self.bot.rss()
        metrics = await self.bot.metrics()
        self.figures.after = {label: metrics.get(name, 0.0) for label, name in _WATCHED.items()}


# -- the abuse ---------------------------------------------------------------------------------------------


async def flood(run: Run, scale: float) -> None:
    """One chat sends ``1000 * scale`` updates within one second; then wait until each is recorded."""
    count = int(1000 * scale)
    flooder = run.emulator.user(FIRST_ABUSER, "Flood")
    started = trio.current_time()
    for index in range(count):
        await run.send(flooder, f"flood {index}")
        await trio.sleep_until(started + (index + 1) / count)
    run.figures.checks["flood_seconds"] = round(trio.current_time() - started, 2)
    with trio.fail_after(120):
        while (await run.bot.metrics()).get("trt_sessions_throttled_total", 0.0) < count - 30:
            await trio.sleep(0.25)
    with trio.fail_after(30):
        await flooder.wait_messages(31)
    await trio.sleep(1.0)
    run.figures.checks["flooder_answers"] = len(flooder.messages())


async def many_chats(run: Run, scale: float) -> None:
    """``10000 * scale`` new chats each send ``/start`` within a minute; then wait until each is answered."""
    count = int(10_000 * scale)
    seconds = 60.0 * max(scale, 0.25)
    users = [run.emulator.user(FIRST_ABUSER + n, f"New{n}") for n in range(count)]
    started = trio.current_time()
    for index, user in enumerate(users):
        await run.send(user, "/start")
        await trio.sleep_until(started + (index + 1) * seconds / count)
    run.figures.checks["chats_seconds"] = round(trio.current_time() - started, 2)
    with trio.fail_after(300):
        for user in users:
            await user.wait_messages(1)
    run.figures.checks["chats_answered"] = sum(1 for user in users if user.messages())


async def big_bodies(run: Run, scale: float) -> None:
    """POST bodies one byte over the webhook's limit for :data:`BODIES_SECONDS` over four connections."""
    body = b'{"update_id": 1, "message": {"text": "' + b"x" * MAX_WEBHOOK_BODY + b'"}}'
    body = body[: MAX_WEBHOOK_BODY + 1]
    statuses: Counter[int] = Counter()
    end = trio.current_time() + BODIES_SECONDS * max(scale, 0.5)

    async def client(index: int) -> None:
        async with httpx.AsyncClient(timeout=30.0, trust_env=False) as http:
            while trio.current_time() < end:
                headers = {"content-type": "application/json"}
                if (statuses.total() + index) % 2 == 0:
                    headers[SECRET_HEADER] = SECRET
                response = await http.post(f"{run.bot.url}{WEBHOOK_PATH}", content=body, headers=headers)
                statuses[response.status_code] += 1

    async with trio.open_nursery() as nursery:
        for index in range(4):
            nursery.start_soon(client, index)
    run.figures.checks["bodies_posted"] = statuses.total()
    run.figures.checks["bodies_statuses"] = {str(status): n for status, n in sorted(statuses.items())}
    run.figures.checks["body_bytes"] = len(body)


ABUSE = {"flood": flood, "chats": many_chats, "bodies": big_bodies}
LOADS = {
    "flood": lambda scale: f"{int(1000 * scale):,} updates from one chat in 1 s",
    "chats": lambda scale: f"{int(10_000 * scale):,} new chats in {60 * max(scale, 0.25):.0f} s",
    "bodies": lambda scale: f"1 MB + 1 B webhook bodies, 4 connections, {BODIES_SECONDS * max(scale, 0.5):.0f} s",
}


async def scenario(name: str, scale: float) -> Figures:
    figures = Figures(name, LOADS[name](scale))
    began = time.monotonic()
    with tempfile.TemporaryDirectory() as directory:
        db = Path(directory) / "abuse.sqlite3"
        async with TelegramEmulator.serve(token=TOKEN) as emulator, httpx.AsyncClient(
            timeout=30.0, trust_env=False
        ) as http:
            bot = await start_bot(db, emulator.api_base, http, webhook=name == "bodies")
            run = Run(emulator, bot, figures)
            try:
                calm = [emulator.user(FIRST_CALM_CHAT + n, f"Calm{n}") for n in range(CALM)]
                await run.calm_chats(calm, BASELINE, figures.calm_alone)
                await trio.sleep(1.0)
                figures.rss_before = bot.rss()
                stop = trio.Event()
                async with trio.open_nursery() as nursery:
                    nursery.start_soon(run.sample, stop)
                    async with trio.open_nursery() as load:
                        load.start_soon(run.calm_chats, calm, BASELINE, figures.calm_abused)
                        load.start_soon(ABUSE[name], run, scale)
                    stop.set()
                await run.wait_passivated()
                metrics = await bot.metrics()
                figures.checks["too_large"] = metrics.get("trt_receiver_too_large_total", 0.0)
                figures.checks["throttled"] = metrics.get("trt_sessions_throttled_total", 0.0)
            finally:
                stop_bot(bot)
            await audit(db, figures, run.sent)
    figures.seconds = time.monotonic() - began
    return figures


async def audit(db: Path, figures: Figures, sent: Counter[int]) -> None:
    """Every update recorded exactly once, and the books close."""
    events = await read_log(db)
    received = [r for r in events if isinstance(r.event, UpdateReceived)]
    recorded = Counter(r.chat_id for r in received if r.chat_id is not None)
    ids = [r.event.update_id for r in received if isinstance(r.event, UpdateReceived)]
    figures.checks["updates_sent"] = sent.total()
    figures.checks["updates_recorded"] = recorded.total()
    figures.checks["recorded_exactly_once"] = len(ids) == len(set(ids)) and recorded == sent
    figures.checks["audit_violations"] = len(await books_close(db))


# -- the report -----------------------------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


def _mib(size: int) -> str:
    return f"{size / 2**20:.0f}"


def print_table(runs: list[Figures]) -> None:
    print("| scenario | load | RSS before / peak / after passivation (MiB) | calm chats p50 / p99 alone (ms) "
          "| calm chats p50 / p99 under abuse (ms) | peak live sessions | peak router / outbox pending "
          "| peak limiter windows |")
    print("|---|---|---|---|---|---|---|---|")
    for f in runs:
        alone = f"{percentile(f.calm_alone, 0.5) * 1000:.0f} / {percentile(f.calm_alone, 0.99) * 1000:.0f}"
        abused = f"{percentile(f.calm_abused, 0.5) * 1000:.0f} / {percentile(f.calm_abused, 0.99) * 1000:.0f}"
        print(f"| {f.scenario} | {f.load} | {_mib(f.rss_before)} / {_mib(f.rss_peak)} / {_mib(f.rss_after)} "
              f"| {alone} ({len(f.calm_alone)}) | {abused} ({len(f.calm_abused)}) "
              f"| {f.peaks.get('live_sessions', 0):.0f} | {f.peaks.get('router_pending', 0):.0f} / "
              f"{f.peaks.get('outbox_pending', 0):.0f} | {f.peaks.get('limiter_windows', 0):.0f} |")
    print()
    for f in runs:
        checks = ", ".join(f"{key} {value}" for key, value in f.checks.items())
        print(f"{f.scenario}: {checks}; after passivation: "
              + ", ".join(f"{key} {value:.0f}" for key, value in f.after.items()) + f"; took {f.seconds:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of each load")
    parser.add_argument("--only", choices=sorted(ABUSE), action="append", help="run only these scenarios")
    parser.add_argument("--json", type=Path, default=Path(__file__).parent / "out" / "abuse.json",
                        help="where to write the figures")
    parser.add_argument("--serve-bot", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_bot:
        serve_bot(json.loads(args.serve_bot))
        return
    scale = 0.1 if args.quick else 1.0
    about = machine()
    runs = [trio.run(scenario, name, scale) for name in (args.only or list(ABUSE))]
    print(f"{about['cpu_model']}, {about['nproc']} CPUs, load average at start "
          f"{' '.join(f'{x:.2f}' for x in about['load_average_start'])}, Python {about['python']}")
    print(f"{CALM} calm chats, a /help every {PACE:.0f} s each; sessions passivate after {IDLE:.0f} s idle\n")
    print_table(runs)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({
        "machine": about, "scale": scale, "calm_chats": CALM, "pace": PACE, "idle": IDLE,
        "runs": [{**asdict(f), "calm_alone_p50": percentile(f.calm_alone, 0.5),
                  "calm_alone_p99": percentile(f.calm_alone, 0.99),
                  "calm_abused_p50": percentile(f.calm_abused, 0.5),
                  "calm_abused_p99": percentile(f.calm_abused, 0.99)} for f in runs],
    }, indent=2))
    print(f"\nwritten to {args.json}")


if __name__ == "__main__":
    main()
