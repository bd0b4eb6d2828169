"""A team server that is safe by default: operator opt-in, the visitor's own key, ceilings, owners, retention.

Page behaviour is checked with AppTest sessions on one ledger (two sessions = two visitors); the
operator's rules (settings, key shape, monthly ceiling, retention) are also checked directly.
"""

from __future__ import annotations

import os
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pilot.ledger import Ledger, PilotRow
from pilot.runner import BudgetRefused, PilotError, Runner
from tests.pilot.conftest import FAKE_KEY, SAMPLES
from tests.pilot.page_support import fresh_page_state, page, shown_text
from ui import operator
from ui.operator import OperatorSettings, identity_from, read_settings, typed_api_key

__all__ = ["fresh_page_state"]

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def _ledger(tmp_path: Path) -> Ledger:
    return Ledger(tmp_path / "home" / "ledger.sqlite3")


def record_pilot(
    book: Ledger,
    *,
    owner: str,
    worst_usd: float = 1.0,
    simulated: bool = False,
    created_at: datetime = NOW,
    endpoint: str = "https://api.anthropic.com",
    pilot_id: str | None = None,
) -> str:
    """A recorded (never sent) pilot of one request, straight into the ledger."""
    pilot_id = pilot_id or f"pilot-{owner.split(':')[-1][:8]}-{created_at:%Y%m%d%H%M%S}-{worst_usd:g}"
    requests = book.requests_path(pilot_id)
    requests.parent.mkdir(parents=True, exist_ok=True)
    requests.write_text('{"custom_id":"r1","params":{}}\n')
    row = PilotRow(
        pilot_id=pilot_id,
        created_at=created_at,
        label="secret-prompts.jsonl",
        source_name="secret-prompts.jsonl",
        content_hash=pilot_id,
        request_count=1,
        endpoint=endpoint,
        simulated=simulated,
        budget_usd=max(worst_usd, 5.0),
        estimate={"worst_case_batch_usd": worst_usd},
        check={},
        parent_pilot_id=None,
        report=None,
        owner=owner,
    )
    return book.add_pilot(row, [(0, 1, "r1", "r1")])


# --- operator settings ----------------------------------------------------------------------------------


def test_defaults_are_safe_sandbox_only_server_key_unused_small_ceilings() -> None:
    settings, problems = read_settings({}, {})
    assert settings == OperatorSettings()
    assert not settings.allow_real_api
    assert not settings.allow_server_key
    assert settings.max_budget_usd_per_pilot == 5.0
    assert settings.max_spend_usd_per_month == 50.0
    assert settings.upload_retention_days == 30.0
    assert problems == []


def test_settings_from_secrets_and_environment_which_wins() -> None:
    section = {"allow_real_api": True, "max_budget_usd_per_pilot": 2, "max_spend_usd_per_month": 20.0}
    environ = {"BATCH_PLANNER_MAX_BUDGET_USD_PER_PILOT": "3.5", "BATCH_PLANNER_ALLOW_SERVER_KEY": "yes"}
    settings, problems = read_settings(section, environ)
    assert settings.allow_real_api
    assert settings.allow_server_key
    assert settings.max_budget_usd_per_pilot == 3.5
    assert settings.max_spend_usd_per_month == 20.0
    assert problems == []


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("ALLOW_REAL_API", "maybe"),
        ("MAX_BUDGET_USD_PER_PILOT", "nan"),
        ("MAX_BUDGET_USD_PER_PILOT", "inf"),
        ("MAX_BUDGET_USD_PER_PILOT", "-1"),
        ("MAX_SPEND_USD_PER_MONTH", "1e13"),
        ("UPLOAD_RETENTION_DAYS", "0"),
        ("SANDBOX_TURNAROUND_SECONDS", "fast"),
    ],
)
def test_an_unreadable_setting_keeps_the_safe_default_and_says_which(name: str, raw: str) -> None:
    settings, problems = read_settings({}, {f"BATCH_PLANNER_{name}": raw})
    assert settings == OperatorSettings()
    assert len(problems) == 1
    assert f"BATCH_PLANNER_{name}" in problems[0]
    assert "using" in problems[0]


def test_unknown_secrets_setting_is_named() -> None:
    _, problems = read_settings({"allow_real_apis": True}, {})
    assert problems
    assert "allow_real_apis" in problems[0]
    assert "unknown" in problems[0]


def test_no_secrets_file_reads_as_defaults_without_crashing(monkeypatch) -> None:
    monkeypatch.delenv("BATCH_PLANNER_SANDBOX_TURNAROUND_SECONDS")
    settings, _ = operator.operator_settings()  # no .streamlit/secrets.toml in the repo or the test home
    assert settings == OperatorSettings()
    assert not operator.auth_configured()


# --- keys ----------------------------------------------------------------------------------------------


def test_key_is_stripped_of_surrounding_whitespace_and_line_breaks() -> None:
    assert typed_api_key(f"  {FAKE_KEY}\r\n") == (FAKE_KEY, None)
    assert typed_api_key("   ") == (None, None)


@pytest.mark.parametrize("bad", [FAKE_KEY[:12] + "\r\n" + FAKE_KEY[12:], FAKE_KEY + " x", FAKE_KEY + "é"])
def test_malformed_key_is_refused_with_a_message_that_never_contains_it(bad: str) -> None:
    key, message = typed_api_key(bad)
    assert key is None
    assert message
    assert "cannot be part of a key" in message
    assert "PILOTKEY" not in message
    assert bad.strip() not in message


# --- identity ------------------------------------------------------------------------------------------


def test_owner_is_the_signed_in_subject_else_the_browser_session() -> None:
    signed = identity_from({"is_logged_in": True, "iss": "https://idp.example", "sub": "42", "email": "a@b.c"}, "s")
    assert signed.owner == "oidc:https://idp.example#42"
    assert signed.signed_in
    assert signed.display == "a@b.c"
    assert identity_from({"email": "a@b.c"}, "session:x").owner == "session:x"  # claims without a login: no
    assert identity_from({"is_logged_in": False, "sub": "42"}, "session:x").owner == "session:x"


# --- ceilings ------------------------------------------------------------------------------------------


def test_monthly_commitment_sums_this_months_real_api_pilots_of_every_owner(tmp_path) -> None:
    book = _ledger(tmp_path)
    record_pilot(book, owner="session:a", worst_usd=10.0)
    record_pilot(book, owner="oidc:b", worst_usd=20.0)
    record_pilot(book, owner="session:a", worst_usd=7.0, simulated=True, endpoint="http://127.0.0.1:9")
    record_pilot(book, owner="session:a", worst_usd=30.0, created_at=NOW - timedelta(days=40))  # last month
    withdrawn = record_pilot(book, owner="local", worst_usd=40.0)
    book.set_state(withdrawn, 0, "withdrawn", NOW, "cancelled before sending", only_from="pending")
    assert operator.committed_this_month_usd(book, NOW) == pytest.approx(30.0)
    settings = OperatorSettings(max_spend_usd_per_month=50.0)
    assert operator.month_refusal(book, settings, 20.0, NOW) is None
    refusal = operator.month_refusal(book, settings, 20.01, NOW)
    assert refusal
    assert "$50.00" in refusal
    assert "max_spend_usd_per_month" in refusal


def test_prepare_and_submit_deletes_a_pilot_over_the_monthly_ceiling_before_sending(tmp_path, catalog) -> None:
    from ui import pilot_panel

    book = _ledger(tmp_path)
    record_pilot(book, owner="oidc:someone-else", worst_usd=49.99, created_at=datetime.now(UTC))  # this month's
    runner = Runner(book, api_key=FAKE_KEY, base_url="https://api.anthropic.com", owner="session:me")
    source = SAMPLES / "sample_requests.jsonl"
    with pytest.raises(BudgetRefused, match=r"monthly ceiling of \$50\.00"):
        pilot_panel.prepare_and_submit(runner, OperatorSettings(), lambda: runner.prepare(source, catalog))
    assert runner.pilots() == []  # recorded, refused, removed: nothing was sent (no client was ever made)
    assert runner._client is None


def test_prepare_and_submit_refuses_a_budget_over_the_per_pilot_ceiling_whatever_was_sent(tmp_path, catalog) -> None:
    from ui import pilot_panel

    runner = Runner(_ledger(tmp_path), api_key=FAKE_KEY, base_url="https://api.anthropic.com", owner="session:me")
    source = SAMPLES / "sample_requests.jsonl"
    with pytest.raises(BudgetRefused, match=r"ceiling of \$5\.00 per pilot"):
        pilot_panel.prepare_and_submit(
            runner, OperatorSettings(), lambda: runner.prepare(source, catalog, budget_usd=1_000_000.0)
        )
    assert runner.pilots() == []
    assert runner._client is None


def test_prepare_uses_the_estimate_the_page_showed_instead_of_estimating_again(tmp_path, catalog) -> None:
    runner = Runner(_ledger(tmp_path), owner="session:me")
    source = SAMPLES / "sample_requests.jsonl"
    estimated = runner.estimate(source, catalog)

    def no_second_estimate(*args: object, **kwargs: object) -> None:
        raise AssertionError("estimated twice")

    runner.estimate = no_second_estimate  # type: ignore[method-assign]
    pilot_id = runner.prepare(source, catalog, estimated=estimated)
    assert runner.ledger.pilot(pilot_id).estimate == estimated[1].model_dump(mode="json")  # type: ignore[union-attr]


# --- retention -----------------------------------------------------------------------------------------


def test_retention_deletes_old_uploads_and_old_web_pilots_only(tmp_path) -> None:
    book = _ledger(tmp_path)
    uploads = tmp_path / "home" / "uploads" / "abc"
    uploads.mkdir(parents=True)
    old_upload, new_upload = uploads / "old.jsonl", uploads / "new.jsonl"
    old_upload.write_text("x")
    new_upload.write_text("y")
    forty_days_ago = time.time() - 40 * 86400
    os.utime(old_upload, (forty_days_ago, forty_days_ago))
    old_web = record_pilot(book, owner="session:a", created_at=datetime.now(UTC) - timedelta(days=31))
    new_web = record_pilot(book, owner="session:a", created_at=datetime.now(UTC) - timedelta(days=1))
    old_cli = record_pilot(book, owner="local", created_at=datetime.now(UTC) - timedelta(days=90))
    removed: list[str] = []

    def remove(pilot_id: str) -> None:
        removed.append(pilot_id)
        Runner(book).delete_pilot(pilot_id)

    settings = OperatorSettings(upload_retention_days=30)
    count = operator.apply_retention(book, uploads.parent, settings, datetime.now(UTC), remove_pilot=remove, force=True)
    assert count == 2
    assert removed == [old_web]
    assert not old_upload.exists()
    assert new_upload.exists()
    assert {p.pilot_id for p in book.pilots()} == {new_web, old_cli}
    assert not book.pilot_dir(old_web).exists()
    # cheap on every page load: a second call within minutes does nothing
    assert operator.apply_retention(book, uploads.parent, settings, datetime.now(UTC), remove_pilot=remove) == 0


# --- the page ------------------------------------------------------------------------------------------


def test_out_of_the_box_the_page_offers_only_the_sandbox_even_with_a_server_key() -> None:
    at = page().run()  # ANTHROPIC_API_KEY is set in the environment (conftest)
    assert not at.exception
    assert "Target" not in [r.label for r in at.radio]
    assert not [t for t in at.text_input if t.label == "Anthropic API key"]
    assert any("real Anthropic API is off on this server" in c.value for c in at.caption)
    confirm = next(c for c in at.checkbox if c.label.startswith("Submit "))
    assert "SIMULATED" in confirm.label


def test_the_server_key_is_never_used_unless_the_operator_allows_it(monkeypatch) -> None:
    monkeypatch.setenv("BATCH_PLANNER_ALLOW_REAL_API", "1")
    at = page().run()
    at.radio[0].set_value("Anthropic API").run()
    assert [t for t in at.text_input if t.label == "Anthropic API key"]  # the visitor must type their own
    assert next(c for c in at.checkbox if c.label.startswith("Submit ")).disabled
    monkeypatch.setenv("BATCH_PLANNER_ALLOW_SERVER_KEY", "1")
    at.run()
    assert not [t for t in at.text_input if t.label == "Anthropic API key"]
    assert any("the server's own" in c.value for c in at.caption)
    assert not any("PILOTKEY" in text for text in shown_text(at))


def test_operator_settings_from_secrets_toml_reach_the_page() -> None:
    at = page()
    at.secrets["pilot"] = {"allow_real_api": True, "max_budget_usd_per_pilot": 2.0}
    at.run()
    assert not at.exception
    at.radio[0].set_value("Anthropic API").run()
    budget = next(n for n in at.number_input if n.label == "Budget cap [USD]")
    assert budget.max == 2.0
    assert budget.value == 2.0


def test_budget_cap_cannot_exceed_the_operators_ceiling(monkeypatch) -> None:
    monkeypatch.setenv("BATCH_PLANNER_ALLOW_REAL_API", "1")
    monkeypatch.setenv("BATCH_PLANNER_MAX_BUDGET_USD_PER_PILOT", "3")
    at = page().run()
    sandbox_budget = next(n for n in at.number_input if n.label == "Budget cap [USD]")
    sandbox_budget.set_value(500.0).run()  # the sandbox spends nothing: a large (fake) cap is fine there
    at.radio[0].set_value("Anthropic API").run()
    assert not at.exception
    budget = next(n for n in at.number_input if n.label == "Budget cap [USD]")
    assert budget.max == 3.0
    assert budget.value <= 3.0
    assert any("$3.00 per pilot" in c.value for c in at.caption)


def test_typed_malformed_key_is_refused_without_echo(monkeypatch) -> None:
    monkeypatch.setenv("BATCH_PLANNER_ALLOW_REAL_API", "1")
    at = page().run()
    at.radio[0].set_value("Anthropic API").run()
    bad = FAKE_KEY[:10] + "\n" + FAKE_KEY[10:]
    next(t for t in at.text_input if t.label == "Anthropic API key").input(bad).run()
    assert not at.exception
    assert any("cannot be part of a key" in e.value for e in at.error)
    assert not any("PILOTKEY" in text for text in shown_text(at))
    assert next(c for c in at.checkbox if c.label.startswith("Submit ")).disabled


def test_monthly_ceiling_refuses_on_the_page_with_a_clear_message(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("BATCH_PLANNER_ALLOW_REAL_API", "1")
    record_pilot(_ledger(tmp_path), owner="oidc:another-team", worst_usd=49.999, created_at=datetime.now(UTC))
    at = page().run()
    at.radio[0].set_value("Anthropic API").run()
    next(t for t in at.text_input if t.label == "Anthropic API key").input(FAKE_KEY).run()
    assert not at.exception
    assert any("monthly ceiling of $50.00" in e.value for e in at.error)
    assert next(c for c in at.checkbox if c.label.startswith("Submit ")).disabled
    assert not any("another-team" in text for text in shown_text(at))  # the other pilot itself stays private


def test_real_api_on_a_server_with_sign_in_requires_signing_in(monkeypatch) -> None:
    monkeypatch.setenv("BATCH_PLANNER_ALLOW_REAL_API", "1")
    at = page()
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x"}
    at.user = {"is_logged_in": False}
    at.run()
    at.radio[0].set_value("Anthropic API").run()
    assert not at.exception
    assert any("Sign in to use the real API" in w.value for w in at.warning)
    assert [b for b in at.button if b.label == "Sign in"]
    assert not [t for t in at.text_input if t.label == "Anthropic API key"]
    assert any("belong to this browser session" in c.value for c in at.caption)
    at.user = {"is_logged_in": True, "iss": "https://idp.example", "sub": "u-1", "email": "ann@example.com"}
    at.run()
    assert [t for t in at.text_input if t.label == "Anthropic API key"]
    assert any("Signed in as ann@example.com" in c.value for c in at.caption)
    assert [b for b in at.button if b.label == "Sign out"]


def _submit_and_finish(at) -> str:  # type: ignore[no-untyped-def]
    next(c for c in at.checkbox if c.label.startswith("Submit ")).check().run()
    next(b for b in at.button if b.label == "Submit pilot").click().run()
    assert not at.exception, [e.value for e in at.exception]
    submitted = [s.value for s in at.success if "Submitted" in s.value]
    assert submitted, [e.value for e in at.error]
    pilot_id = re.search(r"(pilot-[\w-]+)", submitted[0]).group(1)  # type: ignore[union-attr]
    deadline = time.monotonic() + 60  # generous: the machine is shared; the sandbox ends a batch in 0.5 s
    while time.monotonic() < deadline and not [b for b in at.button if b.label == "Use in plan"]:
        time.sleep(0.3)
        at.run()
    assert [b for b in at.button if b.label == "Use in plan"], [e.value for e in (*at.error, *at.warning)]
    return pilot_id


def test_a_second_session_never_sees_or_acts_on_the_first_sessions_pilot(tmp_path) -> None:
    first = page().run()
    pilot_id = _submit_and_finish(first)
    owner = first.session_state["bp_pilot_owner"]
    assert owner.startswith("session:")
    assert _ledger(tmp_path).pilot(pilot_id).owner == owner  # type: ignore[union-attr]

    second = page()
    second.session_state["bp_pilot_selected"] = pilot_id  # even when asked for it by id
    second.run()
    assert not second.exception
    assert second.session_state["bp_pilot_owner"] != owner
    assert any("No pilots yet" in i.value for i in second.info)
    assert not [b for b in second.button if b.label in ("Use in plan", "Cancel pilot", "Remove permanently")]
    assert not [d for d in second.get("download_button")]
    assert not any(pilot_id in text for text in shown_text(second))
    intruder = Runner(_ledger(tmp_path), owner=second.session_state["bp_pilot_owner"])
    for act in (intruder.status, intruder.cancel, intruder.delete_pilot, intruder.failed_custom_ids):
        with pytest.raises(PilotError):
            act(pilot_id)


def test_a_pilot_stuck_creating_after_a_restart_ends_clearly_and_can_be_removed(tmp_path) -> None:
    book = _ledger(tmp_path)
    me = "session:restarted"
    pilot_id = record_pilot(book, owner=me, simulated=True, endpoint="http://127.0.0.1:9")  # that sandbox is gone
    assert book.claim(pilot_id, 0, "token", datetime.now(UTC))  # the create was in flight when the app stopped
    upload = Path(tmp_path / "home" / "uploads")
    at = page(owner=me).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("ended as failed" in w.value and "submit the sample" in w.value for w in at.warning)
    assert not any("could not be" in e.value for e in at.error)
    assert book.parts(pilot_id)[0].state == "failed"
    next(b for b in at.button if b.label == "Remove permanently").click().run()
    assert not at.exception
    assert book.pilot(pilot_id) is None
    assert not book.pilot_dir(pilot_id).exists()
    assert any("No pilots yet" in i.value for i in at.info)
    assert not upload.exists() or not any(upload.rglob("*.jsonl"))


def test_removing_a_pilot_deletes_its_upload(tmp_path, monkeypatch) -> None:
    from ui import pilot_panel

    me = "session:uploader"
    folder = pilot_panel.uploads_dir(me)
    folder.mkdir(parents=True)
    upload = folder / "0123456789abcdef.jsonl"
    upload.write_text((SAMPLES / "sample_requests.jsonl").read_text())
    monkeypatch.setattr(pilot_panel, "source_picker", lambda owner: (upload, None, None))
    at = page(owner=me).run()
    _submit_and_finish(at)
    next(b for b in at.button if b.label == "Remove permanently").click().run()
    assert not at.exception
    assert not upload.exists()
    assert _ledger(tmp_path).pilots() == []


def test_uploads_are_stored_owner_only(tmp_path) -> None:
    from ui import pilot_panel

    class Upload:
        name = "texts.JSONL"

        def getvalue(self) -> bytes:
            return b'{"custom_id":"a","params":{}}\n'

    path = pilot_panel._stash_upload(Upload(), "oidc:ann")
    assert path.suffix == ".jsonl"
    assert "ann" not in str(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    assert pilot_panel.uploads_dir("oidc:bob") != path.parent


# --- the container -------------------------------------------------------------------------------------


def test_dockerfile_runs_non_root_with_the_ledger_on_a_volume_and_a_health_check() -> None:
    lines = [line for line in (ROOT / "Dockerfile").read_text().splitlines() if not line.lstrip().startswith("#")]
    text = re.sub(r"\\\n\s*", " ", "\n".join(lines))  # join continuation lines
    instructions = [line.split(None, 1) for line in text.splitlines() if line.strip()]
    keywords = [parts[0].upper() for parts in instructions]
    args = {k: [p[1] for p in instructions if p[0].upper() == k] for k in set(keywords)}
    assert args["FROM"][0].startswith("python:3.11-slim")
    assert any("pip install" in run and "." in run.split() for run in args["RUN"])
    users = args.get("USER", [])
    assert users
    assert users[-1].split(":")[0] not in ("root", "0")
    assert keywords.index("USER") < keywords.index("CMD")
    assert any("BATCH_PLANNER_HOME=/data" in env for env in args["ENV"])
    assert any("/data" in volume for volume in args["VOLUME"])
    assert any("/_stcore/health" in check for check in args["HEALTHCHECK"])
    cmd = args["CMD"][-1]
    for part in ("streamlit", "run", "app.py", "--server.headless", "--server.address", "0.0.0.0"):
        assert part in cmd
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert ".streamlit/secrets.toml" in ignored
    assert ".venv" in ignored
    assert "secrets.toml" in (ROOT / ".gitignore").read_text()


def test_the_containers_server_flags_are_streamlits_own_and_show_visitors_no_error_details() -> None:
    """Every flag of the image's `streamlit run` is one Streamlit's own command line parses (a misspelt flag would
    stop the container at start), and an unexpected error shows visitors of the team server no traceback, code or
    file path (`client.showErrorDetails`: Streamlit's default `full` shows all three); the server's log keeps it."""
    import json

    from streamlit import config
    from streamlit.web import cli

    cmd_line = next(line for line in (ROOT / "Dockerfile").read_text().splitlines() if line.startswith("CMD "))
    cmd = json.loads(cmd_line.removeprefix("CMD "))
    assert cmd[:2] == ["streamlit", "run"]
    parsed = cli.main_run.make_context("run", cmd[2:]).params  # raises on a flag Streamlit does not know
    assert parsed["target"] == "app.py"
    assert parsed["server_port"] == 8501
    details = parsed["client_showErrorDetails"]
    assert details in {option.value for option in config.ShowErrorDetailsConfigOptions}
    assert details == config.ShowErrorDetailsConfigOptions.NONE


def test_secrets_example_documents_every_setting_and_stays_safe() -> None:
    import tomllib

    example = tomllib.loads((ROOT / ".streamlit" / "secrets.toml.example").read_text())
    settings, problems = read_settings(example["pilot"], {})
    assert problems == []
    assert set(example["pilot"]) == {f for f in OperatorSettings.__dataclass_fields__}
    assert not settings.allow_server_key


def test_a_real_api_pilot_without_a_key_shows_its_stored_state_and_how_to_refresh(tmp_path) -> None:
    me = "session:no-key-now"
    record_pilot(_ledger(tmp_path), owner=me, created_at=datetime.now(UTC))
    at = page(owner=me).run()  # the real API is off here, so no key can be given
    assert not at.exception, [e.value for e in at.exception]
    assert any("runs on the Anthropic API" in i.value for i in at.info)
    assert not [b for b in at.button if b.label == "Cancel pilot"]
    assert not any("could not be" in e.value for e in at.error)


def test_a_ledger_that_is_not_a_ledger_is_one_line_on_the_page_never_a_traceback(tmp_path) -> None:
    path = tmp_path / "home" / "ledger.sqlite3"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"this is not a database\n" * 100)
    at = page().run()
    assert not at.exception, [e.value for e in at.exception]
    errors = [e.value for e in at.error]
    assert any("not a Batch Planner ledger" in e for e in errors), errors
    assert all("\n" not in e and "Traceback" not in e for e in errors)


def test_counting_tokens_calls_the_api_once_per_sample_set_not_on_every_rerun(monkeypatch, emu) -> None:
    monkeypatch.setenv("BATCH_PLANNER_ALLOW_REAL_API", "1")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", emu.base_url)  # the emulator stands in for the API (loopback)
    at = page().run()
    at.radio[0].set_value("Anthropic API").run()
    next(t for t in at.text_input if t.label == "Anthropic API key").input(FAKE_KEY).run()
    next(c for c in at.checkbox if c.label.startswith("Count input tokens")).check().run()
    assert not at.exception, [e.value for e in at.exception]
    counted = sum(1 for _, path in emu.request_log if path.endswith("/count_tokens"))
    assert counted == 20  # one per request of the shipped sample
    next(n for n in at.number_input if n.label == "Budget cap [USD]").set_value(4.0).run()
    at.run()
    assert sum(1 for _, path in emu.request_log if path.endswith("/count_tokens")) == counted
    assert any("token-counting endpoint" in (m.help or "") for m in at.metric if m.label == "Input tokens")


def test_the_price_catalog_cache_stays_bounded_whatever_discounts_links_ask_for(monkeypatch) -> None:
    from ui import data

    loads: list[float] = []
    monkeypatch.setattr(data, "load_catalog", lambda *, as_of, batch_discount, **_: loads.append(batch_discount))
    data.catalog(batch_discount=0.3)
    data.catalog(batch_discount=0.3)
    assert loads == [0.3]
    for i in range(20):  # e.g. twenty shared links, each with its own ?a= discount
        data.catalog(batch_discount=0.31 + i / 100)
    data.catalog(batch_discount=0.3)
    assert loads.count(0.3) == 2  # the oldest entry was dropped, so the cache cannot grow without bound


def test_an_unexpected_failure_is_one_line_on_the_page_never_a_traceback(monkeypatch) -> None:
    from ui import pilot_panel

    def broken(owner: str) -> None:
        raise RuntimeError(f"boom\n  with {FAKE_KEY} inside")

    monkeypatch.setattr(pilot_panel, "source_picker", broken)
    at = page().run()
    assert not at.exception, [e.value for e in at.exception]
    errors = [e.value for e in at.error]
    assert errors == ["The new pilot could not be prepared: RuntimeError: boom; with [key] inside"]
