"""Every word the desk shows, in Russian (the default) and English, filled safely into Telegram HTML.

Like the session's catalogue (:mod:`trt_actors.session.texts`): :meth:`DeskTexts.say`
escapes every argument (a user's name, a reason, a code), :meth:`DeskTexts.plain`
fills button labels, and :data:`DESK_TEXTS_VERSION` (a hash of both catalogues)
is recorded on every screen the desk renders.

Example::

    texts = DeskTexts.of("en")
    texts.say("asked.block", user=42, reason="<spam>")   # '⛔ User 42 is blocked: &lt;spam&gt;.'
"""

from __future__ import annotations

from typing import Final

from trt_actors.admin.texts import en, ru
from trt_actors.session.texts import DEFAULT_LANGUAGE, Markup, Texts, language_of, texts_version

__all__ = ["CATALOGUES", "DESK_TEXTS_VERSION", "DeskTexts", "Markup", "language_of"]

CATALOGUES: Final[dict[str, dict[str, str]]] = {"ru": ru.TEXTS, "en": en.TEXTS}
DESK_TEXTS_VERSION: Final = texts_version(CATALOGUES)


class DeskTexts(Texts):
    """The desk's catalogue of one language (filled and escaped as the session's). Get one with :meth:`of`."""

    __slots__ = ()

    @classmethod
    def of(cls, language: str) -> DeskTexts:
        known = language if language in CATALOGUES else DEFAULT_LANGUAGE
        return cls(known, CATALOGUES[known])
