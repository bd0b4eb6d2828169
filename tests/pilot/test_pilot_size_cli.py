"""`pilot estimate` says how big the pilot should be (issue 12): from the expected success rate or a pilot's k/n."""

from __future__ import annotations

import json

import pytest

from tests.pilot.conftest import SAMPLES
from tests.pilot.conftest import run_pilot as _run

SAMPLE = str(SAMPLES / "sample_requests.jsonl")


def test_estimate_sizes_the_pilot_from_an_earlier_pilots_counts(capsys: pytest.CaptureFixture[str]) -> None:
    flags = ["--json", "--success-from-pilot", "190/200", "--break-even", "0.88"]
    code, out, err = _run(capsys, "estimate", SAMPLE, *flags)
    assert code == 0, err
    size = json.loads(out)["pilot_size"]
    # 1.645² · 0.95 · 0.05 / 0.02² = 321.3 → 322 requests; 200 already measured
    assert size["requests_for_precision"] == 322
    assert size["requests_already"] == 200
    assert size["requests_to_decide"] == 27
    assert "this sample set has 20 requests (102 short)" in size["statement"]


def test_estimate_text_names_the_assumed_rate(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "estimate", SAMPLE)
    assert code == 0
    line = next(x for x in out.splitlines() if x.startswith("pilot size: "))
    # at the assumed 90 %: 1.645² · 0.9 · 0.1 / 0.02² = 608.8 → 609
    assert "about 609 requests" in line
    assert "is an assumption" in line


@pytest.mark.parametrize(
    ("flags", "fragment"),
    [
        (["--precision", "2"], "--precision"),
        (["--expected-success-rate", "1.5"], "--expected-success-rate = 1.5"),
        (["--success-from-pilot", "0.9:0.95"], "--success-from-pilot takes K/N"),
        (["--success-from-pilot", "201/200"], "cannot exceed"),
        (["--break-even", "0"], "--break-even = 0.0"),
    ],
)
def test_bad_pilot_size_flags_exit_2_in_one_line(
    capsys: pytest.CaptureFixture[str], flags: list[str], fragment: str
) -> None:
    code, out, err = _run(capsys, "estimate", SAMPLE, *flags)
    assert code == 2
    assert out == ""
    assert fragment in err
    assert len(err.strip().splitlines()) == 1
