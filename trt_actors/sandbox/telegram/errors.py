"""The one error the emulator raises inside a method: Telegram's "the API said no".

A method handler raises :class:`BotApiError`; the HTTP layer turns it into
Telegram's envelope with the HTTP status equal to ``error_code``::

    {"ok": false, "error_code": 400, "description": "Bad Request: chat not found"}

The constructors below carry Telegram's exact wordings, so every part of the
emulator says the same thing the same way.
"""

from __future__ import annotations

from typing import Any

__all__ = ["BotApiError"]


class BotApiError(Exception):
    """A Bot API error answer: HTTP status ``error_code``, a ``description`` and optional ``parameters``."""

    def __init__(self, error_code: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(f"{error_code} {description}")
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    def envelope(self) -> dict[str, Any]:
        """The JSON body Telegram sends for this error."""
        body: dict[str, Any] = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body

    @classmethod
    def bad_request(cls, detail: str) -> BotApiError:
        """400 ``Bad Request: <detail>``."""
        return cls(400, f"Bad Request: {detail}")

    @classmethod
    def unauthorized(cls) -> BotApiError:
        return cls(401, "Unauthorized")

    @classmethod
    def forbidden(cls, detail: str) -> BotApiError:
        return cls(403, f"Forbidden: {detail}")

    @classmethod
    def not_found(cls) -> BotApiError:
        return cls(404, "Not Found")

    @classmethod
    def conflict(cls, detail: str) -> BotApiError:
        return cls(409, f"Conflict: {detail}")

    @classmethod
    def too_many_requests(cls, retry_after: int) -> BotApiError:
        return cls(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)

    @classmethod
    def server_error(cls, status: int = 500) -> BotApiError:
        text = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}
        return cls(status, text.get(status, "Internal Server Error"))
