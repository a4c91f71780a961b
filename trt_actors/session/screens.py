"""Drawing a session's screen: state -> (HTML text, inline keyboard). Pure.

:func:`render` draws whatever screen the state is on, with an optional
``notice`` (already HTML) above it: an error, a hint, "that button is out of
date". The menu screens are here; the wizard's screens (steps, confirmation)
are in :mod:`trt_actors.session.wizard_screens`, and the money screens
(balance, top-up, an order's hold, the ledger's news) in
:mod:`trt_actors.session.money_screens`.

Every string from the user or the registry is escaped on the way in (see
:mod:`trt_actors.session.texts`), texts stay well under Telegram's 4,096
characters, and every button's data fits in 64 bytes.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Final

from registry import Model, QuoteError, Registry
from registry.model import Fixed, PerThousandChars
from trt_actors.events import Button
from trt_actors.session.callback_data import (
    ChooseLanguage,
    GoBack,
    OpenBalance,
    OpenCategory,
    OpenHelp,
    OpenInvite,
    OpenHistory,
    OpenLanguages,
    OpenMenu,
    OpenModel,
    OpenTopUp,
    ResumeDraft,
    StartDraft,
    TurnPage,
)
from trt_actors.session.canvas import Audience, Canvas, Rendered, Rows
from trt_actors.session.invite_screen import invite
from trt_actors.session.money_screens import balance, history, order, topup
from trt_actors.session.promo_screens import promo_prompt
from trt_actors.session.texts import LANGUAGES
from trt_actors.session.wizard import steps_of
from trt_actors.session.wizard_screens import wizard

__all__ = ["PAGE_SIZE", "Audience", "Rendered", "listed", "model_page", "render"]

PAGE_SIZE: Final = 8
"""Models per page of a category list."""


def render(canvas: Canvas, notice: str = "", *, draw: Callable[[Canvas], Rendered] | None = None) -> Rendered:
    """The screen ``canvas.state`` is on (or the one ``draw`` draws), with ``notice`` (HTML) above it."""
    drawn = (draw or _draw)(canvas)
    text = f"{notice}\n\n{drawn.text}" if notice else str(drawn.text)  # a plain str: Markup is not encodable
    return Rendered(drawn.screen, text, drawn.buttons)


def _draw(canvas: Canvas) -> Rendered:
    state = canvas.state
    match state.screen:
        case "category":
            return _category(canvas, state.category, state.page)
        case "model":
            model = _model(canvas, state.model_id)
            if model is not None:
                return _model_card(canvas, model)
        case "wizard" if state.draft is not None:
            model = _model(canvas, state.draft.model_id)
            if model is not None:
                return wizard(canvas, model, state.draft)
        case "coming" if state.confirmed is not None:
            return order(canvas, state.confirmed.confirmation_id)
        case "balance":
            return balance(canvas)
        case "topup":
            return topup(canvas)
        case "history":
            return history(canvas)
        case "help":
            return _help(canvas)
        case "language":
            return _language(canvas)
        case "debug":
            return _debug(canvas)
        case "promo":
            return promo_prompt(canvas)
        case "invite":
            return invite(canvas, canvas.audience.user_id)
    return _menu(canvas)


def blocked_notice(canvas: Canvas) -> Rendered:
    """What a blocked user reads, once: access is suspended, and whom to ask (no buttons: nothing would work)."""
    lines = [canvas.say("blocked.text")]
    if canvas.support.contact:
        lines.append(canvas.say("help.support", contact=canvas.support.contact))
    return Rendered("blocked", "\n\n".join(lines), ())


def _model(canvas: Canvas, model_id: str) -> Model | None:
    if model_id in canvas.state.disabled:
        return None
    try:
        model = canvas.registry.model(model_id)
    except KeyError:
        return None
    return model if model.enabled else None


def _name(canvas: Canvas, model: Model) -> str:
    return model.name.en if canvas.texts.language == "en" else model.name.ru


def _menu_row(canvas: Canvas) -> tuple[Button, ...]:
    return (canvas.labelled("btn.menu", OpenMenu()),)


def _menu(canvas: Canvas) -> Rendered:
    name = canvas.audience.first_name.strip()[:64]
    lines = [
        canvas.say("menu.greeting", name=name) if name else canvas.say("menu.greeting_anonymous"),
        canvas.say("menu.intro"),
        canvas.say("menu.balance", balance=canvas.credits(canvas.state.balance)),
    ]
    if canvas.free is not None:
        lines.append(canvas.say("menu.free", left=canvas.free))
    rows: list[tuple[Button, ...]] = []
    draft = canvas.state.draft
    if draft is not None and (model := _model(canvas, draft.model_id)) is not None:
        lines.append(canvas.say("menu.draft", model=_name(canvas, model)))
        rows.append((canvas.labelled("btn.continue", ResumeDraft(), model=_name(canvas, model)),))
    if not canvas.registry.categories():
        lines.append(canvas.say("menu.empty"))
    rows.extend(_menu_rows(canvas))
    return Rendered("menu", "\n".join(lines), tuple(rows))


_MENU_ROWS: dict[tuple[int, str, int], tuple[Registry, Rows]] = {}
_MAX_MENU_ROWS: Final = 4096


def _menu_rows(canvas: Canvas) -> Rows:
    """The menu's fixed rows: a function of the registry, the language and the nonce alone, so drawn once for each.

    The menu is the screen drawn most, and chats at the same point of a
    conversation share a nonce; the entry keeps its registry so that a new
    registry at a recycled ``id`` never gets an old keyboard.
    """
    registry, language, nonce = canvas.registry, canvas.texts.language, canvas.state.nonce
    key = (id(registry), language, nonce)
    hit = _MENU_ROWS.get(key)
    if hit is not None and hit[0] is registry:
        return hit[1]
    rows: Rows = (
        *((canvas.button(canvas.texts.category(category), OpenCategory(category=category)),)
          for category in registry.categories()),
        (canvas.labelled("btn.balance", OpenBalance()), canvas.labelled("btn.topup", OpenTopUp()),
         canvas.labelled("btn.history", OpenHistory())),
        (canvas.labelled("btn.invite", OpenInvite()),),
        (canvas.labelled("btn.help", OpenHelp()), canvas.labelled("btn.language", OpenLanguages())),
    )
    if len(_MENU_ROWS) >= _MAX_MENU_ROWS:
        _MENU_ROWS.clear()
    _MENU_ROWS[key] = (registry, rows)
    return rows


def listed(registry: Registry, category: str) -> tuple[Model, ...]:
    """The enabled models of ``category``, cheapest first; in file order if some cannot be priced.

    A validated registry always prices every model; this keeps an unvalidated
    one (a test's, a half-synced one) from taking the session down.
    """
    try:
        return registry.models_in(category)
    except QuoteError:
        return tuple(model for model in registry.models if model.enabled and model.category == category)


def model_page(models: tuple[Model, ...], model_id: str) -> int:
    """The page of a category list that shows ``model_id`` (0 if it is not there)."""
    for index, model in enumerate(models):
        if model.id == model_id:
            return index // PAGE_SIZE
    return 0


def _category(canvas: Canvas, category: str, page: int) -> Rendered:
    models = tuple(model for model in listed(canvas.registry, category) if model.id not in canvas.state.disabled)
    pages = max(1, -(-len(models) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    lines = [f"<b>{_escape(canvas.texts.category(category))}</b>"]
    lines.append(canvas.say("category.intro") if models else canvas.say("category.empty"))
    if canvas.free and any(model.free for model in models):
        lines.append(canvas.say("category.free", left=canvas.free))
    if pages > 1:
        lines.append(canvas.say("category.page", page=page + 1, pages=pages))
    rows: list[tuple[Button, ...]] = []
    for model in models[page * PAGE_SIZE:(page + 1) * PAGE_SIZE]:
        if model.free and canvas.free:
            label = canvas.texts.plain("btn.model_free", name=_name(canvas, model), left=canvas.free)
        else:
            label = canvas.texts.plain("btn.model", name=_name(canvas, model), price=_from_price(canvas, model))
        rows.append((canvas.button(label, OpenModel(model_id=model.id)),))
    turn: list[Button] = []
    if page > 0:
        turn.append(canvas.labelled("btn.prev", TurnPage(page=page - 1)))
    if page + 1 < pages:
        turn.append(canvas.labelled("btn.next", TurnPage(page=page + 1)))
    if turn:
        rows.append(tuple(turn))
    rows.append((canvas.labelled("btn.back", GoBack()), *_menu_row(canvas)))
    return Rendered("category", "\n".join(lines), tuple(rows))


def _escape(text: str) -> str:
    return html.escape(text, quote=False)


def _from_price(canvas: Canvas, model: Model) -> str:
    try:
        return canvas.texts.credits_from(canvas.registry.min_price(model))
    except QuoteError:
        return "?"


def _model_card(canvas: Canvas, model: Model) -> Rendered:
    description = model.description.en if canvas.texts.language == "en" else model.description.ru
    lines = [f"<b>{_escape(_name(canvas, model))}</b>", _escape(description), ""]
    try:
        lowest = canvas.credits(canvas.registry.min_price(model))
    except QuoteError:
        lowest = ""
    if lowest:
        if isinstance(model.price, PerThousandChars):
            lines.append(canvas.say("model.price_chars", price=lowest))
        elif isinstance(model.price, Fixed):
            lines.append(canvas.say("model.price_fixed", price=lowest))
        else:
            lines.append(canvas.say("model.price_from", price=canvas.texts.credits_from(canvas.registry.min_price(model))))
    if model.free and canvas.free is not None:
        lines.append(canvas.say("model.free", left=canvas.free) if canvas.free else canvas.say("model.free_used"))
    steps = steps_of(model)
    if steps:
        items = ", ".join(canvas.texts.param(field.name) for field in steps)
        lines.append(canvas.say("model.steps", items=items))
    else:
        lines.append(canvas.say("model.no_steps"))
    rows: Rows = (
        (canvas.labelled("btn.start", StartDraft()),),
        (canvas.labelled("btn.back", GoBack()), *_menu_row(canvas)),
    )
    return Rendered("model", "\n".join(lines), rows)


def _help(canvas: Canvas) -> Rendered:
    """How it works, the FAQ, and what the owner configured: the support contact, the terms and privacy links."""
    support = canvas.support
    parts = [canvas.say("help.text"), canvas.say("help.faq")]
    if support.contact:
        parts.append(canvas.say("help.support", contact=support.contact))
    links = tuple(Button(text=canvas.texts.plain(key), url=url)
                  for key, url in (("btn.terms", support.terms_url), ("btn.privacy", support.privacy_url)) if url)
    rows: Rows = ((canvas.labelled("btn.language", OpenLanguages()), *_menu_row(canvas)),)
    return Rendered("help", "\n\n".join(parts), ((links,) if links else ()) + rows)


def _language(canvas: Canvas) -> Rendered:
    choices = tuple(canvas.labelled(f"btn.lang.{language}", ChooseLanguage(language=language))
                    for language in LANGUAGES)
    return Rendered("language", canvas.say("language.text"), (choices, _menu_row(canvas)))


def _debug(canvas: Canvas) -> Rendered:
    last = canvas.state.last_cid or canvas.texts.plain("debug.none")
    text = canvas.say("debug.text", last=last[:128], cid=canvas.audience.cid[:128])
    return Rendered("debug", text, (_menu_row(canvas),))
