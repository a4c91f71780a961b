"""The HTTP face: routes, envelope, 401/404, case-insensitive methods, and the four ways to pass parameters."""

from __future__ import annotations

import httpx

from trt_actors.sandbox.telegram import TelegramEmulator

from .conftest import TOKEN, Api


async def test_wrong_token_is_401_and_unknown_method_is_404(emu: TelegramEmulator, api: Api) -> None:
    wrong = await api.client.post(f"{emu.api_base}/bot999:nope/getMe")
    assert wrong.status_code == 401
    assert wrong.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    unknown = await api.client.post(f"{emu.bot_url}/sendTelepathy", json={"chat_id": 1})
    assert unknown.status_code == 404
    assert unknown.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    elsewhere = await api.client.get(f"{emu.api_base}/whatever")
    assert elsewhere.status_code == 404


async def test_get_me_and_case_insensitive_method_names(api: Api) -> None:
    me = await api.ok("GETME")
    assert me["id"] == int(TOKEN.split(":")[0]) and me["is_bot"] is True and me["username"]


async def test_parameters_by_query_form_json_and_multipart(emu: TelegramEmulator, api: Api) -> None:
    emu.user(1001, "Ann")
    client = api.client
    by_query = await client.get(f"{emu.bot_url}/sendMessage", params={"chat_id": "1001", "text": "q"})
    by_form = await client.post(f"{emu.bot_url}/sendMessage", data={"chat_id": "1001", "text": "f"})
    by_json = await client.post(f"{emu.bot_url}/sendMessage", json={"chat_id": 1001, "text": "j"})
    by_multipart = await client.post(
        f"{emu.bot_url}/sendMessage",
        data={"chat_id": "1001", "text": "m", "reply_markup": '{"inline_keyboard":[[{"text":"A","callback_data":"a"}]]}'},
        files={"spare": ("x.txt", b"1")},  # extra file parts are allowed: attach://spare could name them
    )
    for response in (by_query, by_form, by_json, by_multipart):
        assert response.status_code == 200, response.text
    multipart_ok = await client.post(
        f"{emu.bot_url}/sendPhoto",
        data={"chat_id": "1001", "caption": "c", "reply_markup": '{"inline_keyboard":[[{"text":"A","callback_data":"a"}]]}'},
        files={"photo": ("p.jpg", b"\xff\xd8jpeg-bytes", "image/jpeg")},
    )
    assert multipart_ok.status_code == 200, multipart_ok.text
    texts = [m.body for m in emu.user(1001).messages()]
    assert texts == ["q", "f", "j", "m", "c"]
    assert emu.user(1001).messages()[-1].buttons[0][0].callback_data == "a"


async def test_request_log_records_every_call(emu: TelegramEmulator, api: Api) -> None:
    await api.ok("getMe")
    await api.call("sendMessage", chat_id=42, text="x")
    log = emu.requests
    assert [(r.method, r.status) for r in log] == [("getMe", 200), ("sendMessage", 400)]
    assert log[1].params == {"chat_id": 42, "text": "x"}
    assert emu.requests_for("SENDMESSAGE") == [log[1]]


async def test_malformed_json_body(emu: TelegramEmulator, api: Api) -> None:
    response = await api.client.post(
        f"{emu.bot_url}/getMe", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["description"] == "Bad Request: can't parse JSON object"


async def test_serve_on_the_wall_clock_by_default() -> None:
    async with TelegramEmulator.serve() as emu:
        assert emu.api_base.startswith("http://127.0.0.1:")
        async with httpx.AsyncClient(trust_env=False) as client:
            response = await client.get(f"{emu.bot_url}/getUpdates", params={"timeout": "0"})
        assert response.json() == {"ok": True, "result": []}


async def test_bot_commands_and_unmodelled_methods(api: Api) -> None:
    commands = [{"command": "start", "description": "Main menu"}, {"command": "balance", "description": "Credits"}]
    assert await api.ok("setMyCommands", commands=commands) is True
    assert await api.ok("getMyCommands") == commands
    assert await api.ok("getMyCommands", language_code="ru") == []
    assert await api.fails("setMyCommands", commands=[{"command": "Bad Name", "description": "x"}]) == (
        "Bad Request: BOT_COMMAND_INVALID"
    )
    assert await api.ok("setChatMenuButton") is True  # validated, not modelled, returns True
    assert await api.fails("getChatAdministrators", chat_id=1) == (
        "Bad Request: method getChatAdministrators is not supported by the emulator"
    )
