"""A running server against its own /openapi.json (schemathesis) and libretranslatepy."""

from __future__ import annotations

import os
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from libretranslatepy import LibreTranslateAPI
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.integration.conftest import Server

pytestmark = pytest.mark.integration

# Bounded: this many generated requests per operation (the suite must stay fast on 2 cores);
# TARJOMAN_TEST_SLOW=1 runs many more, outside CI.
EXAMPLES = 500 if os.environ.get("TARJOMAN_TEST_SLOW") else 20
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def api_schema(tiny_server: Server) -> Any:
    """The server's own document, loaded by schemathesis."""
    return schemathesis.openapi.from_url(tiny_server.url + "/openapi.json")


def _conforms(case: Any) -> None:
    case.call_and_validate(checks=CHECKS, timeout=60)


# schemathesis.pytest.from_fixture reads pytest's private `Function._nodeid`, which pytest 9
# removed; the operations' hypothesis strategies are public API and do the same work.
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_operation_answers_as_documented_and_never_5xx(
    api_schema: Any, mode: GenerationMode
) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 7  # /v1/translate, /v1/models, compat x3, /livez, /readyz
    for operation in operations:
        if mode is GenerationMode.NEGATIVE and not len(operation.body):
            continue  # nothing to get wrong in a request with no body and no parameters
        run = settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )(given(case=operation.as_strategy(generation_mode=mode))(_conforms))
        run()


def test_the_document_is_openapi_3_1_and_lists_the_compatible_routes(tiny_server: Server) -> None:
    document = requests.get(tiny_server.url + "/openapi.json", timeout=10).json()
    assert document["openapi"].startswith("3.1")
    for path, method in [("/translate", "post"), ("/detect", "post"), ("/languages", "get")]:
        assert method in document["paths"][path]
    body = document["paths"]["/translate"]["post"]["requestBody"]["content"]
    assert {"application/json", "application/x-www-form-urlencoded"} <= set(body)


def test_libretranslatepy_translates_a_string(tiny_server: Server) -> None:
    client = LibreTranslateAPI(tiny_server.url)
    english = client.translate("The ministry announced a new plan.", "en", "fa", timeout=60)
    persian = client.translate("وزارت کشور برنامه‌ای تازه اعلام کرد.", "auto", "en", timeout=60)
    # Tiny random models: the output is noise, but it is a non-empty string per input.
    assert isinstance(english, str)
    assert english.strip()
    assert isinstance(persian, str)
    assert persian.strip()


def test_libretranslatepy_detects_and_lists_languages(tiny_server: Server) -> None:
    client = LibreTranslateAPI(tiny_server.url)
    found = client.detect("وزارت کشور کویت مذاکراتی را با عراق انجام داد.", timeout=10)
    assert found[0]["language"] == "fa"
    assert 50 < found[0]["confidence"] <= 100
    assert client.detect("The ministry met on Sunday.", timeout=10)[0]["language"] == "en"
    languages = {item["code"]: item for item in client.languages(timeout=10)}
    assert languages["fa"]["targets"] == ["en"]
    assert languages["en"]["targets"] == ["fa"]
    assert languages["fa"]["name"] == "Persian"


def test_a_list_of_texts_comes_back_as_a_list_in_order(tiny_server: Server) -> None:
    # libretranslatepy's translate() sends `q` as one form field (a list becomes its repr), so
    # lists are sent the way LibreTranslate's own API takes them: a JSON array, or repeated `q`.
    texts = ["The ministry announced a new plan.", "Heavy rain caused floods."]
    as_json = requests.post(
        tiny_server.url + "/translate",
        json={"q": texts, "source": "auto", "target": "fa"},
        timeout=60,
    )
    assert as_json.status_code == 200, as_json.text
    body = as_json.json()
    assert isinstance(body["translatedText"], list)
    assert len(body["translatedText"]) == 2
    assert [d["language"] for d in body["detectedLanguage"]] == ["en", "en"]
    as_form = requests.post(
        tiny_server.url + "/translate",
        data={"q": texts, "source": "en", "target": "fa"},
        timeout=60,
    )
    assert as_form.json()["translatedText"] == body["translatedText"]
    alone = LibreTranslateAPI(tiny_server.url).translate(texts[1], "en", "fa", timeout=60)
    assert body["translatedText"][1] == alone


def test_libretranslatepy_sees_an_error_as_an_http_error(tiny_server: Server) -> None:
    client = LibreTranslateAPI(tiny_server.url)
    with pytest.raises(Exception, match="400") as raised:
        client.translate("The ministry met.", "en", "de", timeout=10)
    body = raised.value.read().decode()  # type: ignore[attr-defined]
    assert "error" in requests.models.complexjson.loads(body)
