"""A local KIE.ai emulator: real HTTP on loopback, scripted tasks, callbacks, faults.

Example::

    from trt_actors.sandbox.clock import VirtualClock
    from trt_actors.sandbox.kie import KieEmulator, Route, Script, WireState

    clock = VirtualClock()
    async with KieEmulator.serve(api_key="k", clock=clock, callback_secret="s") as emu:
        emu.script("google/nano-banana", Script(waiting=1, generating=1, price=4))
        emu.script("kling-3.0/video", Script(outcome=WireState.FAIL, fail_code="500"))
        emu.faults.inject(Route.CREATE_TASK, 429, http_status=True)
        ...                                  # point a KieClient at emu.api_base / emu.upload_base
        await clock.advance(10)              # stages end, callbacks fire
"""

from trt_actors.sandbox.kie.callbacks import CallbackAttempt, CallbackSender
from trt_actors.sandbox.kie.emulator import UPLOAD_PREFIX, KieEmulator, KieEmulatorStatistics
from trt_actors.sandbox.kie.faults import DEFAULT_MESSAGES, Fault, Faults, Route
from trt_actors.sandbox.kie.media import MediaKind, media_bytes
from trt_actors.sandbox.kie.ratelimit import SlidingWindow
from trt_actors.sandbox.kie.script import Script, media_kind_for
from trt_actors.sandbox.kie.states import WireState
from trt_actors.sandbox.kie.tasks import EmulatedTask

__all__ = [
    "DEFAULT_MESSAGES",
    "UPLOAD_PREFIX",
    "CallbackAttempt",
    "CallbackSender",
    "EmulatedTask",
    "Fault",
    "Faults",
    "KieEmulator",
    "KieEmulatorStatistics",
    "MediaKind",
    "Route",
    "Script",
    "SlidingWindow",
    "WireState",
    "media_bytes",
    "media_kind_for",
]
