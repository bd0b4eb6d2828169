"""Bounded JSON: deep nesting and lone surrogate escapes are clear JSON errors, never RecursionError."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from costmodel import safejson
from costmodel.scenario import ScenarioError, scenario_from_json
from pilot.requests import validate_request_lines

DEEP = "[" * 1000 + "]" * 1000
DEEP_OBJECT = '{"a":' * 1000 + "1" + "}" * 1000


@pytest.mark.parametrize("text", [DEEP, DEEP_OBJECT, "[" * 100_000])
def test_deep_nesting_is_a_json_error_not_a_recursion_error(text: str) -> None:
    with pytest.raises(json.JSONDecodeError, match="nested deeper than 64"):
        safejson.loads(text)


def test_depth_limit_is_exact_and_ignores_brackets_in_strings() -> None:
    at_limit = "[" * safejson.MAX_JSON_DEPTH + "]" * safejson.MAX_JSON_DEPTH
    assert safejson.json_depth(at_limit) == safejson.MAX_JSON_DEPTH
    assert safejson.loads(at_limit) is not None
    with pytest.raises(safejson.JsonInputError):
        safejson.loads("[" + at_limit + "]")
    quoted = json.dumps({"text": "[" * 5_000 + '\\"{' * 100})
    assert safejson.loads(quoted) == json.loads(quoted)


@pytest.mark.parametrize("text", [r'"\ud800"', r'{"k\udfff": 1}', r'["\ud83d\ude00", "\udc00"]', r'"\ud83d x"'])
def test_lone_surrogate_escapes_are_refused_with_their_position(text: str) -> None:
    with pytest.raises(safejson.JsonInputError, match="unpaired surrogate") as info:
        safejson.loads(text)
    assert text[info.value.pos : info.value.pos + 2] == "\\u"


@pytest.mark.parametrize("text", [r'"\ud83d\ude00"', r'"\\ud800"', '"plain"', "[1, 2]"])
def test_valid_pairs_and_escaped_backslashes_still_parse(text: str) -> None:
    assert safejson.loads(text) == json.loads(text)


@settings(max_examples=150, derandomize=True)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda c: st.lists(c) | st.dictionaries(st.text(), c),
        max_leaves=20,
    )
)
def test_agrees_with_json_loads_on_ordinary_documents(value: object) -> None:
    text = json.dumps(value)
    assert safejson.loads(text) == json.loads(text)


def test_scenario_file_nested_1000_deep_is_one_clear_problem() -> None:
    with pytest.raises(ScenarioError) as info:
        scenario_from_json(DEEP, source="deep.json")
    assert info.value.problems == ["not usable JSON: nested deeper than 64 levels of [ ] and { }; flatten the data"]


def test_pilot_line_nested_deep_or_with_a_surrogate_is_a_line_problem() -> None:
    message = {"role": "user", "content": "hi"}
    params = {"model": "claude-haiku-4-5", "max_tokens": 5, "messages": [message]}
    good = json.dumps({"custom_id": "a1", "params": params})
    surrogate = good.replace('"hi"', r'"hi \ud800"').replace("a1", "a2")
    result = validate_request_lines([good, DEEP, surrogate])
    assert [(p.line, "nested deeper" in p.message or "surrogate" in p.message) for p in result.problems] == [
        (2, True),
        (3, True),
    ]
    assert len(result.requests) == 1
