"""Settings: one typed, validated object read from the environment.

Every setting the project uses is named here, read from ``os.environ`` (and,
optionally, a ``.env`` file whose values never override the real environment),
and checked once at start-up. A bad value stops the program with a sentence
that says what to do. Secrets are wrapped in :class:`~trt_actors.secret.Secret`
(re-exported here), whose ``repr`` and ``str`` never show the value.

Example::

    settings = Settings.from_env(require_telegram=True)
    client = TelegramClient(settings.telegram_api_base, settings.telegram_bot_token)
"""

from __future__ import annotations

import os
import re
from decimal import Decimal, InvalidOperation
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from eventlog import is_postgres
from trt_actors.secret import Secret
from trt_actors.free_tier import MAX_FREE_PER_DAY, FreeTier
from trt_actors.stars import DEFAULT_PACKAGES, StarsPackage, parse_packages
from trt_actors.limits import DEFAULT_RATES, Rate, parse_rate
from trt_actors.support import Support, parse_support

__all__ = ["ConfigError", "Secret", "Settings", "read_dotenv"]

DEFAULT_TELEGRAM_API_BASE = "https://api.telegram.org"
PUBLIC_TELEGRAM_HOST = "api.telegram.org"
DEFAULT_KIE_API_BASE = "https://api.kie.ai"
DEFAULT_KIE_UPLOAD_BASE = "https://kieai.redpandaai.co"
DEFAULT_DB = "./trt.sqlite3"

DEFAULT_JOB_DEADLINES: dict[str, float] = {
    "text_to_image": 600.0, "image_edit": 600.0, "upscale": 600.0, "background_removal": 600.0,
    "text_to_speech": 600.0, "text_to_video": 2400.0, "image_to_video": 2400.0, "other": 2400.0,
}
"""Seconds a job of each category may take before it fails and its hold is voided (images minutes, video tens)."""

MAX_JOB_DEADLINE = 3000.0
"""No deadline may reach the hold's life (an hour): a job must end while its credits are still held."""


class ConfigError(Exception):
    """A setting is missing or malformed. The message says which and how to fix it."""


def read_dotenv(path: Path) -> dict[str, str]:
    """Parse a ``.env`` file: ``KEY=value`` lines, ``#`` comments, optional quotes."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :].lstrip()
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or not key.isidentifier():
            raise ConfigError(f"{path}:{number} is not a KEY=value line: fix or remove it.")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[key] = value
    return values


_TOKEN = re.compile(r"[0-9]{1,20}:[A-Za-z0-9_-]{1,100}")
"""A bot token: the bot's id, a colon, and the secret (letters, digits, ``_`` and ``-``; never a space)."""


def _url(name: str, value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{name} must be an http(s) URL such as https://example.org, not {value!r}.")
    return value.rstrip("/")


MAX_GENERATIONS_COUNTED = 10
"""The most paid generations ``RATE_GENERATIONS`` can count: a session remembers its last ten orders
(``trt_actors.session.state.REQUESTS_KEPT``)."""


def _rate_limit(name: str, value: str | None, kind: str, most: int) -> Rate:
    if not value:
        return DEFAULT_RATES[kind]
    try:
        return parse_rate(value, most=most)
    except ValueError as error:
        raise ConfigError(f"{name} {error}.") from None


def _support(contact: str, terms_url: str, privacy_url: str) -> Support:
    try:
        return parse_support(contact=contact, terms_url=terms_url, privacy_url=privacy_url)
    except ValueError as error:
        raise ConfigError(f"{error}.") from None


def _port(name: str, value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise ConfigError(f"{name} must be a port number (0-65535), not {value!r}.") from None
    if not 0 <= port <= 65535:
        raise ConfigError(f"{name} must be a port number (0-65535), not {port}.")
    return port


def _markup(name: str, value: str) -> Decimal:
    try:
        markup = Decimal(value)
    except InvalidOperation:
        raise ConfigError(f"{name} must be a decimal number such as 2 or 2.5, not {value!r}.") from None
    if not markup.is_finite():
        raise ConfigError(f"{name} must be a finite decimal number such as 2 or 2.5, not {value!r}.")
    if markup < 1:
        raise ConfigError(f"{name} must be at least 1 (our price in credits = KIE credits x {name}), not {value}.")
    return markup


def _ids(name: str, value: str) -> frozenset[int]:
    ids: set[int] = set()
    for part in value.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            ids.add(int(part))
        except ValueError:
            raise ConfigError(
                f"{name} must be a comma-separated list of Telegram user ids, but {part!r} is not a number."
            ) from None
    return frozenset(ids)


def _rate(name: str, value: str) -> float:
    try:
        rate = float(value)
    except ValueError:
        rate = 0.0
    if not 0 < rate <= 100_000:
        raise ConfigError(f"{name} must be a number of messages per second above 0 (got {value!r}).")
    return rate


def _packages(name: str, value: str) -> tuple[StarsPackage, ...]:
    try:
        return parse_packages(value)
    except ValueError as error:
        raise ConfigError(f"{name}: {error} (for example {name}=50:100,250:550,1000:2400).") from None


def _deadlines(name: str, value: str) -> dict[str, float]:
    deadlines = dict(DEFAULT_JOB_DEADLINES)
    for item in (part.strip() for part in value.split(",") if part.strip()):
        category, _, seconds = item.partition("=")
        category = category.strip()
        try:
            number = float(seconds)
        except ValueError:
            number = -1.0
        if category not in DEFAULT_JOB_DEADLINES or not 30 <= number <= MAX_JOB_DEADLINE:
            raise ConfigError(
                f"{name} is CATEGORY=SECONDS,... with categories {', '.join(DEFAULT_JOB_DEADLINES)} and 30 to "
                f"{MAX_JOB_DEADLINE:.0f} seconds (for example {name}=text_to_image=300,text_to_video=1800); "
                f"{item!r} is not."
            )
        deadlines[category] = number
    return deadlines


def _instance(value: str) -> str:
    if value and not re.fullmatch(r"[A-Za-z0-9_.:@-]{1,100}", value):
        raise ConfigError(f"INSTANCE_ID must be 1-100 characters of letters, digits and _ . : @ -, not {value!r}.")
    return value


def _seconds(name: str, value: str, low: float, high: float, meaning: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not low <= seconds <= high:
        raise ConfigError(f"{name} must be a number of seconds from {low:g} to {high:g} ({meaning}), not {value!r}.")
    return seconds


def _count(name: str, value: str, most: int) -> int:
    if not value.strip().isdigit() or not 1 <= int(value) <= most:
        raise ConfigError(f"{name} must be a whole number from 1 to {most}, not {value!r}.")
    return int(value)


def _callback_base(value: str | None, webhook_url: str | None) -> str | None:
    """Where KIE calls back: ``KIE_CALLBACK_BASE``, else the origin of ``WEBHOOK_URL``, else nowhere (polling only)."""
    if value is not None:
        return _url("KIE_CALLBACK_BASE", value)
    if webhook_url is not None:
        parts = urlsplit(webhook_url)
        return f"{parts.scheme}://{parts.netloc}"
    return None


def _credits(name: str, value: str) -> int:
    if not value.strip().isdigit() or int(value) > 1_000_000:
        raise ConfigError(f"{name} must be a whole number of credits from 0 to 1,000,000, not {value!r}.")
    return int(value)


def _free_tier(per_day: str, timezone: str) -> FreeTier:
    if not per_day.strip().isdigit() or int(per_day) > MAX_FREE_PER_DAY:
        raise ConfigError(f"FREE_PER_DAY must be a whole number from 0 to {MAX_FREE_PER_DAY}, not {per_day!r}.")
    try:
        return FreeTier(int(per_day), timezone.strip())
    except ValueError as error:
        raise ConfigError(f"TIMEZONE: {error}.") from None


def _free_bonus(value: str) -> int:
    if not value.strip().isdigit() or int(value) > MAX_FREE_PER_DAY:
        raise ConfigError(f"REFERRAL_BONUS_FREE must be a whole number of free generations from 0 to "
                          f"{MAX_FREE_PER_DAY}, not {value!r}.")
    return int(value)


@dataclass(frozen=True)
class Settings:
    """Everything configurable, validated. Build it with :meth:`from_env`."""

    telegram_bot_token: Secret = field(default_factory=lambda: Secret(""))
    telegram_api_base: str = DEFAULT_TELEGRAM_API_BASE
    kie_api_key: Secret = field(default_factory=lambda: Secret(""))
    kie_api_base: str = DEFAULT_KIE_API_BASE
    kie_upload_base: str = DEFAULT_KIE_UPLOAD_BASE
    db_path: Path = Path(DEFAULT_DB)
    db_url: Secret = field(default_factory=lambda: Secret(""))
    """``TRT_DB`` when it names a PostgreSQL database (``postgresql://…``; it may hold a password, hence a
    secret); empty when the log is the SQLite file ``db_path``."""
    admin_ids: frozenset[int] = frozenset()
    webhook_url: str | None = None
    webhook_secret: Secret = field(default_factory=lambda: Secret(""))
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    price_markup: Decimal | None = None
    send_rate_global: float = 30.0
    send_rate_per_chat: float = 1.0
    stars_packages: tuple[StarsPackage, ...] = DEFAULT_PACKAGES
    welcome_credits: int = 0
    referral_bonus: int = 0
    referral_bonus_free: int = 0
    """Free generations (of the free tier's models) an invited user and their inviter each get at the invited
    user's first top-up (``REFERRAL_BONUS_FREE``; 0: none), on top of or instead of ``REFERRAL_BONUS``."""
    """Credits an invited user and their inviter each get at the invited user's first top-up
    (``REFERRAL_BONUS``; 0: no bonus)."""
    job_deadlines: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_JOB_DEADLINES))
    max_running_jobs: int = 20
    max_jobs_per_user: int = 3
    kie_callback_base: str | None = None
    kie_webhook_hmac_key: Secret = field(default_factory=lambda: Secret(""))
    telemetry: str = ""
    """Where the telemetry sink writes its JSON lines (``TELEMETRY``): ``stdout``, a file path, or "" (nowhere)."""
    events_token: Secret = field(default_factory=lambda: Secret(""))
    """The token ``/events`` (``tail``) asks for (``EVENTS_TOKEN``); without one the feed is closed."""
    console_user: str = ""
    """The console's login name (``CONSOLE_USER``); without it and ``CONSOLE_PASSWORD`` the console refuses all."""
    console_password: Secret = field(default_factory=lambda: Secret(""))
    """The console's password (``CONSOLE_PASSWORD``), asked by HTTP Basic on every page of ``/console``."""
    instance_id: str = ""
    """Who this process is in the lease (``INSTANCE_ID``); empty: ``host:pid``."""
    lease_seconds: float = 10.0
    shards: int = 1
    """How many shards the chats are split into (``SHARDS``), so that several instances share the work: each
    shard, and the work that belongs to no chat, is owned by one instance at a time under a lease of its own.
    1 (the default): one active instance does everything and the others stand by."""
    session_idle_seconds: float = 600.0
    """Seconds without an update after which a chat's session leaves memory (``SESSION_IDLE_SECONDS``); its
    next update rebuilds it from the log."""
    max_live_sessions: int = 10_000
    """Sessions kept in memory at most (``MAX_LIVE_SESSIONS``); past it the least recently used leaves."""
    rate_messages: Rate = DEFAULT_RATES["messages"]
    """Messages one user may send in a window (``RATE_MESSAGES``); the rest get one answer and are recorded."""
    rate_taps: Rate = DEFAULT_RATES["taps"]
    """Taps one user may make in a window (``RATE_TAPS``)."""
    rate_generations: Rate = DEFAULT_RATES["generations"]
    """Paid generations one user may confirm in a window (``RATE_GENERATIONS``)."""
    free_tier: FreeTier = FreeTier()
    """Free generations a user may order each day on the models marked free (``FREE_PER_DAY``; 0: none), the day
    counted in ``TIMEZONE`` (an IANA name; ``UTC`` by default)."""
    support: Support = Support()
    """The support contact and the terms and privacy links ``/help`` shows (``SUPPORT_CONTACT``, ``TERMS_URL``,
    ``PRIVACY_URL``)."""
    warnings: tuple[str, ...] = ()
    """What is allowed but probably wrong (an http webhook on Telegram's public servers); ``run`` prints them."""

    @property
    def db(self) -> str:
        """Where the log is: the PostgreSQL URL of ``TRT_DB``, or the SQLite file's path."""
        return self.db_url.reveal() if self.db_url else str(self.db_path)

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        dotenv: Path | None = Path(".env"),
        require_telegram: bool = False,
        require_kie: bool = False,
    ) -> Settings:
        """Read and validate the settings; raise :class:`ConfigError` on the first problem.

        ``environ`` defaults to ``os.environ``. Values in ``dotenv`` fill in only
        what the environment does not set.
        """
        env: dict[str, str] = read_dotenv(dotenv) if dotenv is not None else {}
        env.update(os.environ if environ is None else environ)

        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        token = get("TELEGRAM_BOT_TOKEN")
        if require_telegram and token is None:
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN is not set: export it, or run `python main.py demo` to try the bot locally."
            )
        if token is not None and not _TOKEN.fullmatch(token):
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN does not look like a bot token (digits, a colon, then the secret): "
                "copy it again from @BotFather."
            )
        kie_key = get("KIE_API_KEY")
        if require_kie and kie_key is None:
            raise ConfigError(
                "KIE_API_KEY is not set: export it, or run `python main.py demo` to try the bot locally."
            )
        telegram_api_base = _url("TELEGRAM_API_BASE", get("TELEGRAM_API_BASE") or DEFAULT_TELEGRAM_API_BASE)
        warnings: list[str] = []
        webhook_url = get("WEBHOOK_URL")
        if webhook_url is not None:
            webhook_url = _url("WEBHOOK_URL", webhook_url)
            if not webhook_url.startswith("https://") and urlsplit(telegram_api_base).hostname == PUBLIC_TELEGRAM_HOST:
                # A self-hosted Bot API server delivers to http on any port; Telegram's own servers only to https.
                warnings.append(
                    "WEBHOOK_URL is http://, and Telegram's public Bot API delivers webhooks only over https: "
                    "setWebhook will be refused. Give the https URL of the proxy in front of the bot, or run a "
                    "self-hosted Bot API server (TELEGRAM_API_BASE)."
                )
        secret = get("WEBHOOK_SECRET")
        if secret is not None and not (
            1 <= len(secret) <= 256 and all(c.isalnum() or c in "_-" for c in secret)
        ):
            raise ConfigError(
                "WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule)."
            )
        if webhook_url is not None and secret is None:
            raise ConfigError(
                "WEBHOOK_URL is set but WEBHOOK_SECRET is not: set a secret so forged webhook calls are refused."
            )
        db = get("TRT_DB") or DEFAULT_DB
        return cls(
            telegram_bot_token=Secret(token or ""),
            telegram_api_base=telegram_api_base,
            kie_api_key=Secret(kie_key or ""),
            kie_api_base=_url("KIE_API_BASE", get("KIE_API_BASE") or DEFAULT_KIE_API_BASE),
            kie_upload_base=_url("KIE_UPLOAD_BASE", get("KIE_UPLOAD_BASE") or DEFAULT_KIE_UPLOAD_BASE),
            db_path=Path(DEFAULT_DB if is_postgres(db) else db),
            db_url=Secret(db if is_postgres(db) else ""),
            admin_ids=_ids("ADMIN_IDS", get("ADMIN_IDS") or ""),
            webhook_url=webhook_url,
            webhook_secret=Secret(secret or ""),
            http_host=get("HTTP_HOST") or "127.0.0.1",
            http_port=_port("HTTP_PORT", get("HTTP_PORT") or "8080"),
            price_markup=_markup("PRICE_MARKUP", markup) if (markup := get("PRICE_MARKUP")) else None,
            send_rate_global=_rate("SEND_RATE_GLOBAL", get("SEND_RATE_GLOBAL") or "30"),
            send_rate_per_chat=_rate("SEND_RATE_PER_CHAT", get("SEND_RATE_PER_CHAT") or "1"),
            stars_packages=_packages("STARS_PACKAGES", packages) if (packages := get("STARS_PACKAGES")) else DEFAULT_PACKAGES,
            welcome_credits=_credits("WELCOME_CREDITS", get("WELCOME_CREDITS") or "0"),
            referral_bonus=_credits("REFERRAL_BONUS", get("REFERRAL_BONUS") or "0"),
            referral_bonus_free=_free_bonus(get("REFERRAL_BONUS_FREE") or "0"),
            job_deadlines=_deadlines("JOB_DEADLINES", get("JOB_DEADLINES") or ""),
            max_running_jobs=_count("MAX_RUNNING_JOBS", get("MAX_RUNNING_JOBS") or "20", 1000),
            max_jobs_per_user=_count("MAX_JOBS_PER_USER", get("MAX_JOBS_PER_USER") or "3", 100),
            kie_callback_base=_callback_base(get("KIE_CALLBACK_BASE"), webhook_url),
            kie_webhook_hmac_key=Secret(get("KIE_WEBHOOK_HMAC_KEY") or ""),
            telemetry=get("TELEMETRY") or "",
            events_token=Secret(get("EVENTS_TOKEN") or ""),
            console_user=get("CONSOLE_USER") or "",
            console_password=Secret(get("CONSOLE_PASSWORD") or ""),
            instance_id=_instance(get("INSTANCE_ID") or ""),
            lease_seconds=_seconds("LEASE_SECONDS", get("LEASE_SECONDS") or "10", 0.5, 300,
                                   "how long a crashed active instance keeps the standby waiting"),
            shards=_count("SHARDS", get("SHARDS") or "1", 256),
            session_idle_seconds=_seconds("SESSION_IDLE_SECONDS", get("SESSION_IDLE_SECONDS") or "600", 1, 86_400,
                                            "how long an idle chat's session stays in memory"),
            max_live_sessions=_count("MAX_LIVE_SESSIONS", get("MAX_LIVE_SESSIONS") or "10000", 10_000_000),
            rate_messages=_rate_limit("RATE_MESSAGES", get("RATE_MESSAGES"), "messages", 10_000),
            rate_taps=_rate_limit("RATE_TAPS", get("RATE_TAPS"), "taps", 10_000),
            rate_generations=_rate_limit("RATE_GENERATIONS", get("RATE_GENERATIONS"), "generations",
                                         MAX_GENERATIONS_COUNTED),
            support=_support(get("SUPPORT_CONTACT") or "", get("TERMS_URL") or "", get("PRIVACY_URL") or ""),
            free_tier=_free_tier(get("FREE_PER_DAY") or "0", get("TIMEZONE") or "UTC"),
            warnings=tuple(warnings),
        )
