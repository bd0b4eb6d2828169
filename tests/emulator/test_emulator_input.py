"""The emulator answers hostile bodies as the real API would: a clear 400, never a dead handler thread."""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit

import pytest

from emulator.batches import Emulator

DEEP = "[" * 5_000 + "]" * 5_000
SURROGATE = '{"model": "claude-haiku-4-5", "messages": [{"role": "user", "content": "\\ud800"}], "max_tokens": 5}'


def _post(emu: Emulator, path: str, body: str) -> tuple[int, dict[str, object]]:
    url = urlsplit(emu.base_url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    try:
        headers = {"x-api-key": "sk-test", "content-type": "application/json"}
        conn.request("POST", path, body=body.encode(), headers=headers)
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        conn.close()


@pytest.mark.parametrize("path", ["/v1/messages/batches", "/v1/messages", "/v1/messages/count_tokens"])
@pytest.mark.parametrize("body", [DEEP, SURROGATE], ids=["nested-5000-deep", "lone-surrogate"])
def test_hostile_json_bodies_get_a_400_with_an_error_body(emu: Emulator, path: str, body: str) -> None:
    status, payload = _post(emu, path, body)
    assert status == 400
    assert payload.get("type") == "error"
