"""trt-actors: an event-sourced actor system on trio that sells KIE.ai generations over Telegram."""

__version__ = "0.1.0"
