"""Fixtures: an emulator on a virtual clock, and a plain-httpx Bot API caller (not the project's client)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from trt_actors.sandbox.clock import VirtualClock
from trt_actors.sandbox.telegram import TelegramEmulator

TOKEN = "123456:TEST-token"


@dataclass
class Answer:
    status: int
    body: dict[str, Any]

    @property
    def description(self) -> str:
        return str(self.body.get("description", ""))


class Api:
    """Calls ``{api_base}/bot{token}/{method}`` with a JSON body and returns status and envelope."""

    def __init__(self, client: httpx.AsyncClient, base: str) -> None:
        self.client = client
        self.base = base

    async def call(self, method: str, **params: Any) -> Answer:
        response = await self.client.post(f"{self.base}/{method}", json=params)
        return Answer(response.status_code, response.json())

    async def ok(self, method: str, **params: Any) -> Any:
        answer = await self.call(method, **params)
        assert answer.status == 200 and answer.body["ok"] is True, answer
        return answer.body["result"]

    async def fails(self, method: str, status: int = 400, **params: Any) -> str:
        answer = await self.call(method, **params)
        assert answer.status == status, answer
        assert answer.body["ok"] is False and answer.body["error_code"] == status, answer
        return answer.description


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
async def emu(clock: VirtualClock) -> AsyncIterator[TelegramEmulator]:
    async with TelegramEmulator.serve(token=TOKEN, clock=clock) as emulator:
        yield emulator


@pytest.fixture
async def api(emu: TelegramEmulator) -> AsyncIterator[Api]:
    async with httpx.AsyncClient(timeout=10.0, trust_env=False) as client:
        yield Api(client, emu.bot_url)
