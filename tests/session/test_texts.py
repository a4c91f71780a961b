"""The catalogues: one key set for both languages, templates that are valid Telegram HTML, arguments escaped."""

from __future__ import annotations

import string

import pytest

from trt_actors.sandbox.telegram.markup import parse_html
from trt_actors.session.texts import CATALOGUES, TEXTS_VERSION, Markup, Texts, language_of, texts_version

FIELDS = string.Formatter()


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in FIELDS.parse(template) if name}


def test_both_languages_have_the_same_keys() -> None:
    ru, en = CATALOGUES["ru"], CATALOGUES["en"]
    assert sorted(set(ru) - set(en)) == [] and sorted(set(en) - set(ru)) == []


@pytest.mark.parametrize("key", sorted(CATALOGUES["en"]))
def test_a_key_takes_the_same_arguments_in_every_language(key: str) -> None:
    assert _placeholders(CATALOGUES["ru"][key]) == _placeholders(CATALOGUES["en"][key])


@pytest.mark.parametrize("language", ["ru", "en"])
def test_every_template_is_telegram_html_even_with_hostile_arguments(language: str) -> None:
    texts = Texts.of(language)
    for key, template in CATALOGUES[language].items():
        args = {name: "<b>&amp;</i> {x}" for name in _placeholders(template)}
        filled = texts.say(key, **args)
        plain, _ = parse_html(filled)
        for value in args.values():
            assert value in plain, key


def test_markup_goes_in_as_it_is() -> None:
    texts = Texts.of("en")
    assert texts.say("confirm.param", label="<i>x</i>", value=Markup("<i>y</i>")) == "&lt;i&gt;x&lt;/i&gt;: <i>y</i>"


@pytest.mark.parametrize(
    ("amount", "ru", "en"),
    [(0, "0 кредитов", "0 credits"), (1, "1 кредит", "1 credit"), (2, "2 кредита", "2 credits"),
     (5, "5 кредитов", "5 credits"), (11, "11 кредитов", "11 credits"), (21, "21 кредит", "21 credits"),
     (22, "22 кредита", "22 credits"), (112, "112 кредитов", "112 credits")],
)
def test_credits_have_plural_forms(amount: int, ru: str, en: str) -> None:
    assert Texts.of("ru").credits(amount) == ru
    assert Texts.of("en").credits(amount) == en


@pytest.mark.parametrize(
    ("code", "language"),
    [(None, "ru"), ("ru", "ru"), ("en", "en"), ("en-GB", "en"), ("EN", "en"), ("de", "ru"), ("uk", "ru")],
)
def test_language_comes_from_telegram_with_russian_by_default(code: str | None, language: str) -> None:
    assert language_of(code) == language


def test_labels_fall_back_to_readable_names() -> None:
    en = Texts.of("en")
    assert en.param("aspect_ratio") == "Aspect ratio"
    assert en.param("motion_bucket_id") == "Motion bucket id"
    assert en.category("something_new") == "Something new"
    assert en.kind("dice") == "this kind of message"
    assert Texts.of("xx").language == "ru"


def test_values_read_like_words() -> None:
    ru, en = Texts.of("ru"), Texts.of("en")
    assert (ru.value("sound", True), en.value("sound", False)) == ("Да", "No")
    assert en.value("duration", "10") == "10 s"
    assert en.value("upscale_factor", "4") == "×4"
    assert ru.value("aspect_ratio", "auto") == "Авто"
    assert en.value("guidance", 1.0) == "1"
    assert en.value("aspect_ratio", "16:9") == "16:9"


def test_russian_prices_after_ot_take_the_genitive() -> None:
    ru = Texts.of("ru")
    assert [ru.credits_from(n) for n in (1, 2, 5, 11, 21, 24, 111)] == [
        "от 1 кредита", "от 2 кредитов", "от 5 кредитов", "от 11 кредитов",
        "от 21 кредита", "от 24 кредитов", "от 111 кредитов",
    ]
    assert Texts.of("en").credits_from(2) == "from 2 credits"


def test_the_texts_version_is_a_short_hash_of_the_wording() -> None:
    assert len(TEXTS_VERSION) == 12 and int(TEXTS_VERSION, 16) >= 0
    assert texts_version(CATALOGUES) == TEXTS_VERSION
    reordered = {language: dict(reversed(list(CATALOGUES[language].items()))) for language in reversed(CATALOGUES)}
    assert texts_version(reordered) == TEXTS_VERSION
    edited = {**CATALOGUES, "en": {**CATALOGUES["en"], "menu.intro": CATALOGUES["en"]["menu.intro"] + "!"}}
    assert texts_version(edited) != TEXTS_VERSION
