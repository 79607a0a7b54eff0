"""Settings: defaults, validation naming the variable, and the README table."""

from __future__ import annotations

import re

import pytest

from service.settings import PROJECT_ROOT, Settings, SettingsError, load_settings


def test_defaults_from_an_empty_environment() -> None:
    settings = load_settings({})
    assert settings.profile == "default"
    assert settings.preload == ["all"]
    assert settings.max_batch_size == 32


def test_values_are_parsed_from_strings() -> None:
    settings = load_settings(
        {"TARJOMAN_MAX_TEXTS": "7", "TARJOMAN_PRELOAD": "a, b", "TARJOMAN_ALLOW_DOWNLOAD": "1"}
    )
    assert settings.max_texts == 7
    assert settings.preload == ["a", "b"]
    assert settings.allow_download is True


def test_unrelated_variables_are_ignored() -> None:
    load_settings({"PATH": "/bin", "TARJOMAN_TEST_DATA": "/x", "HOME": "/root"})


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TARJOMAN_MAX_TEXTS", "many"),
        ("TARJOMAN_MAX_TEXTS", "0"),
        ("TARJOMAN_DEVICE", "tpu"),
        ("TARJOMAN_NUM_BEAMS", "99"),
        ("TARJOMAN_REQUEST_TIMEOUT_S", "-1"),
    ],
)
def test_a_bad_value_names_the_variable(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        load_settings({name: value})


def test_an_unknown_variable_is_refused_by_name() -> None:
    with pytest.raises(SettingsError, match=r"TARJOMAN_MAX_TEXT\b"):
        load_settings({"TARJOMAN_MAX_TEXT": "5"})


def test_the_process_environment_is_not_read_behind_our_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TARJOMAN_MAX_TEXTS", "3")
    assert load_settings({}).max_texts == Settings().max_texts
    assert load_settings().max_texts == 3


def test_readme_settings_table_matches_the_code() -> None:
    import sys

    sys.path.insert(0, str(PROJECT_ROOT / "scripts"))
    import settings_table

    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(
        r"<!-- settings-table:start -->\n(.*?)\n<!-- settings-table:end -->", readme, re.S
    )
    assert found, "README.md lost its settings table markers"
    assert found.group(1) == settings_table.table(), "run scripts/settings_table.py"
