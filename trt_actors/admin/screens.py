"""The desk's screens: what each one says and which buttons it carries. Pure: values in, HTML and buttons out.

Each function returns a :class:`Drawn` (the screen's name, its HTML, its
keyboard); :class:`trt_actors.admin.decider.AdminDeskDecider` puts it in a
``UiRendered``. Every button is the desk's (:mod:`.callback_data`).
"""

from __future__ import annotations

from dataclasses import dataclass

from trt_actors.admin.callback_data import AdminTapData, encode
from trt_actors.broadcast import html_problem
from trt_actors.admin.texts import DeskTexts, Markup
from trt_actors.events import Button
from trt_actors.events.admin import AdminStats, BroadcastCounts, UserProfile

__all__ = ["Drawn", "menu", "note", "preview", "profile", "progress", "prompt", "stats"]

Rows = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True)
class Drawn:
    screen: str
    text: str
    buttons: Rows = ()


def _button(texts: DeskTexts, key: str, verb: str, arg: str = "", **args: object) -> Button:
    return Button(text=texts.plain(key, **args), data=encode(AdminTapData(verb=verb, arg=arg)))


def _with_notice(notice: str, text: str) -> str:
    return f"{notice}\n\n{text}" if notice else text


def menu(texts: DeskTexts, notice: str = "") -> Drawn:
    rows = (
        (_button(texts, "btn.lookup", "lk"), _button(texts, "btn.stats", "st")),
        (_button(texts, "btn.promo", "pr"), _button(texts, "btn.broadcast", "bc")),
        (_button(texts, "btn.models", "md"),),
    )
    return Drawn("admin.menu", _with_notice(notice, f"{texts.say('menu.title')}\n\n{texts.say('menu.commands')}"),
                 rows)


def prompt(texts: DeskTexts, name: str, subject: int, notice: str = "") -> Drawn:
    return Drawn(f"admin.prompt.{name}", _with_notice(notice, texts.say(f"prompt.{name}", user=subject)),
                 ((_button(texts, "btn.cancel", "x"),),))


def profile(texts: DeskTexts, shown: UserProfile, notice: str = "") -> Drawn:
    name = " ".join(part for part in (shown.first_name, f"@{shown.username}" if shown.username else "") if part)
    lines = [texts.say("profile.title", user=shown.user_id, name=name)]
    if shown.blocked:
        lines.append(texts.say("profile.blocked"))
    lines.append(texts.say("profile.balance", available=shown.available, held=shown.held,
                           holds=shown.pending_holds))
    lines.append(texts.say("profile.entries"))
    lines.extend(texts.say("profile.entry", type=entry.type, change=f"{entry.change:+d}",
                           operation=entry.operation_id) for entry in shown.entries)
    if not shown.entries:
        lines.append(texts.say("profile.none"))
    lines.append(texts.say("profile.jobs"))
    lines.extend(texts.say("profile.job", model=job.model_id, credits=job.credits, status=job.status)
                 for job in shown.jobs)
    if not shown.jobs:
        lines.append(texts.say("profile.none"))
    lines.append(texts.say("profile.payments"))
    for index, payment in enumerate(shown.payments):
        refunded = texts.say("profile.refunded", n=payment.refunded) if payment.refunded else ""
        lines.append(texts.say("profile.payment", n=index + 1, stars=payment.stars, credits=payment.credits,
                               credit_id=payment.credit_id, refunded=Markup(refunded)))
    if not shown.payments:
        lines.append(texts.say("profile.none"))
    user = str(shown.user_id)
    block = (_button(texts, "btn.unblock", "ub", user) if shown.blocked else _button(texts, "btn.block", "bl", user))
    rows: list[tuple[Button, ...]] = [(_button(texts, "btn.adjust", "aj", user), block)]
    rows.extend((_button(texts, "btn.refund", "rf", str(index), n=index + 1, stars=payment.stars),)
                for index, payment in enumerate(shown.payments) if not payment.refunded)
    rows.append((_button(texts, "btn.refresh", "u", user), _button(texts, "btn.menu", "m")))
    return Drawn("admin.profile", _with_notice(notice, "\n".join(lines)), tuple(rows))


def stats(texts: DeskTexts, figures: AdminStats) -> Drawn:
    lines = [
        texts.say("stats.title"),
        texts.say("stats.users", users=figures.users, day=figures.active_day, week=figures.active_week),
        texts.say("stats.topups", count=figures.topups, stars=figures.topup_stars, credits=figures.topup_credits),
        texts.say("stats.spent", spent=figures.spent, refunds=figures.refunds, refunded=figures.refunded_credits,
                  adjusted=figures.adjusted),
        texts.say("stats.kie", credits=f"{figures.kie_credits:g}") if figures.kie_credits is not None
        else texts.say("stats.kie_unknown"),
        texts.say("stats.models"),
    ]
    lines.extend(texts.say("stats.model", model=model.model_id, jobs=model.jobs, failed=model.failed)
                 for model in figures.models)
    return Drawn("admin.stats", "\n".join(lines),
                 ((_button(texts, "btn.refresh", "st"), _button(texts, "btn.menu", "m")),))


def note(texts: DeskTexts, text: str, *, user: int = 0, broadcast: str = "") -> Drawn:
    """A message about a request (asked, refused, reported), with the way back to what it was about."""
    rows: list[tuple[Button, ...]] = []
    if user:
        rows.append((_button(texts, "btn.profile", "u", str(user)),))
    if broadcast:
        rows.append((_button(texts, "btn.progress", "bp", broadcast),))
    rows.append((_button(texts, "btn.menu", "m"),))
    return Drawn("admin.note", text, tuple(rows))


def preview(texts: DeskTexts, broadcast_id: str, text: str) -> Drawn:
    """A broadcast's text as users will get it (valid HTML, checked), with the question under it; a text too
    long to take the question too is shown alone, and its buttons ask."""
    asked = f"{text}\n\n{texts.say('preview.confirm', id=broadcast_id)}"
    return Drawn("admin.preview", text if html_problem(asked) is not None else asked,
                 ((_button(texts, "btn.send", "bo", broadcast_id), _button(texts, "btn.drop", "bx", broadcast_id)),))


def progress(texts: DeskTexts, broadcast_id: str, counts: BroadcastCounts | None) -> Drawn:
    if counts is None:
        text = texts.say("progress.unknown", id=broadcast_id)
    else:
        text = texts.say("progress.line", id=broadcast_id, delivered=counts.delivered, failed=counts.failed,
                         unreachable=counts.unreachable, queued=counts.queued, recipients=counts.recipients,
                         finished=Markup(texts.say("progress.finished") if counts.finished else ""))
    return note(texts, text, broadcast=broadcast_id)
