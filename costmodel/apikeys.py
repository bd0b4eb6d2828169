"""API keys from the environment or a form: stripped, checked, and kept out of every message.

A key pasted with its line ending (`sk-ant-admin…\\r\\n`) is the common case: surrounding
whitespace is stripped. Anything else that cannot travel in an HTTP header (a control
character, a space, a non-ASCII character such as a smart quote) is refused with a message
that names the position and the character's code, never the key. `scrub` removes keys from
text as a last line of defence. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["KeyFormatError", "clean_api_key", "scrub"]

_REDACTED = "[key]"
_MIN_SCRUB_CHARS = 6
"""Shorter strings are not scrubbed (they would blank ordinary words) [characters]."""


class KeyFormatError(ValueError):
    """A key that cannot be sent; the message names where it came from and what is wrong, never the key."""


def clean_api_key(raw: str | None, *, source: str) -> str | None:
    """`raw` without surrounding whitespace; None when empty. Raises KeyFormatError for an unusable key.

    `source` names where the key came from (e.g. `ANTHROPIC_ADMIN_KEY`), for the message.
    """
    if raw is None:
        return None
    key = raw.strip()
    if not key:
        return None
    for position, char in enumerate(key, start=1):
        if not (0x21 <= ord(char) <= 0x7E):
            kind = "a control character" if ord(char) < 0x20 or ord(char) == 0x7F else "a character"
            raise KeyFormatError(
                f"{source} contains {kind} (U+{ord(char):04X} at position {position} of {len(key)}) that cannot be "
                "part of a key: copy the key again from the Console, without line breaks, spaces or quotes"
            )
    return key


def scrub(text: str, keys: Iterable[str | None]) -> str:
    """`text` with every key (and its stripped form) replaced by `[key]`."""
    for key in keys:
        if not key:
            continue
        for form in {key, key.strip()}:
            if len(form) >= _MIN_SCRUB_CHARS:
                text = text.replace(form, _REDACTED)
                text = text.replace(repr(form.encode("utf-8", "replace"))[2:-1], _REDACTED)
    return text
