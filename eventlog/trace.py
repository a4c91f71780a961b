"""The trace read model: one causal chain (a ``cid``) as a tree, for people.

Every event of a chain carries its ``cid``; ``causation`` names the event that
caused it. Events without a known cause in the chain hang from the root, in
log order. ``python main.py trace <cid>`` prints this.

Example::

    chain = await log.read_cid("u1000-3f2a")
    print(render_trace(chain))
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence

import msgspec

from eventlog.records import RecordedEvent

__all__ = ["chain_json", "render_chains", "render_trace", "summary"]

_SKIP = {"type"}


def summary(recorded: RecordedEvent, width: int = 100) -> str:
    """One line: the event type and its most telling fields (those at their default are left out)."""
    defaults = {f.name: f.default for f in msgspec.structs.fields(type(recorded.event))}
    fields = msgspec.structs.asdict(recorded.event)
    parts: list[str] = []
    for name, value in fields.items():
        if name in _SKIP or value is None or value == () or name == "body" or value == defaults.get(name):
            continue
        if name == "buttons":
            value = sum(len(row) for row in value)
            name = "buttons"
        text = repr(value) if isinstance(value, str) else str(value)
        if len(text) > 40:
            text = text[:37] + "..."
        parts.append(f"{name}={text}")
    line = f"{recorded.type}({', '.join(parts)})"
    return line if len(line) <= width else line[: width - 3] + "..."


def render_trace(
    chain: Sequence[RecordedEvent],
    committed: Mapping[int, float] | None = None,
    *,
    actor: Callable[[str], str] | None = None,
    details: Callable[[RecordedEvent], Sequence[str]] | None = None,
) -> str:
    """The chain as an indented tree: ``seq  time  (after its cause)  actor  stream  Type(fields)``.

    ``committed`` (``SQLiteEventLog.commit_times``) gives each event's commit time: the offsets are then
    from the first commit of the chain, so they show where its time went, and each event also shows how
    long after its cause it was committed; without it (an old log) they are the events' own times, which a
    chain's steps share up to the outbox. ``actor`` names the actor that decided a stream's events;
    ``details`` gives lines to print under an event (what the user saw, what priced it, ...).
    """
    if not chain:
        return "no events with this cid"
    ids = {r.event_id for r in chain}
    children: dict[str | None, list[RecordedEvent]] = {}
    for recorded in chain:
        parent = recorded.causation if recorded.causation in ids else None
        children.setdefault(parent, []).append(recorded)
    times = committed or {}
    start = chain[0].ts
    first = times.get(chain[0].seq)
    lines = [f"cid {chain[0].cid}: {len(chain)} events, {_clock(start)} UTC"
             + ("; times from each event's commit, (+…) after its cause" if first is not None else "")]

    def at(recorded: RecordedEvent) -> float:
        commit = times.get(recorded.seq)
        return recorded.ts - start if commit is None or first is None else commit - first

    def walk(parent: RecordedEvent | None, depth: int) -> None:
        for recorded in children.get(parent.event_id if parent else None, []):
            offset = at(recorded) * 1000
            after = f"(+{(at(recorded) - at(parent)) * 1000:.1f})" if parent is not None and first is not None else ""
            who = f"{actor(recorded.stream):<10} " if actor is not None else ""
            indent = "  " * depth
            lines.append(f"{recorded.seq:>8}  +{offset:>8.1f} ms {after:>10}  {who}{recorded.stream:<18} "
                         f"{indent}{summary(recorded)}")
            pad = " " * (54 + len(who) + len(indent))  # under the event's type
            lines.extend(f"{pad}│ {line}" for line in (details(recorded) if details is not None else ()))
            walk(recorded, depth + 1)

    walk(None, 0)
    return "\n".join(lines)


def render_chains(chains: Sequence[Sequence[RecordedEvent]]) -> str:
    """One line per chain: its cid, when it started, how many events, and what started it."""
    lines = []
    for chain in chains:
        first = chain[0]
        lines.append(f"{first.cid:<28} {_clock(first.ts)}  {len(chain):>4} events  {summary(first, width=70)}")
    return "\n".join(lines) if lines else "no chains"


def chain_json(
    chain: Sequence[RecordedEvent],
    committed: Mapping[int, float] | None = None,
    *,
    actor: Callable[[str], str] | None = None,
    details: Callable[[RecordedEvent], Sequence[str]] | None = None,
) -> str:
    """The chain as JSON: a list of events, each its envelope and its fields (and, when given, its commit
    time, its actor and its detail lines, as :func:`render_trace` shows them)."""
    times = committed or {}

    def one(r: RecordedEvent) -> dict[str, object]:
        item: dict[str, object] = {
            "seq": r.seq, "event_id": r.event_id, "stream": r.stream, "version": r.version, "type": r.type,
            "ts": r.ts, "cid": r.cid, "causation": r.causation, "chat_id": r.chat_id, "user_id": r.user_id,
            "event": msgspec.to_builtins(r.event)}
        if r.seq in times:
            item["committed_at"] = times[r.seq]
        if actor is not None:
            item["actor"] = actor(r.stream)
        if details is not None:
            item["details"] = list(details(r))
        return item

    return msgspec.json.encode([one(r) for r in chain]).decode()


def _clock(ts: float) -> str:
    return datetime.datetime.fromtimestamp(ts, datetime.UTC).strftime("%Y-%m-%d %H:%M:%S")
