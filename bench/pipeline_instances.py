"""Our bot's bursts with 1, 2, 3… instances sharing one PostgreSQL event log, against one instance on SQLite.

    python bench/pipeline.py --instances 1,2,3 --postgres postgresql://postgres@127.0.0.1:55432/postgres --quick
    python bench/pipeline.py --instances 1,2,3 --postgres URL --shards 8     # 3 rounds, bursts of 20,000

The same fake Bot API, warm-up and burst as ``bench/pipeline.py`` (its
:func:`~bench.pipeline.run_burst`), on a :class:`Cluster` instead of one
process. The layouts, in turn in every round (reversed every other round):

- **SQLite, 1 instance**: the bot exactly as the pipeline runs it (a fresh
  SQLite file, ``SHARDS`` unset): the baseline;
- **PostgreSQL, 1 instance, SHARDS unset**: what the store alone costs;
- **PostgreSQL, n instances, SHARDS=k** for each n of ``--instances``: every
  instance is ``python main.py run`` with the same ``TRT_DB`` (a fresh schema,
  dropped afterwards), ``SHARDS=k``, its own ``INSTANCE_ID=bench-<i>`` and
  ``HTTP_PORT``, and ``LEASE_SECONDS=5``. The burst starts only once the
  instances own all ``k + 1`` units between them (``/ready``'s ``units``),
  none more than ``ceil((k + 1) / n)``, and the owner of ``active`` polls.

Updates/s is the burst over the time from the first ``getUpdates`` that
returned updates to the last answer, as in the pipeline; CPU per update is
summed over every instance (and split per instance); the PostgreSQL server's
CPU is the whole server's (its postmaster and every child), measured when it
runs on this machine, so anything else using that server counts too.

Instances are pinned round-robin to the cores, the first on the pipeline's
bot core; with fewer than three cores they share them with the fake and the
PostgreSQL server (not pinned), and the report says so.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import math
import os
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
from psycopg.conninfo import conninfo_to_dict

from bench.pipeline import (
    ROOT,
    BenchmarkError,
    Bot,
    Control,
    DeadlineExceeded,
    Processes,
    cpu_seconds,
    deadline,
    log_tail,
    measure_capacity,
    our_bot,
    plan_from,
    run_burst,
    start_fake,
)
from bench.pipeline_report import (
    Burst,
    Plan,
    filesystem_of,
    format_number,
    machine,
    print_table,
)
from eventlog.targets import redacted

__all__ = ["Cluster", "Layout", "LogServer", "main"]

LEASE_SECONDS = 5
BALANCE_TIMEOUT = 60.0
_COMPLAINTS = (b"WARNING", b"ERROR", b"CRITICAL", b"Traceback")


@dataclass(frozen=True)
class Layout:
    """One way of running the bot: its store, how many instances, and ``SHARDS`` (1: unset)."""

    store: str  # "sqlite" or "postgresql"
    instances: int
    shards: int = 1

    @property
    def label(self) -> str:
        sharing = f"SHARDS={self.shards}" if self.shards > 1 else "SHARDS unset"
        return f"{self.store}, {self.instances} instance{'s' if self.instances > 1 else ''}, {sharing}"

    @property
    def units(self) -> int:
        """How many units the instances share: the shards and the global one."""
        return self.shards + 1 if self.shards > 1 else 1

    @property
    def share(self) -> int:
        """The most units one instance may own once they are balanced."""
        return math.ceil(self.units / self.instances)


def layouts(counts: list[int], shards: int) -> list[Layout]:
    return [Layout("sqlite", 1), Layout("postgresql", 1)] + [Layout("postgresql", n, shards) for n in counts]


@dataclass
class Sample:
    """One burst on one layout: the figures, who owned which unit, and what the instances complained of."""

    layout: Layout
    round: int
    chats: int
    burst: Burst | None = None
    ready_s: float = math.nan
    owners: dict[str, list[str]] = field(default_factory=dict)
    moved: list[str] = field(default_factory=list)
    """Units whose owner at the end of the burst is not the one it had when the instances were ready."""
    complaints: dict[str, list[str]] = field(default_factory=dict)
    """Each instance's warning and error lines (the first few distinct ones)."""
    error: str | None = None


# -- the shared log ----------------------------------------------------------------


class LogServer:
    """The PostgreSQL server the instances share: a fresh schema for every burst, and the server's CPU.

    The CPU is read from ``/proc`` (the postmaster, what it reaped, and its
    live children) when the server runs on this machine; otherwise None.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self._numbers = itertools.count(1)
        try:
            with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
                row = conn.execute("SELECT pg_backend_pid(), current_setting('server_version')").fetchone()
        except psycopg.Error as error:
            raise BenchmarkError(f"cannot connect to the PostgreSQL server at {redacted(url)}: {error}") from error
        assert row is not None
        self.version = str(row[1])
        host = conninfo_to_dict(url).get("host")
        self.postmaster = _postmaster_of(int(row[0]), None if host is None else str(host))

    def fresh(self) -> tuple[str, str]:
        """A new, empty schema: its name, and the URL whose ``search_path`` is that schema."""
        schema = f"bench_{os.getpid()}_{next(self._numbers)}"
        try:
            with psycopg.connect(self.url, autocommit=True, connect_timeout=10) as conn:
                conn.execute(f'CREATE SCHEMA "{schema}"')
        except psycopg.Error as error:
            raise BenchmarkError(f"could not create the schema {schema} at {redacted(self.url)}: {error}") from error
        joiner = "&" if "?" in self.url else "?"
        return schema, f"{self.url}{joiner}options={quote(f'-csearch_path={schema}')}"

    def drop(self, schema: str) -> None:
        try:
            with psycopg.connect(self.url, autocommit=True, connect_timeout=10) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        except psycopg.Error as error:
            raise BenchmarkError(f"could not drop the schema {schema} at {redacted(self.url)} ({error}): "
                                 f"drop it by hand, DROP SCHEMA \"{schema}\" CASCADE") from error

    def cpu_seconds(self) -> float | None:
        if self.postmaster is None:
            return None
        total = 0.0
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            fields = _stat_fields(int(entry.name))
            if fields is None:
                continue
            if int(entry.name) == self.postmaster:
                total += sum(int(value) for value in fields[11:15]) / _TICK  # its own time, and its reaped children's
            elif int(fields[1]) == self.postmaster:
                total += (int(fields[11]) + int(fields[12])) / _TICK
        return total


_TICK = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[bytes] | None:
    """/proc/<pid>/stat after the command's name (state, ppid, …), or None once the process is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rpartition(b")")[2].split()
    except OSError:
        return None


def _postmaster_of(backend: int, host: str | None) -> int | None:
    """The server's postmaster, the parent of our own backend, when both are processes of this machine."""
    if host not in (None, "", "127.0.0.1", "localhost", "::1") and not str(host).startswith("/"):
        return None
    try:
        if Path(f"/proc/{backend}/comm").read_text().strip() != "postgres":
            return None
        fields = _stat_fields(backend)
        return int(fields[1]) if fields is not None else None
    except OSError:
        return None


# -- several instances -------------------------------------------------------------


class Cluster:
    """The instances of one :class:`Layout` on a fresh log: started, waited for, measured, stopped.

    It is a :class:`~bench.pipeline.Target`, so the pipeline's burst runs on
    it unchanged: CPU and RSS are summed over :attr:`pids`, and
    :meth:`cpu_parts` tells each instance and the database server apart.
    """

    def __init__(self, layout: Layout, bot: Bot, control: Control, processes: Processes, scratch: Path,
                 cores: list[int | None], server: LogServer | None, keep: bool) -> None:
        self.layout, self.bot, self.control, self.processes = layout, bot, control, processes
        self.scratch, self.cores, self.server, self.keep = scratch, cores, server, keep
        scratch.mkdir(parents=True, exist_ok=True)
        self.instances = [f"bench-{index}" for index in range(1, layout.instances + 1)]
        self.ports = _free_ports(layout.instances)
        self.running: list[subprocess.Popen[bytes]] = []
        self.schema: str | None = None
        self.owners_ready: dict[str, list[str]] = {}
        self.owners_end: dict[str, list[str]] = {}

    @property
    def name(self) -> str:
        return self.layout.label

    @property
    def pids(self) -> list[int]:
        return [process.pid for process in self.running]

    def log(self, instance: str) -> Path:
        return self.scratch / f"{instance}.log"

    def start(self, timeout: float) -> float:
        """Start every instance; the seconds until they own all units, balanced, and one of them polls."""
        self.control.reset()
        if self.layout.store == "postgresql":
            if self.server is None:
                raise BenchmarkError("a PostgreSQL layout needs --postgres URL")
            self.schema, target = self.server.fresh()
        else:
            target = str(self.scratch / "trt.sqlite3")
        spawned = time.monotonic()
        for index, instance in enumerate(self.instances):
            self.running.append(self.processes.start(
                self.bot.command(self.scratch), core=self.cores[index % len(self.cores)],
                env=self._environment(instance, self.ports[index], target), cwd=self.scratch, log=self.log(instance),
            ))
        self._wait_ready(spawned, min(timeout, BALANCE_TIMEOUT))
        return time.monotonic() - spawned

    def _environment(self, instance: str, port: int, target: str) -> dict[str, str]:
        env = self.bot.environment(self.scratch)
        for name in ("SHARDS", "INSTANCE_ID", "LEASE_SECONDS"):
            env.pop(name, None)
        env["TRT_DB"] = target
        if self.layout.store == "sqlite":
            return env  # the baseline: the bot exactly as the pipeline runs it
        env.update(INSTANCE_ID=instance, HTTP_PORT=str(port), LEASE_SECONDS=str(LEASE_SECONDS))
        if self.layout.shards > 1:
            env["SHARDS"] = str(self.layout.shards)
        return env

    def _wait_ready(self, spawned: float, timeout: float) -> None:
        while True:
            polled = self.control.stats()["first_poll_at"] is not None
            owners = self.owners() if self.layout.shards > 1 else {}
            if polled and (self.layout.shards == 1 or self._balanced(owners)):
                self.owners_ready = owners
                return
            self.check_alive()
            if time.monotonic() - spawned > timeout:
                raise BenchmarkError(self._not_ready(owners, polled, timeout))
            time.sleep(0.1)

    def owners(self) -> dict[str, list[str]]:
        """The units each instance says it owns (``/ready``); an instance that does not answer is left out."""
        found: dict[str, list[str]] = {}
        for instance, port in zip(self.instances, self.ports):
            about = _ready(port)
            if about is not None and isinstance(about.get("units"), list):
                found[instance] = [str(unit) for unit in about["units"]]
        return found

    def _balanced(self, owners: dict[str, list[str]]) -> bool:
        owned = [unit for units in owners.values() for unit in units]
        return (len(owners) == self.layout.instances and len(owned) == len(set(owned)) == self.layout.units
                and "active" in owned and max(len(units) for units in owners.values()) <= self.layout.share)

    def _not_ready(self, owners: dict[str, list[str]], polled: bool, timeout: float) -> str:
        if self.layout.shards == 1:
            return f"{self.name}: no getUpdates within {timeout:.0f} s:\n{log_tail(self.log(self.instances[0]))}"
        said = "; ".join(f"{instance} owns {', '.join(owners[instance]) or 'nothing'}" if instance in owners
                         else f"{instance} names no units in /ready" for instance in self.instances)
        hint = ("" if owners else " (no /ready answered with \"units\": does this bot share chats with SHARDS?)")
        return (f"{self.name}: the instances were not balanced within {timeout:.0f} s: wanted all "
                f"{self.layout.units} units owned, none more than {self.layout.share} per instance"
                f"{', and the owner of active polling' if not polled else ''}; {said}{hint}\n"
                f"{self.instances[0]}'s log ends:\n{log_tail(self.log(self.instances[0]))}")

    def check_alive(self) -> None:
        for instance, process in zip(self.instances, self.running):
            if process.poll() is not None:
                raise BenchmarkError(f"{instance} of {self.name} exited with status {process.returncode}:\n"
                                     f"{log_tail(self.log(instance))}")

    def cpu_parts(self) -> dict[str, float]:
        parts = {instance: cpu_seconds(process.pid) for instance, process in zip(self.instances, self.running)}
        server = self.server.cpu_seconds() if self.server is not None and self.layout.store == "postgresql" else None
        if server is not None:
            parts["postgresql"] = server
        return parts

    def moved(self) -> list[str]:
        """Units whose owner at the end is not the one they had when the instances were ready."""
        before = {unit: instance for instance, units in self.owners_ready.items() for unit in units}
        after = {unit: instance for instance, units in self.owners_end.items() for unit in units}
        return sorted(unit for unit in before.keys() | after.keys() if before.get(unit) != after.get(unit))

    def complaints(self, most: int = 5) -> dict[str, list[str]]:
        """Each instance's distinct warning and error lines, the first ``most`` of them."""
        found: dict[str, list[str]] = {}
        for instance in self.instances:
            try:
                lines = self.log(instance).read_bytes().splitlines()
            except OSError:
                continue
            seen: list[str] = []
            for line in lines:
                text = line.decode(errors="replace").strip()
                if any(word in line for word in _COMPLAINTS) and text not in seen:
                    seen.append(text)
            if seen:
                found[instance] = seen[:most]
        return found

    def stop(self) -> None:
        if self.layout.shards > 1 and self.running and all(p.poll() is None for p in self.running):
            self.owners_end = self.owners()
        self.processes.stop_many(self.running)
        if self.schema is not None and self.server is not None and not self.keep:
            self.server.drop(self.schema)
        for leftover in self.scratch.glob("trt.sqlite3*"):
            leftover.unlink(missing_ok=True)


def _ready(port: int) -> dict[str, Any] | None:
    """An instance's ``/ready`` (200 or 503 alike), or None when it does not answer yet."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", "/ready")
        body = connection.getresponse().read()
        about = json.loads(body)
        return about if isinstance(about, dict) else None
    except (OSError, http.client.HTTPException, ValueError):
        return None
    finally:
        connection.close()


def _free_ports(count: int) -> list[int]:
    probes = [socket.socket() for _ in range(count)]
    try:
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [int(probe.getsockname()[1]) for probe in probes]
    finally:
        for probe in probes:
            probe.close()


def measure(layout: Layout, round_: int, plan: Plan, make: Callable[[Layout, Path], Cluster], scratch: Path,
            say: Callable[[str], None]) -> list[Sample]:
    """Every burst of ``plan`` on ``layout``, each on fresh instances and a fresh log."""
    samples = []
    for index, chats in enumerate(plan.burst_chats):
        sample = Sample(layout, round_, chats)
        cluster = make(layout, scratch / f"{round_}-{layout.store}-{layout.instances}x{layout.shards}-burst{index}")
        head = f"  round {round_} {layout.label:<40} {plan.burst:,} updates / {chats:,} chats"
        try:
            sample.burst = run_burst(cluster, plan, chats, chat_base=1_000_000 * (index + 1))
            sample.ready_s = sample.burst.startup_s
            burst = sample.burst
            split = " ".join(f"{part} {burst.cpu_ms_by_part[part]:.2f}" for part in burst.cpu_ms_by_part)
            say(f"{head}: {burst.updates_per_s:,.0f} updates/s, {burst.cpu_ms_per_update:.2f} CPU ms/update "
                f"({split}), ready in {sample.ready_s:.1f} s, fake CPU {burst.fake_cpu_percent:.0f}%")
        except BenchmarkError as error:
            sample.error = str(error)
            say(f"{head}: FAILED: {error}")
        sample.owners, sample.moved = cluster.owners_ready, cluster.moved()
        sample.complaints = cluster.complaints()
        if sample.moved:
            say(f"    units changed owner between ready and the end of the burst: {', '.join(sample.moved)}")
        for instance, lines in sample.complaints.items():
            say(f"    {instance} logged {len(lines)}{'+' if len(lines) == 5 else ''} distinct warning/error "
                f"line(s), first: {lines[0][:200]}")
        samples.append(sample)
    return samples


# -- the report --------------------------------------------------------------------


def summarise(samples: list[Sample], plan: Plan, order: list[Layout]) -> list[dict[str, Any]]:
    """One row per layout and burst: medians over rounds, and the ratios to SQLite's and one sharing instance's."""
    rows: list[dict[str, Any]] = []
    for chats in dict.fromkeys(plan.burst_chats):
        baseline: float | None = None
        alone = next((layout for layout in order if layout.shards > 1 and layout.instances == 1), None)
        for layout in order:
            done = [s for s in samples if s.layout == layout and s.chats == chats and s.burst and s.burst.completed]
            tried = [s for s in samples if s.layout == layout and s.chats == chats]
            bursts = [s.burst for s in done if s.burst is not None]
            rate = statistics.median(b.updates_per_s for b in bursts) if bursts else None
            if layout.store == "sqlite":
                baseline = rate
            parts = sorted({part for b in bursts for part in b.cpu_ms_by_part if part != "postgresql"})
            server = [b.cpu_ms_by_part["postgresql"] for b in bursts if "postgresql" in b.cpu_ms_by_part]
            rows.append({
                "layout": layout.label, "store": layout.store, "instances": layout.instances,
                "shards": layout.shards, "updates": plan.burst, "chats": chats,
                "runs": len(tried), "completed": len(done),
                "updates_per_s": rate,
                "vs_sqlite": rate / baseline if rate is not None and baseline else None,
                "vs_one_sharing": None,
                "cpu_ms_per_update": statistics.median(b.cpu_ms_per_update for b in bursts) if bursts else None,
                "cpu_ms_per_update_by_instance": {
                    part: statistics.median(b.cpu_ms_by_part.get(part, 0.0) for b in bursts) for part in parts},
                "server_cpu_ms_per_update": statistics.median(server) if server else None,
                "fake_cpu_percent_max": max((b.fake_cpu_percent for b in bursts), default=None),
                "ready_s": statistics.median(s.ready_s for s in done) if done else None,
                "extra_sends": sum(b.extra_sends for b in bursts),
                "units_moved": sum(len(s.moved) for s in tried),
            })
        one = next((row["updates_per_s"] for row in rows if alone is not None and row["chats"] == chats
                    and row["layout"] == alone.label), None)
        for row in rows:
            if row["chats"] == chats and row["shards"] > 1 and one and row["updates_per_s"] is not None:
                row["vs_one_sharing"] = row["updates_per_s"] / one
    return rows


def print_summary(rows: list[dict[str, Any]]) -> None:
    heads = ["layout", "burst", "updates/s", "vs SQLite", "vs 1 shared", "CPU ms/upd", "per instance", "PG ms/upd",
             "fake CPU", "ready s", "extra", "moved"]
    table = []
    for row in rows:
        split = "/".join(f"{value:.2f}" for value in row["cpu_ms_per_update_by_instance"].values())
        done = "" if row["completed"] == row["runs"] else f" ({row['completed']}/{row['runs']} done)"
        table.append([
            row["layout"], f"{row['updates']:,}/{row['chats']:,}ch",
            format_number(row["updates_per_s"], 0) + done,
            "—" if row["vs_sqlite"] is None else f"{row['vs_sqlite']:.2f}x",
            "" if row["vs_one_sharing"] is None else f"{row['vs_one_sharing']:.2f}x",
            format_number(row["cpu_ms_per_update"], 2),
            split if row["instances"] > 1 else "",
            format_number(row["server_cpu_ms_per_update"], 2),
            "—" if row["fake_cpu_percent_max"] is None else f"{row['fake_cpu_percent_max']:.0f}%",
            format_number(row["ready_s"], 1), str(row["extra_sends"]), str(row["units_moved"]),
        ])
    print_table(heads, table, left=2)


# -- main --------------------------------------------------------------------------


def main(args: argparse.Namespace) -> int:
    """The ``--instances`` mode of ``bench/pipeline.py`` (its arguments, parsed there)."""
    plan = plan_from(args)
    order = layouts(args.instances, args.shards)
    json_path: Path = args.json or ROOT / "bench" / "out" / "pipeline-instances.json"

    def say(text: str) -> None:
        print(text, flush=True)

    cores = sorted(os.sched_getaffinity(0))
    bot_core, fake_core = (cores[0], cores[1]) if len(cores) >= 2 else (None, None)
    instance_cores: list[int | None] = [None]
    if bot_core is not None:
        spare = [core for core in cores if core != fake_core]
        instance_cores = list(spare if len(spare) >= 2 else [bot_core, *[c for c in cores if c != bot_core]])
    scratch = Path(args.workdir or tempfile.mkdtemp(prefix="trt-instances-")).resolve()
    scratch.mkdir(parents=True, exist_ok=True)
    info = machine()
    info["bot_log_filesystem"] = filesystem_of(scratch)
    processes = Processes()
    samples: list[Sample] = []
    result: dict[str, Any] = {"mode": "instances", "machine": info, "plan": asdict(plan),
                              "layouts": [asdict(layout) | {"label": layout.label} for layout in order]}
    failed = False
    say(f"trt-actors pipeline benchmark, several instances ({'quick' if args.quick else 'full'}), {info['date']}")
    say(f"machine: {info['nproc']} cores ({info['cpu_model']}), load average "
        f"{' '.join(f'{x:.2f}' for x in info['load_average_start'])}, Python {info['python']}")
    if bot_core is None:
        say("warning: only one usable core; nothing is pinned, so every instance competes with the fake")
    else:
        pinned = ", ".join(f"{name} on {instance_cores[index % len(instance_cores)]}"
                           for index, name in enumerate(f"bench-{i}" for i in range(1, max(args.instances) + 1)))
        say(f"cores: {pinned}; fake Bot API (and this harness) on {fake_core}; the PostgreSQL server not pinned")
        if len(cores) < 3:
            say(f"note: {len(cores)} cores only, so instances share cores with each other, with the fake and "
                "with the PostgreSQL server: these figures show what sharing costs, not how far it scales")
    try:
        with deadline(args.deadline or (900.0 if args.quick else 3600.0)):
            server = LogServer(args.postgres)
            result["postgres"] = {"url": redacted(args.postgres), "version": server.version,
                                  "postmaster": server.postmaster}
            say(f"PostgreSQL {server.version} at {redacted(args.postgres)}; a fresh schema per burst; its CPU "
                + (f"from /proc (postmaster {server.postmaster}; the whole server's)" if server.postmaster
                   else "not measured (not a process of this machine)"))
            if fake_core is not None:
                os.sched_setaffinity(0, {fake_core})
            fake, base = start_fake(processes, fake_core, scratch)
            control = Control(base)
            capacity = measure_capacity(control, bot_core, 1.0)
            result["fake"] = {"url": base, "capacity": asdict(capacity) | {"per_core": capacity.per_core}}
            say(f"fake Bot API at {base}: about {capacity.per_core:,.0f} calls/s per core")
            say(f"plan: {plan.pairs} round(s) of {len(order)} layouts (SHARDS={args.shards} when shared); bursts of "
                f"{plan.burst:,} updates from {' then '.join(f'{c:,}' for c in plan.burst_chats)} chats, "
                f"each on fresh instances and a fresh log; LEASE_SECONDS={LEASE_SECONDS}\n")
            bot = our_bot(base)

            def make(layout: Layout, folder: Path) -> Cluster:
                return Cluster(layout, bot, control, processes, folder, instance_cores, server, args.keep)

            for round_ in range(1, plan.pairs + 1):
                for layout in order if round_ % 2 == 1 else list(reversed(order)):
                    samples += measure(layout, round_, plan, make, scratch, say)
            processes.stop(fake)
            control.close()
    except (BenchmarkError, DeadlineExceeded, KeyboardInterrupt, SystemExit) as error:
        failed = True
        result["error"] = str(error) or type(error).__name__
        say(f"\nERROR: {result['error']}")
    finally:
        processes.stop_all()
    info["load_average_end"] = list(os.getloadavg())
    summary = summarise(samples, plan, order)
    result["samples"] = [asdict(sample) | {"layout": sample.layout.label} for sample in samples]
    result["summary"] = summary
    if samples:
        say("\nsummary (medians over rounds; vs 1 shared: against 1 instance with the same SHARDS; CPU ms per "
            "update summed over the instances, then split per instance; PG: the PostgreSQL server's CPU; "
            "extra: messages beyond one per update; moved: units that changed owner during the run):")
        print_summary(summary)
        for sample in samples:
            if sample.error:
                say(f"failure: round {sample.round} {sample.layout.label}, {sample.chats:,} chats: "
                    f"{sample.error.splitlines()[0]}")
    say(f"load average at the end: {' '.join(f'{x:.2f}' for x in info['load_average_end'])}")
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(result, indent=2, default=str) + "\n")
    say(f"results written to {json_path}")
    errors = failed or any(sample.error for sample in samples)
    if args.keep or errors:
        say(f"instance logs kept in {scratch}")
    if args.keep:
        say(f"schemas kept at {redacted(args.postgres)}: bench_{os.getpid()}_* (DROP SCHEMA … CASCADE when done)")
    else:
        shutil.rmtree(scratch, ignore_errors=True)
    return 1 if errors else 0
