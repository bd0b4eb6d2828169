"""The URL codec for shareable scenarios: round trips, compactness and clear errors."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from costmodel.prices import CustomPrices
from costmodel.workflow import SlaSpec, Workflow
from ui.sharing import MAX_PARAM_CHARS, ShareLinkError, decode, encode

BASE = Workflow(name="contract review", requests_per_day=500, input_tokens=15_000, output_tokens=800)


@pytest.mark.parametrize(
    "workflow",
    [
        BASE,
        BASE.model_copy(update={"success_rate": 0.9, "retry_route": "batch", "max_batch_rounds": 3}),
        Workflow(
            name="custom ünïcode",
            requests_per_month=50_000,
            input_tokens=2_000,
            output_tokens=150,
            custom_prices=CustomPrices(input_usd_per_mtok=1.5, output_usd_per_mtok=7.25),
            sla=SlaSpec(sla_hours=30, kind="soft"),
        ),
    ],
)
def test_round_trip(workflow: Workflow) -> None:
    token = encode(workflow)
    assert decode(Workflow, token) == workflow
    assert token.isascii()
    assert not set(token) & set("=+/")


@settings(max_examples=60, deadline=None)
@given(
    success_rate=st.floats(min_value=0.001, max_value=1.0),
    input_tokens=st.floats(min_value=0, max_value=1e6),
    per_day=st.floats(min_value=0, max_value=1e7),
    route=st.sampled_from(["sync", "batch"]),
)
def test_round_trip_property(success_rate: float, input_tokens: float, per_day: float, route: str) -> None:
    workflow = Workflow(
        requests_per_day=per_day,
        input_tokens=input_tokens,
        output_tokens=100,
        success_rate=success_rate,
        retry_route=route,  # type: ignore[arg-type]
    )
    assert decode(Workflow, encode(workflow)) == workflow


def test_encode_is_deterministic_and_compact() -> None:
    assert encode(BASE) == encode(BASE.model_copy())
    assert len(encode(BASE)) < 200


@pytest.mark.parametrize("token", ["", "not-base64!!", "AAAA", encode(BASE)[:10]])
def test_garbage_raises_a_clear_error(token: str) -> None:
    with pytest.raises(ShareLinkError, match="link parameter 'w'"):
        decode(Workflow, token, key="w")


def test_invalid_model_lists_problems() -> None:
    from ui.sharing import encode as enc

    class Loose(Workflow.__base__):  # type: ignore[name-defined,misc]
        input_tokens: float
        success_rate: float

    token = enc(Loose(input_tokens=10, success_rate=1.5))
    with pytest.raises(ShareLinkError) as info:
        decode(Workflow, token, key="w")
    assert any("success_rate" in line for line in info.value.problems)


def test_too_long_is_rejected() -> None:
    with pytest.raises(ShareLinkError, match="too long"):
        decode(Workflow, "A" * (MAX_PARAM_CHARS + 1))


def _packed(text: str) -> str:
    import base64
    import zlib

    return base64.urlsafe_b64encode(zlib.compress(text.encode("utf-8"), 9)).decode("ascii").rstrip("=")


@pytest.mark.parametrize(
    "payload", ["[" * 1000 + "]" * 1000, '{"a":' * 5000 + "1" + "}" * 5000, '{"name": "\\ud800"}']
)
def test_deep_or_surrogate_json_in_a_short_link_is_a_clear_error(payload: str) -> None:
    token = _packed(payload)
    assert len(token) < 200  # a link anyone can type: 1,000 levels pack into a few dozen characters
    with pytest.raises(ShareLinkError, match="link parameter 'w'"):
        decode(Workflow, token, key="w")
