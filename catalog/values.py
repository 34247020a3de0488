"""Cell value parsing shared by product and size-chart uploads: text, prices, lists, URLs, enums."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from catalog import taxonomy
from fitguide.errors import Issue

# Values shown back to the merchant in an issue are cut to this length.
_VALUE_PREVIEW = 200
# Size lists: '|', ',', ';', '、' and their full-width forms. '/' is not one: 170/88A is a single 号型.
_LIST_SEPARATORS = re.compile(r"[|,;、，；｜]")
_URL = re.compile(r"^https?://[^\s/?#]+[^\s]*$", re.IGNORECASE)
_CURRENCY_SYMBOLS: tuple[tuple[str, str], ...] = (
    ("人民币", "CNY"),
    ("RMB", "CNY"),
    ("CNY", "CNY"),
    ("元", "CNY"),
    ("¥", "CNY"),
    ("￥", "CNY"),
    ("US$", "USD"),
    ("USD", "USD"),
    ("$", "USD"),
    ("€", "EUR"),
    ("EUR", "EUR"),
    ("£", "GBP"),
    ("GBP", "GBP"),
)
_CURRENCY_WORDS = {"人民币": "CNY", "RMB": "CNY", "元": "CNY", "美元": "USD", "欧元": "EUR", "英镑": "GBP"}


def make_issue(code: str, row: int | None, column: str | None, value: Any, en: str, zh: str) -> Issue:
    if isinstance(value, str) and len(value) > _VALUE_PREVIEW:
        value = value[:_VALUE_PREVIEW] + "…"
    elif value is not None and not isinstance(value, str | int | float):
        value = str(value)[:_VALUE_PREVIEW]
    return Issue(reason=en, reason_zh=zh, row=row, column=column, value=value, code=code)


@dataclass
class UnknownValues:
    """Values kept as free text because the taxonomy does not know them, counted per field.

    They are not errors (a merchant may sell categories FitGuide has no word for), but the import
    report lists them so the merchant can see which values the guide's filters will not recognise.
    """

    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, field_name: str, value: str) -> None:
        per_field = self.counts.setdefault(field_name, {})
        per_field[value] = per_field.get(value, 0) + 1

    def as_report(self, limit: int = 50) -> dict[str, dict[str, int]]:
        return {
            name: dict(sorted(values.items(), key=lambda kv: -kv[1])[:limit])
            for name, values in sorted(self.counts.items())
        }


def text(value: Any) -> str | None:
    """A cell as clean single-spaced text; numbers print without a trailing '.0'."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, list | dict):
        return None
    result = unicodedata.normalize("NFC", str(value)).strip()
    result = "".join(ch for ch in result if ch in "\t\n" or unicodedata.category(ch) != "Cc")
    return result or None


def finite_float(value: float | int) -> float | None:
    """A JSON number as a float; None for NaN, infinities and integers too large for a float."""
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def parse_number(raw: str) -> float | None:
    """'1,299' -> 1299, '199.00' -> 199, '199,5' -> 199.5; None when it is not a plain number."""
    cleaned = raw.replace(" ", "").replace("\u00a0", "")
    if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", cleaned):
        cleaned = cleaned.replace(",", "")
    elif re.fullmatch(r"\d+,\d{1,2}", cleaned):
        cleaned = cleaned.replace(",", ".")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", cleaned):
        return None
    return float(cleaned)


def parse_price(raw: Any) -> tuple[float | None, str | None]:
    """(amount, currency implied by a symbol) from '¥199', '199.00', '1,299', 'RMB 89', '$20'."""
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return finite_float(raw), None
    value = text(raw)
    if value is None:
        return None, None
    implied = None
    upper = value.upper()
    for symbol, code in _CURRENCY_SYMBOLS:
        if symbol in upper:
            implied = code
            upper = upper.replace(symbol, "")
    return parse_number(upper.strip()), implied


def parse_currency(raw: str) -> str | None:
    value = raw.strip()
    if value in _CURRENCY_WORDS:
        return _CURRENCY_WORDS[value]
    upper = value.upper()
    if upper in _CURRENCY_WORDS:
        return _CURRENCY_WORDS[upper]
    return upper if re.fullmatch(r"[A-Z]{3}", upper) else None


def split_list(raw: Any) -> list[str]:
    """'S|M|L', 'S,M,L', 'S、M、L' or a JSON list -> ['S', 'M', 'L'] (not yet normalised)."""
    if isinstance(raw, list):
        items = [text(item) for item in raw]
        return [item for item in items if item]
    value = text(raw)
    if value is None:
        return []
    return [part.strip() for part in _LIST_SEPARATORS.split(value) if part.strip()]


def is_http_url(value: str) -> bool:
    return bool(_URL.match(value)) and len(value) <= 1000


def canonical_term(field_name: str, value: str) -> str | None:
    """The taxonomy name, also for a few separators merchants use ('Men's', '男 / 女')."""
    found = taxonomy.canonical(field_name, value)
    if found is None:
        found = taxonomy.canonical(field_name, re.sub(r"[\s_]+", " ", value).strip())
    return found


def drop_shadowed(issues: list[Issue]) -> list[Issue]:
    """A formula cell is reported once as 'formula', not again as a missing value."""
    formulas = {(i.row, i.column) for i in issues if i.code == "formula"}
    return [i for i in issues if not (i.code == "required" and (i.row, i.column) in formulas)]


def no_rows_issue() -> Issue:
    """An upload without data is refused: in replace mode it would silently empty the catalog."""
    return make_issue(
        "no_rows", None, None, None, "The file has a header but no data rows.", "文件只有表头，没有数据行。"
    )
