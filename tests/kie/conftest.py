"""Shared fixtures: a KIE emulator on a virtual clock, a client pointed at it, a callback receiver."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest
import trio

from trt_actors.http import Request, Response, serve
from trt_actors.kie import HttpCaller, KieClient
from trt_actors.sandbox.clock import VirtualClock
from trt_actors.sandbox.kie import KieEmulator
from trt_actors.secret import Secret

API_KEY = "test-kie-key-4f9a2c"
HMAC_KEY = "test-webhook-hmac-key"


@dataclass
class CallbackReceiver:
    """A loopback HTTP endpoint standing in for the bot's KIE callback route."""

    url: str = ""
    received: list[Request] = field(default_factory=list)
    fail_next: int = 0
    answered: list[int] = field(default_factory=list)
    _changed: trio.Event = field(default_factory=trio.Event)

    async def handle(self, request: Request) -> Response:
        self.received.append(request)
        status = 500 if self.fail_next > 0 else 200
        self.fail_next = max(0, self.fail_next - 1)
        self.answered.append(status)
        self._changed.set()
        self._changed = trio.Event()
        return Response.json({"ok": status == 200}, status=status)

    async def wait_received(self, count: int) -> None:
        with trio.fail_after(5):
            while len(self.received) < count:
                await self._changed.wait()


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
async def emu(clock: VirtualClock, nursery: trio.Nursery) -> AsyncIterator[KieEmulator]:
    nursery.start_soon(_watchdog, 20.0)
    async with KieEmulator.serve(api_key=API_KEY, clock=clock, callback_secret=HMAC_KEY, seed=7) as emulator:
        yield emulator


async def _watchdog(seconds: float) -> None:
    """Fail a test that hangs (a ``wait_*`` that never returns) instead of blocking the suite."""
    await trio.sleep(seconds)
    raise TimeoutError(f"the test did not finish within {seconds} s of wall time")


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


@pytest.fixture
def kie(emu: KieEmulator, http: httpx.AsyncClient) -> KieClient:
    caller = HttpCaller(http, api_base=emu.api_base, upload_base=emu.upload_base, api_key=Secret(API_KEY))
    return KieClient(caller)


@pytest.fixture
async def receiver(nursery: trio.Nursery) -> CallbackReceiver:
    target = CallbackReceiver()
    target.url = await nursery.start(serve, target.handle, "127.0.0.1", 0) + "/kie/callback"
    return target
