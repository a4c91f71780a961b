"""Benchmark the Telegram client's transports against the local Bot API emulator.

Run::

    python bench/telegram_client.py [--requests 2000] [--concurrency 16]

The emulator runs in a separate process (started by this script with
``--serve``), so the CPU figures count only the client: ``time.process_time()``
over N sequential ``sendMessage`` calls divided by N, nothing subtracted.
Requests per second are measured sequentially (one call at a time: latency
bound) and with ``--concurrency`` tasks sharing one client (throughput bound;
on a small machine the emulator's own CPU is then the limit).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import trio

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from trt_actors.telegram import HTTP11Transport, HttpxTransport, TelegramClient, Transport  # noqa: E402

TOKEN = "123456:BENCH-token"
CHAT_ID = 1001


async def _serve() -> None:
    """Server mode: run the emulator (or, without it, a minimal stand-in) and print its base URL."""
    try:
        from trt_actors.sandbox.telegram import TelegramEmulator
    except ImportError:
        await _serve_stand_in()
        return
    async with TelegramEmulator.serve(token=TOKEN, clock=None) as emu:
        emu.user(user_id=CHAT_ID, first_name="Bench", language_code="en")
        print(f"emulator {emu.api_base}", flush=True)
        await trio.sleep_forever()


async def _serve_stand_in() -> None:
    from trt_actors.http import Request, Response, serve

    counter = 0

    async def handle(request: Request) -> Response:
        nonlocal counter
        counter += 1
        message = {"message_id": counter, "date": 0, "chat": {"id": CHAT_ID, "type": "private"}, "text": "hi"}
        return Response.json({"ok": True, "result": message})

    async with trio.open_nursery() as nursery:
        base = await nursery.start(serve, handle, "127.0.0.1", 0)
        print(f"stand-in {base}", flush=True)
        await trio.sleep_forever()


async def _sequential(client: TelegramClient, n: int) -> tuple[float, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    for i in range(n):
        await client.send_message(CHAT_ID, f"message {i}")
    return (time.process_time() - cpu) / n, n / (time.perf_counter() - wall)


async def _concurrent(client: TelegramClient, n: int, tasks: int) -> tuple[float, float]:
    per_task = n // tasks

    async def worker(k: int) -> None:
        for i in range(per_task):
            await client.send_message(CHAT_ID, f"task {k} message {i}")

    cpu, wall = time.process_time(), time.perf_counter()
    async with trio.open_nursery() as nursery:
        for k in range(tasks):
            nursery.start_soon(worker, k)
    done = per_task * tasks
    return (time.process_time() - cpu) / done, done / (time.perf_counter() - wall)


async def _measure(
    base: str, make: Callable[[int], Transport], n: int, tasks: int, rounds: int
) -> tuple[float, float, float, float]:
    """Medians over ``rounds`` of: sequential CPU s/request and requests/s, then the same with ``tasks``."""
    async with TelegramClient(base, TOKEN, transport=make(tasks), max_connections=tasks) as client:
        await _sequential(client, min(200, n))
        sequential = [await _sequential(client, n) for _ in range(rounds)]
        concurrent = [await _concurrent(client, n, tasks) for _ in range(rounds)]
    return (
        statistics.median(cpu for cpu, _ in sequential),
        statistics.median(rps for _, rps in sequential),
        statistics.median(cpu for cpu, _ in concurrent),
        statistics.median(rps for _, rps in concurrent),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="sendMessage calls per measurement")
    parser.add_argument("--concurrency", type=int, default=16, help="tasks (and pool size) for the concurrent run")
    parser.add_argument("--rounds", type=int, default=3, help="runs per figure; the median is printed")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        trio.run(_serve)
        return

    transports: list[tuple[str, Callable[[int], Transport]]] = [
        ("http11", lambda size: HTTP11Transport(max_connections=size)),
        ("httpx", lambda size: HttpxTransport(max_connections=size)),
    ]
    print(
        f"{args.requests} sendMessage calls per run, median of {args.rounds} runs; "
        f"a fresh emulator process per transport; load average {os.getloadavg()[0]:.2f}"
    )
    print(f"{'':<10}{'sequential':>21}{f'{args.concurrency} tasks':>21}")
    print(f"{'transport':<10}{'cpu us/req':>12}{'req/s':>9}{'cpu us/req':>12}{'req/s':>9}")
    for name, make in transports:
        with _server() as (kind, base):
            seq_cpu, seq_rps, con_cpu, con_rps = trio.run(
                _measure, base, make, args.requests, args.concurrency, args.rounds
            )
        print(f"{name:<10}{seq_cpu * 1e6:>12.0f}{seq_rps:>9.0f}{con_cpu * 1e6:>12.0f}{con_rps:>9.0f}  ({kind})")


@contextmanager
def _server() -> Iterator[tuple[str, str]]:
    """Run this script with ``--serve`` in a child process; yield its kind and base URL."""
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve"],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert server.stdout is not None
        kind, base = server.stdout.readline().split()
        yield kind, base
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
