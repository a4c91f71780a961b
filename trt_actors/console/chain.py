"""The ``trace`` view as a page: one chain (a ``cid``) as a tree, with what the user saw under each screen.

The tree is :func:`eventlog.trace.render_trace`'s: an event hangs under the
event that caused it (``causation``), the rest from the root in log order.
Each line is the same ``summary`` and the same detail lines
(:func:`trt_actors.trace_view.details`: the text and buttons the user saw,
the price rule, KIE's answer, the ledger's balances) as ``python main.py
trace`` prints, escaped; under an update, what the user said or tapped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

import msgspec

from eventlog import RecordedEvent
from eventlog.trace import summary
from trt_actors.console.markup import Html, el, join, moment
from trt_actors.console.search import href, sender_of
from trt_actors.events import UpdateReceived
from trt_actors.trace_view import actor_of, details

__all__ = ["chain_page", "said"]


class _Message(msgspec.Struct, frozen=True):
    text: str | None = None
    caption: str | None = None
    photo: list[object] | None = None
    successful_payment: dict[str, object] | None = None


class _Callback(msgspec.Struct, frozen=True):
    data: str | None = None


class _Update(msgspec.Struct, frozen=True):
    message: _Message | None = None
    callback_query: _Callback | None = None


_DECODER: Final = msgspec.json.Decoder(_Update)


def said(update: UpdateReceived) -> str:
    """What the user did in a recorded update, as a line: ``Ann: hello``, ``Ann taps cat:t2i``."""
    sender = sender_of(update)
    who = sender.first_name if sender is not None else "someone"
    try:
        body = _DECODER.decode(update.body)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return f"{who}: [{update.kind}]"
    if body.callback_query is not None:
        return f"{who} taps {body.callback_query.data or ''}"
    sent = body.message
    if sent is None:
        return f"{who}: [{update.kind}]"
    if sent.successful_payment is not None:
        return f"{who} pays the invoice"
    if sent.photo:
        return f"{who} sends a photo" + (f": {sent.caption}" if sent.caption else "")
    return f"{who}: {sent.text or sent.caption or f'[{update.kind}]'}"


def chain_page(cid: str, chain: Sequence[RecordedEvent], committed: Mapping[int, float]) -> tuple[str, Html]:
    """The page's title and body for chain ``cid`` (its events in log order; ``committed``: commit times)."""
    title = f"Chain {cid}"
    if not chain:
        return title, el("p", "No event of the log has this cid.")
    ids = {recorded.event_id for recorded in chain}
    children: dict[str | None, list[RecordedEvent]] = {}
    for recorded in chain:
        children.setdefault(recorded.causation if recorded.causation in ids else None, []).append(recorded)
    start = committed.get(chain[0].seq, chain[0].ts)

    def offset(recorded: RecordedEvent) -> str:
        return f"+{(committed.get(recorded.seq, recorded.ts) - start) * 1000:.1f} ms"

    def tree(parent: str | None) -> Html:
        items = []
        for recorded in children.get(parent, []):
            lines = details(recorded)
            if isinstance(recorded.event, UpdateReceived):
                lines = [f"said: {said(recorded.event)}", *lines]
            items.append(el(
                "li", {"id": f"seq-{recorded.seq}"},
                el("span", {"class": "ev"}, f"{recorded.seq:>6}  {offset(recorded):>11}  ",
                   el("b", actor_of(recorded.stream)), f"  {recorded.stream}  ", summary(recorded, width=160)),
                [el("span", {"class": "saw"}, line) for line in lines],
                tree(recorded.event_id) if recorded.event_id in children else None,
            ))
        return el("ul", {"class": "tree"}, items)

    first = chain[0]
    about = [f"{len(chain)} events from {moment(first.ts)} UTC; offsets from the first commit."]
    links = []
    if first.user_id is not None:
        links.append(el("a", {"href": href("user", id=first.user_id)}, f"user {first.user_id}'s ledger"))
    if first.chat_id is not None:
        links.append(el("a", {"href": href("chat", id=first.chat_id, at=repr(chain[-1].ts))},
                        f"chat {first.chat_id} as the user saw it after this chain"))
    return title, join(el("p", about, " ", join(*(join(link, " · ") for link in links))), tree(None))
