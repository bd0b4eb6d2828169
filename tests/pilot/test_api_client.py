"""`pilot.api.make_client`: the real SDK client, verified TLS, built cheaply enough for every poll."""

from __future__ import annotations

import ssl

import pytest

from pilot import api
from tests.pilot.conftest import FAKE_KEY


def test_clients_share_one_verified_tls_context_instead_of_building_one_each(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loading the CA bundle into a new context costs ~40 ms of CPU; the runner, every command and every poll of the
    Live pilot page make a client. Three clients build at most one context between them, and it verifies."""
    built: list[ssl.SSLContext] = []
    create = ssl.create_default_context

    def counting(*args: object, **kwargs: object) -> ssl.SSLContext:
        context = create(*args, **kwargs)  # type: ignore[arg-type]
        built.append(context)
        return context

    monkeypatch.setattr(ssl, "create_default_context", counting)
    clients = [api.make_client(api_key=FAKE_KEY, base_url="https://api.anthropic.com") for _ in range(3)]
    try:
        assert len(built) <= 1, f"{len(built)} TLS contexts built for 3 clients"
        shared = api.tls_context()
        assert shared.verify_mode == ssl.CERT_REQUIRED
        assert shared.check_hostname is True
        assert shared.get_ca_certs() or shared.cert_store_stats()["x509_ca"] > 0, "no CA certificates loaded"
    finally:
        for client in clients:
            client.close()
    assert all(client.is_closed() for client in clients), "closing the client closes its own HTTP client"
