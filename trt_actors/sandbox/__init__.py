"""Local emulators of the Telegram Bot API and KIE.ai: real HTTP servers on loopback.

They are product, not test scaffolding: the demo, the benchmarks and anyone testing
their own deployment run the real clients against them.
"""
