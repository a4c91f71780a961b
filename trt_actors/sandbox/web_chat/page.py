"""The web chat's page: its HTML (drawn on the server with the messages in it), its style and its script.

No build step and no inline script: the page loads ``/static/chat.js`` and
``/static/chat.css`` and its Content-Security-Policy allows scripts from the
page's own origin only, so even a message that slipped through escaping
could not run. The script long-polls ``/api/messages`` and redraws the
bubbles whose ``data-key`` changed (an edit shows in place, briefly
highlighted), and posts the user's actions: a text, a photo, a tap on an
inline button, a payment. Every action carries the header ``X-Web-Chat: 1``,
which a page of another site cannot send without the server's consent, so
no other site can act as the user.
"""

from __future__ import annotations

import html

from trt_actors.sandbox.web_chat.views import MessageView

__all__ = ["CONTENT_SECURITY_POLICY", "SCRIPT", "STYLE", "render_page"]

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; media-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)

STYLE = """
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.4 system-ui, sans-serif; background: #dfe7ee; color: #111;
       display: flex; flex-direction: column; height: 100vh; }
header { background: #517da2; color: #fff; padding: 10px 16px; display: flex; gap: 12px; align-items: baseline; }
header .bot { font-weight: 600; font-size: 17px; }
header .who { opacity: .85; font-size: 13px; unicode-bidi: isolate; }
#messages { list-style: none; margin: 0; padding: 12px 16px; flex: 1; overflow-y: auto; display: flex;
            flex-direction: column; gap: 6px; }
.msg { max-width: min(520px, 85%); padding: 7px 10px 4px; border-radius: 12px; background: #fff;
       box-shadow: 0 1px 1px rgba(0,0,0,.12); unicode-bidi: isolate; overflow-wrap: anywhere; }
.msg.user { align-self: flex-end; background: #e1ffc7; }
.msg.bot { align-self: flex-start; }
.msg.deleted { opacity: .45; }
.msg.changed { animation: flash 1.2s ease-out; }
@keyframes flash { from { background: #fff3b0; } }
.text { white-space: pre-wrap; unicode-bidi: isolate; }
.meta { font-size: 11px; color: #7a8a99; text-align: right; margin-top: 2px; }
.meta .chain { color: #3a6d99; margin-left: 6px; text-decoration: none; }
.media { display: block; max-width: 100%; max-height: 360px; border-radius: 8px; margin-bottom: 4px; }
img.media { min-width: 160px; image-rendering: pixelated; }
.keyboard { margin-top: 6px; display: flex; flex-direction: column; gap: 4px; }
.keyboard .row { display: flex; gap: 4px; }
.kb { flex: 1; border: 0; border-radius: 8px; padding: 6px 8px; background: #e8f0f7; color: #2b5b84;
      font: inherit; font-size: 14px; cursor: pointer; text-align: center; text-decoration: none;
      unicode-bidi: isolate; }
.kb:hover { background: #d3e3f1; }
.kb.pay, .invoice .kb { background: #3a9a4a; color: #fff; }
.invoice { border-left: 3px solid #3a9a4a; padding-left: 8px; margin-bottom: 4px; }
.invoice .title { font-weight: 600; }
.invoice .amount { font-weight: 600; margin: 4px 0; }
.service { font-style: italic; color: #555; }
.spoiler { background: #999; color: transparent; border-radius: 3px; }
.spoiler:hover { color: inherit; background: #eee; }
.quote { display: block; border-left: 3px solid #517da2; padding-left: 8px; }
code { font-family: ui-monospace, monospace; background: #f0f0f0; border-radius: 3px; padding: 0 2px; }
code.pre { display: block; white-space: pre-wrap; padding: 4px; }
.mention, .command { color: #2b5b84; }
form { display: flex; gap: 8px; padding: 10px 16px; background: #fff; border-top: 1px solid #cdd6de; }
#text { flex: 1; font: inherit; padding: 8px 10px; border: 1px solid #cdd6de; border-radius: 18px; }
form button, form label { border: 0; border-radius: 18px; padding: 8px 14px; background: #517da2; color: #fff;
                          font: inherit; cursor: pointer; }
#photo { position: absolute; width: 1px; height: 1px; opacity: 0; }
#toast { position: fixed; left: 50%; transform: translateX(-50%); bottom: 80px; background: rgba(0,0,0,.78);
         color: #fff; padding: 8px 14px; border-radius: 8px; max-width: 80%; white-space: pre-wrap;
         unicode-bidi: isolate; }
#toast:empty { display: none; }
#status { font-size: 12px; color: #fff3b0; margin-left: auto; }
"""

SCRIPT = """
"use strict";
(function () {
  const list = document.getElementById("messages");
  const status = document.getElementById("status");
  const toast = document.getElementById("toast");
  const text = document.getElementById("text");
  let digest = list.dataset.digest;
  let toastTimer = null;

  function say(message) {
    toast.textContent = message;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { toast.textContent = ""; }, 4000);
  }

  function atBottom() {
    return list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  }

  function place(views) {
    const follow = atBottom();
    let previous = null;
    for (const view of views) {
      let element = document.getElementById(view.id);
      if (element === null || element.dataset.key !== view.key) {
        const template = document.createElement("template");
        template.innerHTML = view.html;
        const fresh = template.content.firstElementChild;
        if (element !== null) {
          element.replaceWith(fresh);
          fresh.classList.add("changed");
        } else if (previous !== null) {
          previous.after(fresh);
        } else {
          list.prepend(fresh);
        }
        element = fresh;
      }
      previous = element;
    }
    if (follow) { list.scrollTop = list.scrollHeight; }
  }

  async function poll() {
    for (;;) {
      try {
        const response = await fetch("/api/messages?seen=" + encodeURIComponent(digest));
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        const data = await response.json();
        digest = data.digest;
        place(data.messages);
        status.textContent = "";
      } catch (error) {
        status.textContent = "reconnecting…";
        await new Promise(function (resolve) { setTimeout(resolve, 1000); });
      }
    }
  }

  async function act(path, body, type) {
    const response = await fetch(path, {
      method: "POST", body: body, headers: { "content-type": type, "x-web-chat": "1" },
    });
    const data = await response.json().catch(function () { return {}; });
    if (!response.ok) { say(data.error || ("the web chat answered " + response.status)); }
    return data;
  }

  document.getElementById("composer").addEventListener("submit", async function (event) {
    event.preventDefault();
    const value = text.value;
    if (!value.trim()) { return; }
    text.value = "";
    await act("/api/send", JSON.stringify({ text: value }), "application/json");
  });

  document.getElementById("photo").addEventListener("change", async function (event) {
    const file = event.target.files[0];
    if (!file) { return; }
    const caption = text.value;
    text.value = "";
    await act("/api/photo?caption=" + encodeURIComponent(caption), file, file.type || "application/octet-stream");
    event.target.value = "";
  });

  list.addEventListener("click", async function (event) {
    const button = event.target.closest("button");
    if (button === null) { return; }
    if (button.dataset.pay !== undefined) {
      say("paying…");
      const outcome = await act("/api/pay", JSON.stringify({ message_id: Number(button.dataset.pay) }),
                                "application/json");
      if (outcome.status) { say("payment " + outcome.status + (outcome.error ? ": " + outcome.error : "")); }
    } else if (button.dataset.callback !== undefined) {
      const answer = await act("/api/tap", JSON.stringify({
        message_id: Number(button.dataset.message), data: button.dataset.callback,
      }), "application/json");
      if (answer.text) { say(answer.text); }
    }
  });

  list.scrollTop = list.scrollHeight;
  poll();
})();
"""


def render_page(*, bot_name: str, user_name: str, user_id: int, views: list[MessageView], digest: str) -> str:
    """The whole page with the chat as it is now; names are escaped, the bubbles are :func:`message_view`'s."""
    bubbles = "\n".join(view.html for view in views)
    title = html.escape(bot_name)
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · web chat</title>
<link rel="stylesheet" href="/static/chat.css">
</head>
<body>
<header><span class="bot">{title}</span>
<span class="who">you are <bdi>{html.escape(user_name)}</bdi> (user {user_id}) · local Telegram emulator</span>
<span id="status"></span></header>
<ul id="messages" data-digest="{html.escape(digest, quote=True)}">
{bubbles}
</ul>
<div id="toast" role="status"></div>
<form id="composer" autocomplete="off">
<label for="photo" title="send a photo">📎 Photo</label>
<input id="photo" type="file" accept="image/*">
<input id="text" name="text" placeholder="Message" dir="auto" autofocus>
<button type="submit">Send</button>
</form>
<script src="/static/chat.js"></script>
</body>
</html>
"""
