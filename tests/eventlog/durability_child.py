"""Child process of the durability test: appends forever, printing each acknowledged batch.

    python -m tests.eventlog.durability_child LOG_PATH

Eight concurrent appenders; each prints ``<appender> <round>`` after its
append of that round has returned. The parent kills this process with SIGKILL.
"""

from __future__ import annotations

import sys

import trio

from eventlog import NewEvent, SQLiteEventLog
from trt_actors.events import CODEC, CallbackRejected


async def main(path: str) -> None:
    async with SQLiteEventLog.open(path, codec=CODEC) as log:

        async def appender(a: int) -> None:
            for r in range(10**9):
                batch = [
                    NewEvent(
                        event_id=f"a{a}-r{r}-{i}",
                        stream=f"chat:{a}",
                        event=CallbackRejected(reason_code="x" * 150, data=f"{a}/{r}/{i}"),
                        cid=f"a{a}-r{r}",
                        ts=float(r),
                    )
                    for i in range(1 + r % 3)
                ]
                await log.append(batch)
                sys.stdout.write(f"{a} {r}\n")
                sys.stdout.flush()

        async with trio.open_nursery() as nursery:
            for a in range(8):
                nursery.start_soon(appender, a)


if __name__ == "__main__":
    trio.run(main, sys.argv[1])
