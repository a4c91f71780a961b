"""What ``python main.py trace`` tells about this bot's events, beyond their fields: who decided each, and what it meant.

:mod:`eventlog.trace` draws any chain as a tree; this module names the actor
behind each stream and adds, under the events that carry them, the lines a
developer or an auditor looks for: the text and buttons the user saw, the
price rule and registry version where money moved, the KIE task and its
state, the ledger's balances.

Example::

    print(render_trace(chain, committed, actor=actor_of, details=details))
"""

from __future__ import annotations

from eventlog import RecordedEvent
from trt_actors.events import UiRendered
from trt_actors.events.jobs import JobFailed, JobPolled, JobSubmitted, JobSucceeded
from trt_actors.events.ledger import Quote
from trt_actors.show_chat import plain_text

__all__ = ["actor_of", "details"]

_ACTORS = {
    "update": "intake",
    "inbox": "intake",
    "chat": "session",
    "ledger": "ledger",
    "job": "jobs",
    "outbox": "outbox",
    "payments": "checkout",
    "system": "runtime",
    "reactor": "reactor",
    "leader": "leadership",
}

TEXT_WIDTH = 160


def actor_of(stream: str) -> str:
    """The actor that decides the events of ``stream`` (one actor per stream): ``chat:42`` → ``session``."""
    prefix = stream.partition(":")[0]
    return _ACTORS.get(prefix, prefix)


def details(recorded: RecordedEvent) -> list[str]:
    """Lines to show under an event: what the user saw, what priced a hold, what KIE said, what the ledger holds."""
    event = recorded.event
    lines: list[str] = []
    if isinstance(event, UiRendered):
        text = " ⏎ ".join(line for line in plain_text(event.text).splitlines() if line.strip())
        lines.append(f"saw: {_cut(text)}" + (f" (edits message {event.edit_message_id})"
                                                 if event.edit_message_id else ""))
        for row in event.buttons:
            lines.append("     " + "  ".join(f"[{button.text}]" for button in row))
    quote = getattr(event, "quote", None)
    if isinstance(quote, Quote) and recorded.stream.startswith("ledger:"):  # where the money moved
        values = ", ".join(f"{param.name}={param.value}" for param in quote.params if param.name != "prompt")
        lines.append(f"price: {quote.model_id}" + (f" ({values})" if values else "")
                     + f" → {quote.credits} credits by rule {quote.rule!r}, registry {quote.registry_version}"
                     + f" (KIE {quote.kie_credits} × markup {quote.markup})")
    match event:
        case JobSubmitted(task_id=task) | JobPolled(task_id=task) | JobSucceeded(task_id=task):
            lines.append(f"KIE task {task}: {_kie_state(event)}")
        case JobFailed(reason=reason, code=code, message=message):
            lines.append(f"KIE: failed ({reason}" + (f", code {code}" if code else "")
                         + (f": {_cut(message, 80)}" if message else "") + ")")
    available, held = getattr(event, "available", None), getattr(event, "held", None)
    if recorded.stream.startswith("ledger:") and isinstance(available, int):
        lines.append(f"balance: {available} available" + (f", {held} held" if isinstance(held, int) else ""))
    return lines


def _kie_state(event: JobSubmitted | JobPolled | JobSucceeded) -> str:
    match event:
        case JobSubmitted(recovered=recovered):
            return "created" + (" (found after a restart)" if recovered else "")
        case JobPolled(state=state, source=source):
            return f"{state} (asked by {source})"
        case JobSucceeded(result_urls=urls, source=source):
            return f"success, {len(urls)} file(s) (asked by {source})"


def _cut(text: str, width: int = TEXT_WIDTH) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
