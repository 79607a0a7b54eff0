"""ApiClient: retries as Retry-After says, readable errors, the in-process transport."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from service import apiclient
from service.apiclient import ApiClient, ApiError, InProcessTransport, Reply, error_message
from service.engine import Engine
from service.settings import Settings


class Scripted:
    """A transport that answers from a list and records what it was sent."""

    def __init__(self, *replies: Reply) -> None:
        self.replies = list(replies)
        self.sent: list[tuple[str, dict[str, Any], dict[str, str]]] = []

    def post(self, path: str, body: dict[str, Any], headers: dict[str, str]) -> Reply:
        self.sent.append((path, body, headers))
        return self.replies.pop(0)


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits the client asked for, instead of waiting."""
    waited: list[float] = []
    monkeypatch.setattr(apiclient, "sleep", waited.append)
    return waited


OK: Reply = (200, {}, {"results": [], "demo": False})


def test_waits_as_long_as_retry_after_then_succeeds(sleeps: list[float]) -> None:
    busy: Reply = (503, {"Retry-After": "7"}, {"error": {"code": "overloaded", "message": "m"}})
    limited: Reply = (429, {"retry-after": "2"}, {"error": "too many"})
    transport = Scripted(busy, limited, OK)
    assert ApiClient(transport, "k3y").call("translate", {"text": "x"}) == OK[2]
    assert sleeps == [7.0, 2.0]
    assert [sent[0] for sent in transport.sent] == ["/v1/translate"] * 3
    assert transport.sent[0][2] == {"Authorization": "Bearer k3y"}


def test_gives_up_after_the_last_retry(sleeps: list[float]) -> None:
    busy: Reply = (503, {}, {"error": {"code": "overloaded", "message": "queue full"}})
    transport = Scripted(*[busy] * (apiclient.RETRIES + 1))
    with pytest.raises(ApiError, match="503: queue full") as raised:
        ApiClient(transport).call("translate", {"text": "x"})
    assert raised.value.status == 503
    assert len(sleeps) == apiclient.RETRIES
    assert sleeps == sorted(sleeps)  # without Retry-After: backing off


def test_a_client_error_is_not_retried(sleeps: list[float]) -> None:
    bad: Reply = (422, {}, {"error": {"code": "invalid_request", "message": "text is empty"}})
    with pytest.raises(ApiError, match="422: text is empty"):
        ApiClient(Scripted(bad)).call("summarize", {"text": ""})
    assert sleeps == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"error": {"code": "x", "message": "the v1 shape"}}, "the v1 shape"),
        ({"error": "the compatible shape"}, "the compatible shape"),
        (None, "not a Tarjoman JSON body"),
        ({"results": []}, "not a Tarjoman JSON body"),
    ],
)
def test_error_messages_from_any_body(body: Any, message: str) -> None:
    assert message in error_message(body)


def test_the_fields_a_422_blames() -> None:
    details = [{"field": "max_words", "problem": "too small"}, {"field": "text.0", "problem": "x"}]
    error = ApiError(422, "m", {"code": "invalid_request", "message": "m", "details": details})
    assert error.fields() == {"max_words", "text"}
    assert ApiError(422, "m", {"code": "ambiguous_language", "details": {"c": 1}}).fields() == set()


def test_in_process_needs_no_key_and_has_no_rate_limit(
    make_settings: Callable[..., Settings], fake_engine: Engine
) -> None:
    settings = make_settings(api_keys=["server-key"], rate_limit="1/hour")
    transport = InProcessTransport(settings, engine=fake_engine)
    for _ in range(3):
        status, _, body = transport.post("/v1/translate", {"text": "Hello.", "target": "fa"}, {})
        assert status == 200, body
