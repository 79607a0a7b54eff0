"""models.toml and the registry: profiles, families, pinned revisions, the cache layout."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from service.models.families import family_of
from service.models.registry import ModelSpec, Task, hub_snapshot, load_profiles, with_runtime
from service.models.torch_runtime import TorchBackend
from service.settings import PROJECT_ROOT

PROFILES = load_profiles(PROJECT_ROOT / "models.toml")
SHA = re.compile(r"[0-9a-f]{40}")
TASKS = {
    Task("translate", "fa", "en"),
    Task("translate", "en", "fa"),
    Task("summarize", "en", "en"),
}


def test_the_design_profiles_are_all_there() -> None:
    assert {"default", "persian", "nllb", "tiny", "tiny-m2m100", "tiny-nllb"} <= set(PROFILES)


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_every_entry_names_a_family_that_can_do_its_tasks(name: str) -> None:
    for spec in PROFILES[name].models:
        family = family_of(spec.family)
        for task in spec.tasks:
            assert family.supports(task), (name, spec.name, str(task))
        assert spec.licence != "unknown"
        assert spec.params
        assert (spec.hub_id is None) != (spec.path is None), spec.name


@pytest.mark.parametrize("name", ["default", "persian", "nllb"])
def test_hub_models_are_pinned_to_a_commit_or_say_why_not(name: str) -> None:
    text = (PROJECT_ROOT / "models.toml").read_text(encoding="utf-8")
    for spec in PROFILES[name].models:
        assert spec.hub_id is not None
        assert spec.revision is not None
        if not SHA.fullmatch(spec.revision):
            assert spec.revision == "main"
            assert 'revision = "main"  # no commit SHA found' in text


def test_real_profiles_serve_the_tasks_of_the_design() -> None:
    assert set(PROFILES["default"].by_task) == TASKS
    assert set(PROFILES["persian"].by_task) == TASKS | {Task("summarize", "fa", "fa")}
    assert set(PROFILES["nllb"].by_task) == TASKS | {Task("summarize", "fa", "fa")}
    assert (
        PROFILES["default"].require(Task("translate", "fa", "en")).hub_id == "facebook/m2m100_418M"
    )
    nllb = PROFILES["nllb"].require(Task("translate", "fa", "en"))
    assert (nllb.family, nllb.hub_id) == ("nllb", "facebook/nllb-200-distilled-600M")
    assert PROFILES["persian"].spec("pn-summary-mt5-small").gated


def test_only_the_nllb_profile_is_non_commercial() -> None:
    assert "non-commercial" in PROFILES["nllb"].notice
    for name in ("default", "persian", "tiny"):
        assert "non-commercial" not in PROFILES[name].notice
        assert all("non-commercial" not in s.licence for s in PROFILES[name].models)


def test_the_tiny_profile_keeps_the_entries_other_code_relies_on() -> None:
    tiny = PROFILES["tiny"]
    assert tiny.demo
    entries = {s.name: (s.family, tuple(str(t) for t in s.tasks)) for s in tiny.models}
    assert entries == {
        "tiny-marian-fa-en": ("marian", ("translate fa-en",)),
        "tiny-marian-en-fa": ("marian", ("translate en-fa",)),
        "tiny-bart": ("bart", ("summarize en",)),
        "tiny-mt5": ("mt5", ("summarize fa",)),
    }


def test_the_tiny_profiles_cover_every_family_and_exist_on_disk(test_models_dir: Path) -> None:
    tiny = [p for name, p in PROFILES.items() if name.startswith("tiny")]
    assert {s.family for p in tiny for s in p.models} == {"marian", "m2m100", "nllb", "mt5", "bart"}
    for profile in tiny:
        assert profile.demo
        for spec in profile.models:
            assert TorchBackend("cpu").locate(spec, test_models_dir) is not None, spec.name


def test_hub_snapshot_follows_refs(tmp_path: Path) -> None:
    repo = tmp_path / "models--org--name"
    commit = "a" * 40
    snapshot = repo / "snapshots" / commit
    assert hub_snapshot(tmp_path, "org/name", "main") is None
    snapshot.mkdir(parents=True)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit + "\n")
    # Whether the files in it are complete is its runtime's call (TorchBackend.locate).
    assert hub_snapshot(tmp_path, "org/name", "main") == snapshot
    assert hub_snapshot(tmp_path, "org/name", commit) == snapshot
    assert hub_snapshot(tmp_path, "org/name", "b" * 40) is None
    assert hub_snapshot(tmp_path, "org/other", "main") is None


def test_runtime_and_quantization_come_from_entry_then_profile_then_override(
    tmp_path: Path,
) -> None:
    toml = tmp_path / "models.toml"
    toml.write_text(
        """
[profiles.p]
runtime = "ctranslate2"
quantization = "int8"
[[profiles.p.models]]
name = "a"
family = "marian"
path = "a"
tasks = ["translate fa-en"]
[[profiles.p.models]]
name = "b"
family = "marian"
path = "b"
tasks = ["translate en-fa"]
runtime = "torch"
quantization = "none"
[profiles.q]
[[profiles.q.models]]
name = "c"
family = "marian"
path = "c"
tasks = ["translate en-fa"]
"""
    )
    profiles = load_profiles(toml)
    p = profiles["p"]
    assert (p.spec("a").runtime, p.spec("a").quantization) == ("ctranslate2", "int8")
    assert (p.spec("b").runtime, p.spec("b").quantization) == ("torch", "none")
    c = profiles["q"].spec("c")
    assert (c.runtime, c.quantization) == ("torch", "none")
    forced = with_runtime(p, "torch", "int8")
    assert {(s.runtime, s.quantization) for s in forced.models} == {("torch", "int8")}
    assert forced.model_for(Task("translate", "en", "fa")) == forced.spec("b")
    assert with_runtime(p, "", "none").spec("a").runtime == "ctranslate2"
    assert with_runtime(p) is p


def test_a_missing_model_says_which_command_fetches_it(tmp_path: Path) -> None:
    task = (Task("translate", "fa", "en"),)
    hub = ModelSpec("m", "m2m100", task, hub_id="facebook/m2m100_418M", revision="main")
    local = ModelSpec("t", "marian", task, path="tiny/marian-fa-en")
    assert "`tarjoman models download --profile default`" in hub.missing_reason(tmp_path, "default")
    assert "`tarjoman models build-test`" in local.missing_reason(tmp_path, "tiny")
    assert str(tmp_path) in hub.missing_reason(tmp_path, "default")
    # Without a profile: the serving one, which `models download` defaults to as well.
    assert "`tarjoman models download`" in hub.missing_reason(tmp_path)
    assert "`tarjoman models build-test`" in local.missing_reason(tmp_path)
