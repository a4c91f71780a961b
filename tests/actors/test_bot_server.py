"""The bot's HTTP server: health, readiness, metrics, 404s; and the I/O actors under a Supervisor."""

from __future__ import annotations

import httpx
import trio

from eventlog import SQLiteEventLog
from trt_actors.actors.outbox import Outbox
from trt_actors.actors.receiver import UpdateReceiver
from trt_actors.actors.routing import Router
from trt_actors.actors.throttle import Throttle
from trt_actors.events import DispatchOk
from trt_actors.http import Request, Response
from trt_actors.http.bot_server import BotServer, readiness
from trt_actors.metrics import Metrics
from trt_actors.runtime import Supervisor
from trt_actors.sandbox.telegram import TelegramEmulator
from trt_actors.telegram import TelegramClient

from .conftest import TOKEN, Routed, render, wait_for_events


async def test_health_ready_metrics_and_not_found(
    log: SQLiteEventLog, tg: TelegramClient, emu: TelegramEmulator
) -> None:
    route = Routed()
    receiver = UpdateReceiver(log, tg, bot_id=123456, poll_timeout=1)
    router = Router(log, route)
    outbox = Outbox(log, tg, throttle=Throttle(per_chat_rate=100, per_chat_burst=10, global_rate=100))
    metrics = Metrics()
    metrics.register("eventlog", log.statistics)
    metrics.register("receiver", receiver.statistics)
    kie_calls: list[bytes] = []

    async def kie(request: Request) -> Response:
        kie_calls.append(request.body)
        return Response.json({"ok": True})

    server = BotServer(
        metrics=metrics,
        checks=readiness(log, ("receiver", receiver), ("router", router), ("outbox", outbox)),
        kie_callback=kie,
    )
    async with trio.open_nursery() as nursery, httpx.AsyncClient(timeout=5.0, trust_env=False) as http:
        url: str = await nursery.start(server.run)
        assert (await http.get(f"{url}/health")).status_code == 200
        not_ready = await http.get(f"{url}/ready")
        assert not_ready.status_code == 503 and not_ready.json()["checks"] == {
            "eventlog": True, "receiver": False, "router": False, "outbox": False
        }

        await nursery.start(router.run)
        await nursery.start(receiver.run_polling)
        await nursery.start(outbox.run)
        metrics.register("outbox", outbox.statistics)
        assert (await http.get(f"{url}/ready")).status_code == 200

        await emu.user(1001, "Ann").send_text("hi")
        await route.wait_count(1)
        await render(log, 1001, "d1", "hello")
        await wait_for_events(log, DispatchOk, 1)

        text = (await http.get(f"{url}/metrics")).text
        assert "# TYPE trt_receiver_received_total counter" in text
        assert "trt_receiver_received_total 1" in text and "trt_outbox_sent_total 1" in text
        assert "trt_eventlog_writer_head_seq" in text and "trt_receiver_answers_answered_total 0" in text
        assert TOKEN not in text and TOKEN.split(":")[1] not in text

        assert (await http.get(f"{url}/nope")).status_code == 404
        assert (await http.post(f"{url}/telegram/webhook", content=b"{}")).status_code == 404  # polling mode
        assert (await http.get(f"{url}/telegram/webhook")).status_code == 405
        assert (await http.post(f"{url}/kie/callback", content=b'{"x":1}')).status_code == 200
        assert kie_calls == [b'{"x":1}']
        nursery.cancel_scope.cancel()


async def test_receiver_and_outbox_run_under_the_supervisor(
    log: SQLiteEventLog, tg: TelegramClient, emu: TelegramEmulator
) -> None:
    outbox = Outbox(log, tg, throttle=Throttle(per_chat_rate=100, per_chat_burst=10, global_rate=100))
    ann = emu.user(1001, "Ann")

    async def echo(update: object, meta: object) -> None:
        await render(log, ann.id, "reply", "got it")

    receiver = UpdateReceiver(log, tg, poll_timeout=1)
    router = Router(log, echo)
    with trio.CancelScope() as scope:
        async with Supervisor.open("root") as root:
            root.start("receiver", receiver.run_polling)
            root.start("router", router.run)
            root.start("outbox", outbox.run)
            await ann.send_text("ping")
            with trio.fail_after(5):
                await ann.wait_messages(1)
            assert root.statistics().running == 3
            scope.cancel()
    assert [m.text for m in ann.messages()] == ["got it"]
