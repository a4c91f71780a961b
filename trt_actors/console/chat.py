"""The ``show-chat`` view as a page: a chat as the user saw it at a moment, with a slider over its moments.

:func:`trt_actors.show_chat.conversation` rebuilds the messages; this page
lays them out as bubbles (the user's right, the bot's left, buttons under
them) and puts a slider over every moment something appeared or changed.
Moving it reloads the page ``at`` that moment (a few lines of JavaScript;
the links beside it do the same without).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from trt_actors.console.markup import Html, el, join, moment
from trt_actors.console.search import href
from trt_actors.show_chat import Line

__all__ = ["chat_page", "moments_of"]

_SLIDER: Final = Html("""<script>
const slider = document.getElementById("moment"), label = document.getElementById("moment-label");
const moments = JSON.parse(slider.dataset.moments), names = JSON.parse(slider.dataset.names);
slider.addEventListener("input", () => { label.textContent = names[slider.value]; });
slider.addEventListener("change", () => {
  const url = new URL(location.href); url.searchParams.set("at", String(moments[slider.value]));
  location.assign(url);
});
</script>""")


def moments_of(lines: Sequence[Line]) -> list[float]:
    """Every moment the chat changed: a message appeared or was edited, in order."""
    return sorted({line.at for line in lines} | {edit for line in lines for edit in line.edits})


def _bubble(line: Line) -> Html:
    edited = f" · edited {len(line.edits)}×" if line.edits else ""
    who = "👤 user" if line.author == "user" else "🤖 bot"
    return el(
        "div", {"class": f"bubble {line.author}", "data-at": repr(line.at)},
        el("div", {"class": "muted"}, f"{moment(line.at)} · {who}{edited}"),
        el("bdi", line.text),
        [el("div", [el("span", {"class": "btn"}, button.text) for button in row]) for row in line.buttons],
    )


def chat_page(chat_id: int, shown: Sequence[Line], moments: Sequence[float], at: float | None) -> tuple[str, Html]:
    """The title and body: the messages of ``shown`` (the chat ``at`` a moment, or now) and the slider."""
    title = f"Chat {chat_id}" + (f" at {moment(at)} UTC" if at is not None else ", now")
    if not moments:
        return title, el("p", "This chat has nothing in the log.")
    position = len(moments) - 1 if at is None else max(0, sum(1 for m in moments if m <= at) - 1)
    names = "[" + ",".join(f'"{moment(m)}"' for m in moments) + "]"
    numbers = "[" + ",".join(repr(m) for m in moments) + "]"
    step = [el("a", {"href": href("chat", id=chat_id, at=repr(moments[position - 1]))}, "◀ earlier")
            if position > 0 else None,
            " · ",
            el("a", {"href": href("chat", id=chat_id, at=repr(moments[position + 1]))}, "later ▶")
            if position + 1 < len(moments) else None,
            " · ", el("a", {"href": href("chat", id=chat_id)}, "now"),
            " · ", el("a", {"href": href("user", id=chat_id)}, "the user's ledger")]
    slider = el("p",
                Html(f'<input type="range" id="moment" min="0" max="{len(moments) - 1}" value="{position}" '
                     f'style="width:40em" data-moments="{numbers}" '),
                Html(f'data-names="{join(names)}"> '),
                el("span", {"id": "moment-label"}, moment(moments[position])), " UTC")
    return title, join(
        el("p", f"{len(moments)} moments; {len(shown)} messages shown. ", step),
        slider,
        el("div", {"id": "chat"}, [_bubble(line) for line in shown]) if shown else el("p", "Nothing yet by then."),
        _SLIDER,
    )
