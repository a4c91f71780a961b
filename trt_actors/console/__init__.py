"""The console: a read-only web view of the log for support staff and auditors, behind one login.

Served by the bot's own HTTP server under ``/console``, or alone over a log
file with no bot (``python main.py console --db PATH``). It searches the log
(a user, @username, chat, chain, job, KIE task, Stars charge), draws a chain
as a tree, lays out a user's ledger with its running balances and the audit's
closure checks, shows a chat as the user saw it at any moment, follows the
live events, and lists jobs, failures, top-ups and refunds. Every page is
HTML made on the server; everything that came from users is escaped
(:mod:`trt_actors.console.markup`).

Example::

    console = Console(settings.db, Login(settings.console_user, settings.console_password))
    async with trio.open_nursery() as nursery:
        url = await nursery.start(serve, console.asgi(), "127.0.0.1", 8090)
"""

from trt_actors.console.login import REFUSED, Login
from trt_actors.console.site import EVENTS_PATH, PREFIX, Console

__all__ = ["EVENTS_PATH", "PREFIX", "REFUSED", "Console", "Login"]
