"""Regenerate the compact Bot API spec: ``python -m trt_actors.sandbox.telegram PATH/TO/telegram-bot-api.json``."""

from trt_actors.sandbox.telegram.spec import main

raise SystemExit(main())
