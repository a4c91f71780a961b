"""The golden file of event bytes: what this version writes, which every later version must read.

``tests/fixtures/events-golden.jsonl`` holds one line per event type,
``{"type": ..., "payload": "<the JSON bytes as text>"}``, written once when the
type is introduced and never edited afterwards. When you add an event type,
run ``python -m tests.events.golden`` to append a line for it (from the
example below), and commit the file.
"""

from __future__ import annotations

import json
from pathlib import Path

from trt_actors.events.session import (
    BalanceSeen,
    ConfirmationAccepted,
    ConfirmationOffered,
    DraftDiscarded,
    DraftRestored,
    DraftResumed,
    DraftStarted,
    DraftStepBack,
    Files,
    GenerationRequested,
    ImageAdded,
    ImagesCompleted,
    FriendJoined,
    InputBlocked,
    InputThrottled,
    ModelsSeen,
    PromoAnswered,
    InvoiceRequested,
    JobSeen,
    LanguageChosen,
    MessageRejected,
    Param,
    ParameterSet,
    ParameterSkipped,
    PaymentRejected,
    ResultResendRequested,
    ScreenOpened,
    SessionStarted,
    TopUpPaid,
)
from trt_actors.events.ledger import (
    CaptureRejected,
    Credited,
    DebitRejected,
    Debited,
    FreeGranted,
    HoldCaptured,
    HoldPlaced,
    HoldRejected,
    HoldVoided,
    Quote,
    RefundCompleted,
    RefundFailed,
    RefundRejected,
    RefundReserved,
    VoidRejected,
)
from trt_actors.events.admin import (
    AdjustmentAsked,
    AdminActionReported,
    AdminInputRejected,
    AdminLookedUp,
    AdminPrompted,
    AdminStats,
    BroadcastAsked,
    BroadcastCounts,
    BroadcastDropped,
    BroadcastPreviewed,
    BroadcastProgressShown,
    JobLine,
    LedgerLine,
    ModelCount,
    ModelSwitched,
    PaymentLine,
    PromoCreateAsked,
    RefundAsked,
    StatsShown,
    UserBlocked,
    UserProfile,
    UserUnblocked,
)
from trt_actors.events.ops import AdminAlerted, BotIdentified, LeaseAcquired, LeaseLost, ModeChanged
from trt_actors.events.broadcast import BroadcastFinished, BroadcastQueued, BroadcastStarted
from trt_actors.events.payments import PreCheckoutAnswered
from trt_actors.events.promo import PromoCreated, PromoCreateRefused, PromoEntered, PromoRedeemed, PromoRefused
from trt_actors.events.jobs import (
    CaptureAsked,
    HoldSettled,
    JobFailed,
    JobFilesUploaded,
    JobLate,
    JobPolled,
    JobRequested,
    JobRetryScheduled,
    JobSubmitted,
    JobSubmitting,
    JobSucceeded,
    ResultDelivered,
    UploadedFiles,
    VoidAsked,
)
from trt_actors.events import (
    CODEC,
    ActorCrashed,
    ActorEscalated,
    ActorRestarted,
    Button,
    CallbackAccepted,
    CallbackReceived,
    CallbackRejected,
    CallbackRouted,
    DispatchFailed,
    PassiveRejected,
    DispatchOk,
    Event,
    ReactionAbandoned,
    UiRendered,
    UpdateDeclined,
    UpdateEraStarted,
    UpdateReceived,
    UpdateRejected,
)

GOLDEN = Path(__file__).resolve().parent.parent / "fixtures" / "events-golden.jsonl"

QUOTE = Quote(
    model_id="nano-banana-pro",
    credits=48,
    rule="per_value resolution=4K",
    registry_version="2026-06-30.6e9f028d41fa",
    kie_credits="24",
    markup="2.0",
    params=(Param(name="prompt", value="a red fox"), Param(name="resolution", value="4K")),
    source="Nano Banana Pro, 4K",
)

EXAMPLES: list[Event] = [
    ActorCrashed(actor="session:42", error_type="KeyError", error="'menu'", crashes=2, restart_in=0.4),
    ActorEscalated(actor="outbox", crashes=5, error_type="OSError", error="disk full"),
    ActorRestarted(actor="session:42", crashes=2),
    CallbackAccepted(action="open_category"),
    CallbackReceived(update_id=1001, callback_query_id="4382bfdwdsb323b2d9", data="v1|cat|img", message_id=77),
    CallbackRejected(reason_code="stale_screen", data="v1|cat|img"),
    CallbackRouted(target="session:42"),
    DispatchFailed(
        dispatch_id="d-1", method="sendMessage", attempts=1, error_code=429, description="Too Many Requests",
        final=False, retry_after=3.0,
    ),
    DispatchOk(dispatch_id="d-1", method="sendMessage", attempts=2, message_id=78),
    UiRendered(
        screen="main_menu",
        dispatch_id="upd-1000/0",
        text="<b>Меню</b>",
        buttons=((Button(text="Изображения", data="1.a.cat.text_to_image"),), (Button(text="Сайт", url="https://example.org"),)),
    ),
    UpdateDeclined(update_id=1002, reason="passive"),
    UpdateReceived(update_id=1000, kind="message", body='{"update_id":1000,"message":{"text":"/start"}}'),
    UpdateRejected(reason="malformed_json", detail="Expecting value at byte 0", size=12),
    SessionStarted(language="ru", start_payload="ref_42", referrer=42),
    LanguageChosen(language="en"),
    ScreenOpened(screen="category", category="text_to_image", page=1),
    DraftStarted(model_id="nano-banana-pro"),
    ParameterSet(name="resolution", value="4K"),
    ParameterSkipped(name="seed"),
    ImageAdded(name="image_input", file_id="AgACAgIAAxkBAAIB", file_unique_id="AQADu", width=1280, height=720),
    ImagesCompleted(name="image_input"),
    DraftStepBack(clear=("resolution",)),
    DraftResumed(model_id="nano-banana-pro"),
    DraftDiscarded(reason="cancelled"),
    ConfirmationOffered(
        confirmation_id="3f2a9c1b0d",
        model_id="nano-banana-pro",
        params=(Param(name="prompt", value="a red fox"), Param(name="resolution", value="4K"), Param(name="n", value=2)),
        credits=48,
        rule="per_value resolution=4K",
        registry_version="2026-06-30.6e9f028d41fa",
        files=(Files(name="image_input", file_ids=("AgACAgIAAxkBAAIB",)),),
        balance=100,
    ),
    ConfirmationAccepted(confirmation_id="3f2a9c1b0d", model_id="nano-banana-pro", credits=48),
    MessageRejected(reason_code="text_too_long", detail="prompt"),
    BalanceSeen(available=52, held=48),
    ReactionAbandoned(
        reactor="router", event_id="update:123456:0:1000", error_type="AskTimeout", error="too slow", attempts=8
    ),
    UpdateEraStarted(bot_id=123456, era=1, first_update_id=1, reason="below-confirmed-offset"),
    HoldPlaced(
        hold_id="3f2a9c1b0d",
        amount=48,
        quote=QUOTE,
        expires_at=1_767_225_600.0,
        available=52,
        held=48,
    ),
    HoldRejected(hold_id="3f2a9c1b0e", amount=48, reason="insufficient", available=20, held=0),
    HoldCaptured(hold_id="3f2a9c1b0d", captured=40, released=8, available=60, held=0),
    HoldVoided(hold_id="3f2a9c1b0d", amount=48, reason="expired", available=100, held=0),
    CaptureRejected(hold_id="3f2a9c1b0d", amount=60, reason="exceeds_hold", available=52, held=48),
    VoidRejected(hold_id="nope", reason="unknown_hold", available=52, held=48),
    Credited(
        credit_id="stars:ch_5f3e", amount=550, reason="topup", source="250 Stars: 550 credits",
        charge_id="ch_5f3e", stars=250, available=602, held=48,
    ),
    RefundReserved(refund_id="r-1", credit_id="stars:ch_5f3e", amount=550, charge_id="ch_5f3e", available=52, held=48),
    RefundRejected(refund_id="r-2", credit_id="stars:ch_5f3e", amount=550, reason="spent", available=30, held=0),
    RefundCompleted(refund_id="r-1", credit_id="stars:ch_5f3e", amount=550, available=52, held=48),
    RefundFailed(
        refund_id="r-1", credit_id="stars:ch_5f3e", amount=550, error="CHARGE_ALREADY_REFUNDED", available=602, held=48
    ),
    PreCheckoutAnswered(query_id="pcq-77", ok=True, topup_id="t-123", stars=250, credits=550),
    GenerationRequested(
        confirmation_id="3f2a9c1b0d",
        model_id="nano-banana-pro",
        params=(Param(name="prompt", value="a red fox"), Param(name="resolution", value="4K")),
        files=(Files(name="image_input", file_ids=("AgACAgIAAxkBAAIB",)),),
        credits=48,
        quote=QUOTE,
        expires_at=1_767_225_600.0,
        message_id=78,
    ),
    DraftRestored(confirmation_id="3f2a9c1b0e"),
    InvoiceRequested(
        topup_id="t5c1e0a9b7f", stars=250, credits=550, payload="topup:250:550:t5c1e0a9b7f", title="550 credits",
        description="550 credits for AI generations in this bot, paid with 250 Telegram Stars.",
    ),
    TopUpPaid(topup_id="t5c1e0a9b7f", charge_id="stxAbC123", stars=250, credits=550),
    PaymentRejected(reason_code="amount_mismatch", charge_id="stxDeF456", detail="50 XTR topup:250:550:t5c1e0a9b7f"),
    JobRequested(
        job_id="3f2a9c1b0d",
        user_id=42,
        chat_id=42,
        model_id="nano-banana-pro",
        category="image_edit",
        params=(Param(name="prompt", value="a red fox"), Param(name="resolution", value="4K")),
        files=(Files(name="image_input", file_ids=("AgACAgIAAxkBAAIB",)),),
        credits=48,
        hold_expires_at=1_767_225_600.0,
        deadline_at=1_767_222_300.0,
        requested_at=1_767_222_000.0,
        message_id=78,
    ),
    JobFilesUploaded(files=(UploadedFiles(name="image_input", urls=("https://tempfile.redpandaai.co/u/fox.jpg",)),)),
    JobSubmitting(attempt=1, at=1_767_222_001.5),
    JobSubmitted(task_id="task_nano_5f3e", at=1_767_222_002.0),
    JobPolled(task_id="task_nano_5f3e", state="generating", next_poll_at=1_767_222_004.5, at=1_767_222_002.0),
    JobRetryScheduled(
        call="recordInfo", code=429, message="Too many requests", attempt=1, retry_at=1_767_222_007.2,
        at=1_767_222_004.6,
    ),
    JobSucceeded(
        task_id="task_nano_5f3e", result_urls=("https://tempfile.aiquickdraw.com/r/fox.png",), at=1_767_222_030.0,
        source="callback",
    ),
    JobFailed(reason="kie_balance_empty", at=1_767_222_002.0, code="402", message="Credits insufficient",
              kie_balance_empty=True),
    CaptureAsked(hold_id="3f2a9c1b0d", user_id=42, amount=48),
    VoidAsked(hold_id="3f2a9c1b0d", user_id=42, reason="generation_failed"),
    HoldSettled(outcome="capture_rejected", reason="voided"),
    ResultDelivered(message_ids=(91, 92), at=1_767_222_033.0),
    JobLate(
        task_id="task_nano_5f3e", result_urls=("https://tempfile.aiquickdraw.com/r/fox.png",),
        reason="after_deadline", at=1_767_223_000.0,
    ),
    JobSeen(job_id="3f2a9c1b0d", event="ResultDelivered", at=1_767_222_033.0, elapsed=33.0, results=2,
            message_ids=(91, 92)),
    ResultResendRequested(job_id="3f2a9c1b0d"),
    InputThrottled(kind="messages", retry_at=1_767_222_060.0, notified=True),
    AdminAlerted(kind="kie_balance_empty", text="KIE balance is empty", admins=(7, 8)),
    PassiveRejected(update_id=700000042, kind="callback_query", data="1.a.m", instance="bot-2:4343"),
    LeaseLost(holder="bot-1:4242", epoch=3, reason="expired"),
    LeaseAcquired(holder="bot-2:4343", epoch=4, expires_at=1_767_222_010.0),
    ModeChanged(holder="bot-2:4343", mode="active", epoch=4),
    BroadcastStarted(broadcast_id="b-20260701", admin_id=7, text="<b>New models</b> are here &amp; cheaper",
                     recipients=(1001, 1002, 1003)),
    BroadcastQueued(broadcast_id="b-20260701", recipient=1001),
    BroadcastFinished(broadcast_id="b-20260701", recipients=3, delivered=1, failed=1, unreachable=1),
    PromoEntered(code="SPRING-25"),
    PromoAnswered(code="SPRING-25", outcome="refused", operation_id="promo:SPRING-25/e1/0", reason="expired"),
    FriendJoined(friend_id=42),
    InputBlocked(kind="taps", notified=True),
    BotIdentified(bot_id=123456, username="trt_shop_bot"),
    AdminPrompted(prompt="adjust", user_id=42, language="en"),
    AdminLookedUp(admin_id=7, target="@ann", profile=UserProfile(user_id=42, found=True, username="ann", available=120, held=8, pending_holds=1, entries=(LedgerLine(type="Credited", change=100, operation_id="topup:t1", ts=1_767_222_000.0),), jobs=(JobLine(job_id="c1", model_id="z-image", credits=2, status="captured"),), payments=(PaymentLine(credit_id="topup:t1", stars=50, credits=100, charge_id="ch1"),))),
    StatsShown(admin_id=7, stats=AdminStats(at=1_767_222_000.0, users=3, active_day=2, active_week=3, topups=1,
                                            topup_stars=50, topup_credits=100, spent=2, refunds=0,
                                            refunded_credits=0, adjusted=1,
                                            models=(ModelCount(model_id="z-image", jobs=2, failed=1),),
                                            kie_credits=1000.0)),
    AdjustmentAsked(admin_id=7, user_id=42, amount=-20, reason="duplicate bonus", adjustment_id="adjust:ab12"),
    RefundAsked(admin_id=7, user_id=42, credit_id="topup:t1", amount=100, refund_id="refund:cd34"),
    UserBlocked(admin_id=7, user_id=43, reason="spam"),
    UserUnblocked(admin_id=7, user_id=43),
    ModelSwitched(admin_id=7, model_id="z-image", enabled=False),
    ModelsSeen(disabled=("z-image",)),
    PromoCreateAsked(admin_id=7, code="SUMMER", credits=25, max_uses=10, expires_at=1_769_904_000.0),
    BroadcastPreviewed(admin_id=7, broadcast_id="b-ef56", text="<b>News</b>"),
    BroadcastAsked(admin_id=7, broadcast_id="b-ef56", text="<b>News</b>"),
    BroadcastDropped(admin_id=7, broadcast_id="b-0000"),
    BroadcastProgressShown(admin_id=7, broadcast_id="b-ef56",
                           counts=BroadcastCounts(recipients=3, queued=3, delivered=2, failed=0, unreachable=1,
                                                  finished=True)),
    AdminActionReported(admin_id=7, action="adjustment", operation_id="adjust:ab12", outcome="Debited",
                        available=100),
    AdminInputRejected(admin_id=7, reason_code="no_reason", detail=""),
    Debited(debit_id="adjust:ab12", amount=20, reason="adjustment", available=100, held=0, source="admin 7: dup"),
    FreeGranted(grant_id="referral:42:free", count=3, reason="referral", available=100, held=0,
                source="invited by 7"),
    DebitRejected(debit_id="adjust:gh78", amount=500, reason="insufficient", available=100, held=0),
    PromoCreated(code="SPRING-25", credits=50, expires_at=1_769_904_000.0, max_uses=100, admin_id=7),
    PromoCreateRefused(code="SPRING-25", admin_id=7, reason="exists"),
    PromoRedeemed(code="SPRING-25", user_id=42, credits=50, redemption=1),
    PromoRefused(code="SPRING-25", user_id=43, reason="used_up"),
]


def read() -> list[tuple[str, bytes]]:
    lines = GOLDEN.read_text(encoding="utf-8").splitlines() if GOLDEN.exists() else []
    return [(d["type"], d["payload"].encode("utf-8")) for d in map(json.loads, lines)]


def append_missing() -> list[str]:
    have = {t for t, _ in read()}
    added: list[str] = []
    with GOLDEN.open("a", encoding="utf-8") as out:
        for event in EXAMPLES:
            name = CODEC.type_of(event)
            if name not in have:
                out.write(json.dumps({"type": name, "payload": CODEC.encode(event).decode("utf-8")}, ensure_ascii=False) + "\n")
                added.append(name)
    return added


if __name__ == "__main__":
    print("added:", ", ".join(append_missing()) or "nothing")
