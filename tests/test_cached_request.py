"""A request whose every segment is cached: no tokenizer call, no model, the same answer."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from service.app import create_app
from service.batcher import DynamicBatcher
from service.engine import Engine
from service.models.registry import Task, load_profile
from service.models.tokenizer import Tokenizer
from service.pipelines import cuts
from service.settings import Settings
from tests.fakes import FakeBackend, FakeModel

# Sentences over the tiny models' limit (cut into parts) and short ones, on separate lines.
LONG = " ".join(["وزارت کشور کویت با نیروهای مرزی عراق، درباره امنیت مذاکره کرد"] * 3) + "."
ARTICLE = "\n".join([LONG, "باران شدید آمد.", "مدرسه‌ها تعطیل شد.", LONG.replace("کویت", "قطر")])


class Calls:
    """Spies: each wrapped function still runs; its calls are counted."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.counts: dict[str, int] = {}
        self.texts: list[str] = []
        self._monkeypatch = monkeypatch

    def spy(self, owner: type, name: str) -> None:
        """Count the calls of `owner.name`."""
        original = getattr(owner, name)
        key = f"{owner.__name__}.{name}"
        self.counts[key] = 0

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            self.counts[key] += 1
            if name == "count_tokens":  # (self, texts, task)
                self.texts.extend(args[1])
            return original(*args, **kwargs)

        self._monkeypatch.setattr(owner, name, wrapper)

    def reset(self) -> None:
        self.counts = dict.fromkeys(self.counts, 0)
        self.texts.clear()


def post(client: FlaskClient, body: object, **headers: str) -> dict[str, Any]:
    """The response without its timing, which differs from call to call."""
    response = client.post(
        "/v1/translate", data=json.dumps(body), content_type="application/json", headers=headers
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    found: dict[str, Any] = response.get_json()
    found.pop("timing_ms")
    return found


def suspect_counts(engine: Engine) -> dict[tuple[str, str], float]:
    """tarjoman_translation_suspect_total by (reason, outcome)."""
    samples = engine.metrics.registry.get_sample_value
    return {
        (reason, outcome): samples(
            "tarjoman_translation_suspect_total",
            {"model": "tiny-marian-fa-en", "reason": reason, "outcome": outcome},
        )
        or 0.0
        for reason in ("limit", "length")
        for outcome in ("retried", "flagged")
    }


@pytest.fixture
def real_app(
    make_settings: Callable[..., Settings], test_models_dir: Path
) -> Iterator[tuple[FlaskClient, Engine]]:
    """The app over the real tiny models (torch): they always hit the 8-token limit, so every
    part is retried in halves and flagged truncated."""
    settings = make_settings(models_dir=test_models_dir)
    app = create_app(settings)
    engine: Engine = app.extensions["tarjoman"].engine
    yield app.test_client(), engine
    engine.close()


def test_an_all_hit_request_calls_no_tokenizer_and_no_model_and_answers_the_same(
    real_app: tuple[FlaskClient, Engine], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, engine = real_app
    body = {"text": [ARTICLE, "سلام دنیا."], "source": "fa", "target": "en", "alternatives": 1}
    calls = Calls(monkeypatch)
    for owner, name in ((Tokenizer, "encode"), (Tokenizer, "decode"), (DynamicBatcher, "submit")):
        calls.spy(owner, name)
    first = post(client, body)
    assert calls.counts["Tokenizer.encode"] > 0
    assert calls.counts["DynamicBatcher.submit"] > 0
    assert first["results"][0]["truncated"] is True  # the retry path ran, and was cached too
    assert first["demo"] is True
    counted_once = suspect_counts(engine)
    assert counted_once[("limit", "retried")] > 0
    calls.reset()
    assert post(client, body) == first  # flags, alternatives, models and demo included
    assert calls.counts == dict.fromkeys(calls.counts, 0)
    assert set(calls.counts) == {"Tokenizer.encode", "Tokenizer.decode", "DynamicBatcher.submit"}
    # The checks still run on the cached outputs: each request counts its retries and flags.
    assert suspect_counts(engine) == {key: 2 * value for key, value in counted_once.items()}


@pytest.fixture
def counting_engine(
    make_settings: Callable[..., Settings], test_models_dir: Path
) -> Iterator[Callable[..., tuple[FlaskClient, FakeBackend]]]:
    """An app over fake models (whose tokens are words) with TARJOMAN_* overrides."""
    engines: list[Engine] = []

    def build(**overrides: object) -> tuple[FlaskClient, FakeBackend]:
        settings = make_settings(max_new_tokens=12, **overrides)
        backend = FakeBackend()
        engine = Engine(settings, load_profile(settings.models_file, "tiny"), backend)
        engines.append(engine)
        return create_app(settings, engine=engine).test_client(), backend

    yield build
    for engine in engines:
        engine.close()


def test_only_sentences_not_cut_before_are_counted(
    counting_engine: Callable[..., tuple[FlaskClient, FakeBackend]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client, backend = counting_engine()
    calls = Calls(monkeypatch)
    calls.spy(FakeModel, "count_tokens")
    post(client, {"text": ARTICLE, "source": "fa"})
    calls.reset()
    new = "کلاس‌ها از فردا دوباره باز می‌شوند و دانش‌آموزان به مدرسه برمی‌گردند."
    mixed = post(client, {"text": f"{LONG}\n{new}", "source": "fa"})
    assert calls.texts
    assert all(text in new for text in calls.texts)  # "" too: the count of the specials
    assert mixed["results"][0]["text"].startswith("[en] ")
    assert [texts for _, texts in backend.batches][-1] == [new]  # only the new sentence computed


@pytest.mark.parametrize(
    ("overrides", "headers"),
    [({"cache": False}, {}), ({}, {"Cache-Control": "no-cache"}), ({}, {"Pragma": "no-cache"})],
)
def test_with_the_cache_off_or_no_cache_sentences_are_cut_again(
    counting_engine: Callable[..., tuple[FlaskClient, FakeBackend]],
    monkeypatch: pytest.MonkeyPatch,
    overrides: dict[str, object],
    headers: dict[str, str],
) -> None:
    client, _ = counting_engine(**overrides)
    calls = Calls(monkeypatch)
    calls.spy(FakeModel, "count_tokens")
    first = post(client, {"text": ARTICLE, "source": "fa"})
    once = calls.counts["FakeModel.count_tokens"]
    assert post(client, {"text": ARTICLE, "source": "fa"}, **headers) == first
    assert calls.counts["FakeModel.count_tokens"] == 2 * once


def test_no_store_keeps_no_cut(
    counting_engine: Callable[..., tuple[FlaskClient, FakeBackend]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client, _ = counting_engine()
    calls = Calls(monkeypatch)
    calls.spy(FakeModel, "count_tokens")
    post(client, {"text": ARTICLE, "source": "fa"}, **{"Cache-Control": "no-store"})
    once = calls.counts["FakeModel.count_tokens"]
    post(client, {"text": ARTICLE, "source": "fa"})
    assert calls.counts["FakeModel.count_tokens"] == 2 * once
    post(client, {"text": ARTICLE, "source": "fa"})
    assert calls.counts["FakeModel.count_tokens"] == 2 * once


@pytest.mark.parametrize(
    "parts",
    [
        [("one sentence.", "")],
        [("first clause،", " "), ("second clause", " "), ("end.", "")],
        [("abcdefgh", ""), ("ijkl", " "), ("mn", "")],  # a word cut between characters
    ],
)
def test_a_cut_round_trips_through_its_lengths(parts: Sequence[tuple[str, str]]) -> None:
    text = "".join(part + glue for part, glue in parts)
    assert cuts.decode(text, cuts.encode(list(parts))) == list(parts)


@pytest.mark.parametrize("data", [b"3:1", b"300:0", b"", b"x:y", b"1:1:1", b"\xff"])
def test_lengths_that_do_not_cover_the_text_read_as_a_miss(data: bytes) -> None:
    assert cuts.decode("a sentence", data) is None


def test_cuts_are_kept_per_model_and_task(fake_engine: Engine) -> None:
    computed: list[list[str]] = []

    def cut(texts: list[str]) -> dict[str, cuts.Parts]:
        computed.append(texts)
        return {text: [(text, "")] for text in texts}

    fa_en, en_fa = (f"cut|{Task('translate', a, b)!r}" for a, b in (("fa", "en"), ("en", "fa")))
    cuts.remembered(fake_engine.results, fa_en, ["a", "b"], cut)
    assert cuts.remembered(fake_engine.results, fa_en, ["b", "c"], cut) == {
        "b": [("b", "")],
        "c": [("c", "")],
    }
    cuts.remembered(fake_engine.results, en_fa, ["a"], cut)
    assert computed == [["a", "b"], ["c"], ["a"]]
