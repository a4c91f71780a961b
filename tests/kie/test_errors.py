"""Every KIE error, in body form and in HTTP-status form, becomes the right typed error."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import httpx
import pytest

from trt_actors.kie import (
    AuthError,
    CallTrace,
    FeatureDisabledError,
    GenerationFailedError,
    HttpCaller,
    InsufficientCreditsError,
    KieApiError,
    KieClient,
    KieError,
    KieNetworkError,
    MaintenanceError,
    NotFoundError,
    RateLimitedError,
    Retrying,
    ServerError,
    SubKeyLimitError,
    TaskNotFoundError,
    Traced,
    ValidationError,
)
from trt_actors.sandbox.kie import KieEmulator, Route
from trt_actors.secret import Secret

from tests.kie.conftest import API_KEY

EXPECTED: dict[int, type[KieApiError]] = {
    401: AuthError,
    402: InsufficientCreditsError,
    404: NotFoundError,
    422: ValidationError,
    429: RateLimitedError,
    433: SubKeyLimitError,
    455: MaintenanceError,
    500: ServerError,
    501: GenerationFailedError,
    505: FeatureDisabledError,
}
RETRYABLE = {429, 455, 500}


@pytest.mark.parametrize("http_status", [False, True], ids=["body-code", "http-status"])
async def test_every_code_maps_to_its_error(emu: KieEmulator, kie: KieClient, http_status: bool) -> None:
    for code, kind in EXPECTED.items():
        emu.faults.inject(Route.CREATE_TASK, code, http_status=http_status, message=f"fault {code}")
        with pytest.raises(KieApiError) as caught:
            await kie.create_task("google/nano-banana", {"prompt": "x"})
        error = caught.value
        assert type(error) is kind, code
        assert (error.code, error.endpoint, error.message) == (code, "createTask", f"fault {code}")
        assert error.retryable is (code in RETRYABLE), code
        assert error.http_status == (code if http_status else 200)
    assert emu.statistics().tasks == 0


@pytest.mark.parametrize("http_status", [False, True], ids=["body-code", "http-status"])
@pytest.mark.parametrize("route", [Route.RECORD_INFO, Route.CREDIT, Route.DOWNLOAD_URL, Route.UPLOAD])
async def test_every_route_reads_both_forms(
    emu: KieEmulator, kie: KieClient, route: Route, http_status: bool
) -> None:
    calls: dict[Route, Callable[[], Awaitable[object]]] = {
        Route.RECORD_INFO: lambda: kie.record_info("0" * 32),
        Route.CREDIT: kie.credit,
        Route.DOWNLOAD_URL: lambda: kie.download_url("https://x.invalid/a.png"),
        Route.UPLOAD: lambda: kie.upload_base64(b"x", upload_path="images"),
    }
    for code in (401, 429, 455, 500, 505):
        emu.faults.inject(route, code, http_status=http_status)
        with pytest.raises(EXPECTED[code]) as caught:
            await calls[route]()
        assert caught.value.code == code


@pytest.mark.parametrize("http_status", [False, True], ids=["body-code", "http-status"])
@pytest.mark.parametrize("code", [404, 422])
async def test_record_info_unknown_task_forms(
    emu: KieEmulator, kie: KieClient, code: int, http_status: bool
) -> None:
    emu.faults.inject(Route.RECORD_INFO, code, http_status=http_status, message="Record does not exist")
    with pytest.raises(TaskNotFoundError) as caught:
        await kie.record_info("f" * 32)
    assert caught.value.task_id == "f" * 32 and caught.value.code == code


async def test_data_null_means_unknown_task(kie: KieClient) -> None:
    with pytest.raises(TaskNotFoundError) as caught:
        await kie.record_info("a" * 32)
    assert caught.value.task_id == "a" * 32 and not caught.value.retryable


async def test_a_wrong_key_is_an_auth_error(emu: KieEmulator, http: httpx.AsyncClient) -> None:
    caller = HttpCaller(http, api_base=emu.api_base, upload_base=emu.upload_base, api_key=Secret("wrong"))
    with pytest.raises(AuthError, match="access permissions"):
        await KieClient(caller).credit()


async def test_network_failures_are_their_own_type(http: httpx.AsyncClient) -> None:
    closed = "http://127.0.0.1:9"  # discard port: nothing listens there
    client = KieClient(HttpCaller(http, api_base=closed, upload_base=closed, api_key=Secret(API_KEY)))
    with pytest.raises(KieNetworkError) as caught:
        await client.create_task("google/nano-banana", {"prompt": "x"})
    assert not isinstance(caught.value, KieApiError)
    assert caught.value.sent is False and caught.value.retryable is True  # never reached KIE


async def test_a_lost_create_answer_is_not_retryable(emu: KieEmulator, http: httpx.AsyncClient) -> None:
    caller = HttpCaller(http, api_base=emu.api_base, upload_base=emu.upload_base, api_key=Secret(API_KEY),
                        timeout=httpx.Timeout(0.3))
    emu.faults.inject_timeout(Route.CREATE_TASK)
    emu.faults.inject_timeout(Route.RECORD_INFO)
    client = KieClient(Retrying(caller, attempts=3, sleep=_no_sleep))
    with pytest.raises(KieNetworkError) as caught:
        await client.create_task("google/nano-banana", {"prompt": "x"})
    assert caught.value.sent is True and caught.value.retryable is False  # the task may exist
    assert client.caller.statistics().retries == 0  # type: ignore[attr-defined]
    with pytest.raises(TaskNotFoundError):
        await client.record_info("b" * 32)  # a poll is idempotent: retried after the timeout
    assert client.caller.statistics().retries == 1  # type: ignore[attr-defined]


async def _no_sleep(seconds: float) -> None:
    return None


async def test_retrying_resends_only_what_can_help(emu: KieEmulator, kie: KieClient) -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    traces: list[CallTrace] = []
    client = KieClient(Retrying(Traced(kie.caller, traces.append), attempts=4, base_delay=1.0, sleep=sleep))
    emu.faults.inject(Route.CREATE_TASK, 500, times=2)
    emu.faults.inject(Route.CREATE_TASK, 429, http_status=True)
    created = await client.create_task("google/nano-banana", {"prompt": "x"})
    assert slept == [1.0, 2.0, 4.0]
    assert [t.outcome for t in traces] == ["ServerError", "ServerError", "RateLimitedError", "ok"]
    assert traces[-1].endpoint == "createTask"

    emu.faults.inject(Route.RECORD_INFO, 422, message="Invalid taskId")
    with pytest.raises(TaskNotFoundError):
        await client.record_info(created.task_id)
    assert len(slept) == 3  # 422 is final: no retry

    emu.faults.inject(Route.CREDIT, 455, times=None)
    with pytest.raises(MaintenanceError):
        await client.credit()
    assert client.caller.statistics().gave_up == 1  # type: ignore[attr-defined]


async def test_the_key_never_shows(
    emu: KieEmulator, kie: KieClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    seen: list[str] = [repr(kie), repr(kie.caller)]
    for code in EXPECTED:
        emu.faults.inject(Route.CREATE_TASK, code, http_status=code % 2 == 0)
        with pytest.raises(KieError) as caught:
            await kie.create_task("google/nano-banana", {"prompt": "x"})
        seen += [str(caught.value), repr(caught.value), repr(caught.value.__dict__)]
    created = await kie.create_task("google/nano-banana", {"prompt": "x"})
    seen.append(repr(await kie.record_info(created.task_id)))
    assert all(API_KEY not in text for text in seen)
    assert API_KEY not in caplog.text
