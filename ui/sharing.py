"""Shareable links: a page's input model travels in the URL as one compact query parameter.

The codec is pure (`encode` / `decode`, round-trip tested): the model's non-default fields as compact
JSON, zlib-compressed, URL-safe base64 without padding. A link opened elsewhere decodes to an equal
model, so it shows the same numbers.

Pattern for a page (read at start, write on change):

    incoming = sharing.read_params(SlaInputs, "sla")      # None unless the URL carries a valid one
    if incoming is not None and sharing.params_changed("sla"):
        ...seed the page's widgets from `incoming`...      # a shared link, or a URL edited by hand
    inputs = <widgets → one validated model>
    sharing.write_params(inputs, "sla")                    # no-op when the URL already says this

`params_changed` is false for a value this session wrote itself, so a page's own writes never
re-seed its widgets.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from typing import TypeVar

import streamlit as st
from pydantic import BaseModel, ValidationError

from costmodel import safejson
from costmodel._base import Share, StrictModel
from costmodel.errors import problem_lines
from costmodel.limits import DEFAULT_BATCH_DISCOUNT
from ui import state

__all__ = [
    "ShareLinkError",
    "SharedAssumptions",
    "current",
    "decode",
    "encode",
    "params_changed",
    "read_params",
    "write_params",
]

M = TypeVar("M", bound=BaseModel)

MAX_PARAM_CHARS = 8_000
"""Longest accepted query parameter [characters]; browsers and proxies start truncating URLs near 8 KB."""
MAX_JSON_BYTES = 64_000
"""Largest decompressed payload [bytes]; guards against a compressed bomb in a hand-made link."""


class SharedAssumptions(StrictModel):
    """Scenario-wide assumptions a link carries beside its page's inputs (`?a=`, only when not the default)."""

    batch_discount: Share = DEFAULT_BATCH_DISCOUNT
    """Discount assumed for models without a published batch rate [share]."""

    def for_link(self) -> SharedAssumptions | None:
        """Self, or None when every value is the default (then the link leaves `?a=` out)."""
        return None if self == SharedAssumptions() else self


class ShareLinkError(ValueError):
    """A query parameter that does not decode to the expected model; `problems` has one line each."""

    def __init__(self, key: str, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"link parameter '{key}': " + "; ".join(problems))


def encode(model: BaseModel) -> str:
    """The model's non-default fields as a compact, URL-safe token (deterministic for equal models)."""
    data = model.model_dump(mode="json", exclude_defaults=True)
    text = json.dumps(data, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    packed = zlib.compress(text.encode("utf-8"), level=9)
    return base64.urlsafe_b64encode(packed).decode("ascii").rstrip("=")


def decode(model_cls: type[M], token: str, *, key: str = "param") -> M:
    """Inverse of `encode`; raises ShareLinkError saying what is wrong with the link."""
    if len(token) > MAX_PARAM_CHARS:
        raise ShareLinkError(key, [f"too long ({len(token):,} characters, at most {MAX_PARAM_CHARS:,})"])
    try:
        packed = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        inflater = zlib.decompressobj()
        raw = inflater.decompress(packed, MAX_JSON_BYTES)
        complete = inflater.eof and not inflater.unconsumed_tail
        data = safejson.loads(raw.decode("utf-8")) if complete else None
    except (binascii.Error, zlib.error, ValueError):  # ValueError covers JSON and UTF-8 errors
        data = None
    if data is None:
        raise ShareLinkError(key, ["not a Batch Planner link value (it may have been cut off when copied)"])
    try:
        return model_cls.model_validate(data)
    except ValidationError as exc:
        raise ShareLinkError(key, problem_lines(exc)) from None


WRITTEN_KEPT = 32
"""How many of its own values per parameter a session remembers: a rerun the browser sends before it has heard of
the newest link carries an older one of the session's own (one per quick change still in flight)."""


def _written() -> dict[str, list[str]]:
    written = st.session_state.get(state.SHARE_WRITTEN)
    if written is None:
        written = {}
        st.session_state[state.SHARE_WRITTEN] = written
    return written


def current(key: str) -> str | None:
    """The value `?key=` holds in the page URL now (None when absent or empty)."""
    value = st.query_params.get(key)
    return value if value else None


def read_params(model_cls: type[M], key: str) -> M | None:
    """The model carried by `?key=` in the page URL; None when absent or invalid (then a warning says why)."""
    token = current(key)
    if token is None:
        return None
    try:
        return decode(model_cls, token, key=key)
    except ShareLinkError as exc:
        st.warning(
            "This link's inputs could not be used, so the page shows the current scenario instead:\n\n"
            + "\n".join(f"- {line}" for line in exc.problems),
            icon=":material/link_off:",
        )
        return None


def params_changed(key: str) -> bool:
    """True when `?key=` holds a value this session never wrote: a shared link or a hand-edited URL.

    Any value the session wrote counts as its own, not only the last: after two quick changes the browser sends the
    second one's rerun with the address the first run replaced, and that older link must not win over the newer
    edit (the page would snap back to it)."""
    token = current(key)
    return token is not None and token not in _written().get(key, ())


def write_params(model: BaseModel | None, key: str) -> None:
    """Put `model` into `?key=` (None removes it); leaves the URL alone when it already says the same."""
    if model is None:  # what the session wrote stays its own: a late rerun may still carry it
        if key in st.query_params:
            del st.query_params[key]
        return
    token = encode(model)
    mine = _written().setdefault(key, [])
    if token in mine:
        mine.remove(token)
    mine.append(token)
    del mine[:-WRITTEN_KEPT]
    if current(key) != token:
        st.query_params[key] = token
