"""Chinese numerals inside free text, rewritten as Arabic digits so one set of patterns reads both.

``三百五`` -> 350, ``两千五`` -> 2500, ``一千二`` -> 1200, ``一万五`` -> 15000, ``十五`` -> 15,
``七五`` -> 75 (digit by digit when no unit character is present), ``一米七`` -> ``1米7``.
A lone ``一`` in fixed phrases (一下, 一些, 一点, 一样 ...) is left alone: it is not a quantity.
"""

from __future__ import annotations

import re

DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "俩": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
UNITS = {"十": 10, "百": 100, "千": 1000}
_RUN = re.compile(r"[零〇一二两俩三四五六七八九十百千万]+")
# 一 / 两 followed by these is a word, not a number ("便宜一些", "看一下", "两者").
_WORD_AFTER_ONE = set("下些点样起般直定共切致边会旦向再模起身套") | {"者"}


def _below_ten_thousand(text: str) -> int | None:
    """Value of a numeral run without 万, e.g. 三百五 -> 350, 十二 -> 12, 七五 -> 75."""
    if not text:
        return 0
    if all(ch in DIGITS for ch in text):
        return int("".join(str(DIGITS[ch]) for ch in text))
    total = 0
    pending: int | None = None
    last_unit = 1
    for ch in text:
        if ch in DIGITS:
            if pending is not None and DIGITS[ch] != 0:
                return None  # two digits in a row inside a unit numeral: not a number we know
            pending = DIGITS[ch] if DIGITS[ch] != 0 else None
            if DIGITS[ch] == 0:
                last_unit = 10  # 一百零五: the next digit is plain ones
        elif ch in UNITS:
            unit = UNITS[ch]
            total += (pending if pending is not None else 1) * unit
            pending = None
            last_unit = unit
        else:
            return None
    if pending is not None:
        # Spoken abbreviation: 三百五 = 350, 两千五 = 2500; after 十 or 零 the digit is ones.
        total += pending * (last_unit // 10 if last_unit >= 100 else 1)
    return total


def chinese_to_int(text: str) -> int | None:
    """Integer value of a Chinese numeral run, or None when it is not a well-formed number."""
    if not text:
        return None
    if "万" in text:
        high, _, low = text.partition("万")
        if "万" in low:
            return None
        high_value = _below_ten_thousand(high) if high else 1
        if high_value is None:
            return None
        if low and all(ch in DIGITS for ch in low) and len(low) == 1:
            low_value: int | None = DIGITS[low] * 1000  # 一万五 = 15000
        else:
            low_value = _below_ten_thousand(low)
        if low_value is None:
            return None
        return high_value * 10_000 + low_value
    return _below_ten_thousand(text)


def replace_chinese_numerals(text: str) -> str:
    """The text with every Chinese numeral run replaced by its Arabic value."""

    def substitute(match: re.Match[str]) -> str:
        run = match.group(0)
        following = text[match.end() : match.end() + 1]
        if run in ("一", "两", "俩") and following in _WORD_AFTER_ONE:
            return run
        # 七分裤, 五分袖: a garment length, not a quantity.
        if len(run) == 1 and text[match.end() : match.end() + 2] in ("分裤", "分袖"):
            return run
        # 万 alone (万一, 千万) is a word, not a quantity.
        if run in ("万", "千", "百", "千万"):
            return run
        value = chinese_to_int(run)
        return run if value is None else str(value)

    if not _RUN.search(text):
        return text
    return _RUN.sub(substitute, text)
