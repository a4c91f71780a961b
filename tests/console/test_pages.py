"""Each view of the console over a log the real bot wrote: search, chain, ledger, chat, jobs, money, tail.

The console serves the log file with no bot running; every request is real
HTTP. Every page that shows Ann's first name or prompt shows the
``<script>``, the entity and the RTL controls in them as text.
"""

from __future__ import annotations

import html
import re
import time

import httpx
import msgspec
from trio_websocket import open_websocket_url

from tests.console.world import ANN, BOB, HOSTILE, LOGIN, PASSWORD, World, basic
from tests.e2e.books import read_log
from trt_actors.actors.telemetry import decode_line
from trt_actors.ledger.audit import audit


def _shows_hostile_text_as_text(body: str, scripts: int = 0) -> None:
    assert "<script>alert" not in body and "\u202e" not in body and "\u200f" not in body and "\u202c" not in body
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in body
    assert "&amp;amp;" in body  # the entity Ann typed, as the characters she typed
    assert "⟪U+202E⟫" in body and "⟪U+200F⟫" in body and "⟪U+202C⟫" in body
    assert body.count("<script") == scripts  # only the console's own


async def test_every_page_that_shows_a_users_text_shows_it_as_text(client: httpx.AsyncClient, world: World) -> None:
    for path, scripts in [("/console", 0), (f"/console/user?id={ANN}", 0), (f"/console/chat?id={ANN}", 1),
                          (f"/console/trace?cid={world.cid}", 0), ("/console/search?q=%40ann_console", 0)]:
        response = await client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        _shows_hostile_text_as_text(response.text, scripts)
    # A query typed into the search box is shown as text too.
    searched = (await client.get("/console/search", params={"q": HOSTILE})).text
    _shows_hostile_text_as_text(searched.replace("Nothing in the log matches.", ""), 0)


async def test_search_finds_users_chats_chains_jobs_kie_tasks_and_stars_charges(
    client: httpx.AsyncClient, world: World
) -> None:
    async def hits(query: str) -> list[tuple[str, str]]:
        body = (await client.get("/console/search", params={"q": query})).text
        return [(html.unescape(link), html.unescape(label))
                for link, label in re.findall(r'<li><a href="([^"]+)">(.*?)</a>', body)]

    assert (f"/console/user?id={ANN}", f"user {ANN}: ledger and orders") in await hits(str(ANN))
    assert (f"/console/chat?id={ANN}", f"chat {ANN} as the user saw it") in await hits(str(ANN))
    named = await hits("@ann_console")
    assert [link for link, _ in named] == [f"/console/user?id={ANN}"] and "@ann_console" in named[0][1]
    assert await hits("@bob_b") == [(f"/console/user?id={BOB}", f"user {BOB} @bob_b Bob")]
    ((link, label),) = await hits(world.cid)
    assert link == f"/console/trace?cid={world.cid}" and label.startswith(f"chain {world.cid} (")
    (job,) = await hits(world.ann_job)
    assert job[1] == f"job {world.ann_job}" and job[0].startswith("/console/trace?cid=")
    (task,) = await hits(world.bob_task)
    assert task[1].startswith(f"KIE task {world.bob_task}: job ")
    charge = await hits(world.ann_charge)
    assert (f"/console/user?id={ANN}", f"user {ANN}: ledger") in charge
    assert {label.split(":")[1].strip() for _, label in charge if label.startswith("Stars")} == {
        f"top-up of user {ANN}", f"refund of user {ANN}"}
    assert await hits("nothing-like-this") == []


async def test_a_chain_is_a_tree_with_the_messages_as_the_user_saw_them(
    client: httpx.AsyncClient, world: World
) -> None:
    body = (await client.get("/console/trace", params={"cid": world.cid})).text
    assert body.count('<ul class="tree">') >= 3  # nested: caused events hang under their cause
    assert "UpdateReceived" in body and "<b>intake</b>" in body and "<b>session</b>" in body
    assert "<b>outbox</b>" in body and "DispatchOk" in body
    saw = [html.unescape(line) for line in re.findall(r'<span class="saw">(.*?)</span>', body, re.DOTALL)]
    assert any(line.startswith("saw: ") for line in saw)
    assert f'href="/console/user?id={ANN}"' in body
    linked = (await client.get(f"/console/chain/{world.cid}")).text  # as the web chat links to it
    assert linked.count('<ul class="tree">') == body.count('<ul class="tree">') and world.cid in linked
    missing = await client.get("/console/trace", params={"cid": "no-such-cid"})
    assert missing.status_code == 200 and "No event of the log has this cid." in missing.text


async def test_the_ledger_timeline_runs_to_the_audits_balance_and_shows_its_closure_checks(
    client: httpx.AsyncClient, world: World
) -> None:
    events = await read_log(world.db)
    for user in (ANN, BOB):
        report = audit(events, now=time.time(), user=user)
        body = (await client.get("/console/user", params={"id": user})).text
        running = [int(value) for value in re.findall(r'<td class="n running">(-?\d+)</td>', body)]
        assert len(running) == len(report.movements) > 0
        assert running[-1] == report.summary.available
        assert [move.available for move in report.movements] == running  # each stated balance agrees too
        assert 'class="n bad"' not in body
        assert "Every closure check passed for this user." in body
        assert f"Running balance: {report.summary.available} available, {report.summary.held} held." in body
    ann = (await client.get("/console/user", params={"id": ANN})).text
    for movement in ("HoldPlaced", "HoldCaptured", "Credited", "RefundReserved", "RefundCompleted"):
        assert f"<td>{movement} " in ann, movement
    assert f"Stars charge {world.ann_charge}" in ann and "(topup)" in ann and "CaptureAsked" in ann
    bob = (await client.get("/console/user", params={"id": BOB})).text
    assert "<td>HoldVoided " in bob and "(generation_failed)" in bob and "VoidAsked" in bob
    bad = await client.get("/console/user", params={"id": "ann"})
    assert bad.status_code == 400 and "wants a number" in bad.text


async def test_the_chat_as_the_user_saw_it_moves_with_the_slider(client: httpx.AsyncClient) -> None:
    now = (await client.get("/console/chat", params={"id": ANN})).text
    moments = [float(m) for m in msgspec.json.decode(html.unescape(
        re.search(r'data-moments="([^"]*)"', now).group(1)))]  # type: ignore[union-attr]
    assert len(moments) > 5 and moments == sorted(moments)
    assert f'max="{len(moments) - 1}" value="{len(moments) - 1}"' in now
    assert "[result of order" in now and "[pays the invoice]" in now and "edited" in now
    first = (await client.get("/console/chat", params={"id": ANN, "at": repr(moments[0])})).text
    assert 'value="0"' in first and "/start" in first
    assert "[pays the invoice]" not in first and "[result of order" not in first
    assert first.count('class="bubble') < now.count('class="bubble')
    assert (await client.get("/console/chat", params={"id": ANN, "at": "soon"})).status_code == 400


async def test_jobs_by_model_and_state_with_the_failures_and_what_they_gave_back(
    client: httpx.AsyncClient, world: World
) -> None:
    body = (await client.get("/console/jobs")).text
    (row,) = re.findall(r"<tr><td>z-image</td>(.*?)</tr>", body)
    cells = re.findall(r'<td class="n">(\d*)</td>', row)
    assert cells == ["", "", "", "1", "1", "2"]  # requested, submitted, succeeded, delivered, failed, all
    failures = body.split('id="failures"')[1]
    assert world.bob_task in failures and "generation_failed" in failures and f">{BOB}</a>" in failures


async def test_top_ups_and_refunds(client: httpx.AsyncClient, world: World) -> None:
    body = (await client.get("/console/money")).text
    assert "Top-ups (3)" in body and "Refunds (1)" in body
    refunds = body.split('id="refunds"')[1]
    assert "r-console" in refunds and world.ann_charge in refunds and "<td>completed</td>" in refunds


async def test_the_live_tail_page_and_its_socket_send_the_lines_of_a_chat(console_url: str) -> None:
    async with httpx.AsyncClient(base_url=console_url, headers=basic(LOGIN, PASSWORD)) as client:
        page = (await client.get("/console/tail", params={"chat": str(BOB), "type": ""})).text
    assert f'data-query="?chat={BOB}"' in page and "new WebSocket" in page
    address = console_url.replace("http://", "ws://") + f"/console/events?chat={BOB}"
    authorization = [(b"authorization", basic(LOGIN, PASSWORD)["Authorization"].encode())]
    async with open_websocket_url(address, extra_headers=authorization) as socket:
        lines = [decode_line(await socket.get_message()) for _ in range(5)]
    assert {line.chat for line in lines} == {BOB}
    assert [line.seq for line in lines] == sorted(line.seq for line in lines)
