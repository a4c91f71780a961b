"""The curated public surface of the KIE client and emulator: changing it is a decision, not an accident."""

from __future__ import annotations

import inspect

import trt_actors.kie as kie
import trt_actors.sandbox.kie as sandbox_kie
from trt_actors.kie import errors

CLIENT_API = {
    "SIGNATURE_HEADER", "TIMESTAMP_HEADER", "AuthError", "CallTrace", "Caller", "CallerStatistics",
    "CreatedTask", "Endpoint", "FeatureDisabledError", "FilePart", "GenerationFailedError", "Host",
    "HttpCaller", "InsufficientCreditsError", "KieApiError", "KieCall", "KieCallback", "KieClient",
    "KieError", "KieNetworkError", "KieProtocolError", "MaintenanceError", "NotFoundError",
    "RateLimitedError", "RetryStatistics", "Retrying", "ServerError", "SignatureVerdict",
    "SubKeyLimitError", "TaskInfo", "TaskNotFoundError", "TaskState", "Traced", "UploadedFile",
    "ValidationError", "error_for_code", "open_kie_client", "parse_callback", "parse_created",
    "parse_state", "parse_task", "parse_upload", "sign_callback", "verify_signature",
}

EMULATOR_API = {
    "DEFAULT_MESSAGES", "UPLOAD_PREFIX", "CallbackAttempt", "CallbackSender", "EmulatedTask", "Fault",
    "Faults", "KieEmulator", "KieEmulatorStatistics", "MediaKind", "Route", "Script", "SlidingWindow",
    "media_bytes", "media_kind_for",
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
