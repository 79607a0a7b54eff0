"""DeepL v2 glossaries over HTTP: create, list, get, entries, delete, per key, kept, applied."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

KEY = "tk-3f9a1c7e5b2d48e6a0c4"
OTHER_KEY = "tk-88d0b6aa91f34c27b5e1"
KEYS = [KEY, OTHER_KEY]
ALICE = {"Authorization": f"DeepL-Auth-Key {KEY}"}
BOB = {"Authorization": f"DeepL-Auth-Key {OTHER_KEY}"}
INVALID = "Invalid glossary entries provided"
TSV = "rain\tباران\nflood\tسیل\n\n"


@pytest.fixture
def keyed(make_app: Callable[..., Flask]) -> FlaskClient:
    return make_app(api_keys=KEYS).test_client()


def _create(client: FlaskClient, **fields: str) -> dict[str, object]:
    body = {"name": "news", "source_lang": "EN", "target_lang": "FA", "entries": TSV} | fields
    response = client.post("/v2/glossaries", json=body, headers=ALICE)
    assert response.status_code == 201, response.get_json()
    created: dict[str, object] = response.get_json()
    return created


def test_create_get_list_entries_delete(keyed: FlaskClient) -> None:
    created = _create(keyed)
    assert created["name"] == "news"
    assert (created["source_lang"], created["target_lang"]) == ("en", "fa")
    assert created["ready"] is True
    assert created["entry_count"] == 2
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", str(created["creation_time"]))
    glossary_id = created["glossary_id"]
    assert keyed.get(f"/v2/glossaries/{glossary_id}", headers=ALICE).get_json() == created
    assert keyed.get("/v2/glossaries", headers=ALICE).get_json() == {"glossaries": [created]}
    entries = keyed.get(f"/v2/glossaries/{glossary_id}/entries", headers=ALICE)
    assert entries.mimetype == "text/tab-separated-values"
    assert entries.get_data(as_text=True) == "rain\tباران\nflood\tسیل"
    assert keyed.delete(f"/v2/glossaries/{glossary_id}", headers=ALICE).status_code == 204
    for response in (
        keyed.get(f"/v2/glossaries/{glossary_id}", headers=ALICE),
        keyed.get(f"/v2/glossaries/{glossary_id}/entries", headers=ALICE),
        keyed.delete(f"/v2/glossaries/{glossary_id}", headers=ALICE),
    ):
        assert response.status_code == 404
        assert response.get_json() == {"message": "Glossary not found"}


def test_csv_and_form_bodies(keyed: FlaskClient) -> None:
    created = _create(
        keyed, entries='"Tehran, the capital",تهران\nIRNA,ایرنا', entries_format="csv"
    )
    assert created["entry_count"] == 2
    form = {"name": "f", "source_lang": "fa", "target_lang": "en", "entries": "ایرنا\tIRNA"}
    response = keyed.post("/v2/glossaries", data=form, headers=ALICE)
    assert response.status_code == 201
    assert response.get_json()["source_lang"] == "fa"


def test_glossaries_belong_to_their_key(keyed: FlaskClient) -> None:
    glossary_id = _create(keyed)["glossary_id"]
    assert keyed.get("/v2/glossaries", headers=BOB).get_json() == {"glossaries": []}
    assert keyed.get(f"/v2/glossaries/{glossary_id}", headers=BOB).status_code == 404
    assert keyed.delete(f"/v2/glossaries/{glossary_id}", headers=BOB).status_code == 404
    body = {"text": "rain", "source_lang": "EN", "target_lang": "FA", "glossary_id": glossary_id}
    assert keyed.post("/v2/translate", json=body, headers=BOB).status_code == 404
    assert keyed.get(f"/v2/glossaries/{glossary_id}", headers=ALICE).status_code == 200


def test_glossaries_survive_a_restart(make_app: Callable[..., Flask]) -> None:
    glossary_id = _create(make_app(api_keys=KEYS).test_client())["glossary_id"]
    again = make_app(api_keys=KEYS).test_client()
    assert again.get(f"/v2/glossaries/{glossary_id}", headers=ALICE).status_code == 200


def test_a_glossary_is_applied_on_translate(keyed: FlaskClient) -> None:
    glossary_id = _create(keyed)["glossary_id"]
    body = {
        "text": ["Heavy rain caused a flood.", "No terms here."],
        "source_lang": "en",
        "target_lang": "FA",
        "glossary_id": glossary_id,
    }
    response = keyed.post("/v2/translate", json=body, headers=ALICE)
    assert response.status_code == 200
    texts = [t["text"] for t in response.get_json()["translations"]]
    # The fake model copies its input: the terms' placeholders came back and were replaced.
    assert texts == ["[fa] Heavy باران caused a سیل.", "[fa] No terms here."]
    wrong_pair = body | {"source_lang": "FA", "target_lang": "EN", "text": "باران"}
    refused = keyed.post("/v2/translate", json=wrong_pair, headers=ALICE)
    assert refused.status_code == 400
    assert "glossary" in refused.get_json()["message"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"source_lang": "DE"}, "Unsupported glossary source and target language pair"),
        ({"target_lang": "EN"}, "Unsupported glossary source and target language pair"),
        ({"entries": "rain باران"}, f"{INVALID}: entry 1 has no separator"),
        ({"entries": "rain\t"}, f"{INVALID}: entry 1 has an empty term"),
        ({"entries": "rain\ta\nrain\tb"}, f"{INVALID}: entry 2 repeats the source term"),
        ({"entries": "\n \n"}, f"{INVALID}: there are none"),
        ({"entries": "a\u0007b\tc"}, f"{INVALID}: entry 1 has a control character"),
        ({"entries_format": "xlsx"}, "Value for 'entries_format' not supported."),
        ({"name": ""}, "Value for 'name' not supported."),
    ],
)
def test_bad_glossaries_are_400(keyed: FlaskClient, fields: dict[str, str], message: str) -> None:
    body = {"name": "news", "source_lang": "EN", "target_lang": "FA", "entries": TSV} | fields
    response = keyed.post("/v2/glossaries", json=body, headers=ALICE)
    assert response.status_code == 400
    assert response.get_json() == {"message": message}
    missing = keyed.post("/v2/glossaries", json={"name": "x"}, headers=ALICE)
    assert missing.get_json() == {"message": "Parameter 'source_lang' not specified."}


def test_language_pairs_come_from_the_profile(keyed: FlaskClient) -> None:
    pairs = keyed.get("/v2/glossary-language-pairs", headers=ALICE).get_json()
    assert pairs == {
        "supported_languages": [
            {"source_lang": "en", "target_lang": "fa"},
            {"source_lang": "fa", "target_lang": "en"},
        ]
    }
