"""Parameters to bodies and bodies to Structs: the wire format, without a network."""

from __future__ import annotations

import msgspec
import pytest

from trt_actors.secret import Secret
from trt_actors.telegram import (
    BadRequest,
    BotBlocked,
    ChatMigrated,
    Conflict,
    Forbidden,
    HTTPRequest,
    HTTPResponse,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    InputMediaPhoto,
    Message,
    MessageNotModified,
    NotFound,
    QueryTooOld,
    ServerError,
    TelegramAPIError,
    TooManyRequests,
    Unauthorized,
    UnexpectedResponse,
    Update,
)
from trt_actors.telegram.errors import api_error, redact
from trt_actors.telegram.wire import decode_result, encode_params

from .conftest import SECRET_PART, TOKEN


def test_plain_parameters_are_one_json_object_without_nones() -> None:
    markup = InlineKeyboardMarkup(((InlineKeyboardButton("Go", callback_data="go"),),))
    body, content_type = encode_params({"chat_id": 5, "text": "hi", "parse_mode": None, "reply_markup": markup})
    assert content_type == "application/json"
    assert msgspec.json.decode(body) == {
        "chat_id": 5,
        "text": "hi",
        "reply_markup": {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]},
    }


def test_a_secret_is_revealed_only_in_the_body() -> None:
    params = {"url": "https://x.org/hook", "secret_token": Secret("s3cret")}
    assert "s3cret" not in repr(params)
    body, _ = encode_params(params)
    assert msgspec.json.decode(body)["secret_token"] == "s3cret"


def test_uploads_switch_to_multipart_and_nested_ones_become_attach_parts() -> None:
    media = [InputMediaPhoto("AgACfileid"), InputMediaPhoto(InputFile(b"PNGDATA", "b.png", "image/png"), caption="two")]
    body, content_type = encode_params({"chat_id": 5, "media": media, "disable_notification": True})
    assert content_type.startswith("multipart/form-data; boundary=")
    boundary = content_type.split("=", 1)[1].encode()
    parts = body.split(b"--" + boundary)
    assert parts[-1] == b"--\r\n"
    by_name = {p.split(b'name="', 1)[1].split(b'"', 1)[0]: p for p in parts[1:-1]}
    assert set(by_name) == {b"chat_id", b"media", b"disable_notification", b"file0"}
    assert by_name[b"chat_id"].endswith(b"\r\n\r\n5\r\n")
    assert by_name[b"disable_notification"].endswith(b"\r\n\r\ntrue\r\n")
    items = msgspec.json.decode(by_name[b"media"].split(b"\r\n\r\n", 1)[1].removesuffix(b"\r\n"))
    assert items == [
        {"type": "photo", "media": "AgACfileid"},
        {"type": "photo", "media": "attach://file0", "caption": "two"},
    ]
    assert b'filename="b.png"\r\nContent-Type: image/png\r\n\r\nPNGDATA\r\n' in by_name[b"file0"]


def test_a_top_level_upload_is_the_part_named_after_its_parameter() -> None:
    body, _ = encode_params({"chat_id": "@chan", "photo": InputFile(b"x", "p.jpg", "image/jpeg")})
    assert b'name="photo"; filename="p.jpg"' in body and b'name="chat_id"\r\n\r\n@chan\r\n' in body


def test_unencodable_parameters_are_a_type_error() -> None:
    with pytest.raises(TypeError, match="cannot hold a object"):
        encode_params({"chat_id": object()})


def test_upload_names_are_checked() -> None:
    with pytest.raises(ValueError):
        InputFile(b"x", 'evil".png')
    with pytest.raises(ValueError):
        InputFile(b"x", "a.png", "image/png\r\nX-Injected: 1")


@pytest.mark.parametrize(
    ("code", "description", "kind"),
    [
        (400, "Bad Request: chat not found", BadRequest),
        (400, "Bad Request: message is not modified: specified new message content ...", MessageNotModified),
        (400, "Bad Request: query is too old and response timeout expired or query ID is invalid", QueryTooOld),
        (401, "Unauthorized", Unauthorized),
        (403, "Forbidden: bot was blocked by the user", BotBlocked),
        (403, "Forbidden: user is deactivated", Forbidden),
        (404, "Not Found", NotFound),
        (409, "Conflict: terminated by other getUpdates request", Conflict),
        (429, "Too Many Requests: retry after 5", TooManyRequests),
        (500, "Internal Server Error", ServerError),
        (503, "Service Unavailable", ServerError),
        (413, "Request Entity Too Large", TelegramAPIError),
    ],
)
def test_error_codes_map_to_the_tree(code: int, description: str, kind: type[TelegramAPIError]) -> None:
    error = api_error("sendMessage", code, description)
    assert type(error) is kind and error.error_code == code and error.description == description


def test_migration_is_recognised_by_its_parameter() -> None:
    error = api_error("sendMessage", 400, "Bad Request: group chat was upgraded", migrate_to_chat_id=-100123)
    assert isinstance(error, ChatMigrated) and "-100123" in str(error)


def test_envelope_results_and_errors() -> None:
    assert decode_result("getMe", HTTPResponse(200, b'{"ok":true,"result":{"id":1}}')) == msgspec.Raw(b'{"id":1}')
    ok_without_result = decode_result("close", HTTPResponse(200, b'{"ok":true}'))
    assert msgspec.json.decode(ok_without_result) is None
    with pytest.raises(TooManyRequests) as info:
        decode_result(
            "sendMessage",
            HTTPResponse(
                429,
                b'{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 3",'
                b'"parameters":{"retry_after":3}}',
            ),
        )
    assert info.value.retry_after == 3
    with pytest.raises(UnexpectedResponse):
        decode_result("getMe", HTTPResponse(200, b"<html>"))
    with pytest.raises(ServerError):
        decode_result("getMe", HTTPResponse(504, b"<html>Gateway Timeout</html>"))


def test_redaction() -> None:
    assert redact(f"GET /bot{TOKEN}/getMe") == "GET /bot<token>/getMe"
    assert redact(f"token {TOKEN} here") == "token <token> here"
    assert redact("a short 12:30 time stays") == "a short 12:30 time stays"


def test_requests_show_the_placeholder_until_built() -> None:
    request = HTTPRequest("POST", "http://h:1/", "/bot<token>/getMe", Secret(TOKEN), label="getMe")
    assert SECRET_PART not in repr(request) + request.safe_url
    assert request.safe_url == "http://h:1/bot<token>/getMe"
    assert request.target() == f"http://h:1/bot{TOKEN}/getMe"


UPDATE = b"""{
  "update_id": 10,
  "brand_new_field": {"anything": [1, 2]},
  "message": {
    "message_id": 7, "date": 1767225600, "future_field": true,
    "chat": {"id": 4503599627370495, "type": "private", "first_name": "Ann"},
    "from": {"id": 4503599627370495, "is_bot": false, "first_name": "Ann", "language_code": "ru"},
    "text": "/start", "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
    "reply_to_message": {"message_id": 6, "date": 1767225500, "chat": {"id": 1, "type": "private"}}
  }
}"""


def test_updates_decode_leniently_with_from_renamed() -> None:
    update = msgspec.json.decode(UPDATE, type=Update)
    message = update.message
    assert message is not None and message.from_ is not None
    assert message.from_.id == 2**52 - 1 and message.from_.language_code == "ru"
    assert message.reply_to_message is not None and message.reply_to_message.message_id == 6
    encoded = msgspec.json.decode(msgspec.json.encode(message))
    assert encoded["from"]["first_name"] == "Ann" and "from_" not in encoded and "caption" not in encoded


def test_inaccessible_messages_decode_as_messages_dated_zero() -> None:
    query = b'{"id":"1","from":{"id":1,"is_bot":false,"first_name":"A"},"chat_instance":"c",' \
        b'"message":{"chat":{"id":1,"type":"private"},"message_id":9,"date":0}}'
    update = msgspec.json.decode(b'{"update_id":1,"callback_query":' + query + b"}", type=Update)
    assert update.callback_query is not None and update.callback_query.message is not None
    assert not update.callback_query.message.is_accessible


def test_objects_are_frozen() -> None:
    message = msgspec.json.decode(b'{"message_id":1,"date":1,"chat":{"id":1,"type":"private"}}', type=Message)
    with pytest.raises(AttributeError):
        message.text = "changed"  # type: ignore[misc]


def test_every_telegram_object_is_frozen_and_lenient() -> None:
    from trt_actors.telegram import inputs, types

    structs = [
        value
        for module in (types, inputs)
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, msgspec.Struct) and not value.__name__.startswith("_")
    ]
    assert len(structs) > 25
    for struct in structs:
        config = struct.__struct_config__
        assert config.frozen, f"{struct.__name__} must be frozen"
        assert not config.forbid_unknown_fields, f"{struct.__name__} must accept fields Telegram adds later"
