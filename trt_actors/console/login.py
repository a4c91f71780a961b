"""Who may read the console: one login from configuration, checked as HTTP Basic, in constant time.

``CONSOLE_USER`` and ``CONSOLE_PASSWORD`` name it. With either missing the
console refuses everyone: a console that shows every user's messages and
money must never be open by default. The password is a
:class:`~trt_actors.secret.Secret`; a refusal says nothing of what was wrong.

Example::

    login = Login(user="support", password=Secret("s3cret"))
    if not login.admits(request.headers):
        return REFUSED
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from trt_actors.http.asgi import Response
from trt_actors.secret import Secret

__all__ = ["REFUSED", "Login"]

REFUSED: Final = Response(
    401, b"401: sign in with the console's login (CONSOLE_USER and CONSOLE_PASSWORD).\n",
    headers={"www-authenticate": 'Basic realm="trt-actors console", charset="UTF-8"', "cache-control": "no-store"},
)
"""The answer to a request without the right login: no data, only how to sign in."""


@dataclass(frozen=True)
class Login:
    """The console's one login; ``configured`` is false when either part is empty (then nobody gets in)."""

    user: str = ""
    password: Secret = field(default_factory=lambda: Secret(""))

    @property
    def configured(self) -> bool:
        return bool(self.user) and bool(self.password)

    def admits(self, headers: Mapping[str, str]) -> bool:
        """Whether the ``authorization`` header (lower-case names) carries this login."""
        if not self.configured:
            return False
        scheme, _, encoded = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            given = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            return False
        user, colon, password = given.partition(b":")
        # Both compared, always: the time taken tells nothing of which part was wrong.
        right_user = hmac.compare_digest(user, self.user.encode("utf-8"))
        right_password = hmac.compare_digest(password, self.password.reveal().encode("utf-8"))
        return bool(colon) and right_user and right_password
