"""Where a user finds help: the support contact and the links to the terms and the privacy policy.

Configured by ``SUPPORT_CONTACT`` (free text, such as ``@shop_support`` or
``support@example.org``), ``TERMS_URL`` and ``PRIVACY_URL`` (http(s) links).
``/help`` shows the contact and a button for each link that is set; nothing
is shown for what is not.

Example::

    support = parse_support(contact="@shop_support", terms_url="https://example.org/terms", privacy_url="")
    assert support.terms_url == "https://example.org/terms"
"""

from __future__ import annotations

from typing import Final, NamedTuple
from urllib.parse import urlsplit

__all__ = ["MAX_CONTACT", "MAX_URL", "Support", "parse_support"]

MAX_CONTACT: Final = 200
"""The longest support contact, in characters: one line under the FAQ."""
MAX_URL: Final = 2048
"""The longest link a button takes here."""


class Support(NamedTuple):
    """The support contact and the two links ("" when not configured)."""

    contact: str = ""
    terms_url: str = ""
    privacy_url: str = ""


def parse_support(*, contact: str, terms_url: str, privacy_url: str) -> Support:
    """The configured help, checked; ValueError naming the setting and the rule when one is wrong."""
    contact = contact.strip()
    if len(contact) > MAX_CONTACT or any(not c.isprintable() for c in contact):
        raise ValueError(f"SUPPORT_CONTACT must be one line of at most {MAX_CONTACT} printable characters, "
                         "such as @shop_support or support@example.org")
    for name, url in (("TERMS_URL", terms_url), ("PRIVACY_URL", privacy_url)):
        parts = urlsplit(url)
        if url and (parts.scheme not in ("http", "https") or not parts.netloc or len(url) > MAX_URL
                    or any(c.isspace() for c in url)):
            raise ValueError(f"{name} must be an http(s) link such as https://example.org/{name[:-4].lower()}, "
                             f"not {url[:80]!r}")
    return Support(contact, terms_url, privacy_url)
