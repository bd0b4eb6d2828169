"""Reading result lines: any chunking gives the same records; unreadable lines are skipped and counted."""

from __future__ import annotations

import itertools
import json
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from pilot.runner import _result_records

RECORDS = [{"custom_id": f"c{i}", "result": {"type": "succeeded", "text": "é😀" * i}} for i in range(30)]
BAD = [
    b"garbage",
    b"\x00" * 64,
    b'{"result": {"type": "succeeded"}}',
    b"[1, 2]",
    b'{"custom_id": 5, "result": {}}',
    b"\xff\xfe not utf-8",
    b"[" * 5000 + b"]" * 5000,
]
GOOD = b"".join(json.dumps(r).encode() + b"\n" for r in RECORDS)
DATA = GOOD[: len(GOOD) // 2] + b"\n".join(BAD) + b"\n" + GOOD[len(GOOD) // 2 :] + b'{"custom_id": "half'


def read(chunks: list[bytes]) -> tuple[list[dict], Counter[str]]:
    problems: Counter[str] = Counter()
    return list(_result_records(chunks, problems)), problems


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=len(DATA)), max_size=40))
def test_any_chunking_reads_the_same_records(cuts) -> None:
    bounds = [0, *sorted(cuts), len(DATA)]
    records, problems = read([DATA[a:b] for a, b in itertools.pairwise(bounds)])
    whole, whole_problems = read([DATA])
    assert records == whole
    assert problems == whole_problems


def test_bad_lines_are_skipped_and_counted_and_a_half_line_is_left_for_later() -> None:
    records, problems = read([DATA])
    # the bad block cuts one record's line in two: its first half runs into the first bad line,
    # its second half is one more unreadable line
    assert len(records) == len(RECORDS) - 1
    assert problems["skipped_lines"] == len(BAD) + 1
    assert all(r in RECORDS for r in records)
