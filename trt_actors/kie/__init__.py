"""The KIE.ai client: typed calls, one seam, one error tree, callback checks.

Layers, bottom up::

    HttpCaller          one httpx request per KieCall; Bearer key; envelope → data or typed error
    Retrying, Traced    wrappers with the same Caller interface
    KieClient           create_task, record_info, credit, uploads, download_url → typed values
    parse_callback,     the callback body and its optional HMAC signature (pure functions)
    verify_signature

Example::

    async with open_kie_client(Settings.from_env(require_kie=True)) as kie:
        created = await kie.create_task("google/nano-banana", {"prompt": "a lighthouse"})
        info = await kie.record_info(created.task_id)

The error tree is documented in :mod:`trt_actors.kie.errors`.
"""

from trt_actors.kie.call import Caller, Endpoint, FilePart, Host, KieCall
from trt_actors.kie.callback import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    KieCallback,
    SignatureVerdict,
    parse_callback,
    sign_callback,
    verify_signature,
)
from trt_actors.kie.client import KieClient, KieSettings, open_kie_client
from trt_actors.kie.errors import (
    AuthError,
    FeatureDisabledError,
    GenerationFailedError,
    InsufficientCreditsError,
    KieApiError,
    KieError,
    KieNetworkError,
    KieProtocolError,
    MaintenanceError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    SubKeyLimitError,
    TaskNotFoundError,
    ValidationError,
    error_for_code,
)
from trt_actors.kie.http_caller import CallerStatistics, HttpCaller
from trt_actors.kie.retry import Retrying, RetryStatistics
from trt_actors.kie.states import TaskState, parse_state
from trt_actors.kie.task import CreatedTask, TaskInfo, parse_created, parse_task
from trt_actors.kie.tracing import CallTrace, Traced
from trt_actors.kie.uploads import UploadedFile, parse_upload

__all__ = [
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "AuthError",
    "CallTrace",
    "Caller",
    "CallerStatistics",
    "CreatedTask",
    "Endpoint",
    "FeatureDisabledError",
    "FilePart",
    "GenerationFailedError",
    "Host",
    "HttpCaller",
    "InsufficientCreditsError",
    "KieApiError",
    "KieCall",
    "KieCallback",
    "KieClient",
    "KieError",
    "KieNetworkError",
    "KieProtocolError",
    "KieSettings",
    "MaintenanceError",
    "NotFoundError",
    "RateLimitedError",
    "RetryStatistics",
    "Retrying",
    "ServerError",
    "SignatureVerdict",
    "SubKeyLimitError",
    "TaskInfo",
    "TaskNotFoundError",
    "TaskState",
    "Traced",
    "UploadedFile",
    "ValidationError",
    "error_for_code",
    "open_kie_client",
    "parse_callback",
    "parse_created",
    "parse_state",
    "parse_task",
    "parse_upload",
    "sign_callback",
    "verify_signature",
]
