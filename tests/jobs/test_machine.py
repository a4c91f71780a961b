"""A random job, answered in any order: the pure decider against KIE's, the ledger's and the clock's whims.

The machine opens one job and throws at it, in any order: uploads, submissions,
createTask answers (a task id, or 429, 455, 5xx, 402, 422, 501, 505), recordInfo
answers from polls and callbacks (running, success, fail; some about a forged
task), recordInfo and upload errors, duplicates of any earlier command,
restarts (a recovery that found the task, or not), the ledger's answers to the
job's capture or void (and its own expiry sweep), deliveries, and the clock
moving past the deadline. Refused commands record nothing.

After every step: at most one task per job and never a createTask while one is
in flight or known; never both a capture and a void asked, each at most once;
a terminal job stays as it was; every failure carries exactly one void
request, every success exactly one capture request, every delivery follows a
capture; the state is the fold of the events and survives a snapshot; and
every decision of the runner can be rebuilt by ``replay`` from the events it
made alone, and decides the same again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

import msgspec
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from tests.jobs.test_decider import PHOTOS, UPLOADED, request
from trt_actors.events import Event
from trt_actors.events.jobs import (
    HoldSettled,
    JobFailed,
    JobRetryScheduled,
    JobSubmitted,
    JobSubmitting,
    ResultDelivered,
)
from trt_actors.jobs import (
    JobCommand,
    JobDecider,
    JobState,
    RecordCreated,
    RecordDelivery,
    RecordHoldOutcome,
    RecordKieError,
    RecordReport,
    RecordUploads,
    Recover,
    Submit,
    TaskReport,
    Tick,
)
from trt_actors.jobs.commands import RequestJob
from trt_actors.replay import runner_command
from trt_actors.runtime import CommandRejected, fold

JOB = "c1"
T0 = 1_000.0
DECIDER = JobDecider()
CODES = st.sampled_from([0, 400, 402, 404, 422, 429, 455, 500, 501, 502, 505])
jitters = st.floats(min_value=0.0, max_value=1.0)
seconds = st.floats(min_value=0.0, max_value=120.0)


KINDS: dict[type, Callable[..., str]] = {
    RecordUploads: lambda _: "uploads", Submit: lambda _: "submit", RecordCreated: lambda _: "created",
    RecordReport: lambda command: f"report-{command.report.source}",
    RecordKieError: lambda command: (
        "unsent" if command.call == "createTask" and not command.sent else f"error-{command.call}"),
    Recover: lambda _: "recover", Tick: lambda _: "tick", RecordDelivery: lambda _: "delivered",
}
"""How the runner names each of its commands in their ids (``trt_actors.actors.jobs``)."""


class RandomJob(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.state = DECIDER.initial_state()
        self.events: list[Event] = []
        self.issued: list[JobCommand] = []
        self.now = T0
        self.tasks = 0
        self.terminal: JobState | None = None

    def execute(self, command: JobCommand) -> None:
        self.issued.append(command)
        try:
            decided = DECIDER.decide(self.state, command)
        except CommandRejected as refusal:
            event(f"{type(command).__name__}: refused {refusal.reason}")
            return
        for outcome in [type(decided_event).__name__ for decided_event in decided] or ["nothing"]:
            event(f"{type(command).__name__}: {outcome}")
        if decided and not isinstance(command, RequestJob | RecordHoldOutcome):  # the runner's own decisions
            self.replays(command, decided)
        self.state = fold(DECIDER, self.state, decided)
        self.events.extend(decided)

    def replays(self, command: JobCommand, decided: Sequence[Event]) -> None:
        """``replay`` rebuilds the command from what it recorded, and the decider decides the same again."""
        rebuilt = runner_command(f"v{len(self.events)}:{KINDS[type(command)](command)}", decided, command.now,
                                 self.state)
        if rebuilt is None:
            assert isinstance(command, RecordReport | RecordUploads), command
            assert isinstance(decided[0], JobFailed) and decided[0].reason == "deadline", decided
            event("replay: the input of a deadline failure is not kept")
            return
        assert DECIDER.decide(self.state, rebuilt) == decided, (command, rebuilt)

    @initialize(photos=st.booleans(), deadline=st.sampled_from([60.0, 600.0]))
    def requested(self, photos: bool, deadline: float) -> None:
        self.execute(request(PHOTOS if photos else (), deadline=deadline))

    @rule(wait=seconds)
    def time_passes(self, wait: float) -> None:
        self.now += wait
        self.execute(Tick(job_id=JOB, now=self.now))

    @rule()
    def upload(self) -> None:
        self.execute(RecordUploads(job_id=JOB, files=UPLOADED, now=self.now))

    @rule()
    def submit(self) -> None:
        """The shell submits when it may: at the decided time or later."""
        self.now = max(self.now, self.state.next_at)
        self.execute(Submit(job_id=JOB, now=self.now))

    @rule()
    def created(self) -> None:
        self.tasks += 1
        self.execute(RecordCreated(job_id=JOB, task_id=f"task-{self.tasks}", now=self.now))

    @rule(call=st.sampled_from(["createTask", "recordInfo", "upload"]), code=CODES, jitter=jitters, sent=st.booleans())
    def kie_error(self, call: str, code: int, jitter: float, sent: bool) -> None:
        self.execute(RecordKieError(job_id=JOB, call=call, code=code, message="no", now=self.now, jitter=jitter,
                                    sent=sent or code != 0))

    @rule(state=st.sampled_from(["waiting", "queuing", "generating", "success", "fail"]),
          source=st.sampled_from(["poll", "callback"]), forged=st.booleans(), empty=st.booleans(), jitter=jitters)
    def kie_report(self, state: str, source: str, forged: bool, empty: bool, jitter: float) -> None:
        task = "task-forged" if forged or not self.state.task_id else self.state.task_id
        urls = () if empty and state == "success" else ("https://kie.example/r.png",)
        report = TaskReport(task_id=task, state=state, result_urls=urls if state == "success" else (),
                            fail_code="500" if state == "fail" else "", source=source)
        self.execute(RecordReport(job_id=JOB, report=report, now=self.now, jitter=jitter))

    @rule(found=st.booleans())
    def restart(self, found: bool) -> None:
        """After a restart the shell recovers the job; it may have found the task at KIE."""
        self.tasks += 1
        self.execute(Recover(job_id=JOB, now=self.now, found_task_id=f"task-{self.tasks}" if found else ""))

    @rule(outcome=st.sampled_from(["captured", "voided", "capture_rejected", "void_rejected"]))
    def ledger_answers(self, outcome: str) -> None:
        self.execute(RecordHoldOutcome(job_id=JOB, outcome=outcome, reason="expired", now=self.now))

    @rule()
    def deliver(self) -> None:
        self.execute(RecordDelivery(job_id=JOB, message_ids=(len(self.events),), now=self.now))

    @precondition(lambda self: bool(self.issued))
    @rule(choice=st.integers(min_value=0, max_value=1_000))
    def duplicate(self, choice: int) -> None:
        """Any earlier command again: a redelivered callback, a retried reaction, a replayed poll."""
        self.execute(self.issued[choice % len(self.issued)])

    # -- after every step ----------------------------------------------------------------------

    @invariant()
    def at_most_one_task_and_no_blind_resubmission(self) -> None:
        in_flight = False
        for happened in self.events:
            match happened:
                case JobSubmitting():
                    assert not in_flight, "a second createTask while one is in flight"
                    in_flight = True
                case JobSubmitted():
                    in_flight = False
                case JobRetryScheduled(call="createTask"):
                    assert in_flight
                    in_flight = False
                case JobFailed():
                    in_flight = False
        kinds = Counter(type(happened).__name__ for happened in self.events)
        assert kinds["JobSubmitted"] <= 1
        submitted = [i for i, happened in enumerate(self.events) if isinstance(happened, JobSubmitted)]
        assert all(not isinstance(later, JobSubmitting) for later in self.events[submitted[0]:]) if submitted else True

    @invariant()
    def one_ending(self) -> None:
        kinds = Counter(type(happened).__name__ for happened in self.events)
        assert kinds["CaptureAsked"] <= 1 and kinds["VoidAsked"] <= 1
        assert not (kinds["CaptureAsked"] and kinds["VoidAsked"])
        assert kinds["JobFailed"] == kinds["VoidAsked"]
        assert kinds["JobSucceeded"] == kinds["CaptureAsked"]
        assert kinds["ResultDelivered"] <= 1 and kinds["JobLate"] <= 1
        status = self.state.status
        if status == "failed":
            assert kinds["VoidAsked"] == 1
        if status in ("succeeded", "delivering", "delivered"):
            assert kinds["CaptureAsked"] == 1 and kinds["VoidAsked"] == 0
        if status == "delivered":
            assert kinds["ResultDelivered"] == 1
            captured = [i for i, e in enumerate(self.events) if isinstance(e, HoldSettled) and e.outcome == "captured"]
            delivered = [i for i, e in enumerate(self.events) if isinstance(e, ResultDelivered)]
            assert captured and captured[0] < delivered[0]
        if kinds["ResultDelivered"]:
            assert status == "delivered"

    @invariant()
    def terminal_stays_terminal(self) -> None:
        if self.terminal is not None:
            assert self.state.status == self.terminal.status
            assert self.state.capture_asked == self.terminal.capture_asked
            assert self.state.void_asked == self.terminal.void_asked
            assert self.state.delivered_message_ids == self.terminal.delivered_message_ids
        elif self.state.terminal:
            self.terminal = self.state

    @invariant()
    def the_state_is_the_fold_and_survives_a_snapshot(self) -> None:
        assert fold(DECIDER, DECIDER.initial_state(), self.events) == self.state
        assert msgspec.json.decode(msgspec.json.encode(self.state), type=JobState) == self.state


RandomJob.TestCase.settings = settings(max_examples=300, stateful_step_count=40, deadline=None)
TestRandomJob = RandomJob.TestCase
