"""Photo sizes (never upscaled, the full size last) and photo files named after what they hold."""

from __future__ import annotations

from tests.telegram.conftest import png
from trt_actors.sandbox.telegram import TelegramEmulator
from trt_actors.sandbox.telegram.files import FileStore, image_format

from .conftest import Api


def test_a_small_photo_has_one_size_and_a_large_one_a_thumbnail_first() -> None:
    store = FileStore()
    assert [(size["width"], size["height"]) for size in store.add("photo", png(48, 32)).as_photo()] == [(48, 32)]
    assert [(size["width"], size["height"]) for size in store.add("photo", png(300, 150)).as_photo()] == \
        [(90, 45), (300, 150)]


def test_image_formats_by_their_first_bytes() -> None:
    assert image_format(png(1, 1)) == (".png", "image/png")
    assert image_format(b"\xff\xd8\xff") == (".jpg", "image/jpeg")
    assert image_format(b"GIF89a") == (".gif", "image/gif")
    assert image_format(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == (".webp", "image/webp")
    assert image_format(b"%PDF") is None


async def test_an_uploaded_png_is_served_as_a_png(emu: TelegramEmulator, api: Api) -> None:
    emu.user(1001, "Ann")
    picture = png(120, 60)
    sent = await api.client.post(f"{api.base}/sendPhoto", data={"chat_id": "1001"},
                                 files={"photo": ("p.jpg", picture, "image/jpeg")})
    largest = sent.json()["result"]["photo"][-1]
    assert (largest["width"], largest["height"]) == (120, 60)
    found = await api.ok("getFile", file_id=largest["file_id"])
    assert found["file_path"].endswith(".png")
    download = await api.client.get(emu.file_url(found["file_path"]))
    assert download.content == picture and download.headers["content-type"] == "image/png"
