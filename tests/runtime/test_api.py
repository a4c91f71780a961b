"""The runtime's public API is curated: this list changes only on purpose."""

from __future__ import annotations

import trt_actors.runtime as runtime


def test_the_public_api_is_what_the_package_exports() -> None:
    assert sorted(runtime.__all__) == sorted(
        [
            "SYSTEM_STREAM", "Act", "Actor", "ActorError", "ActorFailed", "ActorRef", "ActorStopped", "AskTimeout",
            "ChildEscalated", "ChildStatistics", "CommandMeta", "CrashWindow", "Current", "Decider", "Envelope",
            "EventSourced", "Execute", "Executed", "Exit", "Inspect", "JournalStatistics", "KeyedRef", "Mailbox",
            "MailboxFull", "MailboxStatistics", "Recovered", "Ref", "Region", "RegionStatistics", "Reply",
            "RestartPolicy", "SourcedMessage", "SourcedStatistics", "Supervisor", "SupervisorStatistics",
            "SystemJournal", "execute", "fold", "inspect", "serve", "spawn",
            "CommandRejected", "Crashed", "Decided", "Fallback", "Outcome", "Refused", "run_command",
            "Handle", "Reactor", "ReactorStatistics", "reaction_id",
        ]
    )  # fmt: skip
    for name in runtime.__all__:
        assert hasattr(runtime, name), name


def test_every_error_is_an_actor_error_and_names_its_actor() -> None:
    errors = [
        runtime.MailboxFull("a", 3),
        runtime.AskTimeout("a", 1.0),
        runtime.ActorStopped("a"),
        runtime.ActorFailed("a", ValueError("x")),
        runtime.ChildEscalated("a", 2, ValueError("x")),
    ]
    for error in errors:
        assert isinstance(error, runtime.ActorError)
        assert error.actor == "a"
        assert "'a'" in str(error)
