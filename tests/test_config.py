from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from trt_actors.config import MAX_GENERATIONS_COUNTED, ConfigError, Secret, Settings
from trt_actors.limits import Rate
from trt_actors.session.state import REQUESTS_KEPT
from trt_actors.stars import DEFAULT_PACKAGES, StarsPackage, invoice_payload, parse_payload
from trt_actors.support import Support

TOKEN = "123456:AAH-secret-part"


def test_defaults_need_nothing() -> None:
    s = Settings.from_env({}, dotenv=None)
    assert s.telegram_api_base == "https://api.telegram.org"
    assert s.db_path == Path("./trt.sqlite3")
    assert s.http_port == 8080 and not s.telegram_bot_token


def test_everything_is_read_and_typed() -> None:
    s = Settings.from_env(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE": "http://127.0.0.1:9000/",
            "KIE_API_KEY": "kie-secret",
            "KIE_API_BASE": "http://127.0.0.1:9001",
            "KIE_UPLOAD_BASE": "http://127.0.0.1:9002",
            "TRT_DB": "/tmp/x.sqlite3",
            "ADMIN_IDS": "1, 2;3",
            "WEBHOOK_URL": "https://bot.example.org/telegram/webhook",
            "WEBHOOK_SECRET": "s3cr3t_-",
            "HTTP_HOST": "0.0.0.0",
            "HTTP_PORT": "8443",
            "PRICE_MARKUP": "2.5",
            "SEND_RATE_GLOBAL": "1000",
            "SEND_RATE_PER_CHAT": "20",
            "STARS_PACKAGES": "250:550, 50:100",
            "WELCOME_CREDITS": "30",
        },
        dotenv=None,
    )
    assert s.telegram_bot_token.reveal() == TOKEN
    assert s.telegram_api_base == "http://127.0.0.1:9000"
    assert s.admin_ids == frozenset({1, 2, 3})
    assert s.http_port == 8443 and s.db_path == Path("/tmp/x.sqlite3")
    assert s.price_markup == Decimal("2.5")
    assert (s.send_rate_global, s.send_rate_per_chat) == (1000.0, 20.0)
    assert s.stars_packages == (StarsPackage(50, 100), StarsPackage(250, 550)) and s.welcome_credits == 30


def test_job_settings_default_to_minutes_for_images_tens_of_minutes_for_video_and_modest_limits() -> None:
    s = Settings.from_env({}, dotenv=None)
    assert s.job_deadlines["text_to_image"] == 600 and s.job_deadlines["image_to_video"] == 2400
    assert max(s.job_deadlines.values()) < 3600  # every job ends while its hold (an hour) still holds
    assert (s.max_running_jobs, s.max_jobs_per_user) == (20, 3)
    assert s.kie_callback_base is None and not s.kie_webhook_hmac_key.reveal()


def test_job_settings_are_read_and_callbacks_go_to_the_webhooks_host_unless_told_otherwise() -> None:
    s = Settings.from_env({
        "JOB_DEADLINES": "text_to_image=120, text_to_video=1800", "MAX_RUNNING_JOBS": "50", "MAX_JOBS_PER_USER": "1",
        "WEBHOOK_URL": "https://bot.example.org/telegram/webhook", "WEBHOOK_SECRET": "s", "KIE_WEBHOOK_HMAC_KEY": "k",
    }, dotenv=None)
    assert s.job_deadlines["text_to_image"] == 120 and s.job_deadlines["text_to_video"] == 1800
    assert s.job_deadlines["image_edit"] == 600  # the others keep their defaults
    assert (s.max_running_jobs, s.max_jobs_per_user) == (50, 1)
    assert s.kie_callback_base == "https://bot.example.org" and s.kie_webhook_hmac_key.reveal() == "k"
    told = Settings.from_env({"KIE_CALLBACK_BASE": "https://hooks.example.org/"}, dotenv=None)
    assert told.kie_callback_base == "https://hooks.example.org"


def test_an_http_webhook_is_taken_for_a_self_hosted_bot_api_and_warned_about_for_telegrams_own() -> None:
    local = Settings.from_env({"WEBHOOK_URL": "http://10.0.0.5:8080/telegram/webhook", "WEBHOOK_SECRET": "s",
                               "TELEGRAM_API_BASE": "http://10.0.0.2:8081"}, dotenv=None)
    assert local.webhook_url == "http://10.0.0.5:8080/telegram/webhook" and local.warnings == ()
    public = Settings.from_env({"WEBHOOK_URL": "http://bot.example.org/hook", "WEBHOOK_SECRET": "s"}, dotenv=None)
    assert public.webhook_url == "http://bot.example.org/hook"
    (warning,) = public.warnings
    assert "only over https" in warning and "proxy" in warning


def test_the_lease_defaults_to_ten_seconds_and_an_instance_id_of_host_and_pid() -> None:
    s = Settings.from_env({}, dotenv=None)
    assert (s.lease_seconds, s.instance_id) == (10.0, "")  # "" -> host:pid, chosen at start
    told = Settings.from_env({"LEASE_SECONDS": "3", "INSTANCE_ID": "bot-b@host-2"}, dotenv=None)
    assert (told.lease_seconds, told.instance_id) == (3.0, "bot-b@host-2")
    assert (s.shards, Settings.from_env({"SHARDS": "8"}, dotenv=None).shards) == (1, 8)  # 1: one active instance


def test_sessions_leave_memory_after_ten_idle_minutes_or_past_ten_thousand_unless_told() -> None:
    assert Settings.from_env({}, dotenv=None).session_idle_seconds == 600.0
    assert Settings.from_env({"SESSION_IDLE_SECONDS": "2.5"}, dotenv=None).session_idle_seconds == 2.5
    assert Settings.from_env({}, dotenv=None).max_live_sessions == 10_000
    assert Settings.from_env({"MAX_LIVE_SESSIONS": "500"}, dotenv=None).max_live_sessions == 500


def test_rate_limits_default_to_a_busy_persons_pace_and_read_count_per_seconds() -> None:
    s = Settings.from_env({}, dotenv=None)
    assert (s.rate_messages, s.rate_taps, s.rate_generations) == (Rate(30, 60.0), Rate(60, 60.0), Rate(10, 600.0))
    s = Settings.from_env({"RATE_MESSAGES": "5/2", "RATE_TAPS": "100/60", "RATE_GENERATIONS": "3/3600"}, dotenv=None)
    assert (s.rate_messages, s.rate_taps, s.rate_generations) == (Rate(5, 2.0), Rate(100, 60.0), Rate(3, 3600.0))
    assert MAX_GENERATIONS_COUNTED == REQUESTS_KEPT  # a session can count only the orders it remembers


def test_help_shows_nothing_unless_configured_and_takes_a_contact_and_two_links() -> None:
    assert Settings.from_env({}, dotenv=None).support == Support()
    s = Settings.from_env({"SUPPORT_CONTACT": " @shop_support ", "TERMS_URL": "https://example.org/terms",
                           "PRIVACY_URL": "http://example.org/privacy"}, dotenv=None)
    assert s.support == Support("@shop_support", "https://example.org/terms", "http://example.org/privacy")


def test_money_settings_default_to_three_packages_and_no_welcome_credits_nor_referral_bonus() -> None:
    s = Settings.from_env({}, dotenv=None)
    assert s.stars_packages == DEFAULT_PACKAGES and s.welcome_credits == 0 and s.referral_bonus == 0
    assert Settings.from_env({"REFERRAL_BONUS": "50"}, dotenv=None).referral_bonus == 50


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TELEGRAM_BOT_TOKEN": "nonsense"}, "does not look like a bot token"),
        ({"TELEGRAM_BOT_TOKEN": "123456:AAH secret"}, "does not look like a bot token"),
        ({"PRICE_MARKUP": "inf"}, "PRICE_MARKUP must be a finite decimal number such as 2 or 2.5, not 'inf'"),
        ({"HTTP_PORT": "eighty"}, "HTTP_PORT must be a port number"),
        ({"HTTP_PORT": "70000"}, "HTTP_PORT must be a port number"),
        ({"ADMIN_IDS": "1,bob"}, "'bob' is not a number"),
        ({"KIE_API_BASE": "api.kie.ai"}, "KIE_API_BASE must be an http(s) URL"),
        ({"WEBHOOK_URL": "https://bot.example.org/hook"}, "WEBHOOK_SECRET is not"),
        ({"WEBHOOK_SECRET": "has space"}, "WEBHOOK_SECRET must be 1-256 characters"),
        ({"PRICE_MARKUP": "two"}, "PRICE_MARKUP must be a decimal number"),
        ({"PRICE_MARKUP": "0.5"}, "PRICE_MARKUP must be at least 1"),
        ({"SEND_RATE_GLOBAL": "0"}, "SEND_RATE_GLOBAL must be a number of messages per second above 0"),
        ({"SEND_RATE_PER_CHAT": "fast"}, "SEND_RATE_PER_CHAT must be a number"),
        ({"STARS_PACKAGES": "50=100"}, "STARS_PACKAGES: a Stars package is STARS:CREDITS"),
        ({"STARS_PACKAGES": "50:100,50:200"}, "two Stars packages cost 50 Stars"),
        ({"STARS_PACKAGES": "0:100"}, "needs 1 to 1,000,000 Stars"),
        ({"WELCOME_CREDITS": "-5"}, "WELCOME_CREDITS must be a whole number of credits"),
        ({"REFERRAL_BONUS": "lots"}, "REFERRAL_BONUS must be a whole number of credits from 0 to 1,000,000"),
        ({"JOB_DEADLINES": "text_to_image:300"}, "JOB_DEADLINES is CATEGORY=SECONDS"),
        ({"JOB_DEADLINES": "music=300"}, "'music=300' is not"),
        ({"JOB_DEADLINES": "text_to_video=3600"}, "30 to 3000 seconds"),
        ({"MAX_RUNNING_JOBS": "0"}, "MAX_RUNNING_JOBS must be a whole number from 1 to 1000"),
        ({"MAX_JOBS_PER_USER": "many"}, "MAX_JOBS_PER_USER must be a whole number from 1 to 100"),
        ({"KIE_CALLBACK_BASE": "bot.example.org"}, "KIE_CALLBACK_BASE must be an http(s) URL"),
        ({"LEASE_SECONDS": "0.1"}, "LEASE_SECONDS must be a number of seconds from 0.5 to 300"),
        ({"SHARDS": "257"}, "SHARDS must be a whole number from 1 to 256"),
        ({"MAX_LIVE_SESSIONS": "0"}, "MAX_LIVE_SESSIONS must be a whole number from 1 to 10000000"),
        ({"SESSION_IDLE_SECONDS": "0"}, "SESSION_IDLE_SECONDS must be a number of seconds from 1 to 86400"),
        ({"INSTANCE_ID": "bot one"}, "INSTANCE_ID must be 1-100 characters"),
        ({"RATE_MESSAGES": "30"}, "RATE_MESSAGES must be COUNT/SECONDS with a count from 1 to 10000"),
        ({"RATE_TAPS": "60/0"}, "RATE_TAPS must be COUNT/SECONDS"),
        ({"RATE_GENERATIONS": "20/3600"}, "RATE_GENERATIONS must be COUNT/SECONDS with a count from 1 to 10 "),
        ({"SUPPORT_CONTACT": "x" * 201}, "SUPPORT_CONTACT must be one line of at most 200 printable characters"),
        ({"SUPPORT_CONTACT": "@a\n@b"}, "SUPPORT_CONTACT must be one line"),
        ({"TERMS_URL": "example.org/terms"}, "TERMS_URL must be an http(s) link such as https://example.org/terms"),
        ({"PRIVACY_URL": "javascript:alert(1)"}, "PRIVACY_URL must be an http(s) link"),
        ({"PRIVACY_URL": "https://example.org/a b"}, "PRIVACY_URL must be an http(s) link"),
    ],
)
def test_bad_values_stop_with_a_sentence(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(env, dotenv=None)
    assert message in str(caught.value)


def test_required_secrets_say_what_to_do() -> None:
    with pytest.raises(ConfigError, match=r"export it, or run `python main.py demo`"):
        Settings.from_env({}, dotenv=None, require_telegram=True)
    with pytest.raises(ConfigError, match="KIE_API_KEY is not set"):
        Settings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN}, dotenv=None, require_telegram=True, require_kie=True)


def test_dotenv_fills_in_but_never_overrides(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text('# comment\nexport HTTP_PORT=9999\nTRT_DB="/data/trt.sqlite3"\n\nADMIN_IDS=5\n', encoding="utf-8")
    s = Settings.from_env({"ADMIN_IDS": "6"}, dotenv=dotenv)
    assert s.http_port == 9999 and s.db_path == Path("/data/trt.sqlite3") and s.admin_ids == {6}


def test_a_broken_dotenv_line_is_named(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("GOOD=1\nthis is not a setting\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\.env:2 is not a KEY=value line"):
        Settings.from_env({}, dotenv=dotenv)


def test_secrets_never_show() -> None:
    s = Settings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, "KIE_API_KEY": "kie-secret"}, dotenv=None)
    for text in (repr(s), str(s), f"{s.telegram_bot_token}", repr(s.kie_api_key)):
        assert "AAH-secret-part" not in text and "kie-secret" not in text
    assert Secret("a") == Secret("a") and Secret("a") != Secret("b")


def test_an_invoice_payload_names_its_top_up_and_package_and_nothing_else_parses() -> None:
    payload = invoice_payload("t-42:7", StarsPackage(250, 550))
    assert payload == "topup:250:550:t-42:7" and len(payload.encode()) <= 128
    assert parse_payload(payload) == ("t-42:7", 250, 550)
    for forged in ("topup:250:550:", "topup:0:550:t", "topup:250:550:t 1", "x" * 200, "topup:250:-1:t", ""):
        assert parse_payload(forged) is None
    with pytest.raises(ValueError, match="top-up id"):
        invoice_payload("has space", StarsPackage(50, 100))
