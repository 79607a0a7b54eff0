"""Processes whose models all run on CTranslate2 leave torch out, and tokenize exactly the same."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from service.models.families import family_of
from service.models.registry import ModelSpec, Profile, Task, with_runtime
from service.models.tokenizer import Tokenizer
from service.models.torchless import keep_torch_out, needs_torch, torch_left_out
from tests.conftest import PROJECT_ROOT

FA_EN = Task("translate", "fa", "en")
EN_FA = Task("translate", "en", "fa")
# Every family of the tiny models, with a task that sets its language tokens or prefix.
CASES = [
    ("marian-fa-en", "marian", FA_EN),
    ("marian-en-fa", "marian", EN_FA),
    ("m2m100", "m2m100", FA_EN),
    ("m2m100", "m2m100", EN_FA),
    ("nllb", "nllb", EN_FA),
    ("nllb", "nllb", FA_EN),
    ("bart", "bart", Task("summarize", "en", "en")),
    ("mt5", "mt5", Task("summarize", "fa", "fa")),
]
TEXTS = ["قیمت نان در تهران افزایش یافت.", "The price of bread rose, said the bank."]

# Run in a fresh interpreter: leave torch out, then tokenize every case as the worker would.
CHILD = """
import json, sys
from pathlib import Path
from service.models.families import family_of
from service.models.registry import ModelSpec, Profile, Task
from service.models.tokenizer import Tokenizer
from service.models.torchless import keep_torch_out

cases, texts, models = json.loads(sys.stdin.read())
spec = ModelSpec("m", "marian", (Task("translate", "fa", "en"),), runtime="ctranslate2")
assert keep_torch_out(Profile("p", "", (spec,)))
out = []
for folder, family, task in cases:
    tokenizer = Tokenizer.from_folder(Path(models) / folder, family_of(family))
    ids = tokenizer.encode(texts, Task(*task))
    out.append([ids, tokenizer.decode(ids), tokenizer.target_id(Task(*task))])
try:
    import torch  # noqa: F401
    torch_importable = True
except ImportError:
    torch_importable = False
loaded = "transformers" in sys.modules
print(json.dumps({"out": out, "torch": torch_importable, "transformers": loaded}))
"""


def _profile(*runtimes: str) -> Profile:
    specs = tuple(
        ModelSpec(f"m{i}", "marian", (Task("translate", "fa", f"x{i}"),), runtime=runtime)
        for i, runtime in enumerate(runtimes)
    )
    return Profile("p", "", specs)


def test_a_profile_needs_torch_when_any_model_runs_on_it() -> None:
    assert not needs_torch(_profile("ctranslate2", "ctranslate2"))
    assert needs_torch(_profile("ctranslate2", "torch"))
    # TARJOMAN_RUNTIME decides for every model, as with_runtime does.
    assert needs_torch(_profile("ctranslate2"), runtime="torch")
    assert not needs_torch(_profile("torch"), runtime="ctranslate2")
    assert not needs_torch(with_runtime(_profile("torch"), "ctranslate2"))


def test_nothing_changes_once_torch_is_imported() -> None:
    """This test process has torch: leaving it out now would break transformers, so it stays."""
    import torch  # noqa: F401

    assert keep_torch_out(_profile("ctranslate2")) is False
    assert not torch_left_out()
    assert keep_torch_out(_profile("torch")) is False


def test_without_torch_every_family_tokenizes_as_with_it(test_models_dir: Path) -> None:
    """Ids, decoded text and language tokens without torch equal those with it (this process)."""
    models = test_models_dir / "tiny"
    cases = [
        (folder, family, [task.kind, task.source, task.target]) for folder, family, task in CASES
    ]
    child = subprocess.run(
        [sys.executable, "-c", CHILD],
        input=json.dumps([cases, TEXTS, str(models)]),
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=240,
        check=False,
    )
    assert child.returncode == 0, child.stderr
    report = json.loads(child.stdout)
    assert report["torch"] is False
    assert report["transformers"] is True
    assert "PyTorch was not found" not in child.stderr  # the advisory is silenced
    for (folder, family, task), (ids, decoded, target) in zip(CASES, report["out"], strict=True):
        tokenizer = Tokenizer.from_folder(models / folder, family_of(family))
        expected = tokenizer.encode(TEXTS, task)
        assert ids == expected, (folder, task)
        assert decoded == tokenizer.decode(expected), (folder, task)
        assert target == tokenizer.target_id(task), (folder, task)
