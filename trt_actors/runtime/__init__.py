"""The actor runtime: bounded mailboxes, tell/ask, supervision, keyed children, event-sourced actors.

Everything runs in nurseries the caller owns. The pieces, bottom up:

* :class:`Mailbox`, :class:`ActorRef` (``tell``, ``tell_nowait``, ``ask``), :class:`Reply`;
* :class:`Actor` and :func:`spawn` (unsupervised) / :func:`serve` (the message loop);
* :class:`Supervisor` with a :class:`RestartPolicy` (backoff, give up, escalate)
  and a :class:`SystemJournal` recording crashes on stream ``system``;
* :class:`Region`: one child per key, activated on demand, passivated when idle;
* :class:`EventSourced`: a pure :class:`Decider` in a shell that appends, waits
  for the commit, folds, then acts; :func:`run_command` is its one pure step;
* :class:`Reactor`: one actor reacting to another's events durably (a
  checkpoint that moves only after the target committed the outcome).

The errors are documented together in :mod:`trt_actors.runtime.errors`.

Example: one event-sourced counter per chat, passivated after ten idle minutes::

    journal = SystemJournal(log)
    async with Supervisor.open("root", journal=journal) as root, Region.open(
        "counters",
        lambda chat: EventSourced(CounterDecider(), log, f"counter:{chat}"),
        idle_timeout=600,
        journal=journal,
    ) as counters:
        outbox = root.spawn("outbox", Outbox)
        meta = CommandMeta(command_id="update:41", cid="u41", ts=time.time(), chat_id=7)
        done = await execute(counters.ref(7), Increment(by=1), meta)
        current = await inspect(counters.ref(7))
"""

from trt_actors.runtime.actor import Actor, Exit, serve, spawn
from trt_actors.runtime.backoff import CrashWindow, RestartPolicy
from trt_actors.runtime.command import Crashed, Decided, Fallback, Outcome, Refused, run_command
from trt_actors.runtime.decider import CommandRejected, Decider, fold
from trt_actors.runtime.errors import (
    ActorError,
    ActorFailed,
    ActorStopped,
    AskTimeout,
    ChildEscalated,
    MailboxFull,
)
from trt_actors.runtime.journal import SYSTEM_STREAM, JournalStatistics, SystemJournal
from trt_actors.runtime.keyed import KeyedRef, Region, RegionStatistics
from trt_actors.runtime.mailbox import Envelope, Mailbox, MailboxStatistics
from trt_actors.runtime.reactor import Handle, Reactor, ReactorStatistics, reaction_id
from trt_actors.runtime.ref import ActorRef, Ref
from trt_actors.runtime.reply import Reply
from trt_actors.runtime.sourced import (
    Act,
    CommandMeta,
    Current,
    EventSourced,
    Execute,
    Executed,
    Inspect,
    Recovered,
    SourcedMessage,
    SourcedStatistics,
    execute,
    inspect,
)
from trt_actors.runtime.supervisor import ChildStatistics, Supervisor, SupervisorStatistics

__all__ = [
    "SYSTEM_STREAM",
    "Act",
    "Actor",
    "ActorError",
    "ActorFailed",
    "ActorRef",
    "ActorStopped",
    "AskTimeout",
    "ChildEscalated",
    "ChildStatistics",
    "CommandMeta",
    "CommandRejected",
    "CrashWindow",
    "Crashed",
    "Current",
    "Decided",
    "Decider",
    "Envelope",
    "EventSourced",
    "Execute",
    "Executed",
    "Exit",
    "Fallback",
    "Handle",
    "Inspect",
    "JournalStatistics",
    "KeyedRef",
    "Mailbox",
    "MailboxFull",
    "MailboxStatistics",
    "Outcome",
    "Reactor",
    "ReactorStatistics",
    "Recovered",
    "Ref",
    "Refused",
    "Region",
    "RegionStatistics",
    "Reply",
    "RestartPolicy",
    "SourcedMessage",
    "SourcedStatistics",
    "Supervisor",
    "SupervisorStatistics",
    "SystemJournal",
    "execute",
    "fold",
    "inspect",
    "reaction_id",
    "run_command",
    "serve",
    "spawn",
]
