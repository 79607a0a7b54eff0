"""Start-up refuses bad configuration with one line naming the variable, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from service.app import create_app
from service.settings import PROJECT_ROOT, Settings, SettingsError, load_settings
from service.startup import checked_profile


def test_a_preload_typo_names_the_variable_and_the_known_models(
    make_settings: Callable[..., Settings],
) -> None:
    with pytest.raises(SettingsError) as raised:
        checked_profile(make_settings(preload=["tiny-marian-fa-en", "no-such-model"]))
    message = str(raised.value)
    assert message.startswith("TARJOMAN_PRELOAD: 'no-such-model' is not a model of profile 'tiny'")
    assert "tiny-marian-fa-en" in message.split("known names are:")[1]
    with pytest.raises(SettingsError, match="TARJOMAN_PRELOAD"):
        create_app(make_settings(preload=["no-such-model"]))
    assert checked_profile(make_settings(preload=["all"])).name == "tiny"


def test_a_missing_profile_names_the_variable_and_the_file(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(profile="tyni")
    with pytest.raises(SettingsError) as raised:
        checked_profile(settings)
    message = str(raised.value)
    assert message.startswith("TARJOMAN_PROFILE: no profile 'tyni'")
    assert str(settings.models_file) in message
    assert "tiny" in message.split("there are:")[1]


def test_an_unreadable_or_broken_models_file_is_named(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    missing = tmp_path / "nowhere.toml"
    with pytest.raises(SettingsError, match=f"TARJOMAN_MODELS_FILE: cannot read {missing}"):
        checked_profile(make_settings(models_file=missing))
    broken = tmp_path / "broken.toml"
    broken.write_text("[profiles.tiny\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=f"TARJOMAN_MODELS_FILE: {broken} is not valid TOML"):
        checked_profile(make_settings(models_file=broken))
    bad_entry = tmp_path / "bad.toml"
    bad_entry.write_text('[[profiles.tiny.models]]\nname = "x"\n', encoding="utf-8")
    with pytest.raises(SettingsError, match=f"a model entry in {bad_entry} is bad"):
        checked_profile(make_settings(models_file=bad_entry))


@pytest.mark.parametrize(
    ("environ", "names"),
    [
        ({"TARJOMAN_THREADS": "1"}, ["TARJOMAN_THREADS=1", "TARJOMAN_MAX_BATCH_SIZE"]),
        (
            {"TARJOMAN_THREADS": "20", "TARJOMAN_MAX_BATCH_SIZE": "16"},
            ["TARJOMAN_THREADS=20", "(32)"],
        ),
        (
            {"TARJOMAN_RATE_LIMIT_CHARS": "1000/hour"},
            ["TARJOMAN_RATE_LIMIT_CHARS=1000/hour", "TARJOMAN_MAX_TEXT_CHARS=100000"],
        ),
        (
            {"TARJOMAN_RATE_LIMIT": "10/minute", "TARJOMAN_WORKERS": "2"},
            ["TARJOMAN_WORKERS=2", "TARJOMAN_RATE_LIMIT_STORAGE"],
        ),
    ],
)
def test_settings_that_contradict_each_other_are_refused(
    environ: dict[str, str], names: list[str]
) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(environ)
    for name in names:
        assert name in str(raised.value)


def test_settings_that_agree_are_accepted() -> None:
    settings = load_settings(
        {
            "TARJOMAN_THREADS": "16",
            "TARJOMAN_MAX_BATCH_SIZE": "8",
            "TARJOMAN_RATE_LIMIT_CHARS": "100000/hour",
            "TARJOMAN_WORKERS": "2",
            "TARJOMAN_RATE_LIMIT_STORAGE": "redis://127.0.0.1:6379/0",
        }
    )
    assert settings.threads == 16


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("TARJOMAN_PRELOAD", "no-such-model", "TARJOMAN_PRELOAD: 'no-such-model'"),
        ("TARJOMAN_PROFILE", "no-such-profile", "TARJOMAN_PROFILE: no profile"),
        ("TARJOMAN_MODELS_FILE", "/nonexistent/models.toml", "TARJOMAN_MODELS_FILE: cannot read"),
        ("TARJOMAN_THREADS", "1", "TARJOMAN_THREADS=1 must be at least"),
    ],
)
def test_gunicorn_stops_with_one_line_and_no_traceback(
    variable: str, value: str, expected: str, test_models_dir: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TARJOMAN_")}
    env |= {
        "TARJOMAN_PROFILE": "tiny",
        "TARJOMAN_MODELS_DIR": str(test_models_dir),
        "TARJOMAN_THREADS": "16",
        "TARJOMAN_MAX_BATCH_SIZE": "8",
        "HOST": "127.0.0.1",
        "PORT": "9",  # never bound: the configuration is refused first
        variable: value,
    }
    done = subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"tarjoman: {expected}")
