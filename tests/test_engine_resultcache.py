"""The result cache in the engine and the API: hits skip the batcher, Cache-Control, summaries."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from service.app import create_app
from service.engine import Engine
from service.models.backend import Generation
from service.models.registry import Task
from service.settings import Settings
from tests.fakes import FakeBackend
from tests.summarizers import close_engines, engine_for, lead_words, write_models_toml

FA_EN = Task("translate", "fa", "en")


def generate(engine: Engine, texts: list[str], **options: object) -> list[Generation]:
    spec = engine.profile.require(FA_EN)
    chosen = engine.options_for(spec, FA_EN)
    if options:
        from dataclasses import replace

        chosen = replace(chosen, **options)  # type: ignore[arg-type]
    return engine.generate(spec, texts, chosen, engine.deadline())


def test_a_repeated_segment_skips_the_batcher_and_a_mixed_request_sends_only_misses(
    make_engine: Callable[..., tuple[Engine, FakeBackend]],
) -> None:
    engine, backend = make_engine()
    first = generate(engine, ["سلام", "باران"])
    second = generate(engine, ["باران", "برف", "سلام"])
    assert second[0] == first[1]  # the whole Generation: text, tokens, flags, alternatives
    assert second[2] == first[0]
    assert second[1].text == "[en] برف"
    assert [texts for _, texts in backend.batches] == [["سلام", "باران"], ["برف"]]
    generate(engine, ["سلام"])
    assert len(backend.batches) == 2  # a full hit never reached the batcher
    sample = engine.metrics.registry.get_sample_value
    assert sample("tarjoman_result_cache_hits_total", {"tier": "memory"}) == 3
    assert sample("tarjoman_result_cache_misses_total") == 3


def test_other_generation_options_are_other_entries(
    make_engine: Callable[..., tuple[Engine, FakeBackend]],
) -> None:
    engine, backend = make_engine()
    generate(engine, ["سلام"], num_beams=1)
    generate(engine, ["سلام"], num_beams=2)
    generate(engine, ["سلام"], max_new_tokens=5)
    assert len(backend.batches) == 3


def test_cache_false_computes_every_time(
    make_engine: Callable[..., tuple[Engine, FakeBackend]],
) -> None:
    engine, backend = make_engine(cache=False)
    generate(engine, ["سلام"])
    generate(engine, ["سلام"])
    assert len(backend.batches) == 2


def test_warming_up_runs_the_model_and_leaves_no_entry(
    make_engine: Callable[..., tuple[Engine, FakeBackend]],
) -> None:
    engine, backend = make_engine(preload=["tiny-marian-fa-en"])
    engine.start_preload()
    engine._preload_done.wait(30)
    assert engine.readiness().ready
    generate(engine, ["warm up"])
    assert [texts for _, texts in backend.batches] == [["warm up"], ["warm up"]]


def post(client: FlaskClient, path: str, body: object, **headers: str) -> object:
    """The response's results (its timing differs from call to call)."""
    response = client.post(
        path, data=json.dumps(body), content_type="application/json", headers=headers
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["results"]


def test_cache_control_no_cache_recomputes_and_no_store_keeps_nothing(
    make_settings: Callable[..., Settings], fake_backend: FakeBackend, fake_engine: Engine
) -> None:
    client = create_app(fake_engine.settings, engine=fake_engine).test_client()
    body = {"text": "باران شدید آمد.", "source": "fa", "target": "en"}
    first = post(client, "/v1/translate", body)
    assert post(client, "/v1/translate", body) == first
    assert len(fake_backend.batches) == 1
    assert post(client, "/v1/translate", body, **{"Cache-Control": "no-cache"}) == first
    assert len(fake_backend.batches) == 2
    other = {"text": "برف آمد.", "source": "fa", "target": "en"}
    post(client, "/v1/translate", other, **{"Cache-Control": "max-age=0, no-store"})
    post(client, "/v1/translate", other)
    assert len(fake_backend.batches) == 4  # the no-store answer was not kept
    post(client, "/v1/translate", other)
    assert len(fake_backend.batches) == 4
    fake_engine.close()


@pytest.fixture
def summary_client(
    tmp_path: Path, test_models_dir: Path, make_settings: Callable[..., Settings]
) -> Iterator[tuple[FlaskClient, FakeBackend]]:
    toml = write_models_toml(tmp_path, test_models_dir)
    settings = make_settings(models_file=toml, profile="tiny")
    backend = FakeBackend(lead_words)
    yield create_app(settings, engine=engine_for(settings, backend)).test_client(), backend
    close_engines()


def test_a_summary_asked_twice_calls_its_models_once(
    summary_client: tuple[FlaskClient, FakeBackend],
) -> None:
    client, backend = summary_client
    text = " ".join(f"The council met on day {n} and agreed on the budget." for n in range(12))
    body = {"text": text, "source": "en", "target": "fa", "mode": "abstractive"}
    first = post(client, "/v1/summarize", body)
    calls = len(backend.batches)
    assert calls >= 1
    assert post(client, "/v1/summarize", body) == first
    assert len(backend.batches) == calls
