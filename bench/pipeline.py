"""The whole bot against an aiogram 3 echo bot, on the same fake Bot API, in one run.

    python bench/pipeline.py                  # 3 pairs: bursts of 20,000 updates, 15 s at 200 updates/s
    python bench/pipeline.py --quick          # 1 pair: bursts of 2,000, 5 s at 200/s (a minute or two)
    python bench/pipeline.py --json out.json  # results also as JSON (default bench/pipeline-results.json)
    python bench/pipeline.py --instances 1,2,3 --postgres URL --quick   # instances sharing a log (see below)

Both bots long-poll ``bench/fake_botapi.py``, a lean asyncio Bot API run as its
own process pinned to the second core; each bot runs pinned to the first core.
OUR bot is ``python main.py run`` with a fresh, durable SQLite log (fsync on)
and the send budgets raised out of the way; the other is a minimal aiogram 3
echo bot (``Dispatcher`` + ``Router``, ``message.answer(message.text)``,
``start_polling`` with its defaults) in a venv of its own, created on first use
and cached. Every text update gets exactly one message from either bot.

The bots take turns (``ours, aiogram`` then ``aiogram, ours``, …), and every
scenario starts a fresh process, which first answers 50 warm-up updates from
chats of their own (first-use costs are paid there, not in the figures):

- **burst**: N updates (from 1,000 chats, then each from its own chat) offered
  at once to an idle, polling bot. Updates/s is N over the time from the first
  ``getUpdates`` that returned updates to the last answer; CPU is the
  process's utime+stime (all threads) over the burst, divided by N; RSS is
  sampled every 0.1 s (the maximum and the value at the end are reported).
- **start-up**: from spawning the process to its first ``getUpdates`` (median
  of the three scenarios of a run). Our packages' bytecode is compiled before
  the first start, as ``pip install`` compiled aiogram's, and the bots run
  without ``PYTHONDONTWRITEBYTECODE``, as in a deployment.
- **latency**: a steady 200 updates/s, each from a new chat, after a short
  warm-up; the fake times each update from when it is offered to the bot's
  reply to its chat.

The summary gives the median over runs for each bot and the median of the
paired ratios ours/aiogram. The fake's own capacity is measured first, and its
CPU use during every burst is reported, so a saturated fake would show.

Its parts, in order: the fake's control client, process handling, the two
bots, the scenarios, the fake's capacity; the records and the printed report
are in ``bench/pipeline_report.py``.

``--instances 1,2,3 --postgres URL`` measures something else with the same
parts: our bot's bursts with several instances sharing one PostgreSQL log
(``bench/pipeline_instances.py`` says how).
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import http.client
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from types import FrameType
from typing import Any, Protocol

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.pipeline_report import (  # noqa: E402
    AIOGRAM,
    OURS,
    Burst,
    Latency,
    Plan,
    Run,
    filesystem_of,
    machine,
    print_runs,
    print_summary,
    summarise,
)

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:BENCH-token-0123456789abcdefXYZ"
_PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")
_TICK = os.sysconf("SC_CLK_TCK")

AIOGRAM_ECHO = '''"""A minimal aiogram 3 echo bot, written by bench/pipeline.py."""
import asyncio
import os

from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message

router = Router()


@router.message()
async def echo(message: Message) -> None:
    await message.answer(message.text)


async def main() -> None:
    session = AiohttpSession(api=TelegramAPIServer.from_base(os.environ["TELEGRAM_API_BASE"]))
    bot = Bot(os.environ["TELEGRAM_BOT_TOKEN"], session=session)
    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    await dispatcher.start_polling(bot)


asyncio.run(main())
'''


class BenchmarkError(Exception):
    """A step of the benchmark failed; the message says which and why."""


class DeadlineExceeded(Exception):
    """The whole run took longer than ``--deadline``: everything stops (not just one scenario)."""


# -- the fake's control API ------------------------------------------------------


class Control:
    """The harness's side of ``/_control/`` on the fake (stdlib HTTP, loopback only, no proxies)."""

    def __init__(self, base: str) -> None:
        match = re.fullmatch(r"http://(127\.0\.0\.1|localhost):(\d+)", base)
        if match is None:
            raise BenchmarkError(f"the fake Bot API must listen on loopback, not {base}")
        self.base = base
        self._host, self._port = match.group(1), int(match.group(2))
        self._connection = http.client.HTTPConnection(self._host, self._port, timeout=30)

    def _call(self, method: str, path: str, payload: dict[str, object] | None = None) -> Any:
        body = json.dumps(payload).encode() if payload is not None else None
        headers = {"Content-Type": "application/json"} if body else {}
        for attempt in (1, 2):
            try:
                self._connection.request(method, path, body=body, headers=headers)
                response = self._connection.getresponse()
                data = response.read()
                break
            except (OSError, http.client.HTTPException) as exc:
                self._connection.close()
                self._connection = http.client.HTTPConnection(self._host, self._port, timeout=30)
                if attempt == 2:
                    raise BenchmarkError(f"the fake Bot API did not answer {path}: {exc!r}") from exc
        decoded = json.loads(data)
        if not decoded.get("ok"):
            raise BenchmarkError(f"the fake Bot API refused {path}: {decoded}")
        return decoded["result"]

    def reset(self) -> None:
        self._call("POST", "/_control/reset")

    def enqueue(self, count: int, chats: int, chat_base: int) -> None:
        self._call("POST", "/_control/enqueue", {"count": count, "chats": chats, "chat_base": chat_base})

    def feed(self, count: int, rate: float, chat_base: int) -> None:
        self._call("POST", "/_control/feed", {"count": count, "rate": rate, "chat_base": chat_base})

    def stats(self, *, latencies: bool = False) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "/_control/stats" + ("?latencies=1" if latencies else ""))
        return result

    def close(self) -> None:
        self._connection.close()


# -- processes -------------------------------------------------------------------


class Processes:
    """Every process this run started, so that each one is ended however the run ends."""

    def __init__(self) -> None:
        self._running: list[subprocess.Popen[bytes]] = []

    def start(
        self, argv: list[str], *, core: int | None, env: dict[str, str], cwd: Path, log: Path, pipe_stdout: bool = False
    ) -> subprocess.Popen[bytes]:
        """Start ``argv`` in a session of its own, pinned to ``core``, its output into ``log``.

        With ``pipe_stdout`` only stderr goes to ``log`` and stdout can be read.
        """

        def pin() -> None:
            if core is not None:
                os.sched_setaffinity(0, {core})

        with open(log, "wb") as output:
            process = subprocess.Popen(
                argv,
                env=env,
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE if pipe_stdout else output,
                stderr=output,
                preexec_fn=pin,
                start_new_session=True,
            )
        self._running.append(process)
        return process

    def stop(self, process: subprocess.Popen[bytes], grace: float = 10.0) -> None:
        """SIGTERM, then SIGKILL after ``grace`` seconds, to the process's own session."""
        if process.poll() is None:
            _signal_group(process, signal.SIGTERM)
            try:
                process.wait(grace)
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait(5)
        else:
            _signal_group(process, signal.SIGKILL)  # anything it left behind in its session
        if process.stdout is not None:
            process.stdout.close()
        if process in self._running:
            self._running.remove(process)

    def stop_many(self, processes: list[subprocess.Popen[bytes]], grace: float = 10.0) -> None:
        """SIGTERM to all of ``processes`` at once, then :meth:`stop` each: they stop together, and none
        spends its grace taking over the work of another that stops first."""
        for process in processes:
            if process.poll() is None:
                _signal_group(process, signal.SIGTERM)
        for process in processes:
            self.stop(process, grace)

    def stop_all(self) -> None:
        for process in list(self._running):
            try:
                self.stop(process, grace=3.0)
            except (OSError, subprocess.TimeoutExpired):
                pass


def _signal_group(process: subprocess.Popen[bytes], signum: signal.Signals) -> None:
    try:
        os.killpg(process.pid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def cpu_seconds(pid: int) -> float:
    """utime + stime of the whole process (every thread), from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat", "rb") as stat:
        fields = stat.read().rpartition(b")")[2].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


def rss_mb(pid: int) -> float:
    """Resident set size in MiB, from /proc/<pid>/status (0 once the process is gone)."""
    try:
        with open(f"/proc/{pid}/status", "rb") as status:
            for line in status:
                if line.startswith(b"VmRSS:"):
                    return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return 0.0


def log_tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# -- the bots --------------------------------------------------------------------


@dataclass(frozen=True)
class Bot:
    """How to start one bot against the fake, in a scratch folder."""

    name: str
    command: Callable[[Path], list[str]]
    environment: Callable[[Path], dict[str, str]]


def _clean_environment() -> dict[str, str]:
    # Bytecode caches stay on, as in a deployment: a shell that sets PYTHONDONTWRITEBYTECODE would make our bot
    # (an editable install, never compiled by pip) compile every module at each start, and aiogram (compiled by
    # pip at install) not, which is a difference of the set-up and not of the bots.
    env = {k: v for k, v in os.environ.items() if k not in _PROXY_VARIABLES and k != "PYTHONDONTWRITEBYTECODE"}
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    return env


def our_bot(api_base: str) -> Bot:
    def environment(scratch: Path) -> dict[str, str]:
        env = _clean_environment()
        env.update(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE=api_base,
            TRT_DB=str(scratch / "trt.sqlite3"),
            HTTP_HOST="127.0.0.1",
            HTTP_PORT="0",
            SEND_RATE_GLOBAL="100000",
            SEND_RATE_PER_CHAT="100000",
            # No job is ordered here (every update is a text answered by the menu), so KIE is never called;
            # `run` still wants a key, and an unreachable base makes any call fail loudly, not silently.
            KIE_API_KEY="bench-kie-key",
            KIE_API_BASE="http://127.0.0.1:9",
        )
        env.pop("WEBHOOK_URL", None)
        return env

    return Bot(OURS, lambda scratch: [sys.executable, str(ROOT / "main.py"), "run"], environment)


def aiogram_bot(api_base: str, venv: Path) -> Bot:
    script = venv / "aiogram_echo.py"
    script.write_text(AIOGRAM_ECHO)

    def environment(scratch: Path) -> dict[str, str]:
        env = _clean_environment()
        env.update(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE=api_base)
        return env

    return Bot(AIOGRAM, lambda scratch: [str(venv / "bin" / "python"), str(script)], environment)


def compile_ours() -> None:
    """Write our packages' bytecode caches, as ``pip install`` does for aiogram's: start-up then measures the bot,
    not the compiler (a first start would compile, and with PYTHONDONTWRITEBYTECODE every start would)."""
    for package in ("trt_actors", "eventlog", "registry"):
        compileall.compile_dir(str(ROOT / package), quiet=1)


def ensure_aiogram(venv: Path, say: Callable[[str], None]) -> str:
    """aiogram's version in ``venv``, creating the venv and installing aiogram 3 when needed."""
    python = venv / "bin" / "python"
    probe = [str(python), "-c", "import aiogram; print(aiogram.__version__)"]
    if python.exists():
        found = subprocess.run(probe, capture_output=True, text=True, timeout=60)
        if found.returncode == 0 and found.stdout.strip().startswith("3."):
            return found.stdout.strip()
    say(f"installing aiogram 3 into {venv} (once; cached for later runs) ...")
    shutil.rmtree(venv, ignore_errors=True)
    venv.parent.mkdir(parents=True, exist_ok=True)
    created = subprocess.run([sys.executable, "-m", "venv", str(venv)], capture_output=True, text=True, timeout=300)
    if created.returncode != 0:
        raise BenchmarkError(f"could not create a venv at {venv}: {created.stderr.strip()[-500:]}")
    installed = subprocess.run(
        [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q", "aiogram>=3,<4"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    if installed.returncode != 0:
        raise BenchmarkError(f"pip could not install aiogram 3: {(installed.stderr or installed.stdout).strip()[-800:]}")
    found = subprocess.run(probe, capture_output=True, text=True, timeout=60)
    if found.returncode != 0:
        raise BenchmarkError(f"aiogram was installed but does not import: {found.stderr.strip()[-500:]}")
    return found.stdout.strip()


# -- one scenario ----------------------------------------------------------------


class Target(Protocol):
    """What a burst is measured on: one bot process (:class:`Scenario`) or several sharing a log."""

    @property
    def name(self) -> str: ...

    @property
    def control(self) -> Control: ...

    @property
    def pids(self) -> list[int]:
        """The bot's processes, whose CPU and RSS are summed."""
        ...

    def start(self, timeout: float) -> float:
        """Start the bot; the seconds until it is ready for updates."""
        ...

    def check_alive(self) -> None: ...

    def cpu_parts(self) -> dict[str, float]:
        """CPU seconds so far of each part worth telling apart (each instance, a database server); may be empty."""
        ...

    def stop(self) -> None: ...


class Scenario:
    """One fresh bot process against the reset fake: started, measured, stopped."""

    def __init__(self, bot: Bot, control: Control, processes: Processes, scratch: Path, core: int | None) -> None:
        self.bot, self.control, self.processes, self.core = bot, control, processes, core
        self.scratch = scratch
        scratch.mkdir(parents=True, exist_ok=True)
        self.log = scratch / "bot.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def name(self) -> str:
        return self.bot.name

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    @property
    def pids(self) -> list[int]:
        return [self.pid]

    def cpu_parts(self) -> dict[str, float]:
        return {}

    def start(self, timeout: float) -> float:
        """Spawn the bot; return the seconds until its first getUpdates reached the fake."""
        self.control.reset()
        spawned = time.monotonic()
        self.process = self.processes.start(
            self.bot.command(self.scratch),
            core=self.core,
            env=self.bot.environment(self.scratch),
            cwd=self.scratch,
            log=self.log,
        )
        while True:
            first = self.control.stats()["first_poll_at"]
            if first is not None:
                return float(first) - spawned
            self.check_alive()
            if time.monotonic() - spawned > timeout:
                raise BenchmarkError(f"{self.bot.name} did not poll within {timeout:.0f} s:\n{log_tail(self.log)}")
            time.sleep(0.02)

    def check_alive(self) -> None:
        assert self.process is not None
        if self.process.poll() is not None:
            raise BenchmarkError(
                f"{self.bot.name} exited with status {self.process.returncode}:\n{log_tail(self.log)}"
            )

    def stop(self) -> None:
        if self.process is not None:
            self.processes.stop(self.process)
        for leftover in self.scratch.glob("trt.sqlite3*"):
            leftover.unlink(missing_ok=True)


def run_burst(scenario: Target, plan: Plan, chats: int, chat_base: int) -> Burst:
    """Start ``scenario``, warm it up, offer the burst, measure it, stop it (CPU and RSS summed over its pids)."""
    try:
        burst = Burst(updates=plan.burst, chats=chats, startup_s=scenario.start(plan.scenario_timeout))
        warm_up(scenario, plan)
        pids, control = scenario.pids, scenario.control

        def cpu() -> float:
            return sum(cpu_seconds(pid) for pid in pids)

        def rss() -> float:
            return sum(rss_mb(pid) for pid in pids)

        burst.rss_idle_mb = rss()
        before = control.stats()
        cpu_before, parts_before = cpu(), scenario.cpu_parts()
        control.enqueue(plan.burst, chats, chat_base)
        deadline = time.monotonic() + plan.scenario_timeout
        peak = burst.rss_idle_mb
        while True:
            stats = control.stats()
            now_rss = rss()
            peak = max(peak, now_rss)
            burst.rss_samples.append((int(stats["answers"]), round(now_rss, 1)))
            if stats["answers"] >= plan.burst:
                break
            scenario.check_alive()
            if time.monotonic() > deadline:
                break
            time.sleep(0.1)
        cpu_after, parts_after = cpu(), scenario.cpu_parts()
        burst.rss_end_mb = rss()
        burst.rss_max_mb = max(peak, burst.rss_end_mb)
        burst.answered = int(stats["answers"])
        burst.completed = burst.answered >= plan.burst
        started, last = stats["first_delivery_at"], stats["last_answer_at"]
        if started is not None and last is not None:
            burst.seconds = float(last) - float(started)
            burst.updates_per_s = burst.answered / burst.seconds if burst.seconds > 0 else 0.0
        burst.cpu_ms_per_update = (cpu_after - cpu_before) * 1000 / max(1, burst.answered)
        burst.cpu_ms_by_part = {part: (parts_after[part] - spent) * 1000 / max(1, burst.answered)
                                for part, spent in parts_before.items() if part in parts_after}
        wall = float(stats["now"]) - float(before["now"])
        burst.fake_cpu_percent = 100 * (float(stats["cpu_s"]) - float(before["cpu_s"])) / wall if wall > 0 else 0.0
        time.sleep(0.5)
        burst.extra_sends = int(control.stats()["sends"]) - burst.answered
        if not burst.completed:
            raise BenchmarkError(
                f"{scenario.name} answered {burst.answered:,} of {plan.burst:,} updates "
                f"within {plan.scenario_timeout:.0f} s"
            )
        return burst
    finally:
        scenario.stop()


def run_latency(scenario: Scenario, plan: Plan) -> Latency:
    count = int(plan.rate * plan.latency_seconds)
    control = scenario.control
    try:
        latency = Latency(offered=count, startup_s=scenario.start(plan.scenario_timeout))
        warm_up(scenario, plan)
        before = control.stats()
        cpu_before = cpu_seconds(scenario.pid)
        control.feed(count, plan.rate, 3_000_000)
        stats = _wait_answers(scenario, count, plan.latency_seconds + 30)
        cpu_after = cpu_seconds(scenario.pid)
        stats = control.stats(latencies=True)
        latency.answered, latency.unmatched = int(stats["answers"]), int(stats["unmatched"])
        waits = sorted(1000 * float(s) for s in stats["latencies"])
        if waits:
            latency.p50_ms, latency.p99_ms, latency.max_ms = _rank(waits, 0.50), _rank(waits, 0.99), waits[-1]
        latency.cpu_ms_per_update = (cpu_after - cpu_before) * 1000 / max(1, latency.answered)
        wall = float(stats["now"]) - float(before["now"])
        latency.fake_cpu_percent = 100 * (float(stats["cpu_s"]) - float(before["cpu_s"])) / wall if wall > 0 else 0.0
        if latency.answered < count:
            raise BenchmarkError(f"{scenario.bot.name} answered {latency.answered:,} of {count:,} steady updates")
        return latency
    finally:
        scenario.stop()


def warm_up(scenario: Target, plan: Plan) -> None:
    """Let the started bot settle, answer ``plan.warmup`` updates from chats of their own, and settle again.

    Both bots pay first-use costs (lazy imports, connection pools, first
    sessions) on their first updates; the measurements that follow start warm,
    with the fake's counters reset.
    """
    time.sleep(plan.settle)
    scenario.check_alive()
    scenario.control.enqueue(plan.warmup, plan.warmup, 9_000_000)
    stats = _wait_answers(scenario, plan.warmup, plan.scenario_timeout)
    if stats["answers"] < plan.warmup:
        raise BenchmarkError(f"{scenario.name} answered {stats['answers']} of {plan.warmup} warm-up updates")
    time.sleep(plan.settle / 2)
    scenario.control.reset()


def _wait_answers(scenario: Target, count: int, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        stats = scenario.control.stats()
        if stats["answers"] >= count or time.monotonic() > deadline:
            return stats
        scenario.check_alive()
        time.sleep(0.05)


def _rank(ordered: list[float], p: float) -> float:
    return ordered[max(0, math.ceil(p * len(ordered)) - 1)]


def run_bot(bot: Bot, pair: int, plan: Plan, control: Control, processes: Processes, scratch: Path,
            core: int | None, say: Callable[[str], None]) -> Run:
    run = Run(bot=bot.name, pair=pair)
    for index, chats in enumerate(plan.burst_chats):
        label = f"burst {plan.burst:,} updates / {chats:,} chats"
        try:
            scenario = Scenario(bot, control, processes, scratch / f"{pair}-{bot.name}-burst{index}", core)
            burst = run_burst(scenario, plan, chats, chat_base=1_000_000 * (index + 1))
            run.bursts.append(burst)
            say(f"  pair {pair} {bot.name:<10} {label}: {burst.updates_per_s:,.0f} updates/s, "
                f"{burst.cpu_ms_per_update:.2f} CPU ms/update, RSS {burst.rss_max_mb:.0f} MB max, "
                f"start-up {burst.startup_s:.2f} s, fake CPU {burst.fake_cpu_percent:.0f}%")
        except BenchmarkError as error:
            run.errors.append(f"{label}: {error}")
            say(f"  pair {pair} {bot.name:<10} {label}: FAILED: {error}")
    try:
        scenario = Scenario(bot, control, processes, scratch / f"{pair}-{bot.name}-latency", core)
        run.latency = run_latency(scenario, plan)
        say(f"  pair {pair} {bot.name:<10} latency at {plan.rate}/s: p50 {run.latency.p50_ms:.1f} ms, "
            f"p99 {run.latency.p99_ms:.1f} ms, {run.latency.cpu_ms_per_update:.2f} CPU ms/update")
    except BenchmarkError as error:
        run.errors.append(f"latency: {error}")
        say(f"  pair {pair} {bot.name:<10} latency: FAILED: {error}")
    return run


# -- the fake --------------------------------------------------------------------


def start_fake(
    processes: Processes, core: int | None, scratch: Path, timeout: float = 15.0
) -> tuple[subprocess.Popen[bytes], str]:
    argv = [sys.executable, str(ROOT / "bench" / "fake_botapi.py"), "--host", "127.0.0.1", "--port", "0"]
    if core is not None:
        argv += ["--core", str(core)]
    log = scratch / "fake.log"
    process = processes.start(argv, core=core, env=_clean_environment(), cwd=ROOT, log=log, pipe_stdout=True)
    assert process.stdout is not None
    os.set_blocking(process.stdout.fileno(), False)
    deadline, seen = time.monotonic() + timeout, b""
    while b"\n" not in seen:
        if process.poll() is not None or time.monotonic() > deadline:
            raise BenchmarkError(f"the fake Bot API did not start (python bench/fake_botapi.py):\n{log_tail(log)}")
        seen += process.stdout.read() or b""
        time.sleep(0.02)
    return process, seen.split(b"\n")[0].decode().split()[-1]


@dataclass
class Capacity:
    seconds: float
    connections: int
    calls_per_s: float
    fake_cpu_percent: float
    fake_us_per_call: float

    @property
    def per_core(self) -> float:
        return 1e6 / self.fake_us_per_call if self.fake_us_per_call else math.inf


def measure_capacity(control: Control, client_core: int | None, seconds: float, connections: int = 8) -> Capacity:
    """sendMessage as fast as ``connections`` pipelining keep-alive clients can go, from the bot's core."""
    home = os.sched_getaffinity(0)
    if client_core is not None:
        os.sched_setaffinity(0, {client_core})
    try:
        control.reset()
        before = control.stats()
        calls = asyncio.run(_hammer(control.base, seconds, connections))
        after = control.stats()
    finally:
        os.sched_setaffinity(0, home)
        control.reset()
    wall = float(after["now"]) - float(before["now"])
    cpu = float(after["cpu_s"]) - float(before["cpu_s"])
    return Capacity(seconds, connections, calls / wall, 100 * cpu / wall, 1e6 * cpu / max(1, calls))


async def _hammer(base: str, seconds: float, connections: int, depth: int = 16) -> int:
    host, _, port = base.removeprefix("http://").partition(":")
    body = b'{"chat_id":42,"text":"capacity"}'
    request = (
        b"POST /bot%s/sendMessage HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n%s" % (TOKEN.encode(), host.encode(), len(body), body)
    )
    stop_at = time.monotonic() + seconds

    async def client() -> int:
        # Pipelined, so that one Python client can keep the fake busy: the fake's cost is what is measured.
        reader, writer = await asyncio.open_connection(host, int(port))
        calls = 0
        while time.monotonic() < stop_at:
            writer.write(request * depth)
            for _ in range(depth):
                head = await reader.readuntil(b"\r\n\r\n")
                length = re.search(rb"Content-Length: (\d+)", head)
                await reader.readexactly(int(length.group(1)) if length else 0)
            calls += depth
        writer.close()
        return calls

    return sum(await asyncio.gather(*(client() for _ in range(connections))))


# -- main ------------------------------------------------------------------------


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    def expire(signum: int, frame: FrameType | None) -> None:
        raise DeadlineExceeded(f"the benchmark ran past its deadline of {seconds:.0f} s (--deadline)")

    def terminate(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(f"stopped by signal {signum}")

    previous = signal.signal(signal.SIGALRM, expire), signal.signal(signal.SIGTERM, terminate)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous[0])
        signal.signal(signal.SIGTERM, previous[1])


def default_venv() -> Path:
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "trt-actors-bench" / "aiogram-venv"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1 pair, bursts of 2,000, 5 s of latency")
    parser.add_argument("--pairs", type=int, help="runs of each bot, alternating (default 3; quick 1)")
    parser.add_argument("--burst", type=int, help="updates per burst (default 20,000; quick 2,000)")
    parser.add_argument("--seconds", type=float, help="length of the steady-rate phase (default 15; quick 5)")
    parser.add_argument("--rate", type=int, default=200, help="updates per second in the steady phase")
    parser.add_argument("--json", type=Path, help="write results here (default bench/pipeline-results.json; "
                        "with --instances bench/out/pipeline-instances.json)")
    parser.add_argument("--aiogram-venv", type=Path, default=default_venv(), help="venv with aiogram 3 (made if missing)")
    parser.add_argument("--no-aiogram", action="store_true", help="measure our bot alone")
    parser.add_argument("--workdir", type=Path, default=None, help="scratch folder for logs and the bot's SQLite log")
    parser.add_argument("--deadline", type=float, help="stop everything after this many seconds (default 3600; quick 900)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder (bot logs) afterwards")
    several = parser.add_argument_group("several instances on one PostgreSQL log (no aiogram, no latency phase)")
    several.add_argument("--instances", type=_counts, help="instance counts to measure, e.g. 1,2,3")
    several.add_argument("--postgres", help="PostgreSQL URL; each burst gets a fresh schema there (dropped after, unless --keep)")
    several.add_argument("--shards", type=int, default=8, help="SHARDS for every instance (default 8)")
    args = parser.parse_args(argv)
    if args.instances is not None and not args.postgres:
        parser.error("--instances needs --postgres URL (the log the instances share)")
    if args.instances is not None and args.shards < 2:
        parser.error("--shards must be 2 or more: with SHARDS=1 one instance does everything")
    return args


def _counts(text: str) -> list[int]:
    try:
        counts = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of instance counts like 1,2,3: {text!r}") from None
    if not counts or any(count < 1 for count in counts):
        raise argparse.ArgumentTypeError(f"instance counts must be 1 or more, like 1,2,3: {text!r}")
    return counts


def plan_from(args: argparse.Namespace) -> Plan:
    burst = args.burst or (2_000 if args.quick else 20_000)
    return Plan(
        pairs=args.pairs or (1 if args.quick else 3),
        burst=burst,
        burst_chats=(min(1_000, burst), burst),
        rate=args.rate,
        latency_seconds=args.seconds or (5.0 if args.quick else 15.0),
        warmup=50,
        settle=1.0,
        scenario_timeout=180.0 if args.quick else 600.0,
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.instances is not None:
        # Imported here: that module imports this one (as ``bench.pipeline``), and runs everything from there.
        from bench.pipeline_instances import main as several_instances

        return several_instances(args)
    args.json = args.json or ROOT / "bench" / "pipeline-results.json"
    plan = plan_from(args)

    def say(text: str) -> None:
        print(text, flush=True)

    cores = sorted(os.sched_getaffinity(0))
    bot_core, fake_core = (cores[0], cores[1]) if len(cores) >= 2 else (None, None)
    scratch = Path(args.workdir or tempfile.mkdtemp(prefix="trt-pipeline-")).resolve()
    scratch.mkdir(parents=True, exist_ok=True)
    info = machine()
    info["bot_log_filesystem"] = filesystem_of(scratch)
    processes = Processes()
    runs: list[Run] = []
    result: dict[str, Any] = {"machine": info, "plan": asdict(plan), "runs": []}
    failed = False
    say(f"trt-actors pipeline benchmark ({'quick' if args.quick else 'full'}), {info['date']}")
    say(f"machine: {info['nproc']} cores ({info['cpu_model']}), load average "
        f"{' '.join(f'{x:.2f}' for x in info['load_average_start'])}, Python {info['python']}, "
        f"kernel {info['kernel']}")
    if bot_core is None:
        say("warning: only one usable core; nothing is pinned, so the fake competes with the bot")
    else:
        say(f"cores: bot on {bot_core}, fake Bot API (and this harness, mostly idle) on {fake_core}")
    say(f"scratch: {scratch} (the bot's SQLite log on {info['bot_log_filesystem']}, synchronous=FULL)")
    try:
        with deadline(args.deadline or (900.0 if args.quick else 3600.0)):
            if fake_core is not None:
                os.sched_setaffinity(0, {fake_core})
            fake, base = start_fake(processes, fake_core, scratch)
            control = Control(base)
            capacity = measure_capacity(control, bot_core, 1.0 if args.quick else 3.0)
            result["fake"] = {"url": base, "capacity": asdict(capacity) | {"per_core": capacity.per_core}}
            say(f"fake Bot API at {base}: {capacity.calls_per_s:,.0f} sendMessage/s from {capacity.connections} "
                f"pipelining keep-alive clients on the other core, at {capacity.fake_cpu_percent:.0f}% of its core "
                f"({capacity.fake_us_per_call:.0f} µs CPU per call: about {capacity.per_core:,.0f} calls/s per core)")
            compile_ours()
            bots = [our_bot(base)]
            aiogram_version: str | None = None
            if args.no_aiogram:
                result["aiogram"] = {"error": "skipped (--no-aiogram)"}
            else:
                try:
                    aiogram_version = ensure_aiogram(args.aiogram_venv.resolve(), say)
                    bots.append(aiogram_bot(base, args.aiogram_venv.resolve()))
                    result["aiogram"] = {"version": aiogram_version, "venv": str(args.aiogram_venv)}
                    say(f"aiogram {aiogram_version} from {args.aiogram_venv}")
                except (BenchmarkError, OSError, subprocess.TimeoutExpired) as error:
                    result["aiogram"] = {"error": str(error)}
                    say(f"ERROR: could not set up aiogram 3 in {args.aiogram_venv}, so only our bot is measured: {error}")
            say(f"plan: {plan.pairs} pair(s); bursts of {plan.burst:,} updates from "
                f"{' then '.join(f'{c:,}' for c in plan.burst_chats)} chats; {plan.latency_seconds:.0f} s at "
                f"{plan.rate} updates/s, each from a new chat\n")
            for pair in range(1, plan.pairs + 1):
                order = bots if pair % 2 == 1 else list(reversed(bots))
                for bot in order:
                    runs.append(run_bot(bot, pair, plan, control, processes, scratch, bot_core, say))
            processes.stop(fake)
            control.close()
    except (BenchmarkError, DeadlineExceeded, KeyboardInterrupt, SystemExit) as error:
        failed = True
        result["error"] = str(error) or type(error).__name__
        say(f"\nERROR: {result['error']}")
    finally:
        processes.stop_all()
    info["load_average_end"] = list(os.getloadavg())
    summary = summarise(runs, plan)
    result["runs"] = [asdict(run) | {"startup_s": run.startup_s} for run in runs]
    result["summary"] = summary
    with_aiogram = any(run.bot == AIOGRAM for run in runs)
    if runs:
        say("\nper run (RSS in MB; '!' marks a burst that did not finish):")
        print_runs(runs, plan)
        say("\nsummary (ratio: median over pairs of ours/aiogram):" if with_aiogram else "\nsummary (our bot alone):")
        print_summary(summary, with_aiogram)
        fake_peak = max([b.fake_cpu_percent for run in runs for b in run.bursts] or [0.0])
        say(f"\nfake Bot API CPU during bursts: at most {fake_peak:.0f}% of its core "
            f"({'not a bottleneck' if fake_peak < 70 else 'CLOSE TO SATURATION: treat burst figures as a lower bound'})")
        extra = sum(b.extra_sends for run in runs for b in run.bursts)
        extra += sum(run.latency.unmatched for run in runs if run.latency is not None)
        if extra:
            say(f"warning: {extra} messages beyond one per update were sent (answers are then matched by chat, FIFO)")
        for run in runs:
            for failure in run.errors:
                say(f"failure: pair {run.pair} {run.bot}: {failure.splitlines()[0]}")
    say(f"load average at the end: {' '.join(f'{x:.2f}' for x in info['load_average_end'])}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2, default=str) + "\n")
    say(f"results written to {args.json}")
    if args.keep or failed or any(run.errors for run in runs):
        say(f"bot logs kept in {scratch}")
    else:
        shutil.rmtree(scratch, ignore_errors=True)
    return 1 if failed or any(run.errors for run in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
