"""Faithful output over fake models: dates, Persian polish, mangled placeholders, bad options."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from service.app import create_app
from service.engine import Engine
from service.models.backend import GenerationOptions
from service.models.registry import load_profile
from service.pipelines.translate import translate
from service.settings import Settings
from service.text.polish import ZWNJ
from tests.fakes import FakeBackend, identity


def post(client: FlaskClient, body: Any) -> Any:
    return client.post("/v1/translate", data=json.dumps(body), content_type="application/json")


def engine_with(
    make_settings: Callable[..., Settings], transform: Callable[[str, GenerationOptions], str]
) -> Engine:
    settings = make_settings(max_new_tokens=256)
    return Engine(settings, load_profile(settings.models_file, "tiny"), FakeBackend(transform))


def test_the_irna_article_carries_its_gregorian_date(client: FlaskClient, irna_text: str) -> None:
    response = post(client, {"text": irna_text, "source": "fa", "dates": "annotate"})
    assert response.status_code == 200
    [result] = response.get_json()["results"]
    assert "26 April 2017" in result["text"]
    assert "Wednesday 6 Ordibehesht 1396 (26 April 2017), 08:30" in result["text"]
    assert result["dates"] == [
        {
            "source": "چهارشنبه ۶ اردیبهشت ۱۳۹۶ ساعت ۰۸:۳۰",  # as normalized: Persian YEH
            "text": "Wednesday 6 Ordibehesht 1396 (26 April 2017), 08:30",
            "jalali": "1396-02-06",
            "gregorian": "2017-04-26",
            "lost": False,
        }
    ]


def test_dates_default_per_direction_and_keep_leaves_them_to_the_model(
    client: FlaskClient,
) -> None:
    line = "خبر روز ۶ اردیبهشت ۱۳۹۶ منتشر شد."
    [fa_en] = post(client, {"text": line, "source": "fa"}).get_json()["results"]
    assert "(26 April 2017)" in fa_en["text"]
    [kept] = post(client, {"text": line, "source": "fa", "dates": "keep"}).get_json()["results"]
    assert kept["text"] == "[en] خبر روز 6 اردیبهشت 1396 منتشر شد."
    assert kept["dates"] == []
    english = "It was published on 26 April 2017."
    [en_fa] = post(client, {"text": english, "source": "en"}).get_json()["results"]
    assert en_fa["dates"] == []
    body = {"text": english, "source": "en", "dates": "jalali"}
    [jalali] = post(client, body).get_json()["results"]
    assert "۶ اردیبهشت ۱۳۹۶" in jalali["text"]
    assert jalali["dates"][0]["gregorian"] == "2017-04-26"


@pytest.mark.parametrize(
    ("field", "value"), [("dates", "solar"), ("dates", 1), ("polish", "yes"), ("polish", None)]
)
def test_bad_option_values_are_422_naming_the_field(
    client: FlaskClient, field: str, value: object
) -> None:
    response = post(client, {"text": "Hello.", field: value})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid_request"
    assert field in error["message"]
    assert [d["field"] for d in error["details"]] == [field]


def spaced_persian(text: str, options: GenerationOptions) -> str:
    """A model whose tokenizer lost every half-space, as sentencepiece's default rule does."""
    return "کتاب ها را می خوانند و بزرگ ترین خانه ها ساخته شده اند."


def test_persian_output_is_polished_unless_turned_off(
    make_settings: Callable[..., Settings], test_models_dir: Path
) -> None:
    engine = engine_with(make_settings, spaced_persian)
    [polished] = translate(engine, ["They read the books."], "en")
    assert polished.text == (
        f"کتاب{ZWNJ}ها را می{ZWNJ}خوانند و بزرگ{ZWNJ}ترین خانه{ZWNJ}ها ساخته شده{ZWNJ}اند."
    )
    [raw] = translate(engine, ["They read the books."], "en", polish=False)
    assert raw.text == spaced_persian("", None)  # type: ignore[arg-type]


def test_english_output_is_never_polished(
    make_settings: Callable[..., Settings], test_models_dir: Path
) -> None:
    engine = engine_with(make_settings, identity)
    [result] = translate(engine, ["کتاب ها , می شود"], "fa")  # identity: Persian in "English"
    assert result.text == "کتاب ها , می شود"


_PLACEHOLDER = re.compile(r"(QX[A-Z]+)(\d+)Q")
_PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def mangle(text: str, options: GenerationOptions) -> str:
    """A model that copies placeholders badly: in turn spaced out, Persian digits, lower case."""
    count = iter(range(1000))

    def bad(match: re.Match[str]) -> str:
        marker, index = match.groups()
        return [
            f"{marker} {index} Q",
            f"{marker}{index.translate(_PERSIAN)}Q",
            f"{marker}{index}Q".lower(),
        ][next(count) % 3]

    return _PLACEHOLDER.sub(bad, text)


def test_placeholders_a_model_mangles_are_restored(
    make_settings: Callable[..., Settings], test_models_dir: Path
) -> None:
    engine = engine_with(make_settings, mangle)
    source = (
        "<p>On <b>26 April 2017</b> <i>Kuwait</i> met <a href='/x'>Iraq</a> and "
        "<b>IRNA</b> said so.</p>"
    )
    [result] = translate(
        engine, [source], "en", html=True, keep=["IRNA", "Kuwait"], date_mode="jalali"
    )
    assert result.text == (
        "<p>On <b>۶ اردیبهشت ۱۳۹۶</b> <i>Kuwait</i> met <a href='/x'>Iraq</a> and "
        "<b>IRNA</b> said so.</p>"
    )
    assert set(result.terms_applied) == {"IRNA", "Kuwait"}
    assert result.terms_lost == ()
    assert [d.lost for d in result.dates] == [False]


def test_a_date_the_model_drops_is_reported_lost(
    make_settings: Callable[..., Settings], test_models_dir: Path
) -> None:
    engine = engine_with(make_settings, lambda text, _: _PLACEHOLDER.sub("", text))
    [result] = translate(engine, ["خبر روز ۶ اردیبهشت ۱۳۹۶ منتشر شد."], "fa")
    assert "2017" not in result.text
    assert [(d.gregorian, d.lost) for d in result.dates] == [("2017-04-26", True)]


def test_html_blocks_are_segmented_like_plain_text(
    make_settings: Callable[..., Settings], test_models_dir: Path
) -> None:
    backend = FakeBackend(identity)
    settings = make_settings(max_new_tokens=256)
    engine = Engine(settings, load_profile(settings.models_file, "tiny"), backend)
    app = create_app(settings, engine=engine)
    source = "<p>First sentence here. Second <b>one</b> here! Third?</p>"
    body = {"text": source, "source": "en", "format": "html", "polish": False}
    [result] = post(app.test_client(), body).get_json()["results"]
    assert result["text"] == source
    [(_, sent)] = backend.batches
    assert sorted(sent) == sorted(["First sentence here.", "Second QXT0QoneQXT1Q here!", "Third?"])
