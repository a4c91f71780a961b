"""The desk's English catalogue. Keys match :mod:`trt_actors.admin.texts.ru` exactly (a test checks)."""

from __future__ import annotations

from typing import Final

__all__ = ["TEXTS"]

TEXTS: Final[dict[str, str]] = {
    # buttons (plain text)
    "btn.lookup": "🔎 Find a user",
    "btn.stats": "📊 Stats",
    "btn.models": "🧩 Models",
    "btn.promo": "🎟 Promo code",
    "btn.broadcast": "📣 Broadcast",
    "btn.menu": "🛠 Admin menu",
    "btn.cancel": "✖️ Cancel",
    "btn.adjust": "± Adjust balance",
    "btn.block": "⛔ Block",
    "btn.unblock": "✅ Unblock",
    "btn.refund": "↩️ Refund #{n}: {stars} ⭐",
    "btn.profile": "👤 Profile",
    "btn.send": "📣 Send to everyone",
    "btn.drop": "🗑 Drop",
    "btn.progress": "🔄 Progress",
    "btn.refresh": "🔄 Refresh",
    # screens (HTML)
    "menu.title": "🛠 <b>Admin desk</b>\nWhat would you like to do?",
    "menu.commands": "Or type: <code>/admin user 42</code> · <code>/admin adjust 42 +50 reason</code> · "
                     "<code>/admin refund 42 topup:…</code> · <code>/admin block 42 reason</code> · "
                     "<code>/admin unblock 42</code> · <code>/admin promo CODE credits uses days</code> · "
                     "<code>/admin broadcast text</code> · <code>/admin progress b-…</code> · <code>/admin stats</code>"
                     " · <code>/admin model id off|on</code>",
    "prompt.lookup": "🔎 Send a user id or an @username.",
    "prompt.adjust": "± Adjust the balance of user <code>{user}</code>: send <code>+50 reason</code> or "
                     "<code>-20 reason</code>. A reason is required.",
    "prompt.block": "⛔ Why block user <code>{user}</code>? Send the reason.",
    "prompt.model": "🧩 Send <code>model-id on</code> or <code>model-id off</code>.",
    "prompt.promo": "🎟 Send <code>CODE credits uses days</code>, for example <code>SPRING 50 100 30</code>.",
    "prompt.broadcast": "📣 Send the broadcast's text (Telegram HTML). You will see a preview before it goes out.",
    "profile.title": "👤 <b>User {user}</b> {name}",
    "profile.blocked": "⛔ <b>Blocked</b>",
    "profile.balance": "💳 {available} available, {held} held ({holds} pending holds)",
    "profile.entries": "<b>Recent ledger</b>",
    "profile.entry": "• {type} {change} <code>{operation}</code>",
    "profile.jobs": "<b>Recent orders</b>",
    "profile.job": "• {model}: {credits} credits, {status}",
    "profile.payments": "<b>Stars payments</b>",
    "profile.payment": "#{n} {stars} ⭐ → {credits} credits <code>{credit_id}</code>{refunded}",
    "profile.refunded": " (refunded {n})",
    "profile.none": "• none",
    "stats.title": "📊 <b>Stats</b>",
    "stats.users": "Users: {users}; active today {day}, this week {week}",
    "stats.topups": "Top-ups: {count}, {stars} ⭐, {credits} credits",
    "stats.spent": "Credits spent: {spent}; refunds {refunds} ({refunded} credits); adjustments {adjusted}",
    "stats.kie": "KIE credits: {credits}",
    "stats.kie_unknown": "KIE credits: unknown (KIE did not answer)",
    "stats.models": "<b>Jobs by model</b> (failed)",
    "stats.model": "• {model}: {jobs} ({failed})",
    "asked.adjust": "✅ The ledger is asked to change the balance of user {user} by {amount}: {reason}.",
    "asked.refund": "✅ The refund of {credit_id} ({credits} credits) of user {user} is asked.",
    "asked.block": "⛔ User {user} is blocked: {reason}.",
    "asked.unblock": "✅ User {user} is unblocked.",
    "asked.model_on": "🧩 Model {model} is on.",
    "asked.model_off": "🧩 Model {model} is off.",
    "asked.promo": "🎟 Promo code {code} is asked: {credits} credits, {uses} uses, {days} days.",
    "asked.broadcast": "📣 Broadcast {id} is on its way.",
    "asked.dropped": "🗑 Broadcast {id} was dropped; nothing was sent.",
    "preview.confirm": "👆 That is broadcast <code>{id}</code> as every user will see it. Send it to everyone?",
    "progress.line": "📣 Broadcast <code>{id}</code>: {delivered} delivered, {failed} failed, {unreachable} "
                     "unreachable, {queued} queued of {recipients}{finished}",
    "progress.finished": " — finished",
    "progress.unknown": "📣 Broadcast <code>{id}</code> has not started.",
    "report.Credited": "✅ Adjustment <code>{id}</code>: credited. Balance now {available}.",
    "report.Debited": "✅ Adjustment <code>{id}</code>: debited. Balance now {available}.",
    "report.DebitRejected": "❌ Adjustment <code>{id}</code> refused by the ledger: {detail}.",
    "report.RefundReserved": "✅ Refund <code>{id}</code>: credits taken back, the Stars are being returned. "
                             "Balance now {available}.",
    "report.RefundRejected": "❌ Refund <code>{id}</code> refused by the ledger: {detail}.",
    "report.PromoCreated": "✅ Promo code <code>{id}</code> created.",
    "report.PromoCreateRefused": "❌ Promo code <code>{id}</code> refused: {detail}.",
    "report.BroadcastStarted": "📣 Broadcast <code>{id}</code> started: {detail}.",
    "report.BroadcastRefused": "❌ Broadcast <code>{id}</code> refused: {detail}",
    "report.BroadcastFinished": "📣 Broadcast <code>{id}</code> finished: {detail}.",
    "report.other": "ℹ️ {action} <code>{id}</code>: {outcome} {detail}",
    # refusals
    "reject.no_reason": "⚠️ A reason is required. Nothing was changed.",
    "reject.bad_amount": "⚠️ That is not an amount of credits (like +50 or -20, not 0). Nothing was changed.",
    "reject.unknown_user": "⚠️ No such user: {detail}. Nothing was changed.",
    "reject.unknown_payment": "⚠️ User {user} has no such Stars payment: {detail}. Nothing was refunded.",
    "reject.refunded": "⚠️ Payment {detail} was refunded already. Nothing was refunded.",
    "reject.spent": "⚠️ The credits of payment {detail} are already spent. Nothing was refunded.",
    "reject.insufficient": "⚠️ User {user} has only {detail} credits available. Nothing was changed.",
    "reject.bad_html": "⚠️ Telegram would refuse this text: {detail}. Nothing was sent.",
    "reject.unknown_model": "⚠️ No such model: {detail}.",
    "reject.bad_code": "⚠️ {detail} cannot be a promo code (3-32 letters, digits, _ or -).",
    "reject.bad_promo": "⚠️ A promo code needs 1-100000 credits, 1-10000 uses and 1-3650 days.",
    "reject.malformed": "⚠️ I cannot read that: {detail}.",
    "reject.stale": "⚠️ That button belongs to a screen that is gone.",
    "reject.unknown_command": "⚠️ Unknown admin command: {detail}.",
    "crash.notice": "⚠️ Something went wrong on the desk; nothing was changed. Try again.",
    "reject.no_prompt": "⚠️ Nothing is asked right now; use the menu.",
}
