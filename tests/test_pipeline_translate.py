"""The translate pipeline over fake models: lossless, once per sentence, per-text languages."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.engine import Engine
from service.errors import AmbiguousLanguage
from service.models.backend import GenerationOptions
from service.models.families import family_of
from service.models.registry import Task, load_profile
from service.pipelines.translate import resolve_languages, translate
from service.settings import Settings
from service.text.normalize import normalize
from service.text.segment import sentences
from tests.conftest import data_file
from tests.fakes import FakeBackend, identity

FA_EN = Task("translate", "fa", "en")


def engine_over(settings: Settings, backend: FakeBackend) -> Engine:
    return Engine(settings, load_profile(settings.models_file, "tiny"), backend)


@pytest.fixture
def identity_backend() -> FakeBackend:
    return FakeBackend(transform=identity)


@pytest.fixture
def identity_engine(
    make_settings: Callable[..., Settings], identity_backend: FakeBackend, test_models_dir: Path
) -> Engine:
    """Identity models; digits left as written, so output must equal normalized input.

    Fakes write without a limit: segments are cut by the source limit only (max_new_tokens
    high), so whole sentences reach the model.
    """
    return engine_over(make_settings(output_digits="keep", max_new_tokens=4096), identity_backend)


def drop_ascii(text: str, options: GenerationOptions) -> str:
    """A model that drops every ASCII character but spaces (tags and placeholders with them)."""
    return "".join(c for c in text if not c.isascii() or c == " ")


def ntrex(lang: str) -> list[str]:
    """NTREX documents: each document's lines joined by line breaks."""
    name = "newstest2019-src.eng.txt" if lang == "en" else "newstest2019-ref.fas.txt"
    lines = data_file(f"ntrex/{name}").read_text(encoding="utf-8").splitlines()
    ids = data_file("ntrex/DOCUMENT_IDS.tsv").read_text(encoding="utf-8").splitlines()
    docs: OrderedDict[str, list[str]] = OrderedDict()
    for doc_id, line in zip(ids, lines, strict=True):
        docs.setdefault(doc_id.split("\t")[0], []).append(line)
    return ["\n".join(lines) for lines in docs.values()]


def test_irna_round_trip_is_lossless(
    identity_engine: Engine, identity_backend: FakeBackend, irna_text: str
) -> None:
    [result] = translate(identity_engine, [irna_text], "auto", date_mode="keep")
    assert (result.source, result.target) == ("fa", "en")
    assert result.text == normalize(irna_text)
    sent = [text for _, batch in identity_backend.batches for text in batch]
    # Every sentence with letters went to the model once (the header's number did not).
    assert sorted(sent) == sorted(set(sentences(normalize(irna_text))))


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_every_ntrex_document_round_trips(identity_engine: Engine, lang: str) -> None:
    documents = ntrex(lang)
    # Paragraph breaks between every other line, so both kinds of break are exercised.
    documents += [doc.replace("\n", "\n\n", 3) for doc in documents[:10]]
    results = translate(identity_engine, documents, lang)
    assert [r.text for r in results] == [normalize(d) for d in documents]


def test_each_distinct_sentence_is_computed_once(
    identity_engine: Engine, identity_backend: FakeBackend
) -> None:
    texts = ["One. Two. One.", "Two.\n\nThree. One."]
    results = translate(identity_engine, texts, "en")
    assert [r.text for r in results] == texts
    assert identity_backend.batches == [("tiny-marian-en-fa", ["One.", "Three.", "Two."])]


def test_inputs_over_the_model_limit_are_split_and_put_back(
    identity_engine: Engine, identity_backend: FakeBackend
) -> None:
    limit = family_of("marian").source_token_limit
    spec = identity_engine.profile.require(FA_EN)
    # Whole NTREX documents with every full stop turned into a comma: sentences far over
    # the limit, which must be split at clause marks and then between words.
    long = [d.replace(".", "،").replace("\n", " ") for d in ntrex("fa")[:6]]
    long.append(" ".join(["واژه"] * (3 * limit)))
    counts = identity_engine.count_tokens(spec, long, FA_EN)
    assert max(counts) > limit
    results = translate(identity_engine, long, "fa")
    assert [r.text for r in results] == [normalize(t) for t in long]
    sent = [text for _, batch in identity_backend.batches for text in batch]
    assert max(identity_engine.count_tokens(spec, sent, FA_EN)) <= limit


def test_a_mixed_list_gets_the_right_language_per_item(
    make_settings: Callable[..., Settings], test_models_dir: Path
) -> None:
    engine = engine_over(make_settings(), FakeBackend())
    texts = ["Good morning.", "صبح بخیر.", "The news from Kuwait.", "خبر کویت.", "۱۳۹۶/۰۲/۰۶"]
    results = translate(engine, texts, "auto")
    assert [(r.source, r.target) for r in results[:4]] == [
        ("en", "fa"),
        ("fa", "en"),
        ("en", "fa"),
        ("fa", "en"),
    ]
    assert [r.text for r in results[:4]] == [
        "[fa] Good morning.",
        "[en] صبح بخیر.",
        "[fa] The news from Kuwait.",
        "[en] خبر کویت.",
    ]
    assert [r.detected.language if r.detected else "-" for r in results] == [
        "en",
        "fa",
        "en",
        "fa",
        None,
    ]


def test_a_text_with_no_letters_comes_back_as_it_is(identity_engine: Engine) -> None:
    [result] = translate(identity_engine, ["  ۱۳۹۶ - 2017 !!! "], "auto", "en")
    assert result.untranslated
    assert result.text == "  ۱۳۹۶ - 2017 !!! "
    assert result.model is None


def test_a_mixed_text_with_auto_source_asks_for_a_source(identity_engine: Engine) -> None:
    with pytest.raises(AmbiguousLanguage, match="set `source`"):
        translate(identity_engine, ["Hello there دنیای من"], "auto")
    assert translate(identity_engine, ["Hello there دنیای من"], "en")[0].target == "fa"


def test_resolve_languages() -> None:
    assert resolve_languages("سلام", "auto", None) == ("fa", "en")
    assert resolve_languages("123", "auto", "fa") == ("en", "fa")
    assert resolve_languages("anything", "fa", None) == ("fa", "en")


def test_digits_follow_the_target_language(
    make_settings: Callable[..., Settings], test_models_dir: Path
) -> None:
    engine = engine_over(make_settings(), FakeBackend(transform=identity))
    [to_en] = translate(engine, ["در سال ۱۳۹۶ و ساعت ۰۸:۳۰ بود."], "fa")
    assert to_en.text == "در سال 1396 و ساعت 08:30 بود."
    [to_fa] = translate(engine, ["In 2017, at https://x.org/2017, F-35."], "en")
    assert to_fa.text == "In ۲۰۱۷, at https://x.org/2017, F-35."


def test_html_round_trip_translates_text_nodes_only(
    identity_engine: Engine, identity_backend: FakeBackend
) -> None:
    page = (
        '<div class="n"><h1>Kuwait <i>news</i></h1>\n<p>The ministry <b>said</b> this. '
        'See <a href="https://x.org/a?b=1&amp;c=2">the report</a>.</p>'
        "<script>var secret = 'do not send';</script><style>p{x:1}</style></div>"
    )
    [result] = translate(identity_engine, [page], "en", html=True)
    assert result.text == page
    sent = " ".join(text for _, batch in identity_backend.batches for text in batch)
    assert "secret" not in sent
    assert "p{x:1}" not in sent
    assert "QXT0QsaidQXT1Q" in sent  # the inline tag did not split its sentence


def test_html_tags_come_back_when_the_model_drops_placeholders(
    make_settings: Callable[..., Settings], test_models_dir: Path
) -> None:
    engine = engine_over(make_settings(), FakeBackend(transform=drop_ascii))
    [result] = translate(engine, ["<p>او <b>گفت</b> که.</p>"], "fa", html=True)
    assert result.text.startswith("<p><b>")
    assert result.text.endswith("</b></p>")


def test_glossary_and_keep_terms_pass_through_and_are_reported(
    make_settings: Callable[..., Settings], test_models_dir: Path
) -> None:
    engine = engine_over(make_settings(), FakeBackend())
    [result] = translate(
        engine,
        ["خبرگزاری ايرنا از کویت گزارش داد."],
        "fa",
        terms_glossary={"کویت": "Kuwait"},
        keep=["ایرنا"],
    )
    assert result.text == "[en] خبرگزاری ایرنا از Kuwait گزارش داد."
    assert set(result.terms_applied) == {"کویت", "ایرنا"}
    assert result.terms_lost == ()


def test_a_glossary_term_the_model_drops_is_reported_lost(
    make_settings: Callable[..., Settings], test_models_dir: Path
) -> None:
    engine = engine_over(make_settings(), FakeBackend(transform=drop_ascii))
    [result] = translate(engine, ["خبر از کویت."], "fa", terms_glossary={"کویت": "Kuwait"})
    assert result.terms_applied == ()
    assert result.terms_lost == ("کویت",)


def test_the_real_tokenizer_reads_zwnj_as_a_space(
    make_settings: Callable[..., Settings], test_models_dir: Path
) -> None:
    """Marian's sentencepiece (default nmt_nfkc rules) maps ZWNJ to a word boundary."""
    engine = Engine(make_settings(), load_profile(make_settings().models_file, "tiny"))
    spec = engine.profile.require(FA_EN)
    with_zwnj, with_space, joined = engine.count_tokens(
        spec, ["می\u200cکنند", "می کنند", "میکنند"], FA_EN
    )
    assert with_zwnj == with_space
    assert joined != with_space


TEXTS = st.text(
    alphabet=st.sampled_from("اب ی ك ي a B 1 ۱ . ! ؟ « » \n \u200c \u00a0 < > & Q X G T")
    | st.characters(),
    max_size=80,
)


@given(TEXTS)
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_any_text_round_trips_through_an_identity_model(identity_engine: Engine, text: str) -> None:
    if not text.strip():
        return
    [result] = translate(identity_engine, [text], "fa", keep=["Q"])
    assert result.text == (text if result.untranslated else normalize(text))


def test_glossary_terms_inside_inline_tags_are_found(
    make_settings: Callable[..., Settings], test_models_dir: Path
) -> None:
    engine = engine_over(make_settings(), FakeBackend(transform=identity))
    [result] = translate(
        engine, ["<p>News from <b>Kuwait</b>.</p>"], "en", html=True, keep=["Kuwait"]
    )
    assert result.text == "<p>News from <b>Kuwait</b>.</p>"
    assert result.terms_applied == ("Kuwait",)


def test_a_lone_surrogate_round_trips_through_the_result_cache(identity_engine: Engine) -> None:
    text = "hello \ud800 world."
    for _ in range(2):  # computed, then answered from the cache
        [result] = translate(identity_engine, [text], "en")
        assert result.text == text
