#!/usr/bin/env python3
"""Print the README's settings table from service.settings.Settings (the README must match)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from service.settings import PROJECT_ROOT, Settings, env_name


def _default(field: str) -> str:
    value = Settings.model_fields[field].get_default(call_default_factory=True)
    if isinstance(value, Path) and value.is_relative_to(PROJECT_ROOT):
        value = value.relative_to(PROJECT_ROOT)
    if isinstance(value, list):
        value = ",".join(value)
    return f"`{value}`" if value not in (None, "") else "(unset)"


def table() -> str:
    """The markdown table: variable, default, meaning."""
    rows = ["| variable | default | what it does |", "| --- | --- | --- |"]
    for name, field in Settings.model_fields.items():
        rows.append(f"| `{env_name(name)}` | {_default(name)} | {field.description or ''} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(table())
