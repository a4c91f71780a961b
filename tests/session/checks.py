"""What every rendered message must satisfy to be accepted by Telegram, checked in one place."""

from __future__ import annotations

import re

from trt_actors.events import UiRendered
from trt_actors.sandbox.telegram.markup import parse_html
from trt_actors.session.callback_data import MAX_BYTES, decode

ALLOWED_TAGS = {"b", "i", "u", "s", "code", "pre", "a", "blockquote"}
_TAG = re.compile(r"</?([A-Za-z][A-Za-z0-9-]*)")


def check_message(rendered: UiRendered) -> None:
    """Telegram would send this: HTML parses in its subset, 1..4096 characters, every button well formed."""
    assert rendered.parse_mode == "HTML"
    plain, _ = parse_html(rendered.text)  # raises MarkupError when it does not parse
    assert 1 <= len(plain) <= 4096, len(plain)
    used = {match.lower() for match in _TAG.findall(rendered.text)}
    assert used <= ALLOWED_TAGS, used - ALLOWED_TAGS
    assert rendered.dispatch_id
    count = 0
    for row in rendered.buttons:
        assert 1 <= len(row) <= 8
        for button in row:
            count += 1
            assert button.text.strip()
            if button.url is not None:  # a link: Telegram opens it, the bot hears nothing
                assert button.data is None and re.fullmatch(r"https?://\S+", button.url), button.url
                continue
            assert button.data is not None
            assert len(button.data.encode()) <= MAX_BYTES, button.data
            decode(button.data)
    assert count <= 100
