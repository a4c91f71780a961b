"""Fuzzing the webhook: whatever is POSTed to ``/telegram/webhook``, the bot answers as documented and moves no credit.

The whole bot runs per example (see :mod:`tests.fuzz.conftest`). Valid
updates of every kind the Bot API defines are answered 200 and recorded once
(as ``UpdateReceived``, or ``UpdateRejected`` "unknown-kind" for a kind the
bot does not read). A body that is not an update (cut short, a field of the
wrong type, not an object, nested thousands deep, an id no Telegram chat
has, bytes that are not UTF-8, too large once stored) is answered 400 and
leaves exactly one ``UpdateRejected`` (none when the same body came before);
a body over 1 MB is answered 413 and a wrong secret 401, and both leave
nothing. Nothing answers 5xx, nothing crashes, no credit moves.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tests.e2e.conftest import TOKEN
from tests.e2e.support import BotProcess, wait_settled
from tests.fuzz.bot_api import USERS, update
from tests.fuzz.conftest import FUZZ, SECRET, crashes, fuzzed_bot, ledger_moves, recorded, types_of
from trt_actors.actors.receiver import MAX_WEBHOOK_BODY, SECRET_HEADER
from trt_actors.events import UpdateReceived, UpdateRejected

WEBHOOK_PATH = "/telegram/webhook"
READ_KINDS = ("message", "edited_message", "callback_query", "pre_checkout_query", "my_chat_member")
"""The kinds the bot subscribes to (``ALLOWED_UPDATES``): drawn more often, they reach the sessions."""


async def post(
    process: BotProcess, http: httpx.AsyncClient, body: bytes, secret: str | None = SECRET
) -> httpx.Response:
    headers = {"content-type": "application/json"}
    if secret is not None:
        headers[SECRET_HEADER] = secret
    response = await http.post(f"{process.bot.http_url}{WEBHOOK_PATH}", content=body, headers=headers)
    assert SECRET not in response.text and TOKEN not in response.text
    return response


def encoded(update: dict[str, Any]) -> bytes:
    return json.dumps(update, ensure_ascii=False, separators=(",", ":")).encode()


def text_message(update_id: int, text: Any, *, chat: Any = USERS[0], user: Any = USERS[0]) -> dict[str, Any]:
    """A private chat's text message (``text``, ``chat`` and ``user`` as given, whatever their type)."""
    return {"update_id": update_id, "message": {
        "message_id": 1, "date": 1_700_000_000, "chat": {"id": chat, "type": "private", "first_name": "Ann"},
        "from": {"id": user, "is_bot": False, "first_name": "Ann"}, "text": text}}


@st.composite
def huge_text(draw: st.DrawFn) -> dict[str, Any]:
    """A text over Telegram's 4,096 characters, up to a quarter of a megabyte: stored cut, and answered."""
    piece = draw(st.sampled_from(["a", "Ω", "🙂", "<b>", "&", "\u0000", " "]))
    return text_message(draw(st.integers(1, 2**31)), piece * draw(st.integers(4097, 250_000)))


VALID = st.lists(update() | update(READ_KINDS) | huge_text(), min_size=1, max_size=6,
                 unique_by=lambda body: body["update_id"])


@FUZZ
@given(updates=VALID)
async def test_valid_updates_of_every_kind_are_answered_200_and_recorded_once(
    updates: list[dict[str, Any]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    async with fuzzed_bot(tmp_path_factory.mktemp("valid")) as (process, http):
        for body in updates:
            response = await post(process, http, encoded(body))
            assert response.status_code == 200, (response.status_code, response.text, body)
        await wait_settled(process.bot)
        events = await recorded(process)
    received = [r.event for r in events if isinstance(r.event, UpdateReceived)]
    unread = [r.event for r in events if isinstance(r.event, UpdateRejected)]
    assert sorted(event.update_id for event in received) == sorted(
        body["update_id"] for body in updates if any(kind in body for kind in READ_KINDS + ("channel_post",
                                                                                         "edited_channel_post",
                                                                                         "chat_member")))
    assert all(event.reason == "unknown-kind" for event in unread), unread
    assert len(received) + len(unread) == len(updates)
    assert all(event.original_size == 0 or event.original_size > len(event.body) for event in received)
    assert ledger_moves(events) == [] and crashes(events) == []


@dataclass(frozen=True)
class Bad:
    """A POST that is not a Telegram update: what it is, its body, its secret, and the refusals it may get."""

    what: str
    body: bytes
    reasons: frozenset[str]
    secret: str | None = SECRET
    or_taken: bool = False
    """Whether a 200 that records it as an update is right too (a group's message: nobody is answered)."""


def _bad(what: str, *reasons: str) -> Any:
    return lambda body: Bad(what, body, frozenset(reasons))


MESSAGES = update(("message",)).map(encoded)
WRONG = st.one_of(st.none(), st.booleans(), st.floats(allow_nan=False), st.text(max_size=5), st.just([]),
                  st.just({}), st.just([1, "a"]))
"""JSON values; :func:`wrong_type` puts one where the update needs another type."""
_NEEDED = {  # a field the bot reads, and the JSON types it must have
    ("update_id",): (int,), ("message",): (dict, type(None)), ("message", "message_id"): (int,),
    ("message", "date"): (int,),
    ("message", "chat"): (dict,), ("message", "chat", "id"): (int,), ("message", "chat", "type"): (str,),
    ("message", "text"): (str, type(None)), ("message", "from"): (dict, type(None)),
    ("message", "from", "id"): (int,), ("message", "from", "first_name"): (str,),
}


@st.composite
def wrong_type(draw: st.DrawFn) -> Bad:
    body = text_message(draw(st.integers(1, 2**31)), "hi")
    path = draw(st.sampled_from(sorted(_NEEDED)))
    value = draw(WRONG.filter(lambda v: not isinstance(v, _NEEDED[path]) or isinstance(v, bool)))
    target = body
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return Bad(f"{'.'.join(path)} = {value!r}", encoded(body), frozenset({"not-an-update"}))


@st.composite
def truncated(draw: st.DrawFn) -> Bad:
    body = draw(MESSAGES)
    return Bad("cut short", body[:draw(st.integers(0, len(body) - 1))], frozenset({"not-json"}))


@st.composite
def nested(draw: st.DrawFn) -> Bad:
    """Arrays or objects nested deep: the whole body, a field the bot reads, or an unknown field thousands deep."""
    depth = draw(st.integers(1, 100_000))
    opening, closing = draw(st.sampled_from([(b"[", b"]"), (b'{"a":', b"}")]))
    nest = opening * depth + b"1" + closing * depth
    where = draw(st.sampled_from(["body", "text", "extra", "large"]))
    if where == "body":
        return Bad(f"nested {depth} deep", nest, frozenset({"not-an-update"}))
    base = encoded(text_message(draw(st.integers(1, 2**31)), "hi"))
    if where == "text":
        return Bad(f"text nested {depth} deep", base.replace(b'"text":"hi"', b'"text":' + nest),
                   frozenset({"not-an-update"}))
    if where == "extra":
        deep = opening * (5000 + depth) + b"1" + closing * (5000 + depth)
        return Bad(f"unknown field nested {5000 + depth} deep", base[:-1] + b',"extra":' + deep + b"}",
                   frozenset({"not-an-update"}))
    return large_and_nested(draw(st.integers(1, 2**31)), 400 + depth % 1600, opening, closing)


def large_and_nested(update_id: int, depth: int, opening: bytes = b"[", closing: bytes = b"]") -> Bad:
    """A group's message over 64 KB (stored with its strings cut) with an unknown field nested ``depth`` deep.

    How deep the stack lets it be read depends on how deep the stack already
    is, so both answers are right: taken (200), or refused as too large to store.
    """
    update = text_message(update_id, "x" * 70_000)
    update["message"]["chat"]["type"] = "group"
    deep = opening * depth + b"1" + closing * depth
    return Bad(f"a large update with a field nested {depth} deep", encoded(update)[:-1] + b',"extra":' + deep + b"}",
               frozenset({"not-an-update", "too-large"}), or_taken=True)


@st.composite
def out_of_range_id(draw: st.DrawFn) -> Bad:
    """An id no Telegram object has: past 64 bits (Telegram's fit in 52)."""
    number = draw(st.integers(2**63, 2**80) | st.integers(-(2**80), -(2**63) - 1))
    field = draw(st.sampled_from(["update_id", "chat", "user"]))
    update_id = number if field == "update_id" else draw(st.integers(1, 2**31))
    body = text_message(update_id, "hi", chat=number if field == "chat" else USERS[0],
                        user=number if field == "user" else USERS[0])
    return Bad(f"{field} id {number}", encoded(body), frozenset({"not-an-update"}))


@st.composite
def not_unicode(draw: st.DrawFn) -> Bad:
    """A text that is not valid Unicode: bytes that are not UTF-8, an overlong form, a lone surrogate, a BOM."""
    bad = draw(st.sampled_from([b"\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\\ud800", b"\\udfff", b"a\\ud83d"]))
    body = encoded(text_message(draw(st.integers(1, 2**31)), "hi")).replace(b'"text":"hi"', b'"text":"' + bad + b'"')
    if draw(st.booleans()):
        return Bad("a byte order mark first", b"\xef\xbb\xbf" + encoded(text_message(1, "hi")), frozenset({"not-json"}))
    return Bad(f"text {bad!r}", body, frozenset({"not-json"}))


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
                    max_leaves=8)
NOT_OBJECTS = JSON.filter(lambda value: not (isinstance(value, dict) and isinstance(value.get("update_id"), int)))

NOT_UPDATES = st.one_of(
    truncated(),
    wrong_type(),
    nested(),
    out_of_range_id(),
    not_unicode(),
    NOT_OBJECTS.map(lambda value: json.dumps(value).encode()).map(_bad("JSON that is no update", "not-an-update")),
    st.binary(min_size=1, max_size=64).filter(lambda raw: raw.strip() and raw.strip()[:1] not in b"{[\"-0123456789tfn")
    .map(_bad("not JSON", "not-json")),
    st.integers(1, 100).map(lambda extra: Bad("over 1 MB", b" " * (MAX_WEBHOOK_BODY + extra), frozenset())),
    st.integers(20_000, 60_000).map(lambda count: Bad(
        "too large even cut", encoded({**text_message(1, "hi"), "extra": ["x"] * count}), frozenset({"too-large"}))),
    st.tuples(MESSAGES, st.from_regex(r"[ -~]{0,80}", fullmatch=True).filter(lambda s: s != SECRET)).map(
        lambda pair: Bad("a wrong secret", pair[0], frozenset(), secret=pair[1])),
    MESSAGES.map(lambda body: Bad("no secret", body, frozenset(), secret=None)),
)


FOUND = [large_and_nested(depth, depth) for depth in (600, 700, 800, 880)]
"""Found by this fuzz: cutting their strings for storage exhausted the stack (a 500, so Telegram retried for ever)."""


@FUZZ
@given(bodies=st.lists(NOT_UPDATES, min_size=1, max_size=6))
@example(bodies=FOUND)
async def test_bodies_that_are_not_updates_get_4xx_and_leave_only_their_rejection(
    bodies: list[Bad], tmp_path_factory: pytest.TempPathFactory
) -> None:
    async with fuzzed_bot(tmp_path_factory.mktemp("bad")) as (process, http):
        refused: set[bytes] = set()
        for bad in bodies:
            head = process.bot.log.statistics().writer.head_seq
            response = await post(process, http, bad.body, bad.secret)
            await wait_settled(process.bot)
            new = await recorded(process, head)
            if bad.secret != SECRET:
                assert (response.status_code, new) == (401, []), bad.what
            elif len(bad.body) > MAX_WEBHOOK_BODY:
                assert (response.status_code, new) == (413, []), bad.what
            elif bad.or_taken and response.status_code == 200:
                assert types_of(new) == ([] if bad.body in refused else ["UpdateReceived"]), (bad.what, new)
                refused.add(bad.body)
            else:
                assert response.status_code == 400, (bad.what, response.status_code, response.text)
                assert types_of(new) == ([] if bad.body in refused else ["UpdateRejected"]), (bad.what, new)
                for rejected in (r.event for r in new if isinstance(r.event, UpdateRejected)):
                    assert rejected.reason in bad.reasons and rejected.size == len(bad.body), (bad.what, rejected)
                refused.add(bad.body)
        events = await recorded(process)
        sent = {request.method for request in process.emulator.requests}
    assert ledger_moves(events) == [] and crashes(events) == []
    assert sent == {"getMe", "setWebhook"}, sent  # nobody was answered: there was nobody to answer
