"""Writes the README's configuration table from fitguide.settings.Settings (run after adding a setting)."""

from __future__ import annotations

import sys
from pathlib import Path

from fitguide.settings import REPO_ROOT, Settings

START, END = "<!-- settings-table:start -->", "<!-- settings-table:end -->"


def _default(value: object) -> str:
    if isinstance(value, Path):
        return str(value.relative_to(REPO_ROOT)) if value.is_relative_to(REPO_ROOT) else str(value)
    return "(unset)" if value is None else str(value)


def settings_table() -> str:
    rows = ["| variable | default | meaning |", "| --- | --- | --- |"]
    for name, field in Settings.model_fields.items():
        rows.append(
            f"| `FITGUIDE_{name.upper()}` | `{_default(field.default)}` | {field.description or ''} |"
        )
    return "\n".join(rows)


def render(readme: str) -> str:
    head, rest = readme.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{settings_table()}\n{END}{tail}"


def main() -> None:
    path = REPO_ROOT / "README.md"
    updated = render(path.read_text(encoding="utf-8"))
    if "--check" in sys.argv:
        sys.exit(0 if updated == path.read_text(encoding="utf-8") else 1)
    path.write_text(updated, encoding="utf-8")


if __name__ == "__main__":
    main()
