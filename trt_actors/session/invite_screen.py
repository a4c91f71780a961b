"""Drawing "Invite friends": the user's link in a copyable block, a Share button, and what the link earned. Pure."""

from __future__ import annotations

from trt_actors.events import Button
from trt_actors.session.callback_data import OpenMenu
from trt_actors.session.canvas import Canvas, Rendered

__all__ = ["invite"]


def invite(canvas: Canvas, user_id: int) -> Rendered:
    """The invitation link of ``user_id`` (or why it is not ready), the bonus, and invited / paid / earned."""
    state, invitations, texts = canvas.state, canvas.invitations, canvas.texts
    lines = [canvas.say("invite.title")]
    given = [texts.credits(invitations.bonus)] if invitations.bonus > 0 else []
    if invitations.free > 0:
        given.append(texts.plain("invite.free", n=invitations.free))
    if given:
        lines.append(canvas.say("invite.bonus", bonus=texts.plain("invite.and").join(given)))
    else:
        lines.append(canvas.say("invite.no_bonus"))
    link = invitations.link(user_id)
    rows: list[tuple[Button, ...]] = []
    if link:
        lines.append(canvas.say("invite.link", link=link))
        share = invitations.share(user_id, texts.plain("invite.share_text"))
        rows.append((Button(text=texts.plain("btn.share"), url=share),))
    else:
        lines.append(canvas.say("invite.not_ready"))
    lines.append(canvas.say("invite.counts", invited=state.friends_invited, paid=state.friends_paid,
                            earned=texts.credits(state.referral_earned)))
    rows.append((canvas.labelled("btn.menu", OpenMenu()),))
    return Rendered("invite", "\n\n".join(lines), tuple(rows))
