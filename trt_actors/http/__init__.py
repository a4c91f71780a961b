"""The HTTP side: a tiny request/response layer over ASGI, served by hypercorn's trio worker.

Both local emulators and the bot's own server (webhook, KIE callback, health,
metrics) use it, so there is one way to serve HTTP in the project.
"""

from trt_actors.http.asgi import Handler, Request, Response, asgi_app, serve

__all__ = ["Handler", "Request", "Response", "asgi_app", "serve"]
