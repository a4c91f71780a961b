"""The answer to a command the decider could not decide: "something went wrong", in the user's language.

When :meth:`~trt_actors.session.SessionDecider.decide` raises, that is our
bug (the runtime records it as ``ActorCrashed``), but the user must still
hear back. :func:`crash_answer` makes that answer from nothing but the
user's language and texts prepared at import, and guards every read of the
state and the command, because the state that broke ``decide`` may be
inconsistent in any way::

    events = crash_answer(state, command, registry_version=registry.version)
    # [UiRendered(screen="error", dispatch_id=f"{command.cid}/0", text="⚠️ ...", ...)]
"""

from __future__ import annotations

from typing import Final

from trt_actors.events import Button, Event, UiRendered
from trt_actors.session.callback_data import OpenMenu, encode
from trt_actors.session.commands import SessionCommand, valid_unicode
from trt_actors.session.state import SessionState
from trt_actors.session.texts import CATALOGUES, DEFAULT_LANGUAGE, LANGUAGES, TEXTS_VERSION, language_of

__all__ = ["CRASH_SCREEN", "crash_answer"]

CRASH_SCREEN: Final = "error"
"""The ``UiRendered.screen`` of the answer."""

_ANSWERS: Final[dict[str, tuple[str, str]]] = {
    language: (CATALOGUES[language]["crash.text"], CATALOGUES[language]["btn.menu"]) for language in LANGUAGES
}
"""Per language: the text and the menu button's label, read once so that answering reads no catalogue."""


def crash_answer(state: SessionState, command: SessionCommand, *, registry_version: str = "") -> list[Event]:
    """One new message (never an edit): "something went wrong", with a button to the menu when one can be drawn."""
    text, label = _ANSWERS.get(_language(state, command), _ANSWERS[DEFAULT_LANGUAGE])
    button = _menu_button(state, label)
    return [
        UiRendered(
            screen=CRASH_SCREEN,
            dispatch_id=f"{_cid(command)}/0",
            text=text,
            buttons=((button,),) if button is not None else (),
            registry_version=registry_version if isinstance(registry_version, str) else "",
            texts_version=TEXTS_VERSION,
        )
    ]


def _language(state: object, command: object) -> str:
    """The session's language, else the one Telegram suggests, else Russian."""
    try:
        language = getattr(state, "language", "")
        if isinstance(language, str) and language in LANGUAGES:
            return language
    except Exception:  # noqa: BLE001 - a broken state must not stop the answer
        pass
    try:
        code = getattr(command, "language_code", None)
        return language_of(code if isinstance(code, str) else None)
    except Exception:  # noqa: BLE001
        return DEFAULT_LANGUAGE


def _cid(command: object) -> str:
    try:
        cid = getattr(command, "cid", "")
        return valid_unicode(cid) if isinstance(cid, str) else ""
    except Exception:  # noqa: BLE001
        return ""


def _menu_button(state: object, label: str) -> Button | None:
    """"Menu", drawn at the state's nonce (so the tap is not stale), or None if the nonce is unusable."""
    try:
        nonce = getattr(state, "nonce", None)
        if not isinstance(nonce, int) or isinstance(nonce, bool) or nonce < 0:
            return None
        return Button(text=label, data=encode(nonce, OpenMenu()))
    except Exception:  # noqa: BLE001
        return None
