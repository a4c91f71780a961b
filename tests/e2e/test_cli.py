"""``python main.py run`` and ``python main.py demo`` as a person runs them: separate processes."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import trio

from tests.e2e.conftest import KIE_KEY, TOKEN, kie_emulator
from tests.e2e.stores import with_password
from tests.e2e.support import free_port
from trt_actors.sandbox.telegram import TelegramEmulator

ROOT = Path(__file__).resolve().parents[2]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "KIE_", "WEBHOOK_", "TRT_"))}
    env.update(extra)
    return env


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_run_serves_a_user_and_stops_cleanly_on_sigterm(log_target: str, mode: str) -> None:
    async with TelegramEmulator.serve(token=TOKEN) as emulator, kie_emulator() as kie:
        port = free_port()
        # A self-hosted Bot API server (here the emulator) delivers webhooks over plain http.
        webhook = {"WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram/webhook", "WEBHOOK_SECRET": "hook-secret"}
        env = _env(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE=emulator.api_base,
            KIE_API_KEY=KIE_KEY,
            KIE_API_BASE=kie.api_base,
            KIE_UPLOAD_BASE=kie.upload_base,
            TRT_DB=with_password(log_target, "run-secret"),  # on PostgreSQL, a password that is never shown
            HTTP_PORT=str(port),
            **(webhook if mode == "webhook" else {}),
        )
        process = await trio.lowlevel.open_process(
            [sys.executable, "main.py", "run"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        assert process.stdout is not None and process.stderr is not None
        try:
            with trio.fail_after(20):
                banner = b""
                while b"Ctrl-C stops it" not in banner:
                    chunk = await process.stdout.receive_some()
                    assert chunk, "main.py run ended before it said it was running"
                    banner += chunk
            assert f"running ({mode})".encode() in banner
            ann = emulator.user(6001, first_name="Ann", language_code="en")
            await ann.send_text("/start")
            with trio.fail_after(10):
                [menu] = await ann.wait_messages(1)
            assert "Hello, Ann!" in (menu.body or "")
        finally:
            process.send_signal(signal.SIGTERM)
            with trio.fail_after(15):
                code = await process.wait()
        errors = b""
        while chunk := await process.stderr.receive_some():
            errors += chunk
        assert code == 0, errors.decode(errors="replace")
        rest = b""
        while chunk := await process.stdout.receive_some():
            rest += chunk
        assert b"SIGTERM: stopping." in banner + rest
        assert f"bot running ({mode})".encode() in errors and b"warning:" not in errors  # log lines go to stderr
        secret = TOKEN.split(":", 1)[1].encode()
        assert secret not in banner + rest + errors and KIE_KEY.encode() not in banner + rest + errors
        assert b"run-secret" not in banner + rest + errors
    # What the bot recorded, traced from the log it ran on (a file or a URL): Ann's /start and its answer.
    traced = subprocess.run([sys.executable, "main.py", "trace", "--last", "--chat", "6001", "--db", log_target],
                            cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=60)
    assert traced.returncode == 0 and "UpdateReceived" in traced.stdout and "DispatchOk" in traced.stdout, (
        traced.stdout + traced.stderr)


def test_run_without_a_token_says_what_to_do() -> None:
    result = subprocess.run(
        [sys.executable, "main.py", "run"], cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN is not set: export it, or run `python main.py demo`" in result.stderr


def test_run_without_a_kie_key_says_what_to_do() -> None:
    result = subprocess.run(
        [sys.executable, "main.py", "run"], cwd=ROOT, env=_env(TELEGRAM_BOT_TOKEN=TOKEN), capture_output=True, text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "KIE_API_KEY is not set: export it, or run `python main.py demo`" in result.stderr


def test_demo_runs_the_whole_bot_and_exits_zero(tmp_path: Path) -> None:
    # On SQLite only: demo keeps its log in the file TRT_DB names (it takes no URL); run's test traces a URL.
    db = tmp_path / "demo.sqlite3"
    result = subprocess.run(
        [sys.executable, "main.py", "demo"], cwd=ROOT, env=_env(TRT_DB=str(db)), capture_output=True, text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout
    for expected in (
        "── what Анна saw", "── what Bob saw", "Пополнение через Telegram Stars", "Top up with Telegram Stars",
        "Зарезервировано", "PreCheckoutAnswered 3", "HoldPlaced(", "every check passed",
        "CallbackRejected(reason_code='stale_screen'", "unanswered 0", "0 failed",
        # Анна's picture is made, delivered and paid for; Carla's video fails and her credits come back.
        "── what Carla saw", "bot › [photo] 🎨 Nano Banana Pro", "готово, списано 36 кредитов",
        "could not be made: the generation failed at the provider", "[🔁 Try again]",
        "2 delivered and charged, 1 failed and refunded", "after CaptureAsked", "generation_failed; after VoidAsked",
        # A deploy: Dana's picture is made across the handover from demo-1 to demo-2, and delivered once.
        "── what Dana saw", "bot › [photo] 🎨 Nano Banana · 1:1", "── a deploy",
        "LeaseLost(holder='demo-1', epoch=1, reason='released', lease='active')", "LeaseAcquired(holder='demo-2', epoch=2",
        # Each order's whole chain, from the tap to the capture or the refund.
        "── the chain of Анна's Confirm", "ledger:1001          HoldCaptured(",
        "── the chain of Carla's Confirm", "ledger:1003          HoldVoided(", "│ KIE: failed (generation_failed",
        "── the chain of Dana's Confirm", "ledger:1004          HoldCaptured(",
    ):
        assert expected in out, expected
    assert db.is_file()  # TRT_DB keeps the log for `python main.py trace`
    cid = next(line.split()[1].rstrip(":") for line in out.splitlines() if line.startswith("cid "))
    traced = subprocess.run(
        [sys.executable, "main.py", "trace", cid, "--db", str(db)], cwd=ROOT, env=_env(), capture_output=True,
        text=True, timeout=60,
    )
    assert traced.returncode == 0 and "DispatchOk" in traced.stdout

    def trace(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "main.py", "trace", *args, "--db", str(db)], cwd=ROOT, env=_env(),
                              capture_output=True, text=True, timeout=60)

    # Dana's chains, one line each; her last one in JSON (the deploy story's order, across the handover).
    listed = trace("--chat", "1004")
    assert listed.returncode == 0 and len(listed.stdout.splitlines()) >= 5 and "UpdateReceived" in listed.stdout
    last = trace("--last", "--chat", "1004", "--format", "json")
    chain = json.loads(last.stdout)
    assert last.returncode == 0 and {"GenerationRequested", "JobSubmitted", "ResultDelivered", "HoldCaptured"} <= {
        event["type"] for event in chain}
    assert all(event["cid"] == chain[0]["cid"] for event in chain)
    assert {"intake", "session", "ledger", "jobs", "outbox"} <= {event["actor"] for event in chain}
    assert any(line.startswith("KIE task ") for event in chain for line in event["details"])
    # The tree says who decided each step, what the user saw, what priced the hold, what KIE and the ledger said.
    tree = trace(chain[0]["cid"]).stdout
    for expected in ("session    chat:1004", "jobs       job:", "│ saw: ", "│ price: ", " credits by rule ",
                     "registry ", "│ KIE task ", ": success, 1 file(s)", "│ balance: ", "ms     (+"):
        assert expected in tree, expected
    newest = trace("--last")
    assert newest.returncode == 0 and newest.stdout.startswith("cid ")
    assert trace().returncode == 2


STARTUP_FAILURES = {
    "missing_folder": "the folder",
    "not_a_database": "which is not an SQLite database",
    "port_in_use": "cannot be used (Address already in use): stop what listens there, or set HTTP_PORT to a free port",
    "token_refused": "Telegram refused TELEGRAM_BOT_TOKEN (401 Unauthorized): copy the token again from @BotFather",
    "token_with_space": "TELEGRAM_BOT_TOKEN does not look like a bot token",
    "postgres_unreachable": "TRT_DB: cannot connect to the event log at postgresql://trt:***@127.0.0.1:9/trt",
    "markup_inf": "PRICE_MARKUP must be a finite decimal number such as 2 or 2.5, not 'inf'",
    "shards_on_sqlite": "SHARDS is 4, but TRT_DB is an SQLite file: several instances share the chats through "
                        "PostgreSQL",
    "shards_zero": "SHARDS must be a whole number from 1 to 256, not '0'",
}


@pytest.mark.parametrize("case", sorted(STARTUP_FAILURES))
async def test_run_that_cannot_work_says_why_in_one_sentence_at_once(tmp_path: Path, case: str) -> None:
    # Not by store: each case is a fault of the setup (a file's folder or content, a server that is not there).
    async with TelegramEmulator.serve(token=TOKEN) as emulator:
        port = free_port()
        env = _env(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE=emulator.api_base, KIE_API_KEY=KIE_KEY,
                   KIE_API_BASE="http://127.0.0.1:9", TRT_DB=str(tmp_path / "trt.sqlite3"), HTTP_PORT=str(port))
        with socket.socket() as taken:
            match case:
                case "missing_folder":
                    env["TRT_DB"] = str(tmp_path / "missing" / "trt.sqlite3")
                case "not_a_database":
                    (tmp_path / "trt.sqlite3").write_text("these are my notes, not a database\n" * 100)
                case "port_in_use":
                    taken.bind(("127.0.0.1", port))
                    taken.listen()
                case "token_refused":
                    env["TELEGRAM_BOT_TOKEN"] = "654321:someone-elses-token"
                case "token_with_space":
                    env["TELEGRAM_BOT_TOKEN"] = "123456:E2E-test token"
                case "markup_inf":
                    env["PRICE_MARKUP"] = "inf"
                case "shards_on_sqlite":
                    env["SHARDS"] = "4"
                case "shards_zero":
                    env["SHARDS"] = "0"
                case "postgres_unreachable":  # nothing listens there; the password is never shown
                    env["TRT_DB"] = "postgresql://trt:someone-elses-token@127.0.0.1:9/trt"
            with trio.fail_after(30):
                result = await trio.run_process([sys.executable, "main.py", "run"], cwd=ROOT, env=env,
                                                capture_stdout=True, capture_stderr=True, check=False)
    errors = result.stderr.decode()
    assert result.returncode == 2 and STARTUP_FAILURES[case] in errors, errors
    assert len(errors.strip().splitlines()) == 1 and "Traceback" not in errors, errors
    assert "someone-elses-token" not in errors
