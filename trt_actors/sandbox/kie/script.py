"""How an emulated task lives: its states, its outcome, its price and its callbacks.

A :class:`Script` lists the running stages a task goes through and how it
ends. Each stage lasts ``polls`` recordInfo reads *or* ``seconds`` on the
emulator's clock, whichever comes first (``None`` switches that trigger
off). A stage with ``polls=0`` is skipped, which reproduces real traces such
as ``waiting → success``.

Example::

    emu.script("kling-3.0/video", Script(waiting=3, generating=15, price=110))
    emu.script("google/nano-banana", Script(outcome=WireState.FAIL, fail_code="500"))
    emu.script("elevenlabs/text-to-speech-turbo-2-5", Script(callbacks=2))  # duplicate callback
"""

from __future__ import annotations

from dataclasses import dataclass

from trt_actors.sandbox.kie.media import MediaKind
from trt_actors.sandbox.kie.states import WireState

__all__ = ["Script", "media_kind_for"]

_VIDEO_WORDS = ("video", "kling", "seedance", "hailuo", "veo", "sora", "happyhorse", "wan/2-7-r2v", "i2v", "t2v")
_AUDIO_WORDS = ("speech", "tts", "elevenlabs", "audio", "suno", "music", "sound")


def media_kind_for(model: str) -> MediaKind:
    """Guess the result kind from a model id: video, audio, else image."""
    name = model.lower()
    if any(word in name for word in _AUDIO_WORDS):
        return MediaKind.AUDIO
    if any(word in name for word in _VIDEO_WORDS):
        return MediaKind.VIDEO
    return MediaKind.IMAGE


@dataclass(frozen=True)
class Script:
    """One model's scripted lifecycle in the emulator.

    ``waiting``/``queuing``/``generating`` are poll counts per stage (0 skips
    it); ``stage_seconds`` ends a stage on the clock even without polls
    (``None``: polls only). ``outcome`` is ``WireState.SUCCESS`` or ``FAIL``.
    ``price`` is charged on success only; the create is refused with 402 if
    the balance is below it. ``callbacks`` is how many times the terminal
    callback is delivered (0 = never, 2 = a duplicate), ``callback_delay``
    how late (clock seconds) after the task ends.
    """

    waiting: int = 2
    queuing: int = 0
    generating: int = 1
    stage_seconds: float | None = 5.0
    outcome: WireState = WireState.SUCCESS
    fail_code: str = "500"
    fail_msg: str = "Internal server error"
    price: float = 4.0
    results: int = 1
    media: MediaKind | None = None
    callbacks: int = 1
    callback_delay: float = 0.0

    def __post_init__(self) -> None:
        if not isinstance(self.outcome, WireState) or not self.outcome.is_terminal:
            raise ValueError(f"a script must end in WireState.SUCCESS or WireState.FAIL, not {self.outcome!r}")
        if min(self.waiting, self.queuing, self.generating, self.results, self.callbacks) < 0:
            raise ValueError("poll counts, results and callbacks cannot be negative")

    def stages(self) -> list[tuple[WireState, int]]:
        """The running stages that are not skipped, in order, with their poll counts."""
        return [
            (state, polls)
            for state, polls in (
                (WireState.WAITING, self.waiting),
                (WireState.QUEUING, self.queuing),
                (WireState.GENERATING, self.generating),
            )
            if polls > 0
        ]
