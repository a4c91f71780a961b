"""Parameters the Bot API docs dropped but Telegram still honours, rewritten to their replacements.

Bot API 7.0 replaced ``reply_to_message_id`` and ``allow_sending_without_reply``
with ``reply_parameters``, and ``disable_web_page_preview`` with
``link_preview_options``. The docs (and so ``botapi.json``) no longer list the old
names, yet the real server still takes them and frameworks still send them
(aiogram 3 offers all three). The emulator refuses unknown parameters in strict
mode, so :func:`honour_deprecated` turns the old names into the new ones before
validation, and only where the method takes the replacement:

* ``reply_to_message_id=N`` → ``reply_parameters={"message_id": N}``, with
  ``allow_sending_without_reply`` moved inside it;
* ``disable_web_page_preview=B`` → ``link_preview_options={"is_disabled": B}``.

When a call also gives the replacement, the replacement wins and the old names
are dropped, as Telegram does. Anything else unknown stays unknown.

Example::

    honour_deprecated(spec.method("sendMessage"), {"chat_id": 1, "text": "hi", "reply_to_message_id": "7"})
    # {"chat_id": 1, "text": "hi", "reply_parameters": {"message_id": "7"}}
"""

from __future__ import annotations

from typing import Any

from trt_actors.sandbox.telegram.spec import MethodSpec

__all__ = ["DEPRECATED_PARAMETERS", "honour_deprecated"]

DEPRECATED_PARAMETERS = {
    "reply_to_message_id": "reply_parameters",
    "allow_sending_without_reply": "reply_parameters",
    "disable_web_page_preview": "link_preview_options",
}
"""Each old name and the parameter that replaced it."""


def honour_deprecated(method: MethodSpec, params: dict[str, Any]) -> dict[str, Any]:
    """``params`` with the deprecated names ``method`` still honours rewritten (a new dict; the input is kept)."""
    old = {name: params[name] for name in DEPRECATED_PARAMETERS if name in params and name not in method.params}
    if not any(DEPRECATED_PARAMETERS[name] in method.params for name in old):
        return params
    rewritten = {name: value for name, value in params.items() if name not in old}
    if "reply_parameters" in method.params and "reply_parameters" not in params and "reply_to_message_id" in old:
        reply: dict[str, Any] = {"message_id": old["reply_to_message_id"]}
        if "allow_sending_without_reply" in old:
            reply["allow_sending_without_reply"] = old["allow_sending_without_reply"]
        rewritten["reply_parameters"] = reply
    if "link_preview_options" in method.params and "link_preview_options" not in params \
            and "disable_web_page_preview" in old:
        rewritten["link_preview_options"] = {"is_disabled": old["disable_web_page_preview"]}
    return rewritten
