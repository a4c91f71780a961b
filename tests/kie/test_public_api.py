"""The curated public surface of the KIE client and emulator, and the layering between them."""

from __future__ import annotations

import inspect

import httpx

from tests.layering import imports_of, loaded_by
import trt_actors.kie as kie
import trt_actors.sandbox.kie as sandbox_kie
from trt_actors.config import Settings
from trt_actors.kie import errors
from trt_actors.secret import Secret

ALLOWED = ("trt_actors.kie", "trt_actors.secret")
"""The only parts of the project the client may import: itself and :class:`Secret`."""

CLIENT_API = {
    "SIGNATURE_HEADER", "TIMESTAMP_HEADER", "AuthError", "CallTrace", "Caller", "CallerStatistics",
    "CreatedTask", "Endpoint", "FeatureDisabledError", "FilePart", "GenerationFailedError", "Host",
    "HttpCaller", "InsufficientCreditsError", "KieApiError", "KieCall", "KieCallback", "KieClient",
    "KieError", "KieNetworkError", "KieProtocolError", "KieSettings", "MaintenanceError", "NotFoundError",
    "RateLimitedError", "RetryStatistics", "Retrying", "ServerError", "SignatureVerdict",
    "SubKeyLimitError", "TaskInfo", "TaskNotFoundError", "TaskState", "Traced", "UploadedFile",
    "ValidationError", "error_for_code", "open_kie_client", "parse_callback", "parse_created",
    "parse_state", "parse_task", "parse_upload", "sign_callback", "verify_signature",
}

EMULATOR_API = {
    "DEFAULT_MESSAGES", "UPLOAD_PREFIX", "CallbackAttempt", "CallbackSender", "EmulatedTask", "Fault",
    "Faults", "KieEmulator", "KieEmulatorStatistics", "MediaKind", "Route", "Script", "SlidingWindow",
    "WireState", "media_bytes", "media_kind_for",
}


def test_client_exports() -> None:
    assert set(kie.__all__) == CLIENT_API
    for name in kie.__all__:
        value = getattr(kie, name)
        if inspect.isclass(value) or inspect.isfunction(value):
            assert value.__doc__, f"{name} needs a docstring"


def test_emulator_exports() -> None:
    assert set(sandbox_kie.__all__) == EMULATOR_API
    assert all(hasattr(sandbox_kie, name) for name in sandbox_kie.__all__)


def test_every_error_is_in_the_one_docstring() -> None:
    tree = errors.__doc__ or ""
    for name in errors.__all__:
        value = getattr(errors, name)
        if inspect.isclass(value):
            assert issubclass(value, errors.KieError)
            assert name in tree, f"{name} is missing from the error tree in trt_actors.kie.errors"


def _outside(names: set[str], allowed: tuple[str, ...]) -> list[str]:
    return sorted(
        name for name in names
        if name.startswith("trt_actors.") and not any(name == ok or name.startswith(f"{ok}.") for ok in allowed)
    )


def test_the_client_imports_nothing_of_the_app() -> None:
    """Layering: the client knows neither the settings nor the actors, sessions, runtime or emulators."""
    modules = imports_of("trt_actors.kie")
    assert {"trt_actors.kie.client", "trt_actors.kie.callback", "trt_actors.kie.http_caller"} <= modules.keys()
    wrong = [f"{module} imports {name}" for module, names in modules.items() for name in _outside(names, ALLOWED)]
    assert not wrong, "the KIE client may import only itself and trt_actors.secret: " + "; ".join(wrong)
    assert _outside(set(loaded_by("trt_actors.kie")), ALLOWED) == []


def test_the_emulator_shares_no_code_with_the_client() -> None:
    """The emulator checks the client, so it writes its own states and signatures instead of importing them."""
    modules = imports_of("trt_actors.sandbox.kie")
    wrong = [
        f"{module} imports {name}"
        for module, names in modules.items()
        for name in names
        if name == "trt_actors.kie" or name.startswith("trt_actors.kie.")
    ]
    assert not wrong, "; ".join(wrong)


async def test_the_settings_satisfy_the_client_protocol() -> None:
    settings = Settings(kie_api_key=Secret("k"), kie_api_base="http://127.0.0.1:9/", kie_upload_base="http://u:9")
    async with httpx.AsyncClient() as http, kie.open_kie_client(settings, http=http) as client:
        assert repr(client) == "KieClient(HttpCaller(api_base='http://127.0.0.1:9', upload_base='http://u:9'))"
