"""A seeded fuzz of every CLI command: 1,200 argument sets and a corpus of malformed files.

Every `python -m costmodel` command (compare, sla, recommend, models, evaluate, every `pilot`
subcommand, `usage`) runs in-process on generated arguments: flags taken from the parsers
themselves, values from a corpus of edge cases (nan, inf, -1, 1e13, huge, empty, non-ASCII,
far dates) and files from a corpus of malformed inputs (JSON nested 1,000 deep, surrogate
escapes, NULs, a 140 KB CSV field, wrong-shape reports, empty, binary, BOM, Latin-1, a
directory, corrupt ledgers). The promise for each call: exit 0, 1 or 2; no traceback and no
"unexpected failure" fallback; done within the per-call limit; no key in any output line.
Network: the batches and admin emulators on 127.0.0.1, or an unused loopback port.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import random
import signal
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from commands import main
from emulator import Emulator
from emulator.admin_api import AdminApiEmulator
from tests.commands.conftest import FAKE_ADMIN_KEY, FAKE_KEY, unused_port

ROOT = Path(__file__).resolve().parents[2]
SEED = 8
ARGUMENT_SETS = 1_200
PER_CALL_SECONDS = 10.0
SLEEP_CAP_SECONDS = 3_600.0
"""A CLI that asks to sleep longer than this in one go (e.g. `--poll-seconds inf`) counts as a hang [s]."""

NUMBERS = ["0", "1", "-1", "0.5", "1.5", "2", "24", "100", "1e13", "1e308", "-1e308", "1e-320", "nan", "inf",
           "-inf", "NaN", "Infinity", "1,000", "1_000", "0x10", "9" * 400, "", " ", "abc", "é", "💥", "--",
           "-0", "3.0e", "1e99999"]  # fmt: skip
DATES = ["2026-10-01", "2026-10-31", "0001-01-01", "9999-12-31", "2026-02-30", "2026-13-01", "26-10-01", "today"]
PILOT_REFS = ["latest", "pilot-nope", "", "../../etc/passwd", "pilot-" + "x" * 300, "💥", "%s%n", "'; DROP TABLE p"]


@dataclass(frozen=True)
class Command:
    """One CLI command: its argv prefix and the argparse actions it takes."""

    prefix: tuple[str, ...]
    positionals: tuple[argparse.Action, ...]
    options: tuple[argparse.Action, ...]


ONLINE_FLAGS = frozenset({"--refresh-prices"})
"""Flags that reach the internet by design (opt-in price refresh): never fuzzed, tests stay on loopback."""


def _actions(parser: argparse.ArgumentParser) -> tuple[tuple[argparse.Action, ...], tuple[argparse.Action, ...]]:
    skip = (argparse._HelpAction, argparse._SubParsersAction)
    acts = [a for a in parser._actions if not isinstance(a, skip) and not ONLINE_FLAGS & set(a.option_strings)]
    return tuple(a for a in acts if not a.option_strings), tuple(a for a in acts if a.option_strings)


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def all_commands() -> list[Command]:
    """Every command, read from the parsers (a new flag is fuzzed without touching this file)."""
    from commands.plan import build_parser

    commands = []
    for name, sub in _subparsers(build_parser()).items():
        nested = _subparsers(sub)
        if not nested:
            commands.append(Command((name,), *_actions(sub)))
            continue
        _, top_options = _actions(sub)  # e.g. `pilot --ledger`, valid before and after the subcommand
        for inner, parser in nested.items():
            positionals, options = _actions(parser)
            commands.append(Command((name, inner), positionals, options + top_options))
    return commands


def write_corpus(folder: Path) -> dict[str, list[str]]:
    """Malformed (and a few good) input files by role; every path absolute, under `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    deep = "[" * 1000 + "]" * 1000
    request = {
        "custom_id": "a1",
        "params": {"model": "claude-haiku-4-5", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]},
    }
    good_line = json.dumps(request)
    page = {"data": [{"starting_at": "2026-10-01T00:00:00Z", "results": [{"model": "claude-sonnet-4-5"}]}]}
    files: dict[str, bytes] = {
        "deep.json": deep.encode(),
        "deep.jsonl": (good_line + "\n" + deep + "\n").encode(),
        "deep_object.json": ('{"a":' * 2000 + "1" + "}" * 2000).encode(),
        "surrogate.jsonl": good_line.replace('"hi"', '"hi \\ud800"').encode() + b"\n",
        "surrogate_id.jsonl": good_line.replace('"a1"', '"a\\udfff"').encode() + b"\n",
        "surrogate_texts.jsonl": b'{"id": "a", "text": "x \\udc00"}\n',
        "nul.jsonl": good_line.encode() + b"\n\x00\x00\x00\n" + good_line.replace("a1", "a2").encode(),
        "nul.csv": b"timestamp,model,input_tokens,output_tokens\n2026-10-01,\x00claude,1,1\n",
        "huge_field.csv": b"id,text\nx1," + b"a" * 140_000 + b"\n",
        "huge_usage_field.csv": b"timestamp,model,input_tokens,output_tokens\n2026-10-01,claude-sonnet-4-5,1,"
        + b"9" * 140_000
        + b"\n",
        "huge_header.csv": b'timestamp,model,input_tokens,output_tokens,"' + b"h" * 140_000 + b'"\n',
        "span.csv": b"timestamp,model,input_tokens,output_tokens\n0001-01-01T00:00:00Z,claude-sonnet-4-5,100,10\n"
        b"9999-12-31T00:00:00Z,claude-sonnet-4-5,100,10\n",
        "wrong_data.json": b'{"data": 5, "has_more": false}',
        "wrong_bucket.json": b'{"data": [5], "has_more": false}',
        "wrong_results.json": b'{"data": [{"starting_at": "2026-10-01T00:00:00Z", "results": 5}], "has_more": false}',
        "strings.json": b'["a", "b"]',
        "page_no_tokens.json": json.dumps(page).encode(),
        "scenario_wrong.json": b'{"name": "x", "workflows": [{"input_tokens": "many"}]}',
        "scenario_huge.json": json.dumps(
            {"name": "x", "workflows": [{"input_tokens": 1e300, "output_tokens": 1e300, "requests_per_day": 1e300}]}
        ).encode(),
        "template_deep.json": deep.encode(),
        "template_bad.json": b'{"model": 5, "max_tokens": -1}',
        "empty.json": b"",
        "empty.csv": b"",
        "blank.jsonl": b"\n\n  \n",
        "binary.bin": bytes(random.Random(SEED).randrange(256) for _ in range(4096)),
        "bom.json": b"\xef\xbb\xbf" + json.dumps({"name": "x", "workflows": []}).encode(),
        "bom_requests.jsonl": b"\xef\xbb\xbf" + good_line.encode() + b"\n",
        "latin1.csv": "timestamp,model,input_tokens,output_tokens\n2026-10-01,modèle,1,1\n".encode("latin-1"),
        "latin1.jsonl": '{"custom_id": "é"}\n'.encode("latin-1"),
        "not_a_db.sqlite3": b"this is not a database" * 100,
        "corrupt.sqlite3": b"SQLite format 3\x00" + b"\xff" * 4000,
    }
    paths = {}
    for name, content in files.items():
        path = folder / name
        path.write_bytes(content)
        paths[name] = str(path)
    directory = folder / "a_directory"
    directory.mkdir(exist_ok=True)
    missing = str(folder / "missing" / "nothing.json")
    samples = {
        "requests": str(ROOT / "data/pilot/sample_requests.jsonl"),
        "texts": str(ROOT / "data/pilot/sample_texts.csv"),
        "template": str(ROOT / "data/pilot/sample_template.json"),
        "preset": str(ROOT / "data/presets/contract-review.json"),
        "usage": str(ROOT / "data/usage/request_log_2026-10.csv"),
        "report": str(ROOT / "data/usage/admin_usage_report_2026-10.json"),
    }
    bad = [*paths.values(), str(directory), missing]
    return {
        "input": [*bad, *samples.values(), samples["requests"], samples["requests"], samples["texts"]],
        "template": [samples["template"]] * 4 + [paths["template_deep.json"], paths["template_bad.json"], *bad[:8]],
        "scenario": [samples["preset"]] * 3 + bad,
        "usage": [samples["usage"], samples["report"], samples["usage"], *bad],
        "ledger": [paths["not_a_db.sqlite3"], paths["corrupt.sqlite3"], str(directory), missing],
        "out": [str(folder / "out.json"), str(directory), missing, str(folder / "out2.jsonl")],
    }


ROLE_FOR_DEST = {
    "file": "scenario", "input": "input", "files": "usage", "template": "template", "plan": "scenario",
    "to_scenario": "out", "out": "out", "ledger": "ledger",
}  # fmt: skip


def _value(action: argparse.Action, rng: random.Random, corpus: dict[str, list[str]], urls: dict[str, str]) -> str:
    role = ROLE_FOR_DEST.get(action.dest)
    if role is not None:
        return rng.choice(corpus[role])
    if action.dest == "pilot":
        return rng.choice(PILOT_REFS)
    if action.dest == "admin_base_url":
        return rng.choice([urls["admin"], urls["admin"], urls["unused"], "not a url", "ftp://127.0.0.1:1"])
    if action.choices is not None and rng.random() < 0.8:
        return str(rng.choice(list(action.choices)))
    if action.dest in ("as_of", "start", "end"):
        return rng.choice(DATES)
    if action.dest in ("model_share", "tag_share"):
        return rng.choice(["claude-sonnet-4-5=0.5", "x=2", "=0.5", "a=nan", "noequals", "a=b=0.1"])
    if action.dest in ("model", "label", "name", "scenario_name", "pattern", "require_keys"):
        return rng.choice(["claude-sonnet-4-6", "claude-haiku-4-5", "nope", "", "x" * 500, "(", "[a-", "💥", "a,b"])
    return rng.choice(NUMBERS)


def argument_sets(
    commands: list[Command], corpus: dict[str, list[str]], urls: dict[str, str], count: int
) -> Iterator[tuple[list[str], dict[str, str]]]:
    """`count` seeded (argv, environment) pairs over every command."""
    rng = random.Random(SEED)
    keys = [FAKE_KEY, FAKE_KEY, FAKE_KEY + "\r\n", FAKE_KEY[:10] + "\x01" + FAKE_KEY[10:], ""]
    admin_keys = [FAKE_ADMIN_KEY, FAKE_ADMIN_KEY + "\r", FAKE_ADMIN_KEY[:10] + "\n" + FAKE_ADMIN_KEY[10:], ""]
    for i in range(count):
        command = commands[i % len(commands)]
        argv = list(command.prefix)
        for action in command.positionals:
            if rng.random() < 0.93:
                nargs = rng.choice([1, 1, 1, 2]) if action.nargs in ("*", "+") else 1
                argv += [_value(action, rng, corpus, urls) for _ in range(nargs)]
        options = list(command.options)
        for action in rng.sample(options, k=min(len(options), rng.choice([0, 1, 2, 3, 4, 6]))):
            flag = rng.choice(action.option_strings)
            if action.nargs == 0:
                argv.append(flag)
            else:
                argv += [flag, _value(action, rng, corpus, urls)]
        takes_yes = any("--yes" in a.option_strings for a in command.options)
        if takes_yes and rng.random() < 0.7:
            argv.append("--yes")
        if rng.random() < 0.05:
            argv.insert(rng.randrange(len(argv) + 1), rng.choice(["--nope", "-x", "--json=1", "—", "--help"]))
        env = {
            "ANTHROPIC_API_KEY": rng.choice(keys),
            "ANTHROPIC_ADMIN_KEY": rng.choice(admin_keys),
            "ANTHROPIC_BASE_URL": rng.choice([urls["batches"], urls["batches"], urls["batches"], urls["unused"]]),
        }
        yield argv, env


class Hang(BaseException):
    """The per-call time limit passed, or the CLI asked to sleep for ever.

    A BaseException, not an Exception: the CLIs' last-resort `except Exception` must not swallow it.
    """


def _alarm(signum: int, frame: Any) -> None:
    raise Hang(f"over {PER_CALL_SECONDS:g} s")


def _fake_sleep(seconds: float) -> None:
    """Sleeps are the CLIs' own pacing (polls, retries): bounded here, and an unbounded one is a hang."""
    if not math.isfinite(seconds) or seconds > SLEEP_CAP_SECONDS:
        raise Hang(f"asked to sleep {seconds!r} s")
    time.sleep(min(max(seconds, 0.0), 0.02))


@pytest.fixture
def emulators(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    import anthropic  # noqa: F401 - imported once here (≈3 s, more under load), not charged to one call's limit

    from pilot.runner import Runner
    from tests.usageimport import samples
    from usageimport.fetch import fetch_reports

    monkeypatch.setitem(Runner.__init__.__kwdefaults__, "sleep", _fake_sleep)
    monkeypatch.setitem(fetch_reports.__kwdefaults__, "sleep", _fake_sleep)
    daily = samples.daily_usage()
    with (
        Emulator(turnaround_seconds=0.3, seed=SEED, result_mix={"succeeded": 0.7, "errored": 0.2, "expired": 0.1},
                 bad_output_share=0.2) as batches,  # fmt: skip
        AdminApiEmulator(usage_buckets=samples.usage_buckets(daily), admin_key=FAKE_ADMIN_KEY) as admin,
    ):
        yield {"batches": batches.base_url, "admin": admin.base_url, "unused": f"http://127.0.0.1:{unused_port()}"}


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _strict_json(text: str) -> bool:
    """True for one JSON document without NaN or Infinity (what a machine reading --json can parse)."""
    try:
        json.loads(text, parse_constant=_refuse_constant)
    except ValueError:
        return False
    return True


def _run_bounded(argv: list[str]) -> tuple[int | str, str, str, float]:
    """`run_cli` under a SIGALRM limit; a hang or an escaped exception comes back as its own code."""
    previous: Callable[..., Any] | int | None = signal.signal(signal.SIGALRM, _alarm)
    out, err = io.StringIO(), io.StringIO()
    started = time.monotonic()
    signal.setitimer(signal.ITIMER_REAL, PER_CALL_SECONDS)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
    except SystemExit as exc:  # argparse's --help
        code = exc.code if isinstance(exc.code, int) else 0
    except Hang as exc:
        code, err = "hang", io.StringIO(f"{err.getvalue()[-600:]} … {exc}")
    except Exception as exc:  # escaped main(): that is a traceback for a user
        code, err = "traceback", io.StringIO(f"{type(exc).__name__}: {exc}")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    return code, out.getvalue(), err.getvalue(), time.monotonic() - started


def test_every_cli_command_answers_any_input_without_a_traceback_a_hang_or_a_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, emulators: dict[str, str]
) -> None:
    monkeypatch.chdir(tmp_path)  # a relative output path written by a command lands here
    corpus = write_corpus(tmp_path / "corpus")
    commands = all_commands()
    assert {c.prefix[-1] for c in commands} >= {
        "compare", "sla", "recommend", "models", "evaluate", "usage", "validate", "estimate", "submit", "status",
        "wait", "results", "report", "list", "cancel", "retry-failed",
    }  # fmt: skip
    secrets = [FAKE_KEY, FAKE_ADMIN_KEY, FAKE_KEY[10:], FAKE_ADMIN_KEY[10:]]
    failures: list[str] = []
    codes: Counter[str] = Counter()
    per_command: Counter[str] = Counter()
    seconds_per_command: Counter[str] = Counter()
    slowest = (0.0, "")
    for argv, env in argument_sets(commands, corpus, emulators, ARGUMENT_SETS):
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        code, out, err, seconds = _run_bounded(argv)
        codes[str(code)] += 1
        name = " ".join(argv[:2] if argv[0] == "pilot" else argv[:1])
        per_command[name] += 1
        seconds_per_command[name] += seconds
        slowest = max(slowest, (seconds, " ".join(argv)))
        text = out + err
        problem = None
        if code in ("hang", "traceback") or "Traceback (most recent call last)" in text:
            problem = f"{code} ({env['ANTHROPIC_BASE_URL']}): {err.strip()[-600:]}"
        elif code not in (0, 1, 2):
            problem = f"exit {code}"
        elif "unexpected failure" in text or "error: unexpected " in text:
            problem = f"fallback message: {err.strip()[-300:]}"
        elif any(s in text for s in secrets):
            problem = "a key in the output"
        elif code == 0 and "--json" in argv and not {"--help", "-h"} & set(argv) and not _strict_json(out):
            problem = f"--json output is not strict JSON (NaN/Infinity or text): {out[:200]!r}"
        if problem is not None:
            failures.append(f"{argv!r}: {problem}")
    figures = (
        f"{ARGUMENT_SETS} argument sets over {len(commands)} commands; exit codes {dict(codes)}; "
        f"tracebacks {codes['traceback']}, hangs {codes['hang']}; slowest {slowest[0]:.2f} s ({slowest[1][:120]})"
    )
    print(figures)
    print({k: round(v, 1) for k, v in seconds_per_command.most_common()})
    for path in tmp_path.rglob("*"):  # the ledger, results, scenario and copies the commands wrote
        if path.is_file() and path.stat().st_size < 50_000_000:
            content = path.read_bytes()
            if any(s.encode() in content for s in secrets):
                failures.append(f"a key in the file {path}")
    assert not failures, f"{len(failures)} of {ARGUMENT_SETS} failed ({figures}):\n" + "\n".join(failures[:40])
    assert codes["0"] > 50, f"too few argument sets reach a command's work: {figures}"
