"""Where one update's CPU goes: our bot alone against the fake Bot API, per thread, per commit, per task step.

    python bench/hotpath.py                      # 3 bursts of 20,000 updates from 1,000 chats
    python bench/hotpath.py --rate 200 --burst 3000   # a steady 200 updates/s instead of a burst
    python bench/hotpath.py --steps              # also count trio task steps per update (one more run)
    python bench/hotpath.py --py-spy             # also profile one run with py-spy, if it is installed

``bench/pipeline.py`` compares the bot with aiogram; this one takes the bot
apart, with the same parts (the fake on one core, the bot pinned to the
other, the durable SQLite log, a warm-up first). For each run it prints the
updates/s, the CPU per update split by thread (user and system time from
``/proc``: the trio thread, the log's writer, the readers), the log's commits
and events per update (from ``/metrics``), and, with ``--steps``, how often
trio resumed a task per update and where those tasks had been parked (the
bot runs under ``bench/task_steps.py``, whose instrument slows it down, so
that run's CPU is left out of the figures). With ``--py-spy`` the profile's
GIL-holding samples are summed by file. Results go to ``bench/out/hotpath.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.pipeline import (  # noqa: E402
    ROOT,
    Bot,
    Control,
    Processes,
    Scenario,
    compile_ours,
    our_bot,
    plan_from,
    parse_args as pipeline_args,
    start_fake,
    warm_up,
)
from bench.pipeline_report import machine  # noqa: E402

_TICK = os.sysconf("SC_CLK_TCK")
_METRICS = re.compile(r"^(trt_eventlog_writer_(?:batches|events)_total) (\S+)$", re.M)


@dataclass
class Figures:
    """One run's figures, per update."""

    updates: int
    updates_per_s: float = 0.0
    cpu_us: float = 0.0
    threads_us: dict[str, tuple[float, float]] = field(default_factory=dict)  # name: (user, system)
    commits: float = 0.0
    events: float = 0.0
    steps: float | None = None
    steps_by_place: list[tuple[str, float]] = field(default_factory=list)


def _threads(pid: int) -> dict[str, tuple[int, int]]:
    """Each thread's (user, system) clock ticks, by ``tid:name``; the trio thread is the process's own."""
    found: dict[str, tuple[int, int]] = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            stat = Path(f"/proc/{pid}/task/{tid}/stat").read_text().rsplit(")", 1)[1].split()
            name = Path(f"/proc/{pid}/task/{tid}/comm").read_text().strip()
        except OSError:
            continue
        role = "trio" if tid == str(pid) else name
        found[f"{tid}:{role}"] = (int(stat[11]), int(stat[12]))
    return found


def _role(key: str) -> str:
    """trio names its worker threads (the log's reads run there); the log's writer thread has no OS name."""
    role = key.partition(":")[2]
    if role == "trio":
        return "trio (main) thread"
    if role.startswith("Trio thread"):
        return "trio worker threads (reads)"
    return "writer (and unnamed) threads"


def _metrics(port: int) -> dict[str, float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        text = response.read().decode()
    return {name: float(value) for name, value in _METRICS.findall(text)}


def _http_port(log: Path, timeout: float = 15.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = re.search(r"HTTP on http://127\.0\.0\.1:(\d+)", log.read_text(errors="replace"))
        if found:
            return int(found.group(1))
        time.sleep(0.05)
    raise RuntimeError(f"the bot did not say its HTTP port in {log}")


def _offer(control: Control, args: argparse.Namespace) -> None:
    if args.rate:
        control.feed(args.burst, float(args.rate), 3_000_000)
    else:
        control.enqueue(args.burst, args.chats, 0)


def _wait(control: Control, scenario: Scenario, count: int, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        stats = control.stats()
        if stats["answers"] >= count:
            return stats
        scenario.check_alive()
        if time.monotonic() > deadline:
            raise RuntimeError(f"the bot answered {stats['answers']:,} of {count:,} updates within {timeout:.0f} s")
        time.sleep(0.05)


def one_run(bot: Bot, control: Control, processes: Processes, scratch: Path, core: int | None,
            args: argparse.Namespace, *, steps: bool = False, py_spy: Path | None = None) -> Figures:
    plan = plan_from(pipeline_args(["--quick"]))
    steps_out = scratch / "steps.json"
    if steps:
        command, environment = bot.command, bot.environment
        bot = Bot(bot.name,
                  lambda where: [command(where)[0], str(ROOT / "bench" / "task_steps.py"), *command(where)[1:]],
                  lambda where: environment(where) | {"TASK_STEPS_OUT": str(steps_out)})
    scenario = Scenario(bot, control, processes, scratch, core)
    figures = Figures(updates=args.burst)
    try:
        scenario.start(plan.scenario_timeout)
        warm_up(scenario, plan)
        port = _http_port(scenario.log)
        pid = scenario.pid
        before, threads_before = _metrics(port), _threads(pid)
        if steps:
            os.kill(pid, signal.SIGUSR1)
        spy = None
        if py_spy is not None:
            spy = subprocess.Popen(["py-spy", "record", "--pid", str(pid), "--gil", "--rate", "250", "--format", "raw",
                                    "-o", str(py_spy)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(1.0)
        _offer(control, args)
        stats = _wait(control, scenario, args.burst, plan.scenario_timeout)
        threads_after, after = _threads(pid), _metrics(port)
        if steps:
            os.kill(pid, signal.SIGUSR2)
            deadline = time.monotonic() + 5
            while not steps_out.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
        if spy is not None:
            spy.send_signal(signal.SIGINT)
            spy.wait(timeout=60)
        n = args.burst
        started, last = stats["first_delivery_at"], stats["last_answer_at"]
        if started is not None and last is not None and float(last) > float(started):
            figures.updates_per_s = n / (float(last) - float(started))
        by_role: dict[str, list[float]] = {}
        for key, (user, system) in threads_after.items():
            user0, system0 = threads_before.get(key, (0, 0))
            spent = by_role.setdefault(_role(key), [0.0, 0.0])
            spent[0] += (user - user0) / _TICK * 1e6 / n
            spent[1] += (system - system0) / _TICK * 1e6 / n
        figures.threads_us = {role: (user, system) for role, (user, system) in by_role.items() if user + system > 0}
        figures.cpu_us = sum(user + system for user, system in figures.threads_us.values())
        figures.commits = (after.get("trt_eventlog_writer_batches_total", 0)
                           - before.get("trt_eventlog_writer_batches_total", 0)) / n
        figures.events = (after.get("trt_eventlog_writer_events_total", 0)
                          - before.get("trt_eventlog_writer_events_total", 0)) / n
        if steps and steps_out.exists():
            counted = json.loads(steps_out.read_text())
            figures.steps = counted["total"] / n
            figures.steps_by_place = [(place, count / n) for place, count in counted["by_place"]]
        return figures
    finally:
        scenario.stop()


def _profile_by_file(raw: Path) -> list[tuple[str, float]]:
    """py-spy's raw (collapsed) samples, the innermost frame's file summed, as shares of all samples."""
    by_file: Counter[str] = Counter()
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        leaf = stack.rsplit(";", 1)[-1]
        found = re.search(r"\(([^:)]+)", leaf)
        path = found.group(1) if found else leaf
        for marker in ("site-packages/", "/work/", str(ROOT) + "/"):
            path = path.split(marker)[-1]
        by_file[path] += int(count)
    total = sum(by_file.values()) or 1
    return [(path, count / total) for path, count in by_file.most_common(20)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--burst", type=int, default=20_000, help="updates per run (default 20,000)")
    parser.add_argument("--chats", type=int, default=1_000, help="chats they come from, in a burst (default 1,000)")
    parser.add_argument("--rate", type=int, default=0, help="a steady rate (updates/s, each from a new chat) instead")
    parser.add_argument("--runs", type=int, default=3, help="runs measured (default 3); the median is reported")
    parser.add_argument("--steps", action="store_true", help="one more run counting trio task steps per update")
    parser.add_argument("--py-spy", action="store_true", help="one more run under py-spy (if installed)")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "out" / "hotpath.json")
    args = parser.parse_args(argv)

    cores = sorted(os.sched_getaffinity(0))
    bot_core, fake_core = (cores[0], cores[1]) if len(cores) >= 2 else (None, None)
    scratch = Path(tempfile.mkdtemp(prefix="trt-hotpath-"))
    processes = Processes()
    info = machine()
    mode = f"a steady {args.rate} updates/s" if args.rate else f"bursts from {args.chats:,} chats"
    print(f"trt-actors hot path, {info['date']}: {args.runs} run(s) of {args.burst:,} updates, {mode}")
    print(f"machine: {info['nproc']} cores ({info['cpu_model']}), load average "
          f"{' '.join(f'{x:.2f}' for x in info['load_average_start'])}, Python {info['python']}")
    runs: list[Figures] = []
    result: dict[str, Any] = {"machine": info, "args": {k: str(v) for k, v in vars(args).items()}}
    try:
        if fake_core is not None:
            os.sched_setaffinity(0, {fake_core})
        _fake, base = start_fake(processes, fake_core, scratch)
        control = Control(base)
        compile_ours()
        bot = our_bot(base)
        for index in range(args.runs):
            figures = one_run(bot, control, processes, scratch / f"run{index}", bot_core, args)
            runs.append(figures)
            print(f"  run {index + 1}: {figures.updates_per_s:,.0f} updates/s, {figures.cpu_us:,.0f} µs CPU per update, "
                  f"{figures.commits:.2f} commits and {figures.events:.1f} events per update", flush=True)
        counted = (one_run(bot, control, processes, scratch / "steps", bot_core, args, steps=True)
                   if args.steps else None)
        profile: list[tuple[str, float]] = []
        if args.py_spy:
            if shutil.which("py-spy") is None:
                print("py-spy is not installed (pip install py-spy): no profile")
            else:
                raw = scratch / "profile.txt"
                one_run(bot, control, processes, scratch / "profile", bot_core, args, py_spy=raw)
                profile = _profile_by_file(raw) if raw.exists() else []
    finally:
        processes.stop_all()
        shutil.rmtree(scratch, ignore_errors=True)

    def median(values: list[float]) -> float:
        return statistics.median(values) if values else 0.0

    print(f"\nmedian of {len(runs)} run(s), per update:")
    print(f"  updates/s                      {median([r.updates_per_s for r in runs]):>9,.0f}")
    print(f"  CPU, all threads               {median([r.cpu_us for r in runs]):>9,.0f} µs")
    for role in sorted({role for r in runs for role in r.threads_us}):
        user = median([r.threads_us.get(role, (0.0, 0.0))[0] for r in runs])
        system = median([r.threads_us.get(role, (0.0, 0.0))[1] for r in runs])
        print(f"    {role:<28} {user:>9,.0f} µs user, {system:,.0f} µs system")
    print(f"  commits of the log             {median([r.commits for r in runs]):>9.2f}")
    print(f"  events appended                {median([r.events for r in runs]):>9.2f}")
    if counted is not None and counted.steps is not None:
        print(f"  trio task steps                {counted.steps:>9.2f}   (a run of its own, under bench/task_steps.py)")
        for place, per_update in counted.steps_by_place[:8]:
            print(f"    {per_update:5.2f}  parked in {place}")
    if profile:
        print("\npy-spy, GIL-holding samples by the file of the innermost frame (a run of its own):")
        for path, share in profile[:15]:
            print(f"  {share * 100:5.1f}%  {path}")
    result["runs"] = [asdict(r) for r in runs]
    result["steps"] = asdict(counted) if counted is not None else None
    result["profile_by_file"] = profile
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2))
    print(f"\nresults written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
