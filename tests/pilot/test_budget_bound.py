"""The pilot's budget cap is a true upper bound: the worst case bounds what the batch can bill.

Unit tests show each old undercount (text bytes, documents, images, cache writes, server tools,
tool definitions, thinking, the long-context tier); property tests drive the emulator through the
real SDK and check billed ≤ worst case for every generated request.
"""

from __future__ import annotations

import base64
import json
import random
from typing import Any

import anthropic
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from costmodel.limits import WEB_SEARCH_USD_PER_USE
from pilot.report import ReportAccumulator
from pilot.requests import (
    COUNT_TOKENS_LABEL,
    OFFLINE_ESTIMATE_LABEL,
    RequestStats,
    offline_input_tokens,
    validate_request,
    validate_request_lines,
)
from pilot.spend import budget_decision, estimate_spend
from tests.pilot.conftest import FAKE_KEY

MODEL = "claude-haiku-4-5"
CJK = "漢字仮名交じり文の試験"  # 3 UTF-8 bytes a character
EMOJI = "🙂👍🏽🚀"  # 4 bytes a code point (the skin tone is a code point of its own)


def request_line(custom_id: str = "r1", **params: Any) -> str:
    body: dict[str, Any] = {"model": MODEL, "max_tokens": 100, "messages": [{"role": "user", "content": "hi"}]}
    body.update(params)
    return json.dumps({"custom_id": custom_id, "params": body})


def stats(**params: Any) -> RequestStats:
    result = validate_request_lines([request_line(**params)])
    assert not result.problems, result.problems
    return result.requests[0]


def user(*blocks: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"role": "user", "content": list(blocks)}]


def utf8(text: str) -> int:
    return len(text.encode("utf-8"))


# --- text: a UTF-8 byte is a ceiling for any script -----------------------------------------------


@pytest.mark.parametrize(
    "text", [CJK * 300, EMOJI * 300, "e\u0301" * 1000, "x" * 3000], ids=["cjk", "emoji", "combining", "ascii"]
)
def test_text_input_is_bounded_by_its_utf8_bytes_for_any_script(text: str) -> None:
    tokens, _ = offline_input_tokens({"model": MODEL, "max_tokens": 1, "messages": [{"role": "user", "content": text}]})
    assert tokens >= utf8(text)  # "1 token per 3 bytes" undercounted CJK 1.5x and emoji 2.25x


def test_text_document_is_bounded_by_the_bytes_of_its_text() -> None:
    data = "Clause 1. " * 48_000  # 480 KB: was counted as one 1,600-token media block
    document = {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": data}}
    req = stats(messages=user(document, {"type": "text", "text": "Summarise."}))
    assert req.input_tokens_offline is not None
    assert req.input_tokens_offline >= utf8(data)


def test_document_title_context_and_content_blocks_count_too() -> None:
    inner = [{"type": "text", "text": CJK * 100}]
    document = {
        "type": "document",
        "title": CJK * 50,
        "context": CJK * 50,
        "source": {"type": "content", "content": inner},
    }
    req = stats(messages=user(document))
    assert req.input_tokens_offline is not None
    assert req.input_tokens_offline >= utf8(CJK * 200)


def test_a_base64_image_gets_the_documented_cap_however_small_its_bytes() -> None:
    tiny_png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 40).decode()  # a huge blank image compresses well
    image = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": tiny_png}}
    req = stats(messages=user(image))
    assert req.input_tokens_offline is not None
    # ~1,600 tokens after the documented resize; newer high-resolution models reach ~4,800.
    assert req.input_tokens_offline >= 4_800


@pytest.mark.parametrize(
    ("block", "fragment"),
    [
        ({"type": "image", "source": {"type": "url", "url": "https://example.com/a.png"}}, "URL"),
        ({"type": "image", "source": {"type": "file", "file_id": "file_1"}}, "file"),
        ({"type": "document", "source": {"type": "url", "url": "https://example.com/a.pdf"}}, "URL"),
        ({"type": "document", "source": {"type": "file", "file_id": "file_1"}}, "file"),
        (
            {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBERi0x"}},
            "PDF",
        ),
    ],
)
def test_content_without_an_offline_bound_needs_the_token_counting_endpoint(
    catalog, block: dict[str, Any], fragment: str
) -> None:
    req = stats(messages=user(block, {"type": "text", "text": "Describe."}))
    assert req.input_tokens_offline is None
    assert req.offline_gap is not None
    assert fragment in req.offline_gap
    assert "count" in req.offline_gap  # says how to fix it: count tokens (or inline the content)
    with pytest.raises(ValueError, match="count"):
        estimate_spend([req], catalog)
    counted = estimate_spend([req], catalog, counted_input_tokens=[2_000])
    assert counted.input_tokens == 2_000
    assert counted.input_tokens_source == COUNT_TOKENS_LABEL


# --- cache writes ----------------------------------------------------------------------------------

BREAKPOINT = {"type": "ephemeral", "ttl": "1h"}


@pytest.mark.parametrize(
    "params",
    [
        {"tools": [{"name": "lookup", "input_schema": {"type": "object"}, "cache_control": BREAKPOINT}]},
        {"system": [{"type": "text", "text": "You are terse.", "cache_control": BREAKPOINT}]},
        {"messages": user({"type": "text", "text": "hi", "cache_control": BREAKPOINT})},
        {"cache_control": {"type": "ephemeral"}},
    ],
    ids=["tools", "system", "message", "automatic"],
)
def test_every_cache_breakpoint_prices_the_whole_input_at_the_1h_write_rate(catalog, params: dict[str, Any]) -> None:
    req = stats(**params)
    assert req.uses_cache_control  # a breakpoint on tools was not seen at all
    pricing = catalog.get(MODEL)
    tokens = req.input_tokens_offline
    assert tokens is not None
    expected = pricing.request_cost_usd(
        "batch", uncached_input_tokens=0.0, cache_write_1h_tokens=float(tokens), output_tokens=100
    )
    assert estimate_spend([req], catalog).worst_case_batch_usd == pytest.approx(float(expected))


# --- tools -----------------------------------------------------------------------------------------


def test_tool_definitions_add_their_json_bytes_and_the_tool_use_system_prompt() -> None:
    tool = {"name": "classify", "description": CJK * 200, "input_schema": {"type": "object", "properties": {}}}
    req = stats(tools=[tool])
    plain = stats()
    assert req.input_tokens_offline is not None
    assert plain.input_tokens_offline is not None
    # the tool's JSON (non-ASCII escaped: 6 bytes a character) plus the 346-token tool-use system prompt
    assert req.input_tokens_offline - plain.input_tokens_offline >= len(json.dumps(tool)) + 346


def test_web_search_fees_count_every_allowed_use_at_the_full_price(catalog) -> None:
    search = {"type": "web_search_20250305", "name": "web_search", "max_uses": 5}
    req = stats(tools=[search])
    assert req.web_search_uses == 5
    estimate = estimate_spend([req], catalog)
    assert estimate.web_search_usd == pytest.approx(5 * 0.01)  # $10 per 1,000, no batch discount
    assert estimate.worst_case_batch_usd > 5 * 0.01
    assert not budget_decision(estimate, 0.05).allowed


@pytest.mark.parametrize(
    ("tool", "fragment"),
    [
        ({"type": "web_search_20250305", "name": "web_search"}, "max_uses"),
        ({"type": "web_fetch_20250910", "name": "web_fetch", "max_uses": 2}, "max_content_tokens"),
        ({"type": "code_execution_20250825", "name": "code_execution"}, "code execution"),
        ({"type": "mystery_tool_20990101", "name": "x"}, "mystery_tool_20990101"),
    ],
)
def test_server_tools_without_a_bound_are_refused(tool: dict[str, Any], fragment: str) -> None:
    body = {"model": MODEL, "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}], "tools": [tool]}
    problems = validate_request({"custom_id": "a", "params": body})
    assert any(fragment in p for p in problems), problems


def test_web_fetch_with_limits_is_bounded_by_its_content_tokens() -> None:
    fetch = {"type": "web_fetch_20250910", "name": "web_fetch", "max_uses": 2, "max_content_tokens": 5_000}
    req = stats(tools=[fetch])
    assert req.server_tool_result_tokens >= 2 * 5_000
    assert req.server_tool_iterations == 3


def test_mcp_servers_are_refused() -> None:
    body = {
        "model": MODEL,
        "max_tokens": 10,
        "messages": [{"role": "user", "content": "hi"}],
        "mcp_servers": [{"type": "url", "url": "https://example.com/mcp", "name": "x"}],
    }
    assert any("mcp_servers" in p for p in validate_request({"custom_id": "a", "params": body}))


# --- output, tier, residency, labels ---------------------------------------------------------------


def test_a_thinking_budget_above_max_tokens_is_the_output_bound(catalog) -> None:
    req = stats(max_tokens=1_000, thinking={"type": "enabled", "budget_tokens": 4_000})
    assert req.output_tokens_ceiling >= 4_000
    assert estimate_spend([req], catalog).max_output_tokens >= 4_000


def test_the_long_context_tier_is_chosen_from_the_upper_bound(catalog) -> None:
    model = "claude-sonnet-4-5"
    pricing = catalog.get(model)
    assert pricing.long_context is not None
    threshold = pricing.long_context.threshold_input_tokens
    text = CJK * (threshold * 95 // 100 // len(CJK))  # ~190k characters of CJK: 570 kB
    req = stats(model=model, max_tokens=10, messages=[{"role": "user", "content": text}])
    assert req.input_tokens_offline is not None
    assert req.input_tokens_offline > threshold  # 1 token per 3 bytes put it under the threshold
    tier_price = pricing.long_context.batch.input_usd_per_mtok
    worst = estimate_spend([req], catalog).worst_case_batch_usd
    assert worst >= req.input_tokens_offline * tier_price / 1e6


def test_data_residency_multiplies_the_token_costs(catalog) -> None:
    plain = estimate_spend([stats()], catalog).worst_case_batch_usd
    geo = estimate_spend([stats(inference_geo="us")], catalog).worst_case_batch_usd
    assert geo == pytest.approx(1.1 * plain)


def test_the_label_says_which_kind_of_bound_it_is(catalog) -> None:
    req = stats()
    offline = estimate_spend([req], catalog)
    counted = estimate_spend([req], catalog, counted_input_tokens=[3])
    assert offline.input_tokens_source == OFFLINE_ESTIMATE_LABEL
    assert "upper bound" in OFFLINE_ESTIMATE_LABEL
    assert "byte" in OFFLINE_ESTIMATE_LABEL
    assert counted.input_tokens_source == COUNT_TOKENS_LABEL
    assert counted.input_tokens == 3


# --- the bound holds against the emulator's bills, through the real SDK -----------------------------

SCRIPTS = {
    "ascii": "The quick brown fox jumps over the lazy dog 1234567890. ",
    "punctuation": "{}[]<>!?;:#@$%^&*()~|",
    "cjk": CJK,
    "emoji": EMOJI,
    "combining": "e\u0301a\u0300o\u0308",
    "mixed": "naïve café Ωmega 数据 🙂 ",
}
MODELS = ("claude-haiku-4-5", "claude-sonnet-4-5", "claude-haiku-5-5", "claude-sonnet-4-6")


BYTE_PER_TOKEN_SCRIPTS = ("punctuation", "cjk", "emoji", "combining")
"""Scripts the emulator bills at one token per UTF-8 byte: a prompt of them lands where its bytes say."""


def generated_text(rng: random.Random, size_bytes: int, scripts: tuple[str, ...] = tuple(SCRIPTS)) -> str:
    unit = SCRIPTS[rng.choice(scripts)]
    repeats = max(1, size_bytes // utf8(unit))
    start = rng.randrange(len(unit))
    return (unit[start:] + unit * repeats)[: max(1, repeats * len(unit))]


def generated_block(rng: random.Random, size_bytes: int) -> dict[str, Any]:
    kind = rng.choice(["text", "text", "document", "image", "tool_result"])
    if kind == "document":
        source = {"type": "text", "media_type": "text/plain", "data": generated_text(rng, size_bytes)}
        block: dict[str, Any] = {"type": "document", "source": source, "title": generated_text(rng, 40)}
    elif kind == "image":
        data = base64.b64encode(rng.randbytes(rng.randint(8, 400))).decode()
        block = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": data}}
    elif kind == "tool_result":
        block = {"type": "tool_result", "tool_use_id": "toolu_1", "content": generated_text(rng, size_bytes)}
    else:
        block = {"type": "text", "text": generated_text(rng, size_bytes)}
    if rng.random() < 0.2:
        block["cache_control"] = {"type": "ephemeral", "ttl": rng.choice(["5m", "1h"])}
    return block


def generated_params(rng: random.Random, catalog: Any) -> dict[str, Any]:
    """One request mixing scripts, documents, images, tools with breakpoints, web search, thinking, big prompts."""
    model = rng.choice(MODELS)
    tier = catalog.get(model).long_context
    size = rng.choice([20, 200, 2_000, 20_000])
    near = tier is not None and rng.random() < 0.12  # near the long-context threshold, either side
    params: dict[str, Any] = {"model": model, "max_tokens": rng.choice([1, 64, 700, 4_000])}
    if rng.random() < 0.6:
        params["system"] = (
            generated_text(rng, 300)
            if rng.random() < 0.5
            else [{"type": "text", "text": generated_text(rng, 300), "cache_control": {"type": "ephemeral"}}]
        )
    first = [generated_block(rng, size)] + [generated_block(rng, 200) for _ in range(rng.randint(0, 2))]
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": first if rng.random() < 0.7 else generated_text(rng, size)}
    ]
    if near and tier is not None:
        size = int(tier.threshold_input_tokens * rng.uniform(0.9, 1.05))
        messages[0]["content"] = generated_text(rng, size, BYTE_PER_TOKEN_SCRIPTS)
    if rng.random() < 0.3:
        messages += [
            {"role": "assistant", "content": generated_text(rng, 300)},
            {"role": "user", "content": [generated_block(rng, 300)]},
        ]
    params["messages"] = messages
    tools: list[dict[str, Any]] = []
    if rng.random() < 0.4:
        tool = {"name": "record", "description": generated_text(rng, 600), "input_schema": {"type": "object"}}
        if rng.random() < 0.5:
            tool["cache_control"] = {"type": "ephemeral", "ttl": "1h"}
        tools.append(tool)
    if rng.random() < 0.25:
        tools.append({"type": "web_search_20250305", "name": "web_search", "max_uses": rng.randint(1, 3)})
    if rng.random() < 0.1:
        tools.append({"type": "web_fetch_20250910", "name": "web_fetch", "max_uses": 1, "max_content_tokens": 3_000})
    if tools:
        params["tools"] = tools
    if params["max_tokens"] >= 2_048 and rng.random() < 0.5:
        params["thinking"] = {"type": "enabled", "budget_tokens": 1_024}
    if rng.random() < 0.1:
        params["cache_control"] = {"type": "ephemeral"}
    if rng.random() < 0.08:  # content only the counting endpoint can bound
        messages[0]["content"] = [
            {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.png"}},
            {"type": "text", "text": "Describe it."},
        ]
    return params


def billed_usd(usage: Any, model: str, catalog: Any) -> float:
    """What the emulator billed for one result: its usage at batch prices, plus web search fees [USD]."""
    write_1h = usage.cache_creation.ephemeral_1h_input_tokens if usage.cache_creation else 0
    write_total = usage.cache_creation_input_tokens or 0
    tokens = catalog.get(model).request_cost_usd(
        "batch",
        uncached_input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        cache_write_5m_tokens=write_total - write_1h,
        cache_write_1h_tokens=write_1h,
        cache_read_tokens=usage.cache_read_input_tokens or 0,
    )
    searches = usage.server_tool_use.web_search_requests if usage.server_tool_use else 0
    return float(tokens) + searches * WEB_SEARCH_USD_PER_USE


def bills_within_the_worst_case(requests: list[dict[str, Any]], *, client: Any, clock: Any, catalog: Any) -> int:
    """Submit `requests` and check each bill against its offline and counted worst case; returns requests checked."""
    lines = [json.dumps(r) for r in requests]
    validated = validate_request_lines(lines)
    assert not validated.problems, validated.problems
    by_id = {s.custom_id: s for s in validated.requests}
    limits: dict[str, list[float]] = {}
    for request in requests:
        stat = by_id[request["custom_id"]]
        keys = ("model", "messages", "system", "tools", "tool_choice", "thinking")
        counted = client.messages.count_tokens(**{k: request["params"][k] for k in keys if k in request["params"]})
        limits[stat.custom_id] = [
            estimate_spend([stat], catalog, counted_input_tokens=[counted.input_tokens]).worst_case_batch_usd
        ]
        if stat.input_tokens_offline is not None:
            limits[stat.custom_id].append(estimate_spend([stat], catalog).worst_case_batch_usd)
    batch = client.messages.batches.create(requests=requests)
    clock.advance(61)
    checked = 0
    for result in client.messages.batches.results(batch.id):
        assert result.result.type == "succeeded"
        message = result.result.message
        bill = billed_usd(message.usage, message.model, catalog)
        for worst in limits[result.custom_id]:
            assert bill <= worst, (result.custom_id, bill, worst, message.usage)
        checked += 1
    assert checked == len(requests)
    return checked


@pytest.fixture
def sdk(emu):
    with anthropic.Anthropic(api_key=FAKE_KEY, base_url=emu.base_url, max_retries=0) as client:
        yield client


GENERATED_REQUESTS = 300
"""Size of the seeded corpus: the README's "budget held in N/N generated requests"."""


def test_budget_held_for_every_request_of_a_seeded_generated_corpus(sdk, clock, catalog) -> None:
    rng = random.Random(20261130)
    corpus = [{"custom_id": f"g{i:04d}", "params": generated_params(rng, catalog)} for i in range(GENERATED_REQUESTS)]
    checked = 0
    for start in range(0, GENERATED_REQUESTS, 100):
        checked += bills_within_the_worst_case(corpus[start : start + 100], client=sdk, clock=clock, catalog=catalog)
    assert checked == GENERATED_REQUESTS


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rng=st.randoms(use_true_random=False), count=st.integers(1, 4))
def test_budget_holds_for_generated_requests(sdk, clock, catalog, rng: random.Random, count: int) -> None:
    requests = [{"custom_id": f"h{i}", "params": generated_params(rng, catalog)} for i in range(count)]
    assert bills_within_the_worst_case(requests, client=sdk, clock=clock, catalog=catalog) == count


# --- the runner: the cap the user sets is the cap the batch keeps ----------------------------------


def write_jsonl(path: Any, requests: list[dict[str, Any]]) -> Any:
    path.write_text("".join(json.dumps(r) + "\n" for r in requests), encoding="utf-8")
    return path


def test_a_cap_set_exactly_at_the_worst_case_holds_in_a_real_run(make_runner, clock, tmp_path, catalog) -> None:
    document = {
        "type": "document",
        "source": {"type": "text", "media_type": "text/plain", "data": "Clause 1. " * 12_000},
    }
    cached_tool = {"name": "record", "input_schema": {"type": "object"}, "cache_control": BREAKPOINT}
    search = {"type": "web_search_20250305", "name": "web_search", "max_uses": 2}
    params: list[dict[str, Any]] = [
        {"messages": user(document, {"type": "text", "text": "Summarise."})},
        {"messages": [{"role": "user", "content": CJK * 2_000}], "tools": [cached_tool]},
        {"messages": [{"role": "user", "content": EMOJI * 1_000}], "max_tokens": 2_000},
        {"messages": [{"role": "user", "content": "Find the news."}], "tools": [search]},
        {"system": [{"type": "text", "text": "punctuation!" * 500, "cache_control": BREAKPOINT}]},
    ]
    base = {"model": MODEL, "max_tokens": 100, "messages": [{"role": "user", "content": "hi"}]}
    requests = [{"custom_id": f"c{i}", "params": {**base, **p}} for i, p in enumerate(params)]
    source = write_jsonl(tmp_path / "hard.jsonl", requests)
    runner = make_runner()
    _, estimate = runner.estimate(source, catalog)
    pilot_id = runner.prepare(source, catalog, budget_usd=estimate.worst_case_batch_usd)
    runner.submit(pilot_id)
    clock.advance(61)
    runner.wait(pilot_id, poll_seconds=60)
    runner.download(pilot_id)
    report = runner.report(pilot_id, catalog)
    assert report.counts["succeeded"] == len(requests)
    assert 0 < report.batch_cost_usd <= estimate.worst_case_batch_usd


def test_content_without_an_offline_bound_is_estimated_only_with_counted_tokens(make_runner, tmp_path, catalog) -> None:
    from pilot.runner import ValidationFailed

    image = {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.png"}}
    request = {"custom_id": "u1", "params": {"model": MODEL, "max_tokens": 10, "messages": user(image)}}
    source = write_jsonl(tmp_path / "url.jsonl", [request])
    runner = make_runner()
    with pytest.raises(ValidationFailed) as refused:
        runner.estimate(source, catalog)
    assert "count" in str(refused.value.result.problems[0])
    _, counted = runner.estimate(source, catalog, count_tokens=True)
    assert counted.input_tokens_source == COUNT_TOKENS_LABEL
    assert counted.input_tokens > 0


def test_the_pilot_report_bills_web_searches(catalog) -> None:
    usage = {"input_tokens": 1_000, "output_tokens": 10, "server_tool_use": {"web_search_requests": 3}}
    record = {"custom_id": "a", "result": {"type": "succeeded", "message": {"model": MODEL, "usage": usage}}}
    acc = ReportAccumulator(catalog)
    acc.add(record)
    report = acc.finish(request_count=1, turnaround_hours=[0.1])
    tokens = catalog.get(MODEL).request_cost_usd("batch", uncached_input_tokens=1_000, output_tokens=10)
    assert report.batch_cost_usd == pytest.approx(float(tokens) + 3 * WEB_SEARCH_USD_PER_USE)


def test_the_cli_estimate_names_search_fees_and_the_assumption_behind_them(capsys, tmp_path) -> None:
    from commands import pilot as cli

    search = {"type": "web_search_20250305", "name": "web_search", "max_uses": 2}
    messages = [{"role": "user", "content": "Find the news."}]
    request = {"custom_id": "w1", "params": {"model": MODEL, "max_tokens": 10, "messages": messages, "tools": [search]}}
    source = write_jsonl(tmp_path / "search.jsonl", [request])
    assert cli.main(["estimate", str(source)]) == 0
    out = capsys.readouterr().out
    assert "web search fees: $0.02 (2 searches" in out  # formatting.usd_small
    assert "assumes a web search adds at most 25,000 input tokens" in out
