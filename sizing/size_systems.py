"""Size labels as merchants write them: letters (XS..4XL), numeric EU/US/UK sizes, Chinese 号型.

GB/T 1335 号型 reads ``170/88A``: 号 is body height in cm, 型 the chest (tops) or waist (bottoms)
girth in cm, and the letter the body type from the chest-minus-waist drop.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
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
    "XSMALL": "XS",
    "EXTRA SMALL": "XS",
    "XX-SMALL": "XXS",
    "XXSMALL": "XXS",
    "XLARGE": "XL",
    "XXLARGE": "2XL",
    "XXX-LARGE": "3XL",
    "2X-LARGE": "2XL",
    "3X-LARGE": "3XL",
    "EXTRA EXTRA LARGE": "2XL",
    "SM": "S",
    "MED": "M",
    "LG": "L",
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


# A waist size as jeans label it: 30, W30, 30W, 30", 30in, with an optional length part (W30 L32, 30/32,
# 30x32). The waist is what a chart of waist sizes lists.
_WAIST_SIZE = re.compile(
    r"^W?\s*(\d{2})\s*(?:W|\"|''|IN|INCH)?\s*(?:(?:L|/|X|\*|×)\s*\d{2}\s*(?:L|\"|IN)?)?$"
)


def loose_size_key(label: str) -> str | None:
    """What a size label shares with other spellings of the same size when the canonical spellings differ:
    a 号型 without its body-type letter ('170/88' for '170/88A'), a waist size ('W30' for '30', 'W30 L32',
    '30"'). None when the label has no such reading."""
    haoxing = parse_haoxing(label)
    if haoxing is not None:
        return f"{haoxing.height_cm}/{haoxing.girth_cm}"
    waist = _WAIST_SIZE.match(" ".join(str(label).strip().upper().split()))
    if waist and 20 <= int(waist.group(1)) <= 60:
        return f"W{waist.group(1)}"
    return None


class SizeLookup:
    """Finds a size label among a chart's labels however it is spelled: the canonical spelling first
    ('xxl' = '2XL', 'Large' = 'L', '170/88a' = '170/88A'), then a loose key shared by exactly one chart
    label ('170/88' = '170/88A' when the chart has no other 170/88; 'W30' = '30')."""

    def __init__(self, labels: Sequence[str]) -> None:
        self._labels = tuple(labels)
        self._exact: dict[str, int] = {}
        loose: dict[str, list[int]] = {}
        for index, label in enumerate(labels):
            self._exact.setdefault(normalize_size_label(label), index)
            key = loose_size_key(label)
            if key is not None:
                loose.setdefault(key, []).append(index)
        self._loose = {key: found[0] for key, found in loose.items() if len(found) == 1}

    def index(self, label: str) -> int | None:
        exact = self._exact.get(normalize_size_label(label))
        if exact is not None:
            return exact
        key = loose_size_key(label)
        if key is None or key not in self._loose:
            return None
        found = self._loose[key]
        # Two 号型 with different body-type letters are different sizes (170/88A is not 170/88B).
        ours, theirs = parse_haoxing(label), parse_haoxing(self._labels[found])
        if ours and theirs and ours.body_type and theirs.body_type:
            return None
        return found
