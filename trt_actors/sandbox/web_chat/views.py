"""One chat message as the page draws it: a bubble of safe HTML, with its media, invoice, buttons and chain link.

:func:`message_view` is the only place that turns a message into markup;
the page (first load) and the JSON feed (each update) both use it, so what
is escaped once is escaped everywhere. Every text that came from the bot or
a user goes through :func:`html.escape` or
:func:`~trt_actors.sandbox.web_chat.formatting.formatted_html`; every bubble
is isolated for bidirectional text (``dir="auto"`` and CSS
``unicode-bidi: isolate``), so a right-to-left mark in one message cannot
turn another around.

The ``key`` of a view changes whenever what it shows changes (an edit, a
new chain link), which is how the page knows to redraw a bubble in place.
"""

from __future__ import annotations

import hashlib
import html
import time
from urllib.parse import quote

import msgspec

from trt_actors.sandbox.telegram import Button, ChatMessage
from trt_actors.sandbox.web_chat.formatting import formatted_html, safe_url

__all__ = ["MessageView", "message_view"]


class MessageView(msgspec.Struct, frozen=True):
    """A drawn message: its element id, the digest of what it shows, and the ``<li>`` itself."""

    id: str
    key: str
    html: str


def _attr(value: str) -> str:
    return html.escape(value, quote=True)


def _button(message_id: int, button: Button) -> str:
    label = html.escape(button.text)
    if button.pay:
        return f'<button type="button" class="kb pay" data-pay="{message_id}">{label}</button>'
    if button.callback_data is not None:
        return (f'<button type="button" class="kb" data-message="{message_id}" '
                f'data-callback="{_attr(button.callback_data)}">{label}</button>')
    href = safe_url(button.url)
    if href is not None:
        return f'<a class="kb" href="{_attr(href)}" rel="noopener noreferrer" target="_blank">{label} ↗</a>'
    return f'<span class="kb">{label}</span>'


def _media(message: ChatMessage) -> str:
    if message.file_id is None:
        return ""
    src = f"/media/{quote(message.file_id, safe='')}"
    match message.kind:
        case "photo" | "sticker":
            return f'<img class="media" src="{src}" alt="{message.kind}">'
        case "video" | "animation":
            return f'<video class="media" src="{src}" controls></video>'
        case "voice" | "audio":
            return f'<audio class="media" src="{src}" controls></audio>'
        case _:
            return f'<a class="file" href="{src}" download>{html.escape(message.kind)} ⤓</a>'


def _invoice(message: ChatMessage) -> str:
    invoice = message.invoice
    if invoice is None:
        return ""
    amount = f"{invoice.total_amount} ⭐" if invoice.currency == "XTR" else f"{invoice.total_amount} {invoice.currency}"
    pays = any(button.pay for row in message.buttons for button in row)
    pay = "" if pays or message.deleted else (
        f'<button type="button" class="kb pay" data-pay="{message.message_id}">Pay {html.escape(amount)}</button>')
    return (f'<div class="invoice"><div class="title">{html.escape(invoice.title)}</div>'
            f'<div class="description">{html.escape(invoice.description)}</div>'
            f'<div class="amount">{html.escape(amount)}</div>{pay}</div>')


def _body(message: ChatMessage) -> str:
    if message.service == "successful_payment":
        return f'<div class="service">You paid {message.stars} ⭐</div>'
    if message.service == "refunded_payment":
        return f'<div class="service">{message.stars} ⭐ refunded to you</div>'
    text = message.text if message.text is not None else message.caption
    if text is None:
        return ""
    return f'<div class="text">{formatted_html(text, message.entities)}</div>'


def _meta(message: ChatMessage, chain_url: str | None) -> str:
    parts = [time.strftime("%H:%M:%S", time.localtime(message.edit_date or message.date))]
    if message.edit_date is not None:
        parts.append("edited")
    if message.deleted:
        parts.append("deleted")
    link = (f' <a class="chain" href="{_attr(chain_url)}" target="_blank" rel="noopener" '
            f'title="this message\'s chain in the console">chain ↗</a>') if chain_url else ""
    return f'<div class="meta">{html.escape(" · ".join(parts))}{link}</div>'


def message_view(message: ChatMessage, chain_url: str | None = None) -> MessageView:
    """Draw ``message``; ``chain_url`` (if known) is linked beside it."""
    side = "bot" if message.from_bot else "user"
    classes = f"msg {side}" + (" deleted" if message.deleted else "")
    keyboard = "".join(
        '<div class="row">' + "".join(_button(message.message_id, button) for button in row) + "</div>"
        for row in message.buttons
    )
    inner = (_media(message) + _invoice(message) + _body(message)
             + (f'<div class="keyboard">{keyboard}</div>' if keyboard and not message.deleted else "")
             + _meta(message, chain_url))
    element_id = f"m-{message.message_id}"
    key = hashlib.blake2b(f"{classes}\n{inner}".encode(), digest_size=8).hexdigest()
    markup = f'<li id="{element_id}" class="{classes}" dir="auto" data-key="{key}">{inner}</li>'
    return MessageView(element_id, key, markup)
