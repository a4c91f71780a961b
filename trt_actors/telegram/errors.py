"""What can go wrong when the bot talks to Telegram: the whole error tree, documented here.

::

    TelegramError                 base: catch this to catch everything below
    ├── TelegramAPIError          Telegram answered and said no (ok=false). Carries
    │   │                         method, error_code, description, retry_after,
    │   │                         migrate_to_chat_id.
    │   ├── BadRequest            400: the request is wrong (a bug, or stale ids)
    │   │   ├── MessageNotModified    edit with identical content: harmless, ignore
    │   │   ├── QueryTooOld           late or repeated answerCallbackQuery: ignore, log
    │   │   └── ChatMigrated          group became a supergroup: use migrate_to_chat_id
    │   ├── Unauthorized          401: the bot token is wrong or revoked
    │   ├── Forbidden             403: this chat refuses the bot; stop sending to it
    │   │   └── BotBlocked            "bot was blocked by the user"
    │   ├── NotFound              404: unknown method, or a file path that is gone
    │   ├── Conflict              409: another poller or a webhook is active
    │   ├── TooManyRequests       429: flood control; wait retry_after seconds, then retry
    │   └── ServerError           5xx: Telegram's side failed; retry with backoff
    ├── TelegramNetworkError      no answer: connect failure, timeout, reset. Carries
    │                             method, reason, maybe_delivered.
    └── UnexpectedResponse        an answer we cannot read (not the Bot API envelope)

Programming errors on our side (a wrong argument type, say) are ordinary
``TypeError``/``ValueError`` and are not part of this tree.

Every message is a sentence that names the method and says what to do. None of
them, nor any ``repr``, contains the bot token: the request URL is never put
into an error, descriptions coming back from a server are passed through
:func:`redact`, and the errors raised for network failures do not chain the
underlying library exception (whose text may contain the URL).

Example::

    try:
        await tg.edit_message_text("same text", chat_id=1, message_id=7)
    except MessageNotModified:
        pass
    except TooManyRequests as exc:
        await trio.sleep(exc.retry_after)
"""

from __future__ import annotations

import re

__all__ = [
    "BadRequest",
    "BotBlocked",
    "ChatMigrated",
    "Conflict",
    "Forbidden",
    "MessageNotModified",
    "NotFound",
    "QueryTooOld",
    "ServerError",
    "TelegramAPIError",
    "TelegramError",
    "TelegramNetworkError",
    "TooManyRequests",
    "Unauthorized",
    "UnexpectedResponse",
    "api_error",
    "redact",
]

# A bot token is "<bot id>:<secret>"; in URLs it follows "/bot".
_TOKEN_IN_PATH = re.compile(r"(?<=bot)\d+:[A-Za-z0-9_-]+")
_BARE_TOKEN = re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{20,}")


def redact(text: str, *secrets: str) -> str:
    """Remove bot tokens from ``text``: the given ``secrets`` and anything shaped like a token.

    >>> redact("POST /bot123:abc/getMe failed")
    'POST /bot<token>/getMe failed'
    """
    for secret in secrets:
        if secret:
            text = text.replace(secret, "<token>")
    text = _TOKEN_IN_PATH.sub("<token>", text)
    return _BARE_TOKEN.sub("<token>", text)


class TelegramError(Exception):
    """Base of every error the Telegram client raises. See the module docstring for the tree."""


class TelegramAPIError(TelegramError):
    """Telegram answered ``ok: false``. The HTTP status equals :attr:`error_code`."""

    hint = ""

    def __init__(
        self,
        method: str,
        error_code: int,
        description: str,
        *,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
    ) -> None:
        self.method = method
        self.error_code = error_code
        self.description = redact(description)
        self.retry_after = retry_after
        self.migrate_to_chat_id = migrate_to_chat_id
        super().__init__(self._sentence())

    def _sentence(self) -> str:
        text = f"Telegram refused {self.method}: {self.error_code} {self.description}"
        if self.retry_after is not None and "retry after" not in self.description.lower():
            text += f" (retry after {self.retry_after} s)"
        if self.migrate_to_chat_id is not None:
            text += f" (the chat is now {self.migrate_to_chat_id})"
        return f"{text}{self.hint}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(method={self.method!r}, error_code={self.error_code}, "
            f"description={self.description!r}, retry_after={self.retry_after!r}, "
            f"migrate_to_chat_id={self.migrate_to_chat_id!r})"
        )


class BadRequest(TelegramAPIError):
    """400: the request is malformed or refers to something that does not exist."""


class MessageNotModified(BadRequest):
    """400 "message is not modified": the edit would change nothing. Safe to ignore."""

    hint = "; nothing to change, safe to ignore."


class QueryTooOld(BadRequest):
    """400 "query is too old": the callback query was answered late or twice. Log and move on."""

    hint = "; answer callback queries first, before any slow work."


class ChatMigrated(BadRequest):
    """400 with ``migrate_to_chat_id``: the group is now a supergroup with a new id."""

    hint = "; send to migrate_to_chat_id instead."


class Unauthorized(TelegramAPIError):
    """401: the bot token was rejected."""

    hint = "; check TELEGRAM_BOT_TOKEN (copy it again from @BotFather)."


class Forbidden(TelegramAPIError):
    """403: the bot may not write to this chat (blocked, kicked, user deactivated)."""

    hint = "; stop sending to this chat."


class BotBlocked(Forbidden):
    """403 "bot was blocked by the user"."""


class NotFound(TelegramAPIError):
    """404: unknown method, wrong token path, or a file that is no longer available."""


class Conflict(TelegramAPIError):
    """409: another getUpdates poller or a webhook is active for this bot."""

    hint = "; run exactly one poller per token, and deleteWebhook before polling."


class TooManyRequests(TelegramAPIError):
    """429: flood control. Wait :attr:`retry_after` seconds, then repeat the same call."""


class ServerError(TelegramAPIError):
    """5xx: Telegram (or a proxy in front of it) failed. Retry with backoff."""


class TelegramNetworkError(TelegramError):
    """No answer came back: the connection failed, timed out or was reset.

    ``maybe_delivered`` is False only when the request certainly never left
    (the connection could not be made); otherwise Telegram may have acted on it,
    so a retried ``sendMessage`` may show twice.
    """

    def __init__(self, method: str, reason: str, *, maybe_delivered: bool = True) -> None:
        self.method = method
        self.reason = redact(reason)
        self.maybe_delivered = maybe_delivered
        where = "may have reached Telegram" if maybe_delivered else "never reached Telegram"
        super().__init__(f"{method} got no answer from Telegram: {self.reason} (the request {where}).")

    def __repr__(self) -> str:
        return (
            f"TelegramNetworkError(method={self.method!r}, reason={self.reason!r}, "
            f"maybe_delivered={self.maybe_delivered!r})"
        )


class UnexpectedResponse(TelegramError):
    """The server answered with something that is not the Bot API envelope (a proxy page, say)."""

    def __init__(self, method: str, status: int, detail: str) -> None:
        self.method = method
        self.status = status
        self.detail = redact(detail)
        super().__init__(
            f"{method} got an HTTP {status} answer that is not a Bot API response: {self.detail}; "
            "check TELEGRAM_API_BASE."
        )

    def __repr__(self) -> str:
        return f"UnexpectedResponse(method={self.method!r}, status={self.status}, detail={self.detail!r})"


_BY_CODE: dict[int, type[TelegramAPIError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    429: TooManyRequests,
}


def api_error(
    method: str,
    error_code: int,
    description: str,
    *,
    retry_after: int | None = None,
    migrate_to_chat_id: int | None = None,
) -> TelegramAPIError:
    """The most specific :class:`TelegramAPIError` for an ``ok: false`` answer.

    >>> api_error("deleteMessage", 403, "Forbidden: bot was blocked by the user")
    BotBlocked(method='deleteMessage', error_code=403, ...)
    """
    lowered = description.lower()
    cls: type[TelegramAPIError]
    if error_code == 400 and migrate_to_chat_id is not None:
        cls = ChatMigrated
    elif error_code == 400 and "message is not modified" in lowered:
        cls = MessageNotModified
    elif error_code == 400 and "query is too old" in lowered:
        cls = QueryTooOld
    elif error_code == 403 and "blocked by the user" in lowered:
        cls = BotBlocked
    elif error_code >= 500:
        cls = ServerError
    else:
        cls = _BY_CODE.get(error_code, TelegramAPIError)
    return cls(
        method,
        error_code,
        description,
        retry_after=retry_after,
        migrate_to_chat_id=migrate_to_chat_id,
    )
