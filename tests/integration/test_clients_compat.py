"""The official clients, unchanged, against a real gunicorn with keys: DeepL's and
libretranslatepy (the tiny profile's output is noise, so tests check shapes, not words)."""

from __future__ import annotations

import urllib.error
from collections.abc import Iterator
from pathlib import Path

import deepl
import pytest
import requests
from libretranslatepy import LibreTranslateAPI

from tests.integration.conftest import Server, start_server, stop_server

pytestmark = pytest.mark.integration

KEY = "tk-5be1c0d2a7e94f13"
OTHER_KEY = "tk-0c3f8e61b2d4a957"
LIMIT = 600
EN = "The ministry announced a new plan."
FA = "وزارت کشور برنامه‌ای تازه اعلام کرد."


@pytest.fixture(scope="module")
def keyed_server(
    test_models_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """gunicorn with two keys, a data folder and a monthly character limit."""
    folder = tmp_path_factory.mktemp("compat-server")
    env = {
        "TARJOMAN_API_KEYS": f"{KEY},{OTHER_KEY}",
        "TARJOMAN_DATA_DIR": str(folder / "data"),
        "TARJOMAN_DEEPL_CHARACTER_LIMIT": str(LIMIT),
    }
    process, server = start_server(test_models_dir, folder / "server.log", env)
    yield server
    stop_server(process)


def _translator(server: Server, key: str = KEY) -> deepl.Translator:
    return deepl.Translator(key, server_url=server.url, send_platform_info=False)


def test_deepl_client_translates_strings_and_lists(keyed_server: Server) -> None:
    translator = _translator(keyed_server)
    one = translator.translate_text(EN, target_lang="FA")
    assert isinstance(one, deepl.TextResult)
    assert one.text.strip()
    assert one.detected_source_lang == "EN"
    assert one.billed_characters == len(EN)
    many = translator.translate_text([FA, FA], source_lang="FA", target_lang="EN-US")
    assert isinstance(many, list)
    assert [r.detected_source_lang for r in many] == ["FA", "FA"]
    assert many[0].text == many[1].text  # the same sentence, the same (greedy) output
    html = translator.translate_text(
        "<p>Heavy <b>rain</b>.</p><x>Kept</x>", target_lang="FA", tag_handling="html",
        ignore_tags=["x"],
    )  # fmt: skip
    assert isinstance(html, deepl.TextResult)
    assert html.text.startswith("<p>")
    assert html.text.endswith("</p><x>Kept</x>")
    with pytest.raises(deepl.DeepLException, match="formality"):
        translator.translate_text(EN, target_lang="FA", formality="more")
    prefer = translator.translate_text(EN, target_lang="FA", formality="prefer_more")
    assert isinstance(prefer, deepl.TextResult)


def test_deepl_client_lists_languages(keyed_server: Server) -> None:
    translator = _translator(keyed_server)
    assert [lang.code for lang in translator.get_source_languages()] == ["EN", "FA"]
    targets = translator.get_target_languages()
    assert [lang.code for lang in targets] == ["EN-GB", "EN-US", "FA"]
    assert not any(lang.supports_formality for lang in targets)


def test_deepl_client_glossaries(keyed_server: Server) -> None:
    translator = _translator(keyed_server)
    entries = {"ministry": "وزارت", "plan": "برنامه"}
    created = translator.create_glossary("news", "EN", "FA", entries)
    assert (created.source_lang, created.target_lang, created.entry_count) == ("EN", "FA", 2)
    assert created.ready
    assert created.glossary_id in [g.glossary_id for g in translator.list_glossaries()]
    assert translator.get_glossary(created.glossary_id).name == "news"
    assert translator.get_glossary_entries(created) == entries
    result = translator.translate_text(EN, source_lang="EN", target_lang="FA", glossary=created)
    assert isinstance(result, deepl.TextResult)
    # Another key sees none of it.
    assert _translator(keyed_server, OTHER_KEY).list_glossaries() == []
    translator.delete_glossary(created)
    with pytest.raises(deepl.GlossaryNotFoundException):
        translator.get_glossary(created.glossary_id)


def test_deepl_client_reads_usage_and_meets_the_quota(keyed_server: Server) -> None:
    translator = _translator(keyed_server, OTHER_KEY)
    before = translator.get_usage().character
    assert before.limit == LIMIT
    translator.translate_text(EN, target_lang="FA")
    after = translator.get_usage().character
    assert after.count == before.count + len(EN)
    with pytest.raises(deepl.QuotaExceededException):
        translator.translate_text(["x" * 100] * (LIMIT // 100 + 1), target_lang="FA")
    assert translator.get_usage().character.count == after.count  # a refused request is free


def test_deepl_client_with_a_wrong_key_gets_an_authorization_error(keyed_server: Server) -> None:
    with pytest.raises(deepl.AuthorizationException):
        _translator(keyed_server, "tk-not-a-key").translate_text(EN, target_lang="FA")


def test_libretranslatepy_with_a_key(keyed_server: Server) -> None:
    client = LibreTranslateAPI(keyed_server.url, api_key=KEY)
    assert client.translate(EN, "en", "fa", timeout=60).strip()
    assert client.detect(FA, timeout=10)[0]["language"] == "fa"
    assert {item["code"] for item in client.languages(timeout=10)} == {"en", "fa"}
    for api_key, status in ((None, 400), ("tk-wrong", 403)):
        with pytest.raises(urllib.error.HTTPError) as raised:
            LibreTranslateAPI(keyed_server.url, api_key=api_key).translate(EN, "en", "fa")
        assert raised.value.code == status
        raised.value.close()


def test_libretranslate_routes_clients_read_first(keyed_server: Server) -> None:
    url = keyed_server.url
    assert requests.get(url + "/health", timeout=10).json() == {"status": "ok"}
    settings = requests.get(url + "/frontend/settings", timeout=10).json()
    assert settings["keyRequired"] is True
    assert settings["suggestions"] is False
    assert "/translate" in requests.get(url + "/spec", timeout=10).json()["paths"]
    assert requests.post(url + "/suggest", data={"q": "a"}, timeout=10).status_code == 403


def test_a_file_is_translated_and_downloaded(keyed_server: Server) -> None:
    response = requests.post(
        keyed_server.url + "/translate_file",
        data={"source": "en", "target": "fa", "api_key": KEY},
        files={"file": ("report.txt", (EN + "\n").encode())},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    link = response.json()["translatedFileUrl"]
    assert link.startswith(keyed_server.url + "/download_file/")
    download = requests.get(link, timeout=10)
    assert download.status_code == 200
    assert download.headers["Content-Disposition"] == "attachment; filename=report.txt"
    assert download.text.endswith("\n")
    assert download.text.strip()


def test_alternatives_come_from_the_real_runtimes_n_best(keyed_server: Server) -> None:
    texts = [EN, "Heavy rain caused floods in the north."]
    body = {"q": texts, "source": "en", "target": "fa", "alternatives": 2, "api_key": KEY}
    answer = requests.post(keyed_server.url + "/translate", json=body, timeout=120).json()
    for best, others in zip(answer["translatedText"], answer["alternatives"], strict=True):
        # Tiny random models: noise, but beam search's other hypotheses are distinct from it.
        assert 1 <= len(others) <= 2
        assert best not in others
        assert len(set(others)) == len(others)
