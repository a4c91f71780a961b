"""``python main.py check``: what an operator asks before and after a deploy, one line per answer.

With the real settings (the environment and ``.env``), each check says what
it found in one line, ``✓`` or ``✗``, and the command exits 1 if any failed:

* **Telegram**: the token works (``getMe``);
* **webhook**: ``getWebhookInfo`` shows the webhook where ``WEBHOOK_URL``
  says (or none, when polling), with no delivery error in the last hour;
* **KIE**: the key works, and the credit balance;
* **registry**: the model catalogue validates (with ``PRICE_MARKUP``);
* **event log**: ``TRT_DB`` opens, is an event log, and can be written (a
  write transaction is begun and rolled back); who holds the lease;
* **instance** (with ``--url``): ``/health`` and ``/ready`` of a running bot.

Nothing is changed anywhere: no message is sent, no webhook set, no event written.

Example::

    findings = await run_checks(Settings.from_env(require_telegram=True, require_kie=True), url=None)
    print("\\n".join(finding.line() for finding in findings))
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx
import trio

from eventlog import ACTIVE_LEASE, EventLogError, Lease, open_log, redacted
from registry import RegistryError, load_valid_registry
from trt_actors.config import Settings
from trt_actors.events import CODEC
from trt_actors.kie import KieApiError, KieError, open_kie_client
from trt_actors.shards import MEMBER_PREFIX
from trt_actors.telegram import NotFound, TelegramClient, TelegramError, Unauthorized

__all__ = ["WEBHOOK_ERROR_WINDOW", "Finding", "run_checks"]

WEBHOOK_ERROR_WINDOW = 3600.0
"""A webhook delivery error newer than this (seconds) fails the webhook check."""

_TIMEOUT = 15.0


@dataclass(frozen=True)
class Finding:
    """One check: what was checked, whether it passed, and what was found (one line, no secret)."""

    what: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'✓' if self.ok else '✗'} {self.what}: {self.detail}"


async def run_checks(settings: Settings, *, url: str | None = None,
                     clock: Callable[[], float] = time.time) -> list[Finding]:
    """Every check, in order; a check that raises is a failed finding, never an exception."""
    checks: list[tuple[str, Callable[[], Awaitable[tuple[bool, str]]]]] = [
        ("Telegram", lambda: _telegram(settings)),
        ("webhook", lambda: _webhook(settings, clock)),
        ("KIE", lambda: _kie(settings)),
        ("registry", lambda: _registry(settings)),
        ("event log", lambda: _log(settings, clock)),
    ]
    if url is not None:
        checks.append(("instance", lambda: _instance(url)))
    findings = []
    for what, check in checks:
        try:
            with trio.fail_after(_TIMEOUT):
                ok, detail = await check()
        except trio.TooSlowError:
            ok, detail = False, f"no answer within {_TIMEOUT:.0f} s"
        except Exception as error:  # noqa: BLE001 - every check ends in a line, whatever went wrong
            ok, detail = False, f"{type(error).__name__}: {error}"
        findings.append(Finding(what, ok, detail))
    return findings


async def _telegram(settings: Settings) -> tuple[bool, str]:
    async with TelegramClient.from_settings(settings) as tg:
        try:
            me = await tg.get_me()
        except (Unauthorized, NotFound):
            return False, "Telegram refused the token (401): copy it again from @BotFather"
        except TelegramError as error:
            return False, f"Telegram did not answer getMe ({error})"
    return True, f"the token works: @{me.username} (id {me.id})"


async def _webhook(settings: Settings, clock: Callable[[], float]) -> tuple[bool, str]:
    async with TelegramClient.from_settings(settings) as tg:
        try:
            info = await tg.get_webhook_info()
        except TelegramError as error:
            return False, f"getWebhookInfo failed ({error})"
    wanted = settings.webhook_url or ""
    if info.url != wanted:
        if not wanted:
            return False, (f"a webhook is set ({info.url}) though WEBHOOK_URL is not: `run` would delete it and "
                           "poll; is another deployment using this token?")
        return False, f"the webhook is {info.url or 'not set'}, not WEBHOOK_URL ({wanted}): start `run` to set it"
    if not wanted:
        return True, f"none (long polling), {info.pending_update_count} updates waiting"
    if info.last_error_date is not None and clock() - info.last_error_date < WEBHOOK_ERROR_WINDOW:
        ago = clock() - info.last_error_date
        return False, f"set, but Telegram's last delivery failed {ago:.0f} s ago: {info.last_error_message}"
    return True, f"set at {info.url}, no delivery error in the last hour, {info.pending_update_count} waiting"


async def _kie(settings: Settings) -> tuple[bool, str]:
    async with open_kie_client(settings) as kie:
        try:
            credits = await kie.credit()
        except KieApiError as error:
            if error.code in (401, 403):
                return False, f"KIE refused the key ({error.code}): check KIE_API_KEY"
            return False, f"KIE answered {error.code} ({error})"
        except KieError as error:
            return False, f"KIE did not answer ({error})"
    return credits > 0, f"the key works, {credits:g} KIE credits left" + ("" if credits > 0 else ": top up")


async def _registry(settings: Settings) -> tuple[bool, str]:
    try:
        registry = await trio.to_thread.run_sync(lambda: load_valid_registry(markup=settings.price_markup))
    except RegistryError as error:
        first = str(error).strip().splitlines()[0]
        return False, f"the model registry does not validate: {first}"
    enabled = sum(1 for category in registry.categories() for _ in registry.models_in(category))
    return True, f"validates: {enabled} models on the menu (version {registry.version})"


async def _log(settings: Settings, clock: Callable[[], float]) -> tuple[bool, str]:
    if settings.db_url:
        return await _postgres_log(settings, clock)
    path = settings.db_path
    if not path.parent.is_dir():
        return False, f"the folder of TRT_DB ({path}) does not exist"
    if not path.exists():
        return True, f"{path} does not exist yet: `run` creates it"
    try:
        async with open_log(path, codec=CODEC, readonly=True) as log:
            lease = await log.lease()
    except EventLogError as error:
        return False, str(error)

    def writable() -> None:
        with contextlib.closing(sqlite3.connect(path, timeout=5.0)) as connection:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("ROLLBACK")

    try:
        await trio.to_thread.run_sync(writable)
    except sqlite3.Error as error:
        return False, f"{path} cannot be written ({error})"
    return True, f"{path} is an event log and can be written; {_held(lease, clock)}"


async def _postgres_log(settings: Settings, clock: Callable[[], float]) -> tuple[bool, str]:
    where = redacted(settings.db)
    try:
        async with open_log(settings.db, codec=CODEC, readonly=True) as log:
            lease = await log.lease()
            units = [held for held in await log.leases() if not held.name.startswith(MEMBER_PREFIX)
                     and held.name != ACTIVE_LEASE and held.expires_at > clock()]
    except EventLogError as error:
        if "holds no event log" in str(error):
            return True, f"{where} answers and holds no log yet: `run` creates it"
        return False, str(error)
    if units and lease is not None and lease.expires_at > clock():
        units.append(lease)
    return True, f"{where} is an event log; {_shared(units, clock) if units else _held(lease, clock)}"


def _shared(units: list[Lease], clock: Callable[[], float]) -> str:
    """Who owns which unit of a log whose chats several instances share (``SHARDS``)."""
    owners: dict[str, list[str]] = {}
    for held in sorted(units, key=lambda held: (held.name != ACTIVE_LEASE, held.name)):
        owners.setdefault(held.holder, []).append(held.name)
    listed = "; ".join(f"{holder}: {', '.join(names)}" for holder, names in sorted(owners.items()))
    return f"shared by {len(owners)} instance(s) ({listed})"


def _held(lease: Lease | None, clock: Callable[[], float]) -> str:
    if lease is None:
        return "no instance has held the lease yet"
    if lease.expires_at > clock():
        return f"active: {lease.holder} (epoch {lease.epoch}, {lease.expires_at - clock():.0f} s left on its lease)"
    return f"no active instance (the lease of {lease.holder}, epoch {lease.epoch}, has run out)"


async def _instance(url: str) -> tuple[bool, str]:
    base = url.rstrip("/")
    async with httpx.AsyncClient(timeout=10.0) as http:
        try:
            health = await http.get(f"{base}/health")
            ready = await http.get(f"{base}/ready")
        except httpx.HTTPError as error:
            return False, f"{base} does not answer ({type(error).__name__})"
    if health.status_code != 200:
        return False, f"{base}/health answered {health.status_code}"
    if ready.status_code != 200:
        failing = [name for name, ok in ready.json().get("checks", {}).items() if not ok]
        return False, f"{base} is up but not ready: {', '.join(failing) or ready.text[:100]}"
    return True, f"{base} is healthy and ready"
