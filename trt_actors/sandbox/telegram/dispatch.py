"""From a method name and raw parameters to a result: validation, then the method's handler.

:func:`dispatch` looks the method up in the spec (404 ``Not Found`` if the Bot
API has no such method), separates extra multipart parts (files named by
``attach://``), rewrites the deprecated parameters Telegram still honours
(:mod:`.honoured`), validates the rest with :func:`validate_call`, and runs the
handler. Methods the emulator does not model but whose result is ``True``
(``setMyCommands``, ``setChatMenuButton``, ...) succeed after validation;
any other unmodelled method answers 400 ``method is not supported by the
emulator`` so a test notices.
"""

from __future__ import annotations

import hashlib
from typing import Any

from trt_actors.sandbox.telegram.errors import BotApiError
from trt_actors.sandbox.telegram.forwarding import FORWARDING_METHODS
from trt_actors.sandbox.telegram.honoured import honour_deprecated
from trt_actors.sandbox.telegram.members import MEMBER_METHODS
from trt_actors.sandbox.telegram.messaging import MESSAGING_METHODS, Handler
from trt_actors.sandbox.telegram.payments import check_invoice
from trt_actors.sandbox.telegram.request import Upload
from trt_actors.sandbox.telegram.state import BotState, Call
from trt_actors.sandbox.telegram.validation import check_callback_answer_text, check_reply_markup, validate_call

__all__ = ["dispatch"]

_SECRET_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


class _Described:
    """A result that carries Telegram's optional ``description`` (``Webhook was set``)."""

    def __init__(self, result: Any, description: str) -> None:
        self.result = result
        self.description = description


async def get_me(state: BotState, call: Call) -> Any:
    return state.bot_user


async def get_updates(state: BotState, call: Call) -> Any:
    if state.webhook.active:
        raise BotApiError.conflict(
            "can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
        )
    params = call.params
    state.queue.set_allowed(params.get("allowed_updates"))
    timeout = max(0, params.get("timeout", 0))
    return await state.queue.get_updates(params.get("offset"), params.get("limit", 100), timeout)


async def set_webhook(state: BotState, call: Call) -> Any:
    params = call.params
    url: str = params["url"]
    if not url:
        return await delete_webhook(state, Call("deleteWebhook", {}))
    if not url.startswith(("http://", "https://")):
        raise BotApiError.bad_request("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")
    secret = params.get("secret_token")
    if secret is not None and (not 1 <= len(secret) <= 256 or not set(secret) <= _SECRET_CHARS):
        raise BotApiError.bad_request("secret token contains unallowed characters")
    max_connections = params.get("max_connections")
    if max_connections is not None and not 1 <= max_connections <= 100:
        raise BotApiError.bad_request("bad webhook: max_connections must be between 1 and 100")
    state.queue.terminate_poll("terminated by setWebhook request")
    if params.get("drop_pending_updates"):
        state.queue.drop_all()
    state.queue.set_allowed(params.get("allowed_updates"))
    unchanged = state.webhook.url == url and state.webhook.secret_token == secret
    state.webhook.set(url, secret, max_connections, params.get("ip_address"))
    return _Described(True, "Webhook is already set" if unchanged else "Webhook was set")


async def delete_webhook(state: BotState, call: Call) -> Any:
    was_set = state.webhook.active
    if call.params.get("drop_pending_updates"):
        state.queue.drop_all()
    state.webhook.delete()
    return _Described(True, "Webhook was deleted" if was_set else "Webhook is already deleted")


async def get_webhook_info(state: BotState, call: Call) -> Any:
    return state.webhook.info()


async def answer_callback_query(state: BotState, call: Call) -> Any:
    check_callback_answer_text(call.params.get("text"))
    state.callbacks.answer(call.params["callback_query_id"], call.params)
    return True


async def send_invoice(state: BotState, call: Call) -> Any:
    params = call.params
    chat = state.chat_for(params["chat_id"])
    invoice = check_invoice(params)
    markup = check_reply_markup(params.get("reply_markup"))
    body: dict[str, Any] = {"invoice": invoice, "_payload": params["payload"]}
    if markup and "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not rows or not rows[0] or not rows[0][0].get("pay"):
            raise BotApiError.bad_request("the first button of an invoice keyboard must be a Pay button")
        body["reply_markup"] = markup
    else:
        body["reply_markup"] = {"inline_keyboard": [[{"text": f"Pay ⭐️{invoice['total_amount']}", "pay": True}]]}
    message = chat.add(state.now(), from_bot=True, body=body)
    return message.to_json(chat.as_chat(), state.bot_sender)


async def create_invoice_link(state: BotState, call: Call) -> Any:
    check_invoice(call.params)
    digest = hashlib.sha256(f"{state.token}:{call.params['payload']}".encode()).hexdigest()[:16]
    return f"https://t.me/$emu{digest}"


async def answer_pre_checkout_query(state: BotState, call: Call) -> Any:
    state.payments.answer_pre_checkout(call.params)
    return True


async def refund_star_payment(state: BotState, call: Call) -> Any:
    user_id = call.params["user_id"]
    state.payments.refund(user_id, call.params["telegram_payment_charge_id"], state.chats.get(user_id))
    return True


async def get_star_transactions(state: BotState, call: Call) -> Any:
    limit = call.params.get("limit", 100)
    if not 1 <= limit <= 100:
        raise BotApiError.bad_request("limit must be between 1 and 100")
    return state.payments.transactions(max(0, call.params.get("offset", 0)), limit)


async def get_my_star_balance(state: BotState, call: Call) -> Any:
    return {"amount": state.payments.balance()}


async def set_my_commands(state: BotState, call: Call) -> Any:
    commands: list[dict[str, Any]] = call.params["commands"]
    if len(commands) > 100:
        raise BotApiError.bad_request("too many commands")
    for command in commands:
        name = command.get("command", "")
        if not (1 <= len(name) <= 32 and name.replace("_", "").isalnum() and name == name.lower()):
            raise BotApiError.bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(command.get("description", "")) <= 256:
            raise BotApiError.bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    state.commands[call.params.get("language_code", "")] = commands
    return True


async def get_my_commands(state: BotState, call: Call) -> Any:
    return state.commands.get(call.params.get("language_code", ""), [])


async def delete_my_commands(state: BotState, call: Call) -> Any:
    state.commands.pop(call.params.get("language_code", ""), None)
    return True


async def get_chat(state: BotState, call: Call) -> Any:
    chat = state.chat_for(call.params["chat_id"])
    info = chat.as_chat()
    info.update(accent_color_id=0, max_reaction_count=11, accepted_gift_types={
        "unlimited_gifts": True, "limited_gifts": True, "unique_gifts": True, "premium_subscription": True,
        "gifts_from_channels": True})
    return info


HANDLERS: dict[str, Handler] = {
    **MESSAGING_METHODS,
    **FORWARDING_METHODS,
    **MEMBER_METHODS,
    "getMe": get_me,
    "getUpdates": get_updates,
    "setWebhook": set_webhook,
    "deleteWebhook": delete_webhook,
    "getWebhookInfo": get_webhook_info,
    "answerCallbackQuery": answer_callback_query,
    "sendInvoice": send_invoice,
    "createInvoiceLink": create_invoice_link,
    "answerPreCheckoutQuery": answer_pre_checkout_query,
    "refundStarPayment": refund_star_payment,
    "getStarTransactions": get_star_transactions,
    "getMyStarBalance": get_my_star_balance,
    "getChat": get_chat,
    "setMyCommands": set_my_commands,
    "getMyCommands": get_my_commands,
    "deleteMyCommands": delete_my_commands,
}


async def dispatch(state: BotState, method_name: str, raw: dict[str, Any], *, strict: bool = True) -> tuple[Any, str | None]:
    """Run one Bot API call; return ``(result, description)`` or raise :class:`BotApiError`."""
    method = state.spec.method(method_name)
    if method is None:
        raise BotApiError.not_found()
    uploads = {name: value for name, value in raw.items() if isinstance(value, Upload)}
    # JSON null means "not given"; extra file parts are attachments named by attach://<part>.
    params = {
        name: value
        for name, value in raw.items()
        if value is not None and (name in method.params or not isinstance(value, Upload))
    }
    checked = validate_call(method, honour_deprecated(method, params), state.spec, strict=strict)
    handler = HANDLERS.get(method.name)
    if handler is None:
        if method.returns_true:
            return True, None
        raise BotApiError.bad_request(f"method {method.name} is not supported by the emulator")
    result = await handler(state, Call(method.name, checked, uploads))
    if isinstance(result, _Described):
        return result.result, result.description
    return result, None
