"""``python main.py console``: the console alone over a log file, with no bot running."""

from __future__ import annotations

from typing import TextIO

import trio

from trt_actors.console.site import PREFIX, Console
from trt_actors.http import serve

__all__ = ["serve_console"]


async def serve_console(
    console: Console, host: str, port: int, out: TextIO, *, task_status: trio.TaskStatus[str] = trio.TASK_STATUS_IGNORED
) -> None:
    """Serve ``console`` on ``host:port`` until cancelled; say where on ``out``; ``task_status`` gets the URL."""
    async with trio.open_nursery() as nursery:
        url: str = await nursery.start(serve, console.asgi(), host, port)
        print(f"the console of {console.db} (read-only) is at {url}{PREFIX}; Ctrl-C stops it.", file=out, flush=True)
        task_status.started(url)
