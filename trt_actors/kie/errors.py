"""Everything the KIE client raises, in one tree.

KIE reports most failures with HTTP 200 and the error in the body ``code``;
some (and every proxy in between) use the HTTP status instead. The client
reads both and raises the same typed error either way::

    KieError                     base: catch this to catch everything below
    ├── KieNetworkError          the request did not complete (connect, read, timeout);
    │                            ``retryable`` is False only for a createTask that may
    │                            already have reached KIE (a retry could start a second task)
    ├── KieProtocolError         KIE answered something we cannot read (not JSON, no data)
    └── KieApiError              KIE answered and said no; carries ``code`` and ``message``
        ├── AuthError                  401  key missing or invalid               retryable: no
        ├── InsufficientCreditsError   402  account out of credits               retryable: no
        ├── NotFoundError              404  resource or endpoint not found       retryable: no
        │   └── TaskNotFoundError      404, 422 or ``data: null`` from recordInfo retryable: no
        ├── ValidationError            422 (and the upload host's 400)           retryable: no
        ├── RateLimitedError           429  over 20 creates / 10 s, NOT queued   retryable: yes
        ├── SubKeyLimitError           433  sub-key usage cap reached            retryable: no
        ├── MaintenanceError           455  service under maintenance            retryable: yes
        ├── ServerError                500 and any other 5xx                     retryable: yes
        ├── GenerationFailedError      501  the generation failed (refund)       retryable: no
        └── FeatureDisabledError       505  the feature or model is switched off retryable: no

Every error carries ``retryable`` (whether sending the same request again can
help), ``endpoint`` (e.g. ``"createTask"``), ``task_id`` where known, and for
API errors the ``code``, ``message`` and ``http_status``. No error ever holds
the API key: messages are built from the endpoint, code and KIE's text only.

Example::

    try:
        created = await client.create_task("google/nano-banana", {"prompt": "a cat"})
    except RateLimitedError:
        ...                                   # back off; nothing was queued
    except KieApiError as error:
        log.warning("KIE said no", code=error.code, retryable=error.retryable)
"""

from __future__ import annotations

__all__ = [
    "AuthError",
    "FeatureDisabledError",
    "GenerationFailedError",
    "InsufficientCreditsError",
    "KieApiError",
    "KieError",
    "KieNetworkError",
    "KieProtocolError",
    "MaintenanceError",
    "NotFoundError",
    "RateLimitedError",
    "ServerError",
    "SubKeyLimitError",
    "TaskNotFoundError",
    "ValidationError",
    "error_for_code",
]


class KieError(Exception):
    """Base of every error the KIE client raises. See the module docstring for the tree."""

    retryable: bool = False

    def __init__(self, message: str, *, endpoint: str, task_id: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.endpoint = endpoint
        self.task_id = task_id

    def __str__(self) -> str:
        where = self.endpoint if self.task_id is None else f"{self.endpoint} (task {self.task_id})"
        return f"{where}: {self.message}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r}, retryable={self.retryable})"


class KieNetworkError(KieError):
    """The HTTP exchange failed before KIE's answer was read.

    ``sent`` says whether the request may have reached KIE (False only for a
    failure to connect). ``retryable`` is False when a non-idempotent call
    (createTask) may have been received, because a retry could start a second
    task; look the task up instead.
    """

    def __init__(
        self, message: str, *, endpoint: str, task_id: str | None = None, sent: bool, idempotent: bool
    ) -> None:
        super().__init__(message, endpoint=endpoint, task_id=task_id)
        self.sent = sent
        self.retryable = idempotent or not sent


class KieProtocolError(KieError):
    """KIE answered, but not in a shape the client can read (a bug on one side)."""


class KieApiError(KieError):
    """KIE answered and refused; ``code`` is KIE's code (body or HTTP status)."""

    def __init__(
        self,
        message: str,
        *,
        endpoint: str,
        code: int,
        task_id: str | None = None,
        http_status: int = 200,
    ) -> None:
        super().__init__(message, endpoint=endpoint, task_id=task_id)
        self.code = code
        self.http_status = http_status

    def __str__(self) -> str:
        return f"{super().__str__()} [code {self.code}]"


class AuthError(KieApiError):
    """401: the API key is missing or invalid. Fix the configuration."""


class InsufficientCreditsError(KieApiError):
    """402: the KIE account has too few credits. Top up; retrying will not help."""


class NotFoundError(KieApiError):
    """404: KIE does not know the resource or endpoint."""


class TaskNotFoundError(NotFoundError):
    """KIE does not know this task (404, 422 or ``data: null`` from recordInfo). Treat it as lost."""


class ValidationError(KieApiError):
    """422 (or 400 from the upload host): the request is invalid. A bug or bad user input."""


class RateLimitedError(KieApiError):
    """429: more than 20 creates in 10 s. The request was NOT queued; back off and resend."""

    retryable = True


class SubKeyLimitError(KieApiError):
    """433: the sub-key's usage cap is reached. Like 402: change the key or its limits."""


class MaintenanceError(KieApiError):
    """455: KIE is under maintenance. Retry later."""

    retryable = True


class ServerError(KieApiError):
    """500 or another 5xx: KIE (or its proxy) failed. Retry with backoff."""

    retryable = True


class GenerationFailedError(KieApiError):
    """501: the generation failed. Terminal for the task; refund the user."""


class FeatureDisabledError(KieApiError):
    """505: the feature or model is disabled. Treat the model as unavailable."""


_BY_CODE: dict[int, type[KieApiError]] = {
    400: ValidationError,
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


def error_for_code(
    code: int,
    message: str,
    *,
    endpoint: str,
    task_id: str | None = None,
    http_status: int = 200,
    task_lookup: bool = False,
) -> KieApiError:
    """Build the typed error for a KIE ``code``.

    ``task_lookup`` marks a call whose subject is an existing task (recordInfo):
    there 404 and 422 both mean :class:`TaskNotFoundError`.
    """
    kind: type[KieApiError]
    if task_lookup and code in (404, 422):
        kind = TaskNotFoundError
    elif code in _BY_CODE:
        kind = _BY_CODE[code]
    elif 500 <= code < 600:
        kind = ServerError
    else:
        kind = KieApiError
    text = message or f"KIE answered code {code}"
    return kind(text, endpoint=endpoint, code=code, task_id=task_id, http_status=http_status)
