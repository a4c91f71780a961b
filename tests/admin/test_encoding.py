"""Every event the desk's decider makes is one the log can store: encoded by the codec and decoded back equal."""

from __future__ import annotations

import pytest

from trt_actors.admin.commands import AdminTap, AdminText
from trt_actors.admin.decider import DeskDecider
from trt_actors.events import CODEC
from trt_actors.events.admin import PaymentLine, UserProfile
from trt_actors.runtime.decider import fold

ANN = UserProfile(user_id=42, found=True, first_name="<Ann>", available=120,
                  payments=(PaymentLine(credit_id="topup:t1", stars=50, credits=100, charge_id="ch1"),))


@pytest.mark.parametrize("language", ["en", "ru"])
def test_every_decision_encodes_and_decodes_back(language: str) -> None:
    decider = DeskDecider()
    state = decider.initial_state()
    asks = [("/admin", None), ("/admin user 42", ANN), ("/admin adjust 42 +5 <b>x</b>", ANN),
            ("/admin broadcast <b>Hi</b>", None), ("/admin block 42", ANN), ("/admin promo SPRING 5 5 5", None)]
    for n, (text, profile) in enumerate(asks):
        events = decider.decide(state, AdminText(admin_id=7, chat_id=7, cid=f"c{n}", update_id=n, ts=1e9,
                                                 language_code=language, text=text, profile=profile))
        for event in events:
            assert CODEC.decode(CODEC.type_of(event), CODEC.encode(event)) == event
        state = fold(decider, state, events)
    tapped = decider.decide(state, AdminTap(admin_id=7, chat_id=7, cid="t", update_id=99, ts=1e9,
                                            language_code=language, callback_query_id="q", data="a.nope"))
    assert all(CODEC.decode(CODEC.type_of(e), CODEC.encode(e)) == e for e in tapped)
