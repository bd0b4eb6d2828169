"""API keys: a pasted line ending is stripped; anything else unsendable is refused without showing the key."""

from __future__ import annotations

import pytest

from costmodel.apikeys import KeyFormatError, clean_api_key, scrub

KEY = "sk-ant-api03-SECRET-abc_DEF-123"


@pytest.mark.parametrize("raw", [KEY, f"{KEY}\r\n", f"{KEY}\n", f"{KEY}\r", f"  {KEY}\t", f"\n{KEY}"])
def test_surrounding_whitespace_is_stripped(raw: str) -> None:
    assert clean_api_key(raw, source="ANTHROPIC_API_KEY") == KEY


@pytest.mark.parametrize("raw", [None, "", " \r\n"])
def test_no_key_is_none(raw: str | None) -> None:
    assert clean_api_key(raw, source="ANTHROPIC_API_KEY") is None


@pytest.mark.parametrize("char", ["\x00", "\r", "\n", "\x1b", "\x7f", " ", "\u201c", "\u00e9", "\ud800"])
def test_an_unsendable_character_inside_is_named_by_position_never_with_the_key(char: str) -> None:
    raw = KEY[:10] + char + KEY[10:]
    with pytest.raises(KeyFormatError) as info:
        clean_api_key(raw, source="ANTHROPIC_API_KEY")
    message = str(info.value)
    assert "ANTHROPIC_API_KEY" in message
    assert f"U+{ord(char):04X} at position 11" in message
    assert "SECRET" not in message
    assert KEY[:10] not in message


def test_scrub_removes_the_key_its_stripped_form_and_its_bytes_repr() -> None:
    raw = KEY + "\r"
    text = f"Invalid header value {raw.encode()!r}; key {KEY}; raw {raw}"
    cleaned = scrub(text, [raw, None, ""])
    assert "SECRET" not in cleaned
    assert cleaned.count("[key]") == 3


def test_scrub_leaves_short_strings_alone() -> None:
    assert scrub("a b c", ["a"]) == "a b c"
