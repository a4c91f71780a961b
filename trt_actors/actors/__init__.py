"""The actors, one module per kind: the update receiver, the chat sessions, the outbox.

``intake`` turns raw updates into events, ``answers`` answers taps at once,
``routing`` re-routes updates committed just before a crash, ``throttle``
holds the outbox's Telegram budgets. :mod:`trt_actors.app` wires them.
"""
