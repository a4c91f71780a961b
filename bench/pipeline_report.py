"""The pipeline benchmark's records and report: what one run measured, and the tables printed from it.

``bench/pipeline.py`` fills these records, one :class:`Run` per bot and pair,
and prints them with :func:`print_runs` and :func:`print_summary` (the median
of each figure over runs, and the median of the paired ratios ours/aiogram).
"""

from __future__ import annotations

import datetime
import math
import os
import platform
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

OURS, AIOGRAM = "trt-actors", "aiogram"


@dataclass(frozen=True)
class Plan:
    """What one invocation measures."""

    pairs: int
    burst: int
    burst_chats: tuple[int, ...]
    rate: int
    latency_seconds: float
    warmup: int
    settle: float
    scenario_timeout: float


@dataclass
class Burst:
    """One burst's figures; ``rss_samples`` are (answers so far, RSS MiB) every 0.1 s.

    CPU and RSS are summed over the bot's processes (one, or each instance
    sharing a log); ``cpu_ms_by_part`` splits the CPU per update among the
    parts its target tells apart (each instance, the database server), if any.
    """

    updates: int
    chats: int
    startup_s: float
    completed: bool = False
    answered: int = 0
    seconds: float = 0.0
    updates_per_s: float = 0.0
    cpu_ms_per_update: float = 0.0
    cpu_ms_by_part: dict[str, float] = field(default_factory=dict)
    rss_idle_mb: float = 0.0
    rss_max_mb: float = 0.0
    rss_end_mb: float = 0.0
    rss_samples: list[tuple[int, float]] = field(default_factory=list)
    fake_cpu_percent: float = 0.0
    extra_sends: int = 0


@dataclass
class Latency:
    """The steady-rate phase's figures (milliseconds from an update being offered to its answer)."""

    offered: int
    startup_s: float
    answered: int = 0
    p50_ms: float = math.nan
    p99_ms: float = math.nan
    max_ms: float = math.nan
    cpu_ms_per_update: float = 0.0
    fake_cpu_percent: float = 0.0
    unmatched: int = 0


@dataclass
class Run:
    """One bot's scenarios in one pair, and what failed."""

    bot: str
    pair: int
    bursts: list[Burst] = field(default_factory=list)
    latency: Latency | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def startup_s(self) -> float:
        starts = [b.startup_s for b in self.bursts] + ([self.latency.startup_s] if self.latency else [])
        return statistics.median(starts) if starts else math.nan


@dataclass(frozen=True)
class Metric:
    label: str
    better: str  # "higher" or "lower"
    value: Callable[[Run], float | None]
    digits: int = 2


def _burst_value(index: int, name: str) -> Callable[[Run], float | None]:
    def value(run: Run) -> float | None:
        if index < len(run.bursts) and run.bursts[index].completed:
            return float(getattr(run.bursts[index], name))
        return None

    return value


def _latency_value(name: str) -> Callable[[Run], float | None]:
    def value(run: Run) -> float | None:
        if run.latency is None or run.latency.answered < run.latency.offered:
            return None
        return float(getattr(run.latency, name))

    return value


def metrics(plan: Plan) -> list[Metric]:
    found: list[Metric] = []
    for index, chats in enumerate(plan.burst_chats):
        head = f"burst {_short(plan.burst)}/{_short(chats)} chats"
        found += [
            Metric(f"{head}: updates/s", "higher", _burst_value(index, "updates_per_s"), 0),
            Metric(f"{head}: CPU ms/update", "lower", _burst_value(index, "cpu_ms_per_update")),
            Metric(f"{head}: RSS max MB", "lower", _burst_value(index, "rss_max_mb"), 1),
            Metric(f"{head}: RSS end MB", "lower", _burst_value(index, "rss_end_mb"), 1),
            Metric(f"{head}: RSS growth MB", "lower", _growth(index), 1),
            Metric(f"{head}: RSS growth, 2nd half MB", "lower", _second_half_growth(index), 1),
        ]
    found += [
        Metric("start-up to first getUpdates s", "lower", lambda run: run.startup_s if run.bursts or run.latency else None),
        Metric(f"latency at {plan.rate}/s: p50 ms", "lower", _latency_value("p50_ms"), 1),
        Metric(f"latency at {plan.rate}/s: p99 ms", "lower", _latency_value("p99_ms"), 1),
        Metric(f"steady {plan.rate}/s: CPU ms/update", "lower", _latency_value("cpu_ms_per_update")),
    ]
    return found


def _second_half_growth(index: int) -> Callable[[Run], float | None]:
    """RSS at the end of the burst minus RSS when half of it was answered: near 0 when memory stays flat."""

    def value(run: Run) -> float | None:
        if index < len(run.bursts) and run.bursts[index].completed:
            burst = run.bursts[index]
            half = next((rss for answers, rss in burst.rss_samples if answers >= burst.updates // 2), None)
            return None if half is None else burst.rss_end_mb - half
        return None

    return value


def _short(count: int) -> str:
    return f"{count // 1000}k" if count >= 1000 and count % 1000 == 0 else f"{count:,}"


def _growth(index: int) -> Callable[[Run], float | None]:
    def value(run: Run) -> float | None:
        if index < len(run.bursts) and run.bursts[index].completed:
            return run.bursts[index].rss_max_mb - run.bursts[index].rss_idle_mb
        return None

    return value


def summarise(runs: list[Run], plan: Plan) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for metric in metrics(plan):
        ours = [v for run in runs if run.bot == OURS and (v := metric.value(run)) is not None]
        theirs = [v for run in runs if run.bot == AIOGRAM and (v := metric.value(run)) is not None]
        ratios = []
        for pair in sorted({run.pair for run in runs}):
            a = [metric.value(r) for r in runs if r.pair == pair and r.bot == OURS]
            b = [metric.value(r) for r in runs if r.pair == pair and r.bot == AIOGRAM]
            if a and b and a[0] is not None and b[0] is not None and b[0] != 0:
                ratios.append(a[0] / b[0])
        rows.append(
            {
                "metric": metric.label,
                "better": metric.better,
                "digits": metric.digits,
                "ours": statistics.median(ours) if ours else None,
                "aiogram": statistics.median(theirs) if theirs else None,
                "ratio": statistics.median(ratios) if ratios else None,
                "ratios": ratios,
            }
        )
    return rows


def format_number(value: float | None, digits: int) -> str:
    """``value`` with thousands separators and ``digits`` decimals; "—" when there is none."""
    if value is None or math.isnan(value):
        return "—"
    return f"{value:,.{digits}f}"


def print_runs(runs: list[Run], plan: Plan) -> None:
    heads = ["pair", "bot"]
    for chats in plan.burst_chats:
        heads += [f"{chats:,}ch upd/s", "CPU ms", "RSS max/end"]
    heads += ["start s", "p50 ms", "p99 ms"]
    rows = []
    for run in runs:
        row = [str(run.pair), run.bot]
        for index in range(len(plan.burst_chats)):
            if index < len(run.bursts):
                b = run.bursts[index]
                row += [format_number(b.updates_per_s, 0) + ("" if b.completed else "!"),
                        format_number(b.cpu_ms_per_update, 2), f"{b.rss_max_mb:.0f}/{b.rss_end_mb:.0f}"]
            else:
                row += ["failed", "—", "—"]
        lat = run.latency
        row += [format_number(run.startup_s, 2), format_number(lat.p50_ms if lat else None, 1),
                format_number(lat.p99_ms if lat else None, 1)]
        rows.append(row)
    print_table(heads, rows, left=2)


def print_summary(summary: list[dict[str, Any]], with_aiogram: bool) -> None:
    heads = ["metric (median over runs)", OURS] + ([AIOGRAM, "ours/aiogram", "better if"] if with_aiogram else [])
    rows = []
    for row in summary:
        line = [row["metric"], format_number(row["ours"], row["digits"])]
        if with_aiogram:
            ratio = row["ratio"]
            line += [format_number(row["aiogram"], row["digits"]), "—" if ratio is None else f"{ratio:.2f}x",
                     row["better"]]
        rows.append(line)
    print_table(heads, rows)


def print_table(heads: list[str], rows: list[list[str]], left: int = 1) -> None:
    """Print ``rows`` under ``heads`` in aligned columns, the first ``left`` of them left-aligned."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(heads)]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) if i < left else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    print(line(heads))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(line(row))


def machine() -> dict[str, Any]:
    model = platform.processor() or platform.machine()
    try:
        for text in Path("/proc/cpuinfo").read_text().splitlines():
            if text.startswith("model name"):
                model = text.partition(":")[2].strip()
                break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "usable_cores": sorted(os.sched_getaffinity(0)),
        "cpu_model": model,
        "load_average_start": list(os.getloadavg()),
        "python": platform.python_version(),
        "kernel": platform.release(),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }


def filesystem_of(path: Path) -> str:
    """The mount's filesystem type for ``path`` (where the bot's log lives: fsync cost depends on it)."""
    best, kind = "", "?"
    try:
        for entry in Path("/proc/mounts").read_text().splitlines():
            parts = entry.split()
            if len(parts) > 2 and str(path).startswith(parts[1]) and len(parts[1]) > len(best):
                best, kind = parts[1], parts[2]
    except OSError:
        pass
    return f"{kind} ({best or '?'})"
