"""One command's turn: the events it records, folded as they go, and the one screen it ends on.

:class:`Turn` is the decider's working surface, created per command and
thrown away after it. Nothing in it reads a clock or draws a random number:
the confirmation id is a hash of the command's ``cid`` and the dispatch id is
``f"{cid}/{n}"``. A ledger report carries the ``cid`` of the update that
started its chain, which already has a ``f"{cid}/0"``, so its screen is
``f"{cid}/{event}.{h}"`` instead, ``h`` a hash of the operation id: unique
per operation, the same on every replay; a job report's likewise, with the
elapsed seconds after a ``JobPolled`` (``f"{cid}/JobPolled.{h}.45"``). Every screen records the registry's
version and the texts' version it was drawn with.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Final

from registry import Model, QuoteError, Registry
from trt_actors.events import Event, UiRendered
from trt_actors.events.session import ConfirmationOffered, MessageRejected, ScreenOpened, SessionStarted
from trt_actors.session.canvas import Audience, Canvas, Rendered
from trt_actors.session.commands import JobReported, LedgerReported, PromoReported, SessionCommand
from trt_actors.session.screens import render
from trt_actors.free_tier import BONUS, FreeTier, bonus_left
from trt_actors.invitations import Invitations, referrer_of
from trt_actors.stars import StarsPackage
from trt_actors.limits import Rate
from trt_actors.support import Support
from trt_actors.session.state import Draft, SessionState, evolve
from trt_actors.session.texts import TEXTS_VERSION, Texts, language_of
from trt_actors.session.wizard import Problem, quote_params, steps_of

__all__ = ["DETAIL_CHARS", "Refused", "Turn", "confirmation_id", "short_hash"]

DETAIL_CHARS: Final = 64
"""How much of a refusal's detail ``MessageRejected`` keeps."""

_PAYLOAD: Final = re.compile(r"[A-Za-z0-9_-]{1,64}")


def short_hash(text: str, *, salt: str = "") -> str:
    """10 hex digits of the BLAKE2b hash of ``salt`` and ``text``: a short id that a replay finds again."""
    return hashlib.blake2b((salt + text).encode("utf-8", "surrogatepass"), digest_size=5).hexdigest()


def confirmation_id(cid: str) -> str:
    """The confirmation id offered while handling ``cid``: 10 hex digits of its BLAKE2b hash."""
    return short_hash(cid)


class Refused(Exception):
    """A well-formed tap that makes no sense in the current state.

    A plain refusal records nothing but the ``CallbackRejected`` and redraws
    the screen. With ``keep=True`` the tap is still rejected, but what the
    handler recorded before raising stays (a confirmation offered again at
    today's price, the top-up screen again), with ``notice`` above it
    (filled with the other keyword arguments).
    """

    def __init__(self, reason_code: str, *, keep: bool = False, notice: str = "", **args: object) -> None:
        super().__init__(reason_code)
        self.reason_code = reason_code
        self.keep = keep
        self.notice = notice
        self.args_of_notice = args


class Turn:
    """The events of one command, folded into ``state`` as they are recorded, ending in one render.

    Handlers call :meth:`record` for each fact, :meth:`say` for a notice (or
    :meth:`refuse` for a message they cannot use), and finish with
    :meth:`show`, which draws the screen the state is now on.
    """

    __slots__ = ("command", "events", "free", "generations", "invitations", "max_jobs", "notice", "packages",
                 "registry", "state", "support")

    def __init__(self, registry: Registry, packages: tuple[StarsPackage, ...], state: SessionState,
                 command: SessionCommand, *, max_jobs: int = 3, support: Support = Support(),
                 generations: Rate | None = None, free: FreeTier = FreeTier(),
                 invitations: Invitations = Invitations()) -> None:
        self.registry = registry
        self.packages = packages
        self.max_jobs = max_jobs
        self.support = support
        self.generations = generations
        self.free = free
        self.invitations = invitations
        self.state = state
        self.command = command
        self.events: list[Event] = []
        self.notice = ""

    # -- recording and drawing -------------------------------------------------------------

    def record(self, *events: Event) -> None:
        """Append ``events`` and fold them into :attr:`state`."""
        for event in events:
            self.events.append(event)
            self.state = evolve(self.state, event)

    @property
    def texts(self) -> Texts:
        return Texts.of(self.state.language or language_of(self.command.language_code))

    def say(self, key: str, **args: object) -> None:
        """Show the catalogue's ``key`` above the screen (the last notice wins)."""
        self.notice = self.texts.say(key, **args)

    def reject(self, reason_code: str, detail: str = "") -> None:
        """Record that (part of) the message was not used: ``MessageRejected``, no notice."""
        self.record(MessageRejected(reason_code=reason_code, detail=detail[:DETAIL_CHARS]))

    def refuse(self, problem: Problem, detail: str = "") -> None:
        """Record that the message was not used (``MessageRejected``) and say why."""
        self.reject(problem.reason_code, detail)
        self.say(problem.key, **dict(problem.args))

    def open(self, screen: str, *, category: str = "", page: int = 0, model_id: str = "") -> None:
        self.record(ScreenOpened(screen=screen, category=category, page=page, model_id=model_id))

    def show(self, *, edit: int | None = None, draw: Callable[[Canvas], Rendered] | None = None) -> list[Event]:
        """Render the current screen (editing message ``edit``, or as a new message) and return every event.

        ``draw`` draws another screen than the state's: a message about one
        order or one payment, whose buttons still carry the state's nonce.
        """
        if self.state.screen == "none" and draw is None:
            self.open("menu")
        command = self.command
        audience = Audience(language=self.texts.language, first_name=command.first_name, cid=command.cid,
                            user_id=command.user_id)
        canvas = Canvas(self.registry, self.state, audience, self.packages, support=self.support,
                        free=self.free_left() if self.free.per_day or self.state.free_granted else None,
                        invitations=self.invitations)
        drawn = render(canvas, self.notice, draw=draw)
        self.record(UiRendered(screen=drawn.screen, dispatch_id=self._dispatch_id(), text=drawn.text,
                               buttons=drawn.buttons, edit_message_id=edit,
                               registry_version=self.registry.version, texts_version=TEXTS_VERSION))
        return self.events

    def _dispatch_id(self) -> str:
        command = self.command
        rendered = sum(isinstance(event, UiRendered) for event in self.events)
        if isinstance(command, PromoReported):
            suffix = f"PromoAnswered.{short_hash(command.operation_id)}"
            return f"{command.cid}/{suffix}" if rendered == 0 else f"{command.cid}/{suffix}.{rendered}"
        if isinstance(command, LedgerReported | JobReported):
            operation = command.operation_id if isinstance(command, LedgerReported) else command.job_id
            suffix = f"{command.event}.{short_hash(operation)}"
            if isinstance(command, JobReported) and command.event == "JobPolled":
                suffix = f"{suffix}.{int(command.elapsed)}"
            return f"{command.cid}/{suffix}" if rendered == 0 else f"{command.cid}/{suffix}.{rendered}"
        return f"{command.cid}/{rendered}"

    # -- the session and its screens ---------------------------------------------------------

    def start(self, payload: str = "") -> None:
        """Record ``SessionStarted`` if this is the chat's first command (``payload`` from ``/start``)."""
        if self.state.started:
            return
        payload = payload if _PAYLOAD.fullmatch(payload) else ""
        referrer = referrer_of(payload)
        referrer = referrer if referrer != self.command.user_id else 0
        self.record(SessionStarted(language=language_of(self.command.language_code),
                                   start_payload=payload, referrer=referrer))

    def free_left(self) -> int:
        """Free generations left now: today's (the command's day) and the granted ones, by the rules of
        :mod:`trt_actors.free_tier`."""
        days = self.state.free_days()
        return self.free.left(days, self.free.day(self.command.ts)) + bonus_left(self.state.free_granted, days)

    def free_day_for(self, model: Model) -> str:
        """What a free order of ``model`` would count on now: today while today's last, then :data:`BONUS` while
        granted ones last; "" when it would not be free (not a free model, none left)."""
        if not model.free:
            return ""
        days, today = self.state.free_days(), self.free.day(self.command.ts)
        if self.free.left(days, today) > 0:
            return today
        return BONUS if bonus_left(self.state.free_granted, days) > 0 else ""

    def model(self, model_id: str) -> Model | None:
        """The model if it exists, is enabled (in the catalogue, and not switched off by an admin) and is on the
        menu; else None."""
        if model_id in self.state.disabled:
            return None
        try:
            model = self.registry.model(model_id)
        except KeyError:
            return None
        return model if model.enabled and model.category in self.registry.categories() else None

    def wizard_model(self) -> tuple[Model, Draft]:
        """The draft on screen and its model; :class:`Refused` if the wizard is not on screen."""
        draft = self.state.draft
        if self.state.screen != "wizard" or draft is None:
            raise Refused("not_your_step")
        model = self.model(draft.model_id)
        if model is None:
            raise Refused("unknown_model")
        return model, draft

    def advance(self) -> None:
        """After an answer: offer the confirmation once every step is answered (if it has a price)."""
        draft = self.state.draft
        if draft is None or self.state.offer is not None:
            return
        model = self.model(draft.model_id)
        if model is None or draft.step < len(steps_of(model)):
            return
        self.offer(model, draft)

    def offer(self, model: Model, draft: Draft) -> None:
        """Record the confirmation of ``draft`` at today's price under a new id (nothing if it has no price).

        A free model is offered free while the user has a free generation left today (``free_day``).
        """
        try:
            quote = self.registry.quote(model, quote_params(draft))
        except QuoteError:
            return
        free_day = self.free_day_for(model)
        self.record(ConfirmationOffered(
            confirmation_id=confirmation_id(self.command.cid),
            model_id=model.id,
            params=draft.params,
            credits=0 if free_day else quote.credits,
            rule=quote.rule,
            registry_version=quote.registry_version,
            files=draft.files(),
            balance=self.state.balance,
            offered_at=self.command.ts,
            free_day=free_day,
        ))
