"""Every word the session shows, one catalogue per language, and safe formatting into Telegram HTML.

Templates live in :mod:`.ru` (the default) and :mod:`.en` with identical keys.
:meth:`Texts.say` fills a template and **escapes every argument** with
:func:`html.escape`, so a user's name or prompt, or a registry string, can
never break the markup; only a :class:`Markup` argument (HTML this package
built itself) goes in as it is::

    texts = Texts.of("en")
    texts.say("menu.greeting", name="<Bob>")    # '<b>Hello, &lt;Bob&gt;!</b>'
    texts.credits(3)                            # '3 credits'

:data:`TEXTS_VERSION` names the wording of both catalogues (a hash, so it
cannot be forgotten when a text changes); every ``UiRendered`` records it.
"""

from __future__ import annotations

import hashlib
import html
import json
from typing import Final

from trt_actors.events.session import ParamValue
from trt_actors.session.texts import en, ru

__all__ = ["CATALOGUES", "DEFAULT_LANGUAGE", "LANGUAGES", "TEXTS_VERSION", "Markup", "Texts", "language_of",
           "texts_version"]

DEFAULT_LANGUAGE: Final = "ru"
LANGUAGES: Final = ("ru", "en")
CATALOGUES: Final[dict[str, dict[str, str]]] = {"ru": ru.TEXTS, "en": en.TEXTS}


def texts_version(catalogues: dict[str, dict[str, str]]) -> str:
    """12 hex digits of a BLAKE2b hash of ``catalogues`` (keys sorted, so only the wording counts)."""
    canonical = json.dumps(catalogues, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.blake2b(canonical.encode("utf-8"), digest_size=6).hexdigest()


TEXTS_VERSION: Final = texts_version(CATALOGUES)
"""The version of the wording every screen is drawn with; ``UiRendered.texts_version`` records it."""

_SECONDS_PARAMS: Final = frozenset({"duration", "duration_seconds", "seconds"})
_TIMES_PARAMS: Final = frozenset({"upscale_factor", "scale"})


class Markup(str):
    """A string that is already Telegram HTML: :meth:`Texts.say` inserts it without escaping."""

    __slots__ = ()


def language_of(language_code: str | None) -> str:
    """The bot's language for Telegram's ``language_code``: English for ``en*``, Russian otherwise."""
    if language_code is not None and language_code.lower().startswith("en"):
        return "en"
    return DEFAULT_LANGUAGE


def _escaped(value: object) -> str:
    if isinstance(value, Markup):
        return str(value)
    return html.escape(str(value), quote=False)


class Texts:
    """The catalogue of one language. Get one with :meth:`of`."""

    __slots__ = ("_catalogue", "language")

    def __init__(self, language: str, catalogue: dict[str, str]) -> None:
        self.language = language
        self._catalogue = catalogue

    @classmethod
    def of(cls, language: str) -> Texts:
        """The catalogue for ``language`` (Russian for anything unknown)."""
        known = language if language in CATALOGUES else DEFAULT_LANGUAGE
        return cls(known, CATALOGUES[known])

    def has(self, key: str) -> bool:
        return key in self._catalogue

    def say(self, key: str, **args: object) -> Markup:
        """Template ``key`` filled with ``args``, each HTML-escaped unless it is :class:`Markup`."""
        return Markup(self._catalogue[key].format_map({name: _escaped(value) for name, value in args.items()}))

    def plain(self, key: str, **args: object) -> str:
        """Template ``key`` filled with ``args`` unescaped: for button labels, which are not HTML."""
        return self._catalogue[key].format_map({name: str(value) for name, value in args.items()})

    def credits(self, amount: int) -> str:
        """``amount`` with the right plural of "credit" (plain text: escape it like any argument)."""
        if self.language == "ru":
            tens, units = amount % 100, amount % 10
            if units == 1 and tens != 11:
                form = "one"
            elif 2 <= units <= 4 and not 12 <= tens <= 14:
                form = "few"
            else:
                form = "many"
        else:
            form = "one" if amount == 1 else "many"
        return self._catalogue[f"credits.{form}"].format(n=amount)

    def price(self, amount: int, *, free: bool = False) -> str:
        """What an order costs: :meth:`credits`, or "0 credits (🎁 free)" for a free-tier order."""
        return self.plain("price.free") if free else self.credits(amount)

    def credits_from(self, amount: int) -> str:
        """``amount`` after "from" ("от" takes the genitive in Russian: от 2 кредитов, от 21 кредита)."""
        if self.language == "ru":
            form = "one" if amount % 10 == 1 and amount % 100 != 11 else "many"
        else:
            form = "one" if amount == 1 else "many"
        return self._catalogue[f"credits_from.{form}"].format(n=amount)

    def category(self, category: str) -> str:
        """The menu label of ``category`` (plain text), or a readable form of its id."""
        key = f"category.{category}"
        return self._catalogue[key] if key in self._catalogue else _readable(category)

    def param(self, name: str) -> str:
        """The label of parameter ``name`` (plain text), or a readable form of the name."""
        key = f"param.{name}"
        return self._catalogue[key] if key in self._catalogue else _readable(name)

    def value(self, name: str, value: ParamValue) -> str:
        """How a value of parameter ``name`` reads on a button or a summary (plain text)."""
        if isinstance(value, bool):
            return self._catalogue["value.yes" if value else "value.no"]
        shown = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
        key = f"value.{shown.lower()}"
        if isinstance(value, str) and key in self._catalogue and "{" not in self._catalogue[key]:
            return self._catalogue[key]
        if name in _SECONDS_PARAMS:
            return self._catalogue["value.seconds"].format(value=shown)
        if name in _TIMES_PARAMS:
            return self._catalogue["value.times"].format(value=shown)
        return shown

    def kind(self, kind: str) -> str:
        """What a message of ``kind`` is called (``sticker`` -> "stickers")."""
        key = f"kind.{kind}"
        return self._catalogue[key] if key in self._catalogue else self._catalogue["kind.other"]


def _readable(identifier: str) -> str:
    words = identifier.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:] if words else "?"
