"""The fold: what each event does to the state, and what it leaves alone."""

from __future__ import annotations

import msgspec

from trt_actors.events import CallbackRejected, DispatchOk, UiRendered, UpdateReceived
from trt_actors.events.ledger import Quote
from trt_actors.events.session import (
    BalanceSeen,
    ConfirmationAccepted,
    ConfirmationOffered,
    DraftRestored,
    DraftStarted,
    DraftStepBack,
    GenerationRequested,
    ImageAdded,
    InvoiceRequested,
    MessageRejected,
    Param,
    ParameterSet,
    PaymentRejected,
    ScreenOpened,
    TopUpPaid,
)
from trt_actors.session.state import (
    ACCEPTED_KEPT,
    ENTRIES_KEPT,
    INVOICES_KEPT,
    OFFERED_KEPT,
    REPORTS_KEPT,
    Draft,
    DraftImage,
    Invoice,
    Request,
    SessionState,
    evolve,
)


def test_foreign_events_change_nothing() -> None:
    state = SessionState()
    for event in (UpdateReceived(update_id=1, kind="message", body="{}"),
                  DispatchOk(dispatch_id="c/0", method="sendMessage", attempts=1, message_id=5),
                  CallbackRejected(reason_code="malformed", data="x")):
        assert evolve(state, event) == state


def test_a_render_remembers_its_cid_and_nothing_else() -> None:
    state = evolve(SessionState(), UiRendered(screen="menu", dispatch_id="abc/def/0", text="x"))
    assert state == SessionState(last_cid="abc/def")


def test_every_domain_event_moves_the_nonce_by_one() -> None:
    state = SessionState()
    events = [ScreenOpened(screen="menu"), DraftStarted(model_id="m"), ParameterSet(name="prompt", value="x"),
              ParameterSet(name="prompt", value="y")]
    for number, event in enumerate(events, start=1):
        state = evolve(state, event)
        assert state.nonce == number
    assert state.draft == Draft(model_id="m", step=2, params=(Param(name="prompt", value="y"),))


def test_an_answer_without_a_draft_only_moves_the_nonce() -> None:
    assert evolve(SessionState(), ParameterSet(name="prompt", value="x")) == SessionState(nonce=1)


def test_step_back_forgets_the_named_answers_and_photos() -> None:
    draft = Draft(
        model_id="m",
        step=2,
        params=(Param(name="prompt", value="x"),),
        images=(DraftImage(name="image_urls", file_id="a", file_unique_id="ua"),
                DraftImage(name="mask", file_id="b", file_unique_id="ub")),
    )
    state = SessionState(screen="wizard", draft=draft)
    back = evolve(state, DraftStepBack(clear=("prompt", "mask")))
    assert back.draft == Draft(model_id="m", step=1, params=(),
                               images=(DraftImage(name="image_urls", file_id="a", file_unique_id="ua"),))


def test_photos_keep_their_order_per_field() -> None:
    state = evolve(SessionState(), DraftStarted(model_id="m"))
    for index, name in enumerate(["a", "b", "a"]):
        state = evolve(state, ImageAdded(name=name, file_id=f"f{index}", file_unique_id=f"u{index}"))
    assert state.draft is not None
    assert [(files.name, files.file_ids) for files in state.draft.files()] == [("a", ("f0", "f2")), ("b", ("f1",))]


def _offer(number: int) -> ConfirmationOffered:
    return ConfirmationOffered(confirmation_id=f"id{number:04d}", model_id="m", params=(), credits=1, rule="fixed",
                               registry_version="v")


def test_remembered_confirmation_ids_are_bounded() -> None:
    state = SessionState()
    for number in range(100):
        state = evolve(state, DraftStarted(model_id="m"))
        state = evolve(state, _offer(number))
        state = evolve(state, ConfirmationAccepted(confirmation_id=f"id{number:04d}"))
    assert len(state.offered) == OFFERED_KEPT and state.offered[-1] == "id0099"
    assert len(state.accepted) == ACCEPTED_KEPT and state.accepted[0] == f"id{100 - ACCEPTED_KEPT:04d}"
    assert state.confirmed is not None and state.confirmed.confirmation_id == "id0099"
    assert state.screen == "coming" and state.draft is None


def test_snapshots_ignore_fields_they_do_not_know() -> None:
    data = msgspec.json.encode(SessionState(language="en", nonce=3))
    newer = data[:-1] + b',"added_later":[1,2]}'
    assert msgspec.json.decode(newer, type=SessionState) == SessionState(language="en", nonce=3)


def test_the_ledgers_report_sets_the_balance_and_leaves_the_nonce() -> None:
    state = evolve(SessionState(nonce=4), BalanceSeen(available=52, held=48))
    assert state == SessionState(nonce=4, balance=52, held=48)
    assert evolve(state, BalanceSeen(available=7)) == SessionState(nonce=4, balance=7, held=0)


def test_a_rejected_message_changes_nothing() -> None:
    state = SessionState(screen="menu", nonce=3, balance=5)
    assert evolve(state, MessageRejected(reason_code="unknown_text")) == state


def test_snapshots_written_before_the_balance_decode_with_zero() -> None:
    old = b'{"started":true,"language":"en","screen":"menu","nonce":2}'
    state = msgspec.json.decode(old, type=SessionState)
    assert (state.balance, state.held, state.nonce) == (0, 0, 2)


def _requested(confirmation_id: str, message_id: int | None = 100) -> GenerationRequested:
    quote = Quote(model_id="m", credits=8, rule="fixed", registry_version="v", kie_credits="4", markup="2")
    return GenerationRequested(confirmation_id=confirmation_id, model_id="m", params=(), files=(), credits=8,
                               quote=quote, expires_at=3600.0, message_id=message_id)


def test_a_request_remembers_the_draft_it_consumed_and_a_refusal_brings_it_back() -> None:
    state = evolve(evolve(SessionState(), DraftStarted(model_id="m")), _offer(1))
    draft = state.draft
    for event in (_requested("id0001"), ConfirmationAccepted(confirmation_id="id0001")):
        state = evolve(state, event)
    assert state.draft is None and state.request("id0001") == Request(
        confirmation_id="id0001", model_id="m", credits=8, message_id=100, draft=draft, rule="fixed",
        registry_version="v", expires_at=3600.0)  # the price entry ("why this price"); the hold it asked for
    state = evolve(state, BalanceSeen(available=3, event="HoldRejected", operation_id="id0001", amount=8))
    refused = state.request("id0001")
    assert refused is not None and refused.status == "rejected"
    nonce = state.nonce
    state = evolve(state, DraftRestored(confirmation_id="id0001"))
    assert state.draft == draft and state.offer is None and state.nonce == nonce + 1


def test_ledger_reports_keep_bounded_entries_and_keys_and_leave_the_nonce() -> None:
    state = SessionState(nonce=5)
    for number in range(100):
        state = evolve(state, BalanceSeen(available=number, event="Credited", operation_id=f"c{number}",
                                          change=1, amount=1, reason="adjustment"))
    assert state.nonce == 5 and state.balance == 99
    assert len(state.entries) == ENTRIES_KEPT and state.entries[-1].operation_id == "c99"
    assert len(state.reported) == REPORTS_KEPT and state.reported[-1] == "Credited:c99"
    rejected = evolve(state, BalanceSeen(available=99, event="HoldRejected", operation_id="h1"))
    assert rejected.entries == state.entries and rejected.reported[-1] == "HoldRejected:h1"


def test_an_old_balance_report_names_no_entry() -> None:
    state = evolve(SessionState(), BalanceSeen(available=7, held=1))
    assert (state.balance, state.held, state.entries, state.reported) == (7, 1, (), ())


def test_invoices_and_payments_are_remembered_and_a_payment_moves_no_button() -> None:
    state = SessionState(nonce=2)
    for number in range(INVOICES_KEPT + 5):
        state = evolve(state, InvoiceRequested(topup_id=f"t{number}", stars=50, credits=100,
                                               payload=f"topup:50:100:t{number}", title="100", description="100"))
    assert len(state.invoices) == INVOICES_KEPT and state.invoice("t0") is None
    nonce = state.nonce
    paid = evolve(state, TopUpPaid(topup_id="t24", charge_id="ch", stars=50, credits=100))
    assert paid.invoice("t24") == Invoice(topup_id="t24", stars=50, credits=100, charge_id="ch")
    assert paid.charges == ("ch",) and paid.nonce == nonce
    assert evolve(paid, PaymentRejected(reason_code="already_credited", charge_id="ch")) == paid
