"""/help through Telegram: the FAQ, the owner's support contact and the links to the terms and the privacy policy."""

from __future__ import annotations


from tests.e2e.support import bot_process
from trt_actors.sandbox.scripted import ScriptedUser
from trt_actors.support import Support

SUPPORT = Support(contact="@shop_support", terms_url="https://example.org/terms",
                  privacy_url="https://example.org/privacy")


async def test_help_in_both_languages_answers_the_questions_and_links_the_terms_and_privacy(log_target: str) -> None:
    async with bot_process(log_target, support=SUPPORT) as process:
        anna = ScriptedUser(process.emulator.user(9101, first_name="Анна", language_code="ru"))
        bob = ScriptedUser(process.emulator.user(9102, first_name="Bob", language_code="en"))
        answers = {"ru": await anna.say("/help"), "en": await bob.say("/help")}

    for language, (faq, contact, terms, privacy) in {
        "ru": ("Когда списываются кредиты?", "💬 Поддержка: @shop_support", "📄 Условия", "🔒 Конфиденциальность"),
        "en": ("When am I charged?", "💬 Support: @shop_support", "📄 Terms", "🔒 Privacy"),
    }.items():
        answer = answers[language]
        assert faq in (answer.body or "") and contact in (answer.body or ""), answer.body
        assert answer.button(terms).url == "https://example.org/terms"
        assert answer.button(privacy).url == "https://example.org/privacy"
        assert answer.button("🌐").callback_data  # the language switch stays
