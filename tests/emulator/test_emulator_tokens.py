"""The emulator's simulated token count of a text: its rule, by hand and against a run-by-run statement of it."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emulator.batches import _sim_text_tokens


def by_runs(text: str) -> int:
    """The rule as written, one run at a time: ASCII letters 2 a token, digits 1 each, a space run 1, anything
    else (ASCII punctuation, non-ASCII) its UTF-8 bytes."""
    tokens = 0
    for run in re.findall(r"[A-Za-z]+|[0-9]+|[ \t\r\n]+|[\x00-\x7f]|[^\x00-\x7f]", text):
        if run[0].isascii() and run[0].isalpha():
            tokens += -(-len(run) // 2)
        elif run[0].isascii() and run[0].isdigit():
            tokens += len(run)
        elif run[0] in " \t\r\n":
            tokens += 1
        else:
            tokens += len(run.encode("utf-8", errors="surrogatepass"))
    return tokens


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("", 0),
        ("ab", 1),
        ("abc", 2),
        ("abc de", 2 + 1 + 1),
        ("2026", 4),
        ("a \t\r\n b", 1 + 1 + 1),
        ("x!?", 1 + 2),
        ("é", 2),
        ("漢字", 6),
        ("👩‍💻", 4 + 3 + 4),
        ("\ud800", 3),  # a lone surrogate is billed, not an error
        ("Clause 1. ", 3 + 1 + 1 + 1 + 1),
    ],
)
def test_counts_by_hand(text: str, tokens: int) -> None:
    assert _sim_text_tokens(text) == tokens


ALPHABET = st.sampled_from([*'aZq09 \t\r\n!.{}"\\é漢👩\u200d\x00\x7f', "\ud800"])


@given(st.text(ALPHABET, max_size=60))
def test_agrees_with_the_rule_run_by_run(text: str) -> None:
    assert _sim_text_tokens(text) == by_runs(text)
