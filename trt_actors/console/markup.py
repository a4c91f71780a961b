"""Safe HTML for the console: every string is escaped unless it is already :class:`Html`.

The console shows what users typed (names, messages, captions) and what came
back from Telegram and KIE; any of it may hold ``<script>``, entities or
bidirectional controls. So pages are built with :func:`el` and
:func:`join`, which escape every plain ``str`` they are given; only markup
made by these functions (an :class:`Html`) passes through as markup. The
escape also makes bidirectional controls (U+202E and its kin) visible as
``⟪U+202E⟫``: a right-to-left override in a first name must not turn the
rest of a line around, and an auditor should see that it is there.

Example::

    el("td", {"class": "who"}, first_name)        # "<td class="who">&lt;script&gt;…</td>"
    join(el("b", "user "), el("bdi", text))
"""

from __future__ import annotations

import datetime
import html
import re
from collections.abc import Iterable, Mapping
from typing import Final, TypeAlias

__all__ = ["Html", "Part", "el", "escape", "join", "moment", "page"]

_BIDI: Final = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


class Html(str):
    """Markup made by this module (or a constant of the console's own): inserted as it is."""

    __slots__ = ()


Part: TypeAlias = "Html | str | int | float | None"


def escape(text: str) -> Html:
    """``text`` as HTML that shows it as text: ``<&>"'`` escaped, bidirectional controls made visible."""
    escaped = html.escape(text, quote=True)
    return Html(_BIDI.sub(lambda found: f'<span class="ctl">⟪U+{ord(found.group()):04X}⟫</span>', escaped))


def _one(part: Part) -> Html:
    if part is None:
        return Html("")
    if isinstance(part, Html):
        return part
    return escape(str(part))


def join(*parts: Part | Iterable[Part]) -> Html:
    """The parts one after the other, each plain string escaped (iterables are flattened one level)."""
    out: list[str] = []
    for part in parts:
        if isinstance(part, (str, int, float)) or part is None:
            out.append(_one(part))
        else:
            out.extend(_one(item) for item in part)
    return Html("".join(out))


def el(name: str, *children: Part | Iterable[Part] | Mapping[str, Part]) -> Html:
    """An element: ``el("a", {"href": url}, text)``; a first mapping gives its attributes (values escaped)."""
    attributes = ""
    if children and isinstance(children[0], Mapping):
        given, children = children[0], children[1:]
        attributes = "".join(f' {key}="{_one(value)}"' for key, value in given.items() if value is not None)
    body = join(*children)  # type: ignore[arg-type]
    return Html(f"<{name}{attributes}>{body}</{name}>")


def moment(ts: float) -> str:
    """A time as people read it in a log: ``2026-12-01 10:00:00.123`` (UTC)."""
    when = datetime.datetime.fromtimestamp(ts, datetime.UTC)
    return when.strftime("%Y-%m-%d %H:%M:%S.") + f"{when.microsecond // 1000:03d}"


_STYLE: Final = Html("""
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2330;color:#fff;padding:.6em 1.2em;display:flex;gap:1.2em;align-items:center;flex-wrap:wrap}
header a{color:#cfe0ff;text-decoration:none}header b{font-size:1.1em}
header form{margin-left:auto}header input{width:22em;padding:.3em}
main{padding:1em 1.4em;max-width:78em}
table{border-collapse:collapse;background:#fff;margin:.6em 0 1.4em}
td,th{border:1px solid #dde1e7;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#eef1f5}td.n{text-align:right;font-variant-numeric:tabular-nums}
.ctl{color:#b00;background:#fee;font-size:.8em;border-radius:3px}
.ok{color:#17702e}.bad{color:#b00020;font-weight:600}.muted{color:#667}
ul.tree{list-style:none;padding-left:1.3em;border-left:1px dotted #aab}ul.tree>li{margin:.25em 0}
.ev{font-family:ui-monospace,monospace;font-size:13px}.saw{white-space:pre-wrap;background:#fffbe6;
padding:.2em .5em;margin:.15em 0;border-left:3px solid #e6c200;display:block}
.bubble{max-width:40em;padding:.45em .75em;border-radius:10px;margin:.35em 0;white-space:pre-wrap}
.user{background:#dcf3ff;margin-left:8em}.bot{background:#fff;border:1px solid #dde1e7}
.btn{display:inline-block;border:1px solid #9ab;border-radius:6px;padding:0 .5em;margin:.15em .2em 0 0;
font-size:.9em;background:#f3f8ff}
#tail{font-family:ui-monospace,monospace;font-size:13px;white-space:pre;background:#fff;padding:.5em;
min-height:10em;border:1px solid #dde1e7}
""")


def page(title: str, *body: Part | Iterable[Part], query: str = "") -> Html:
    """A whole page: the console's header (its sections and the search box) above ``body``."""
    nav = join(
        el("b", "trt-actors console"),
        el("a", {"href": "/console"}, "Home"),
        el("a", {"href": "/console/jobs"}, "Jobs"),
        el("a", {"href": "/console/money"}, "Top-ups and refunds"),
        el("a", {"href": "/console/tail"}, "Live tail"),
        el("form", {"action": "/console/search", "method": "get"},
           Html('<input name="q" placeholder="user id, @username, chat, cid, job, KIE task, Stars charge" '),
           Html(f'value="{escape(query)}">')),
    )
    return Html(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{escape(title)} · trt-actors console</title><style>{_STYLE}</style></head>"
        f"<body><header>{nav}</header><main>{el('h1', title)}{join(*body)}</main></body></html>"
    )
