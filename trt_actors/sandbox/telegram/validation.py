"""Checking a call against the Bot API spec and Telegram's limits, before any state changes.

Two layers:

* :func:`validate_call` checks one call against :class:`BotApiSpec`: required
  parameters present, no unknown parameters (when strict), and every value of
  the declared type. Values that arrived as text (query string, form, multipart)
  are coerced: ``"42"`` → ``42`` for Integer, ``"true"`` → ``True`` for Boolean,
  JSON text → objects for object and array types. Nested objects are checked
  against their type's fields; unknown nested fields are tolerated.
* The ``check_*`` functions hold Telegram's content limits (text 1-4096 after
  entity parsing, caption ≤ 1024, ``callback_data`` 1-64 bytes, ...) with
  Telegram's wordings; texts and captions also get the entities Telegram
  detects by itself (:mod:`.auto_entities`).
"""

from __future__ import annotations

from typing import Any

import msgspec

from trt_actors.sandbox.telegram.auto_entities import with_detected
from trt_actors.sandbox.telegram.errors import BotApiError
from trt_actors.sandbox.telegram.markdown import parse_markdown
from trt_actors.sandbox.telegram.markup import MarkupError, parse_html, utf16_length
from trt_actors.sandbox.telegram.request import Upload
from trt_actors.sandbox.telegram.spec import BotApiSpec, MethodSpec, Param

__all__ = [
    "check_callback_answer_text",
    "check_caption",
    "check_reply_markup",
    "check_text",
    "formatted",
    "validate_call",
]

MAX_TEXT = 4096
MAX_CAPTION = 1024

# Telegram's own wording for a missing or empty required parameter, where it has one.
_MISSING = {
    "text": "message text is empty",
    "chat_id": "chat_id is empty",
    "callback_query_id": "query is too old and response timeout expired or query ID is invalid",
    "photo": "there is no photo in the request",
    "video": "there is no video in the request",
    "audio": "there is no audio in the request",
    "document": "there is no document in the request",
    "media": "media is empty",
    "file_id": "invalid file_id",
    "url": "bad webhook: URL must be provided for webhook",
}

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off", ""}


class _WrongType(Exception):
    pass


def _is_array(type_string: str) -> bool:
    return type_string.startswith("Array of ")


def _coerce(value: Any, type_string: str, spec: BotApiSpec, path: str) -> Any:
    if _is_array(type_string):
        if isinstance(value, str):
            value = _json(value, path)
        if not isinstance(value, list):
            raise _WrongType
        inner = type_string.removeprefix("Array of ")
        return [_coerce(item, inner, spec, f"{path}[{index}]") for index, item in enumerate(value)]
    if type_string == "String":
        if isinstance(value, str):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        raise _WrongType
    if type_string == "Integer":
        if isinstance(value, bool):
            raise _WrongType
        if isinstance(value, int):
            return value
        if isinstance(value, str):
            try:
                return int(value.strip())
            except ValueError:
                raise _WrongType from None
        if isinstance(value, float) and value.is_integer():
            return int(value)
        raise _WrongType
    if type_string == "Float":
        if isinstance(value, bool):
            raise _WrongType
        if isinstance(value, (int, float)):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value.strip())
            except ValueError:
                raise _WrongType from None
        raise _WrongType
    if type_string in ("Boolean", "True"):
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        if isinstance(value, int):
            return bool(value)
        raise _WrongType
    if type_string == "InputFile":
        if isinstance(value, Upload):
            return value
        raise _WrongType
    type_spec = spec.types.get(type_string)
    if type_spec is None:
        return value
    if isinstance(value, str):
        value = _json(value, path)
    if not isinstance(value, dict):
        raise _WrongType
    if type_spec.members:
        for member in type_spec.members:
            try:
                return _coerce(value, member, spec, path)
            except (_WrongType, BotApiError):
                continue
        raise BotApiError.bad_request(f"can't parse {path}: no variant of {type_string} matches")
    checked = dict(value)
    for name, field in type_spec.fields.items():
        if name not in value:
            if field.required:
                raise BotApiError.bad_request(f'field "{name}" of {type_string} in {path} is required')
            continue
        checked[name] = _coerce_param(value[name], field, spec, f"{path}.{name}")
    return checked


def _json(text: str, path: str) -> Any:
    try:
        return msgspec.json.decode(text)
    except msgspec.DecodeError:
        raise BotApiError.bad_request(f"can't parse {path} JSON object") from None


def _coerce_param(value: Any, param: Param, spec: BotApiSpec, path: str) -> Any:
    # Try the more specific alternatives first: an Integer|String chat_id "123" becomes 123.
    order = sorted(param.types, key=lambda t: t == "String")
    first_error: BotApiError | None = None
    for type_string in order:
        try:
            return _coerce(value, type_string, spec, path)
        except _WrongType:
            continue
        except BotApiError as error:  # e.g. not an InlineKeyboardMarkup; maybe a ReplyKeyboardRemove
            first_error = first_error or error
    if first_error is not None:
        raise first_error
    expected = " or ".join(param.types)
    raise BotApiError.bad_request(f'parameter "{path}" must be of type {expected}')


def validate_call(method: MethodSpec, params: dict[str, Any], spec: BotApiSpec, *, strict: bool = True) -> dict[str, Any]:
    """Check ``params`` against ``method``; return them coerced to the spec's types.

    Raises :class:`BotApiError` (400) for a missing required parameter, an unknown
    one (when ``strict``; the real Telegram ignores those silently) or a wrong type.
    """
    checked: dict[str, Any] = {}
    for name, value in params.items():
        param = method.params.get(name)
        if param is None:
            if strict:
                raise BotApiError.bad_request(f'unknown parameter "{name}" for method {method.name}')
            continue
        checked[name] = _coerce_param(value, param, spec, name)
    for name, param in method.params.items():
        if param.required and (name not in checked or checked[name] == ""):
            raise BotApiError.bad_request(_MISSING.get(name, f"parameter {name} is required"))
    return checked


def formatted(text: str, parse_mode: str | None, entities: list[dict[str, Any]] | None) -> tuple[str, list[dict[str, Any]]]:
    """Apply ``parse_mode`` (``HTML``, ``MarkdownV2`` or ``Markdown``) to get plain text and entities."""
    if parse_mode is None or parse_mode == "":
        return text, list(entities or [])
    try:
        if parse_mode.lower() == "html":
            return parse_html(text)
        if parse_mode.lower() == "markdownv2":
            return parse_markdown(text, v2=True)
        if parse_mode.lower() == "markdown":
            return parse_markdown(text, v2=False)
    except MarkupError as error:
        raise BotApiError.bad_request(f"can't parse entities: {error}") from None
    raise BotApiError.bad_request("unsupported parse_mode")


def check_text(text: str, parse_mode: str | None, entities: list[dict[str, Any]] | None) -> tuple[str, list[dict[str, Any]]]:
    """A message text: 1-4096 characters after entity parsing; links, mentions and the like get their entities."""
    plain, parsed = formatted(text, parse_mode, entities)
    if not plain.strip():
        raise BotApiError.bad_request("message text is empty")
    if utf16_length(plain) > MAX_TEXT:
        raise BotApiError.bad_request("message is too long")
    return plain, with_detected(plain, parsed)


def check_caption(caption: str | None, parse_mode: str | None, entities: list[dict[str, Any]] | None) -> tuple[str | None, list[dict[str, Any]]]:
    """A media caption: 0-1024 characters after entity parsing; links, mentions and the like get their entities."""
    if caption is None:
        return None, []
    plain, parsed = formatted(caption, parse_mode, entities)
    if utf16_length(plain) > MAX_CAPTION:
        raise BotApiError.bad_request("message caption is too long")
    return plain, with_detected(plain, parsed)


def check_reply_markup(markup: Any) -> dict[str, Any] | None:
    """An inline keyboard: each button has exactly one action; ``callback_data`` is 1-64 bytes."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise BotApiError.bad_request("can't parse reply keyboard markup JSON object")
    rows = markup.get("inline_keyboard")
    if rows is None:
        return markup  # reply keyboards, ForceReply, ReplyKeyboardRemove: stored as given
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise BotApiError.bad_request("can't parse inline keyboard button: field \"inline_keyboard\" must be an Array of Array")
    actions = ("url", "callback_data", "web_app", "login_url", "switch_inline_query",
               "switch_inline_query_current_chat", "switch_inline_query_chosen_chat",
               "copy_text", "callback_game", "pay")
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise BotApiError.bad_request("can't parse inline keyboard button: Text must be a String")
            present = [name for name in actions if name in button]
            if len(present) != 1:
                raise BotApiError.bad_request("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
            if "callback_data" in button:
                data = button["callback_data"]
                if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64:
                    raise BotApiError.bad_request("BUTTON_DATA_INVALID")
            if "url" in button and not str(button["url"]).strip():
                raise BotApiError.bad_request("BUTTON_URL_INVALID")
    return markup


def check_callback_answer_text(text: str | None) -> None:
    """``answerCallbackQuery`` text: 0-200 characters."""
    if text is not None and len(text) > 200:
        raise BotApiError.bad_request("MESSAGE_TOO_LONG")
