"""Every screen the session decides names the registry that priced it and the texts that worded it."""

from __future__ import annotations

import pytest

from registry import Registry
from tests.session.chat import Chat
from tests.session.test_confirmation import _to_confirmation
from trt_actors.events import UiRendered
from trt_actors.session.texts import TEXTS_VERSION


def _renders(chat: Chat) -> list[UiRendered]:
    return [event for event in chat.events if isinstance(event, UiRendered)]


@pytest.mark.parametrize("language", ["ru", "en"])
def test_every_render_records_both_versions(registry: Registry, language: str) -> None:
    chat = Chat(registry, language_code=language)
    _to_confirmation(chat, registry)
    chat.text("nonsense")
    chat.unsupported("sticker")
    chat.press("forged")
    renders = _renders(chat)
    assert len(renders) == len(chat.commands)
    assert {(render.registry_version, render.texts_version) for render in renders} == {
        (registry.version, TEXTS_VERSION)
    }


def test_another_catalogue_is_named_by_its_own_version(registry: Registry, synthetic: Registry) -> None:
    assert synthetic.version and synthetic.version != registry.version
    chat = Chat(synthetic)
    chat.text("/start")
    assert chat.screen.registry_version == synthetic.version and chat.screen.texts_version == TEXTS_VERSION
