"""What a team server allows and whose pilots are whose: operator settings, visitor identity, keys, ceilings.

Safe by default. Out of the box the web pilot targets the SIMULATED sandbox only; the real API is
offered only when the operator enables it, in `.streamlit/secrets.toml`

    [pilot]
    allow_real_api = true            # offer the real Anthropic API on the Live pilot page
    allow_server_key = false         # true: visitors may spend the server's ANTHROPIC_API_KEY
    max_budget_usd_per_pilot = 5.0   # no visitor's cap may exceed it [USD]
    max_spend_usd_per_month = 50.0   # worst cases of this month's real-API pilots, all visitors [USD]
    upload_retention_days = 30       # uploads and web pilots are deleted after this [days]
    sandbox_turnaround_seconds = 15  # how long the sandbox takes to end a batch [s]

or in the environment (`BATCH_PLANNER_ALLOW_REAL_API=1`, `BATCH_PLANNER_MAX_BUDGET_USD_PER_PILOT=5`, ...:
the setting's name in capitals after `BATCH_PLANNER_`), which wins over the file. A value that cannot
be read falls back to the safe default, with a one-line message naming the setting.

Each pilot belongs to an owner: with Streamlit's built-in authentication (`[auth]` in
secrets.toml) the signed-in user ("oidc:<issuer>#<sub>"), otherwise this browser session
("session:<random>", kept only in session state). A visitor's API key is held only in that
session's memory and handed to the SDK; it is never written, logged, shown or put in the URL.
"""

from __future__ import annotations

import math
import os
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import streamlit as st

from costmodel import formatting as fmt
from costmodel.apikeys import KeyFormatError, clean_api_key
from ui import state

__all__ = [
    "Identity",
    "OperatorSettings",
    "apply_retention",
    "auth_configured",
    "committed_this_month_usd",
    "current_identity",
    "month_refusal",
    "operator_settings",
    "read_settings",
    "server_api_key",
    "typed_api_key",
]

ENV_PREFIX = "BATCH_PLANNER_"
SECRETS_SECTION = "pilot"


@dataclass(frozen=True)
class OperatorSettings:
    """The operator's decisions for the web pilot; the defaults are the safe ones."""

    allow_real_api: bool = False
    """Offer the real Anthropic API on the Live pilot page (otherwise the sandbox only)."""
    allow_server_key: bool = False
    """Let visitors spend the server's ANTHROPIC_API_KEY (otherwise each visitor types their own)."""
    max_budget_usd_per_pilot: float = 5.0
    """Ceiling on any visitor's budget cap for one real-API pilot [USD]."""
    max_spend_usd_per_month: float = 50.0
    """Ceiling on the summed worst cases of this calendar month's (UTC) real-API pilots, all owners [USD]."""
    upload_retention_days: float = 30.0
    """Uploads and finished web pilots (requests, results) are deleted this long after creation [days]."""
    sandbox_turnaround_seconds: float = 15.0
    """How long the SIMULATED sandbox takes to end a batch [s]."""


_BOUNDS: dict[str, tuple[float, float]] = {
    "max_budget_usd_per_pilot": (0.0, 100_000.0),
    "max_spend_usd_per_month": (0.0, 10_000_000.0),
    "upload_retention_days": (1.0, 3650.0),
    "sandbox_turnaround_seconds": (0.1, 3600.0),
}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _parse_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    return True if text in _TRUE else False if text in _FALSE else None


def _parse_number(value: Any, low: float, high: float) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(str(value).strip()) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and low <= number <= high else None


def read_settings(section: Mapping[str, Any], environ: Mapping[str, str]) -> tuple[OperatorSettings, list[str]]:
    """Settings from a secrets `[pilot]` section and the environment (which wins); plus one line per bad value.

    A bad value keeps the safe default: the real API stays off, the ceilings stay small.
    """
    defaults = OperatorSettings()
    values: dict[str, Any] = {}
    problems: list[str] = []
    known = {f.name for f in fields(OperatorSettings)}
    for name in sorted(set(section) - known):
        problems.append(f"[{SECRETS_SECTION}] {name}: unknown setting (known: {', '.join(sorted(known))}); ignored")
    for f in fields(OperatorSettings):
        env_name = ENV_PREFIX + f.name.upper()
        if env_name in environ:
            raw, where = environ[env_name], env_name
        elif f.name in section:
            raw, where = section[f.name], f"[{SECRETS_SECTION}] {f.name}"
        else:
            continue
        default = getattr(defaults, f.name)
        if isinstance(default, bool):
            parsed: Any = _parse_bool(raw)
            expected = "true or false"
        else:
            low, high = _BOUNDS[f.name]
            parsed = _parse_number(raw, low, high)
            expected = f"a number from {low:g} to {high:g}"
        if parsed is None:
            problems.append(f"operator setting {where} = {str(raw)[:40]!r} is not {expected}; using {default!r}")
            continue
        values[f.name] = parsed
    return OperatorSettings(**values), problems


def _secrets() -> Mapping[str, Any]:
    """Streamlit secrets, or {} when there is no secrets file (st.secrets raises then) or it cannot be read."""
    try:
        return st.secrets if st.secrets.load_if_toml_exists() else {}
    except Exception:  # a malformed secrets file must not take the page down; startup logs say why
        return {}


def operator_settings() -> tuple[OperatorSettings, list[str]]:
    """This server's settings (secrets `[pilot]` section, then `BATCH_PLANNER_*` environment variables)."""
    section = _secrets().get(SECRETS_SECTION, {})
    return read_settings(section if isinstance(section, Mapping) else {}, os.environ)


def auth_configured() -> bool:
    """True when secrets.toml has an `[auth]` section: Streamlit's built-in OIDC sign-in is set up."""
    return isinstance(_secrets().get("auth"), Mapping)


@dataclass(frozen=True)
class Identity:
    """Who is using the page: the owner id their pilots carry, and how it was established."""

    owner: str
    signed_in: bool
    display: str
    """A human label for the page ("you@example.com", "this browser session")."""


def identity_from(user: Mapping[str, Any], session_id: str) -> Identity:
    """The owner for `user` (st.user's claims): the signed-in OIDC subject, else the browser session."""
    if user.get("is_logged_in") is True:
        subject = str(user.get("sub") or user.get("email") or "")
        if subject:
            issuer = str(user.get("iss") or "")
            owner = f"oidc:{issuer}#{subject}" if issuer else f"oidc:{subject}"
            return Identity(owner=owner, signed_in=True, display=str(user.get("email") or user.get("name") or subject))
    return Identity(owner=session_id, signed_in=False, display="this browser session")


def current_identity() -> Identity:
    """The signed-in user when authentication is configured and they signed in; else this browser session."""
    if state.PILOT_OWNER not in st.session_state:
        st.session_state[state.PILOT_OWNER] = f"session:{uuid.uuid4()}"
    user: Mapping[str, Any] = {}
    if auth_configured():
        try:
            user = st.user.to_dict()
        except Exception:  # no script context (a bare import), or a user proxy without claims
            user = {}
    return identity_from(user, str(st.session_state[state.PILOT_OWNER]))


# --- keys ---------------------------------------------------------------------------------------------


def typed_api_key(raw: str | None) -> tuple[str | None, str | None]:
    """`(key, None)` for a usable typed key (surrounding whitespace stripped), `(None, message)` for a
    malformed one, `(None, None)` for none. The message never contains the key."""
    try:
        return clean_api_key(raw, source="The API key"), None
    except KeyFormatError as exc:
        return None, str(exc)


def server_api_key() -> str | None:
    """The server's own key (ANTHROPIC_API_KEY in the environment or secrets.toml), cleaned; None if absent/bad."""
    raw = os.environ.get("ANTHROPIC_API_KEY") or _secrets().get("ANTHROPIC_API_KEY")
    key, _ = typed_api_key(str(raw) if raw else None)
    return key


# --- ceilings -------------------------------------------------------------------------------------------


def _month_start(now: datetime) -> datetime:
    return now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _live(parts: list[Any]) -> bool:
    """True while a pilot may still spend or has spent: some part is not withdrawn nor failed unsent."""
    return any(p.state != "withdrawn" and not (p.state == "failed" and p.batch_id is None) for p in parts)


def committed_this_month_usd(ledger: Any, now: datetime, *, excluding: str | None = None) -> float:
    """Summed worst cases of this UTC calendar month's real-API pilots, every owner [USD].

    A pilot counts from the moment it is recorded (so two visitors cannot both pass the check)
    until it is withdrawn or its create was refused; its worst case is its pre-submit bound,
    or its budget when the ledger has no estimate.
    """
    start = _month_start(now)
    total = 0.0
    for row in ledger.pilots():
        if row.simulated or row.pilot_id == excluding or row.created_at < start:
            continue
        if _live(ledger.parts(row.pilot_id)):
            total += float(row.estimate.get("worst_case_batch_usd", row.budget_usd))
    return total


def month_refusal(
    ledger: Any, settings: OperatorSettings, worst_case_usd: float, now: datetime, *, excluding: str | None = None
) -> str | None:
    """Why a real-API pilot with this worst case [USD] would break the operator's monthly ceiling; None if it fits."""
    committed = committed_this_month_usd(ledger, now, excluding=excluding)
    ceiling = settings.max_spend_usd_per_month
    if committed + worst_case_usd <= ceiling + 1e-12:
        return None
    return (
        f"this pilot's worst case {fmt.usd_small(worst_case_usd)} would take this month's real-API pilots on this "
        f"server to {fmt.usd(committed + worst_case_usd)}, over the operator's monthly ceiling of {fmt.usd(ceiling)} "
        f"({fmt.usd(committed)} already committed): use a smaller sample set, wait until next month, "
        "or ask the operator to raise max_spend_usd_per_month"
    )


# --- retention ------------------------------------------------------------------------------------------

_RETENTION_EVERY_SECONDS = 600.0
_last_retention: dict[str, float] = {}


def apply_retention(
    ledger: Any,
    uploads_root: Path,
    settings: OperatorSettings,
    now: datetime,
    *,
    remove_pilot: Callable[[str], None],
    force: bool = False,
) -> int:
    """Delete uploads and web pilots older than the retention; returns how many were deleted.

    Cheap enough for a page load: it runs at most once every 10 minutes per ledger (unless
    `force`). Command-line pilots (owner "local") are never touched, nor pilots still pending.
    """
    key = str(ledger.path)
    clock = time.monotonic()
    if not force and clock - _last_retention.get(key, -math.inf) < _RETENTION_EVERY_SECONDS:
        return 0
    _last_retention[key] = clock
    cutoff = now - timedelta(days=settings.upload_retention_days)
    removed = 0
    if uploads_root.is_dir():
        for path in uploads_root.rglob("*"):
            try:
                if path.is_file() and datetime.fromtimestamp(path.stat().st_mtime, UTC) < cutoff:
                    path.unlink()
                    removed += 1
            except OSError:
                continue  # vanished meanwhile (another session), or not ours to delete: skip
    for row in ledger.pilots():
        if getattr(row, "owner", "local") == "local" or row.created_at >= cutoff:
            continue
        try:
            remove_pilot(row.pilot_id)
        except Exception:  # still in flight (the runner refuses), or locked: try again next time
            continue
        removed += 1
    return removed
