"""The job's decider, rule by rule: the path, persist-then-act, recovery, backoff, failures, late answers."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
import pytest

from trt_actors.events import Event
from trt_actors.events.jobs import (
    FAILURE_REASONS,
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
from trt_actors.events.session import Files, Param
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
    RequestJob,
    Submit,
    TaskReport,
    Tick,
    failure_reason,
    job_stream,
    poll_delay,
    report_of,
    retry_delay,
)
from trt_actors.kie import TaskState, parse_task
from trt_actors.runtime.decider import CommandRejected

JOB = "c1"
USER = 42
T0 = 1_000.0
DEADLINE = 600.0
TASK = "task-1"
RESULT = ("https://kie.example/r/1.png",)
PHOTOS = (Files(name="image_urls", file_ids=("AgAD-1", "AgAD-2")),)
UPLOADED = (UploadedFiles(name="image_urls", urls=("https://kie.example/u/1.jpg", "https://kie.example/u/2.jpg")),)
DECIDER = JobDecider()


def request(files: tuple[Files, ...] = (), *, deadline: float = DEADLINE, hold: float = 3600.0) -> RequestJob:
    return RequestJob(
        job_id=JOB, user_id=USER, chat_id=USER, model_id="nano-banana-pro", category="text_to_image",
        params=(Param(name="prompt", value="a fox"),), files=files, credits=48, hold_expires_at=T0 + hold,
        deadline_at=T0 + deadline, now=T0, message_id=7,
    )


def report(state: str, at: float, *, urls: tuple[str, ...] = (), task: str = TASK, jitter: float = 0.0,
           source: str = "poll", code: str = "", message: str = "") -> RecordReport:
    return RecordReport(
        job_id=JOB, now=at, jitter=jitter,
        report=TaskReport(task_id=task, state=state, result_urls=urls, fail_code=code, fail_msg=message,
                          source=source),
    )


def kie_error(call: str, code: int, at: float, jitter: float = 0.0) -> RecordKieError:
    return RecordKieError(job_id=JOB, call=call, code=code, message=f"code {code}", now=at, jitter=jitter)


class Job:
    """One job in memory: decide, fold, keep every event."""

    def __init__(self) -> None:
        self.state = DECIDER.initial_state()
        self.events: list[Event] = []

    def run(self, command: JobCommand) -> Sequence[Event]:
        decided = DECIDER.decide(self.state, command)
        for event in decided:
            self.state = DECIDER.evolve(self.state, event)
        self.events.extend(decided)
        return decided

    def running(self, files: tuple[Files, ...] = ()) -> Job:
        self.run(request(files))
        if files:
            self.run(RecordUploads(job_id=JOB, files=UPLOADED, now=T0 + 1))
        self.run(Submit(job_id=JOB, now=T0 + 2))
        self.run(RecordCreated(job_id=JOB, task_id=TASK, now=T0 + 3))
        return self

    def succeeded(self) -> Job:
        self.running().run(report("success", T0 + 20, urls=RESULT))
        return self

    def failed(self) -> Job:
        self.running().run(report("fail", T0 + 20, code="500", message="boom"))
        return self


def test_the_happy_path_from_request_to_delivery() -> None:
    job = Job()
    assert job.run(request(PHOTOS)) == [JobRequested(
        job_id=JOB, user_id=USER, chat_id=USER, model_id="nano-banana-pro", category="text_to_image",
        params=(Param(name="prompt", value="a fox"),), files=PHOTOS, credits=48, hold_expires_at=T0 + 3600,
        deadline_at=T0 + DEADLINE, requested_at=T0, message_id=7,
    )]
    assert job.state.needs_uploads
    assert job.run(RecordUploads(job_id=JOB, files=UPLOADED, now=T0 + 1)) == [JobFilesUploaded(files=UPLOADED)]
    assert job.run(Submit(job_id=JOB, now=T0 + 2)) == [JobSubmitting(attempt=1, at=T0 + 2)]
    assert job.state.status == "submitting"
    assert job.run(RecordCreated(job_id=JOB, task_id=TASK, now=T0 + 3)) == [JobSubmitted(task_id=TASK, at=T0 + 3)]
    assert job.run(report("waiting", T0 + 4)) == [JobPolled(task_id=TASK, state="waiting", next_poll_at=T0 + 6,
                                                              at=T0 + 4, jitter=0.0)]
    assert job.run(report("success", T0 + 9, urls=RESULT, source="callback")) == [
        JobSucceeded(task_id=TASK, result_urls=RESULT, at=T0 + 9, source="callback"),
        CaptureAsked(hold_id=JOB, user_id=USER, amount=48),
    ]
    assert job.run(RecordHoldOutcome(job_id=JOB, outcome="captured", now=T0 + 10)) == [HoldSettled(outcome="captured")]
    assert job.state.status == "delivering"
    assert job.run(RecordDelivery(job_id=JOB, message_ids=(90,), now=T0 + 11)) == [
        ResultDelivered(message_ids=(90,), at=T0 + 11)
    ]
    assert job.state.status == "delivered" and job.state.terminal


def test_a_second_request_records_nothing() -> None:
    job = Job()
    job.run(request())
    assert job.run(request()) == []
    job.run(Submit(job_id=JOB, now=T0 + 1))
    assert job.run(request()) == []


def test_the_deadline_never_outlives_the_hold() -> None:
    job = Job()
    job.run(request(deadline=5000.0, hold=3600.0))
    assert job.state.deadline_at == T0 + 3600.0


def test_a_job_with_photos_submits_only_after_their_uploads() -> None:
    job = Job()
    job.run(request(PHOTOS))
    with pytest.raises(CommandRejected) as refused:
        job.run(Submit(job_id=JOB, now=T0 + 1))
    assert refused.value.reason == "uploads_missing"


@pytest.mark.parametrize(
    "files",
    [
        (UploadedFiles(name="image_urls", urls=("https://kie.example/u/1.jpg",)),),
        (UploadedFiles(name="other", urls=("a", "b")),),
        (UploadedFiles(name="image_urls", urls=("a", "")),),
    ],
)
def test_uploads_must_match_the_orders_photos(files: tuple[UploadedFiles, ...]) -> None:
    job = Job()
    job.run(request(PHOTOS))
    with pytest.raises(CommandRejected) as refused:
        job.run(RecordUploads(job_id=JOB, files=files, now=T0 + 1))
    assert refused.value.reason == "uploads_mismatch"


def test_the_same_uploads_again_record_nothing_other_ones_are_refused() -> None:
    job = Job()
    job.run(request(PHOTOS))
    job.run(RecordUploads(job_id=JOB, files=UPLOADED, now=T0 + 1))
    assert job.run(RecordUploads(job_id=JOB, files=UPLOADED, now=T0 + 1)) == []
    with pytest.raises(CommandRejected, match="uploads already"):
        job.run(RecordUploads(job_id=JOB, files=(UploadedFiles(name="image_urls", urls=("x", "y")),), now=T0 + 2))


def test_a_submission_outcome_for_a_job_not_submitting_is_refused() -> None:
    job = Job()
    job.run(request())
    with pytest.raises(CommandRejected) as refused:
        job.run(RecordCreated(job_id=JOB, task_id=TASK, now=T0 + 1))
    assert refused.value.reason == "not_submitting"
    with pytest.raises(CommandRejected) as refused:
        job.run(kie_error("createTask", 429, T0 + 1))
    assert refused.value.reason == "not_submitting"


def test_the_same_task_id_again_records_nothing_another_is_refused() -> None:
    job = Job().running()
    assert job.run(RecordCreated(job_id=JOB, task_id=TASK, now=T0 + 4)) == []
    with pytest.raises(CommandRejected) as refused:
        job.run(RecordCreated(job_id=JOB, task_id="task-2", now=T0 + 4))
    assert refused.value.reason == "not_submitting"


def test_a_second_submit_while_submitting_or_running_is_refused() -> None:
    job = Job()
    job.run(request())
    job.run(Submit(job_id=JOB, now=T0 + 1))
    with pytest.raises(CommandRejected) as refused:
        job.run(Submit(job_id=JOB, now=T0 + 1))
    assert refused.value.reason == "not_requested"
    job.run(RecordCreated(job_id=JOB, task_id=TASK, now=T0 + 2))
    with pytest.raises(CommandRejected):
        job.run(Submit(job_id=JOB, now=T0 + 3))
    assert job.state.submissions == 1


def test_recovery_of_a_job_in_submitting_voids_it_without_a_second_create_task() -> None:
    job = Job()
    job.run(request())
    job.run(Submit(job_id=JOB, now=T0 + 1))
    assert job.run(Recover(job_id=JOB, now=T0 + 50)) == [
        JobFailed(reason="unsubmitted", at=T0 + 50),
        VoidAsked(hold_id=JOB, user_id=USER, reason="unsubmitted"),
    ]
    assert job.run(Recover(job_id=JOB, now=T0 + 51)) == []
    with pytest.raises(CommandRejected):
        job.run(Submit(job_id=JOB, now=T0 + 52))
    assert job.state.submissions == 1


def test_recovery_with_a_task_the_client_found_resumes_the_job() -> None:
    job = Job()
    job.run(request())
    job.run(Submit(job_id=JOB, now=T0 + 1))
    assert job.run(Recover(job_id=JOB, now=T0 + 50, found_task_id=TASK)) == [
        JobSubmitted(task_id=TASK, at=T0 + 50, recovered=True)
    ]
    assert (job.state.status, job.state.task_id, job.state.recovered) == ("running", TASK, True)


def test_recovery_of_a_job_past_submitting_records_nothing() -> None:
    job = Job().running()
    assert job.run(Recover(job_id=JOB, now=T0 + 50)) == []
    assert job.run(Recover(job_id=JOB, now=T0 + 50, found_task_id="task-9")) == []


def test_an_ambiguous_create_task_is_no_retry_but_a_recovery() -> None:
    job = Job()
    job.run(request())
    job.run(Submit(job_id=JOB, now=T0 + 1))
    with pytest.raises(CommandRejected) as refused:
        job.run(kie_error("createTask", 0, T0 + 2))
    assert refused.value.reason == "ambiguous_submit"


def test_a_create_task_that_never_connected_is_retried() -> None:
    job = Job()
    job.run(request())
    job.run(Submit(job_id=JOB, now=T0 + 1))
    (retry,) = job.run(RecordKieError(job_id=JOB, call="createTask", code=0, message="connect refused",
                                      now=T0 + 2, jitter=0.0, sent=False))
    assert isinstance(retry, JobRetryScheduled) and retry.retry_at == T0 + 2 + 2.0  # the first retry window opens at 2 s
    assert (job.state.status, job.state.submissions) == ("requested", 1)


@pytest.mark.parametrize("code", [429, 455, 500, 502, 503])
def test_a_retryable_create_task_error_waits_then_submits_again(code: int) -> None:
    job = Job()
    job.run(request())
    job.run(Submit(job_id=JOB, now=T0 + 1))
    assert job.run(kie_error("createTask", code, T0 + 2, jitter=0.5)) == [
        JobRetryScheduled(call="createTask", code=code, message=f"code {code}", attempt=1, retry_at=T0 + 4.5,
                          at=T0 + 2, jitter=0.5)
    ]
    assert job.state.status == "requested"
    with pytest.raises(CommandRejected) as refused:
        job.run(Submit(job_id=JOB, now=T0 + 4))
    assert refused.value.reason == "not_due"
    assert job.run(Submit(job_id=JOB, now=T0 + 4.5)) == [JobSubmitting(attempt=2, at=T0 + 4.5)]


def test_retries_back_off_through_the_three_windows() -> None:
    job = Job().running()
    retry_ats = []
    for n in range(6):
        (event,) = job.run(kie_error("recordInfo", 503, T0 + 10 * n, jitter=1.0))
        assert isinstance(event, JobRetryScheduled) and event.attempt == n + 1
        retry_ats.append(event.retry_at - event.at)
    assert retry_ats == [3.0, 10.0, 10.0, 30.0, 30.0, 30.0]
    job.run(report("generating", T0 + 70))
    assert job.state.attempts == 0


def test_the_delay_windows() -> None:
    assert (retry_delay(1, 0.0), retry_delay(2, 0.0), retry_delay(4, 0.0)) == (2.0, 5.0, 15.0)
    assert (poll_delay(0.0, 1.0), poll_delay(30.0, 1.0), poll_delay(180.0, 1.0)) == (3.0, 10.0, 30.0)


def test_polls_slow_down_as_the_task_ages() -> None:
    job = Job().running()
    gaps = []
    for at in (T0 + 5, T0 + 60, T0 + 300):
        (event,) = job.run(report("generating", at, jitter=0.0))
        assert isinstance(event, JobPolled)
        gaps.append(event.next_poll_at - at)
    assert gaps == [2.0, 5.0, 15.0]
    assert job.state.polls == 3 and job.state.next_at == T0 + 315


@pytest.mark.parametrize(
    ("call", "code", "reason"),
    [
        ("createTask", 402, "kie_balance_empty"),
        ("createTask", 422, "rejected_input"),
        ("createTask", 501, "generation_failed"),
        ("createTask", 505, "model_disabled"),
        ("createTask", 401, "kie_unavailable"),
        ("createTask", 433, "kie_unavailable"),
        ("recordInfo", 404, "task_lost"),
        ("recordInfo", 422, "task_lost"),
        ("recordInfo", 501, "generation_failed"),
        ("upload", 400, "rejected_input"),
        ("upload", 402, "kie_balance_empty"),
    ],
)
def test_a_terminal_kie_error_ends_in_one_void_with_its_reason(call: str, code: int, reason: str) -> None:
    job = Job()
    job.run(request(PHOTOS if call == "upload" else ()))
    if call != "upload":
        job.run(Submit(job_id=JOB, now=T0 + 1))
    if call == "recordInfo":
        job.run(RecordCreated(job_id=JOB, task_id=TASK, now=T0 + 2))
    assert reason in FAILURE_REASONS and failure_reason(call, code) == reason
    assert job.run(kie_error(call, code, T0 + 3)) == [
        JobFailed(reason=reason, at=T0 + 3, code=str(code), message=f"code {code}",
                  kie_balance_empty=code == 402),
        VoidAsked(hold_id=JOB, user_id=USER, reason=reason),
    ]
    assert job.state.terminal and job.state.kie_balance_empty == (code == 402)
    if call == "createTask":
        with pytest.raises(CommandRejected, match="not submitting"):
            job.run(kie_error(call, code, T0 + 4))
    else:
        assert job.run(kie_error(call, code, T0 + 4)) == []


def test_a_failed_task_ends_in_one_void() -> None:
    job = Job().running()
    assert job.run(report("fail", T0 + 9, code="500", message="content policy")) == [
        JobFailed(reason="generation_failed", at=T0 + 9, code="500", message="content policy"),
        VoidAsked(hold_id=JOB, user_id=USER, reason="generation_failed"),
    ]
    assert job.run(report("fail", T0 + 10)) == []
    assert job.run(report("generating", T0 + 10)) == []
    assert job.run(RecordHoldOutcome(job_id=JOB, outcome="voided", reason="generation_failed", now=T0 + 11)) == [
        HoldSettled(outcome="voided", reason="generation_failed")
    ]
    assert job.run(RecordHoldOutcome(job_id=JOB, outcome="voided", now=T0 + 12)) == []


def test_a_success_without_a_result_is_a_failure() -> None:
    job = Job().running()
    (failed, _) = job.run(report("success", T0 + 9))
    assert failed == JobFailed(reason="empty_result", at=T0 + 9)


def test_duplicate_and_late_successes_deliver_once() -> None:
    job = Job().succeeded()
    assert job.run(report("success", T0 + 21, urls=RESULT, source="callback")) == []
    job.run(RecordHoldOutcome(job_id=JOB, outcome="captured", now=T0 + 22))
    assert job.run(report("success", T0 + 23, urls=RESULT)) == []
    job.run(RecordDelivery(job_id=JOB, message_ids=(90,), now=T0 + 24))
    assert job.run(report("success", T0 + 25, urls=RESULT)) == []
    assert job.run(RecordDelivery(job_id=JOB, message_ids=(91,), now=T0 + 26)) == []
    assert job.run(RecordHoldOutcome(job_id=JOB, outcome="captured", now=T0 + 27)) == []
    assert [type(event).__name__ for event in job.events].count("ResultDelivered") == 1
    assert job.state.delivered_message_ids == (90,)


def test_a_success_after_the_job_failed_is_recorded_late_once_and_not_delivered() -> None:
    job = Job().failed()
    assert job.run(report("success", T0 + 30, urls=RESULT)) == [
        JobLate(task_id=TASK, result_urls=RESULT, reason="after_generation_failed", at=T0 + 30)
    ]
    assert job.run(report("success", T0 + 31, urls=RESULT)) == []
    assert job.state.status == "failed" and not job.state.capture_asked
    with pytest.raises(CommandRejected) as refused:
        job.run(RecordDelivery(job_id=JOB, message_ids=(1,), now=T0 + 32))
    assert refused.value.reason == "not_delivering"


def test_a_success_for_a_job_voided_unsubmitted_is_recorded_late() -> None:
    job = Job()
    job.run(request())
    job.run(Submit(job_id=JOB, now=T0 + 1))
    job.run(Recover(job_id=JOB, now=T0 + 5))
    assert job.run(report("success", T0 + 30, task="task-x")) == [
        JobLate(task_id="task-x", result_urls=(), reason="after_unsubmitted", at=T0 + 30)
    ]
    assert job.run(report("success", T0 + 31, urls=RESULT, task="task-x")) == []


def test_a_success_after_the_deadline_but_before_the_job_failed_is_delivered() -> None:
    job = Job().running()
    (succeeded, asked) = job.run(report("success", T0 + DEADLINE + 5, urls=RESULT))
    assert isinstance(succeeded, JobSucceeded) and isinstance(asked, CaptureAsked)


def test_the_deadline_fails_a_job_without_a_result() -> None:
    job = Job().running()
    assert job.run(Tick(job_id=JOB, now=T0 + DEADLINE - 1)) == []
    assert job.run(Tick(job_id=JOB, now=T0 + DEADLINE)) == [
        JobFailed(reason="deadline", at=T0 + DEADLINE),
        VoidAsked(hold_id=JOB, user_id=USER, reason="deadline"),
    ]
    assert job.run(Tick(job_id=JOB, now=T0 + DEADLINE + 1)) == []


def test_a_poll_past_the_deadline_fails_the_job() -> None:
    job = Job().running()
    (failed, _) = job.run(report("generating", T0 + DEADLINE))
    assert failed == JobFailed(reason="deadline", at=T0 + DEADLINE)


def test_a_job_in_submitting_does_not_expire() -> None:
    job = Job()
    job.run(request())
    job.run(Submit(job_id=JOB, now=T0 + 1))
    assert job.run(Tick(job_id=JOB, now=T0 + DEADLINE * 2)) == []


def test_a_retryable_create_task_error_past_the_deadline_fails() -> None:
    job = Job()
    job.run(request())
    job.run(Submit(job_id=JOB, now=T0 + 1))
    (failed, _) = job.run(kie_error("createTask", 429, T0 + DEADLINE))
    assert isinstance(failed, JobFailed) and failed.reason == "deadline"


def test_a_submit_past_the_deadline_fails_instead() -> None:
    job = Job()
    job.run(request())
    (failed, _) = job.run(Submit(job_id=JOB, now=T0 + DEADLINE))
    assert isinstance(failed, JobFailed) and failed.reason == "deadline"
    assert job.state.submissions == 0


def test_a_success_or_delivery_is_not_undone_by_the_deadline() -> None:
    job = Job().succeeded()
    assert job.run(Tick(job_id=JOB, now=T0 + DEADLINE * 3)) == []
    assert job.run(report("fail", T0 + DEADLINE * 3)) == []
    assert job.run(kie_error("recordInfo", 501, T0 + DEADLINE * 3)) == []
    assert job.state.status == "succeeded"


def test_a_capture_the_ledger_rejects_withholds_the_result() -> None:
    job = Job().succeeded()
    assert job.run(RecordHoldOutcome(job_id=JOB, outcome="capture_rejected", reason="voided", now=T0 + 30)) == [
        HoldSettled(outcome="capture_rejected", reason="voided"),
        JobLate(task_id=TASK, result_urls=RESULT, reason="capture_voided", at=T0 + 30),
    ]
    assert job.state.status == "late" and job.state.terminal
    with pytest.raises(CommandRejected):
        job.run(RecordDelivery(job_id=JOB, message_ids=(1,), now=T0 + 31))


def test_a_hold_the_ledger_voided_itself_ends_a_running_job() -> None:
    job = Job().running()
    assert job.run(RecordHoldOutcome(job_id=JOB, outcome="voided", reason="expired", now=T0 + 30)) == [
        HoldSettled(outcome="voided", reason="expired"),
        JobFailed(reason="deadline", at=T0 + 30),
        VoidAsked(hold_id=JOB, user_id=USER, reason="deadline"),
    ]


def test_a_hold_the_ledger_voided_while_submitting_ends_the_job_at_its_next_answer() -> None:
    job = Job()
    job.run(request())
    job.run(Submit(job_id=JOB, now=T0 + 1))
    assert job.run(RecordHoldOutcome(job_id=JOB, outcome="voided", reason="expired", now=T0 + 2)) == [
        HoldSettled(outcome="voided", reason="expired")
    ]
    job.run(RecordCreated(job_id=JOB, task_id=TASK, now=T0 + 3))
    assert [type(event) for event in job.run(report("success", T0 + 9, urls=RESULT))] == [JobLate, JobFailed, VoidAsked]
    assert not job.state.capture_asked


def test_a_hold_the_ledger_voided_after_the_capture_was_asked_withholds_the_result() -> None:
    job = Job().succeeded()
    (settled, late) = job.run(RecordHoldOutcome(job_id=JOB, outcome="voided", reason="expired", now=T0 + 30))
    assert isinstance(late, JobLate) and job.state.status == "late"
    assert job.run(RecordHoldOutcome(job_id=JOB, outcome="capture_rejected", reason="voided", now=T0 + 31)) == []


@pytest.mark.parametrize(
    ("command", "reason"),
    [
        (Submit(job_id=JOB, now=T0), "unknown_job"),
        (Tick(job_id=JOB, now=T0), "unknown_job"),
        (Recover(job_id=JOB, now=T0), "unknown_job"),
        (RecordHoldOutcome(job_id=JOB, outcome="captured", now=T0), "unknown_job"),
    ],
)
def test_commands_for_a_job_never_requested_are_refused(command: JobCommand, reason: str) -> None:
    with pytest.raises(CommandRejected) as refused:
        DECIDER.decide(DECIDER.initial_state(), command)
    assert refused.value.reason == reason


@pytest.mark.parametrize(
    ("command", "reason"),
    [
        (msgspec.structs.replace(request(), credits=-1), "bad_amount"),
        (report("generating", T0 + 5, task="task-forged"), "wrong_task"),
        (report("generating", T0 + 5, jitter=1.5), "bad_jitter"),
        (report("generating", T0 + 5, source="telepathy"), "bad_source"),
        (report("exploded", T0 + 5), "bad_state"),
        (kie_error("recordInfo", 500, T0 + 5, jitter=-0.1), "bad_jitter"),
        (kie_error("download", 500, T0 + 5), "bad_call"),
        (kie_error("upload", 500, T0 + 5), "not_due"),
        (RecordHoldOutcome(job_id=JOB, outcome="captured", now=T0 + 5), "not_asked"),
        (RecordHoldOutcome(job_id=JOB, outcome="refunded", now=T0 + 5), "bad_outcome"),
        (RecordDelivery(job_id=JOB, message_ids=(1,), now=T0 + 5), "not_delivering"),
        (RecordCreated(job_id=JOB, task_id="", now=T0 + 5), "no_task"),
        (Tick(job_id="other", now=T0 + 5), "wrong_job"),
    ],
)
def test_malformed_or_forged_commands_are_refused_and_record_nothing(command: JobCommand, reason: str) -> None:
    job = Job().running()
    before = job.state
    with pytest.raises(CommandRejected) as refused:
        job.run(command)
    assert refused.value.reason == reason
    assert job.state == before


def test_a_report_before_the_task_exists_is_refused() -> None:
    job = Job()
    job.run(request())
    job.run(Submit(job_id=JOB, now=T0 + 1))
    with pytest.raises(CommandRejected) as refused:
        job.run(report("success", T0 + 2, urls=RESULT))
    assert refused.value.reason == "not_submitted"


def test_a_kie_task_info_becomes_a_report() -> None:
    info = parse_task({"taskId": TASK, "state": "SUCCESS", "resultJson": '{"resultUrls": ["https://r/1.png"]}'})
    assert info.state is TaskState.SUCCESS
    assert report_of(info, "callback") == TaskReport(task_id=TASK, state="success", result_urls=("https://r/1.png",),
                                                     source="callback")


def test_a_state_round_trips_through_a_snapshot() -> None:
    job = Job().running(PHOTOS)
    job.run(report("generating", T0 + 5, jitter=0.3))
    restored = msgspec.json.decode(msgspec.json.encode(job.state), type=JobState)
    assert restored == job.state
    assert job_stream(JOB) == "job:c1"
