"""Size labels as merchants write them: letters (XS..4XL), numeric EU/US/UK sizes, Chinese 号型.

GB/T 1335 号型 reads ``170/88A``: 号 is body height in cm, 型 the chest (tops) or waist (bottoms)
girth in cm, and the letter the body type from the chest-minus-waist drop.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Smallest to largest; aliases fold onto these.
LETTER_ORDER: tuple[str, ...] = ("XXS", "XS", "S", "M", "L", "XL", "2XL", "3XL", "4XL", "5XL", "6XL")
_LETTER_ALIASES = {
    "XXXS": "XXS",
    "2XS": "XXS",
    "XXL": "2XL",
    "XXXL": "3XL",
    "XXXXL": "4XL",
    "XXXXXL": "5XL",
    "SMALL": "S",
    "MEDIUM": "M",
    "LARGE": "L",
    "EXTRA LARGE": "XL",
    "X-LARGE": "XL",
    "XX-LARGE": "2XL",
    "X-SMALL": "XS",
    "均码": "FREE",
    "ONE SIZE": "FREE",
    "FREESIZE": "FREE",
    "FREE SIZE": "FREE",
    "小号": "S",
    "中号": "M",
    "大号": "L",
    "加大": "XL",
    "加加大": "2XL",
}
_HAOXING = re.compile(r"^\s*(\d{2,3})\s*/\s*(\d{2,3})\s*([YABC])?\s*$", re.IGNORECASE)

# GB/T 1335.1/.2: body type from chest girth minus waist girth (cm).
_BODY_TYPE_DROP = {
    "men": (("Y", 17.0), ("A", 12.0), ("B", 7.0), ("C", 2.0)),
    "women": (("Y", 19.0), ("A", 14.0), ("B", 9.0), ("C", 4.0)),
}


@dataclass(frozen=True)
class HaoXing:
    height_cm: int
    girth_cm: int
    body_type: str | None = None

    def __str__(self) -> str:
        return f"{self.height_cm}/{self.girth_cm}{self.body_type or ''}"


def parse_haoxing(label: str) -> HaoXing | None:
    """``170/88A`` -> HaoXing(170, 88, 'A'); None when the label is not a plausible 号型."""
    match = _HAOXING.match(label)
    if not match:
        return None
    height, girth = int(match.group(1)), int(match.group(2))
    if not (100 <= height <= 210 and 40 <= girth <= 150):
        return None
    body_type = match.group(3).upper() if match.group(3) else None
    return HaoXing(height, girth, body_type)


def body_type(chest_cm: float, waist_cm: float, sex: str) -> str:
    """GB/T 1335 body type letter from the chest-waist drop."""
    drop = chest_cm - waist_cm
    table = _BODY_TYPE_DROP["women" if sex in ("female", "women", "f") else "men"]
    for letter, lower_bound in table:
        # Nominal ranges are whole cm (men A: 12-16, Y: 17-22); split halfway between them.
        if drop >= lower_bound - 0.5:
            return letter
    return "C"


def normalize_size_label(raw: str) -> str:
    """Canonical spelling of a size label: 'xxl' -> '2XL', ' m ' -> 'M', '170/88a' -> '170/88A'."""
    text = " ".join(str(raw).strip().split())
    upper = text.upper()
    if upper in LETTER_ORDER:
        return upper
    if upper in _LETTER_ALIASES:
        return _LETTER_ALIASES[upper]
    compact = upper.replace(" ", "")
    if compact in _LETTER_ALIASES:
        return _LETTER_ALIASES[compact]
    numbered = re.match(r"^(\d)X(L|S)$", compact)
    if numbered:
        count, end = int(numbered.group(1)), numbered.group(2)
        label = f"{count}X{end}" if end == "L" else "X" * count + "S"
        if end == "L" and count == 1:
            label = "XL"
        return label if label in LETTER_ORDER else compact
    haoxing = parse_haoxing(text)
    if haoxing is not None:
        return str(haoxing)
    return compact


def letter_rank(label: str) -> int | None:
    """Position of a letter size in LETTER_ORDER, or None for non-letter labels."""
    normalized = normalize_size_label(label)
    return LETTER_ORDER.index(normalized) if normalized in LETTER_ORDER else None


def size_sort_key(label: str) -> tuple[int, float, str]:
    """Orders letters by LETTER_ORDER, numbers and 号型 by value; mixed lists stay stable."""
    normalized = normalize_size_label(label)
    rank = letter_rank(normalized)
    if rank is not None:
        return (0, float(rank), normalized)
    haoxing = parse_haoxing(normalized)
    if haoxing is not None:
        return (1, haoxing.height_cm * 1000 + haoxing.girth_cm, normalized)
    number = re.match(r"^(\d+(?:\.\d+)?)", normalized)
    if number:
        return (2, float(number.group(1)), normalized)
    return (3, 0.0, normalized)
