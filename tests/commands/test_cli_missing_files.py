"""A file that is not there gets one sentence, the same under every command: `<file>: no such file; check the path`,
exit 2 (bad input), whichever command or flag named it (`costmodel.errors.unreadable_file`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.commands.conftest import run_cli

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = str(ROOT / "data" / "pilot" / "sample_requests.jsonl")
USAGE_LOG = str(ROOT / "data" / "usage" / "request_log_2026-10.csv")
SENTENCE = "no such file; check the path"


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["pilot", "validate", "{missing}"], "{missing}"),
        (["pilot", "estimate", "{missing}"], "{missing}"),
        (["pilot", "validate", SAMPLE, "--template", "{missing}"], "{missing}"),
        (["usage", "{missing}"], "{missing}"),
        (["usage", USAGE_LOG, "--plan", "{missing}"], "--plan {missing}"),
        (["evaluate", "{missing}"], "{missing}"),
        (["export", "{missing}", "--format", "csv"], "{missing}"),
        (["sla", "--deadline", "09:00", "--timezone", "UTC", "--arrivals-from", "{missing}"],
         "--arrivals-from {missing}"),
    ],
)  # fmt: skip
def test_a_missing_file_is_one_sentence_and_exit_2_under_every_command(
    tmp_path: Path, argv: list[str], named: str
) -> None:
    missing = str(tmp_path / "nope.jsonl")
    code, _, err = run_cli([a.format(missing=missing) for a in argv])
    assert code == 2, err
    assert err.strip().splitlines() == [f"error: {named.format(missing=missing)}: {SENTENCE}"]


def test_a_folder_given_as_a_file_says_so(tmp_path: Path) -> None:
    for argv in (["pilot", "validate", str(tmp_path)], ["usage", str(tmp_path)], ["evaluate", str(tmp_path)]):
        code, _, err = run_cli(argv)
        assert code == 2, (argv, err)
        assert err.strip() == f"error: {tmp_path}: is a folder; give a file", argv
