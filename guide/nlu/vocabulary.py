"""The bilingual shopper vocabulary: words in either language mapped onto the catalog's canonical values.

Built on ``catalog.taxonomy`` so a Chinese query finds an English catalog and the reverse; this module
only adds what shoppers say that merchants do not ("给我老公买", "for my wife", "oversized") and drops
taxonomy synonyms that are too ambiguous in free chat ("short" in "short dress", "麻" in "麻烦").
Matching is longest-first in one compiled regex; ASCII words need word boundaries, Chinese words do not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from catalog import taxonomy

# Taxonomy synonyms that mean something else in chat more often than the attribute.
_AMBIGUOUS = {"short", "brief", "skin", "poly", "work", "麻", "trunk", "jean", "sport", "rose"}

# Words people say about whom they shop for.
_RELATIONS = {
    "men": (
        "husband",
        "boyfriend",
        "dad",
        "father",
        "son",
        "brother",
        "grandpa",
        "him",
        "老公",
        "男朋友",
        "男友",
        "爸爸",
        "老爸",
        "父亲",
        "儿子",
        "哥哥",
        "弟弟",
        "爷爷",
        "外公",
        "先生",
        "丈夫",
    ),
    "women": (
        "wife",
        "girlfriend",
        "mom",
        "mum",
        "mother",
        "daughter",
        "sister",
        "grandma",
        "her",
        "老婆",
        "女朋友",
        "女友",
        "妈妈",
        "老妈",
        "母亲",
        "女儿",
        "姐姐",
        "妹妹",
        "奶奶",
        "外婆",
        "太太",
        "妻子",
    ),
}

_EXTRA: dict[str, dict[str, tuple[str, ...]]] = {
    "category": {
        "top": ("tops",),
        "tshirt": ("tshirt", "t shirt", "tee shirt", "t恤衫"),
        "trousers": ("裤",),
        # A polo is sold as a T-shirt by some shops and as a shirt by others: both categories.
        "tshirt|shirt": ("polo", "polo shirt", "polo衫", "polo tee", "保罗衫"),
    },
    "occasion": {
        "formal": ("for work", "to work", "interview", "面试", "职场"),
        "party": ("date night", "wedding", "婚礼", "年会"),
        "casual": ("weekend", "周末"),
    },
    "season": {"winter": ("保暖", "cold weather"), "summer": ("清凉", "hot weather", "透气")},
}

# Fit words (garment cut). 显瘦 ("slimming") is read as slim; it is a soft preference, never a filter.
FIT_WORDS: dict[str, str] = {
    "slim fit": "slim",
    "slim-fit": "slim",
    "slim": "slim",
    "skinny": "slim",
    "fitted": "slim",
    "tight": "slim",
    "修身": "slim",
    "显瘦": "slim",
    "紧身": "slim",
    "收腰": "slim",
    "贴身": "slim",
    "regular fit": "regular",
    "regular": "regular",
    "standard fit": "regular",
    "常规": "regular",
    "正常版型": "regular",
    "标准版型": "regular",
    "loose": "loose",
    "loose fit": "loose",
    "relaxed": "loose",
    "relaxed fit": "loose",
    "oversized": "loose",
    "oversize": "loose",
    "baggy": "loose",
    "roomy": "loose",
    "宽松": "loose",
    "宽大": "loose",
    "阔腿": "loose",
    "oversize款": "loose",
}

# Words that would be misread as attributes inside longer words; matched first and ignored.
_SHIELDS = (
    "网红",
    "红包",
    "麻烦",
    "白天",
    "明白",
    "非常",
    "黑五",
    "下单",
    "红人",
    "运动会",
    "男女同款",
    "up to date",
    "top 10",
    "top ten",
    "short of",
    "down to",
    "come down",
    "go down",
    "break down",
    "long time",
    "冬瓜",
    "棉花糖",
    "还有",
    "春节",
    "秋裤",
)


@dataclass(frozen=True)
class Hit:
    field: str  # category | color | material | season | occasion | gender | fit | brand | shield
    value: str
    start: int
    end: int


def _is_ascii(word: str) -> bool:
    return all(ord(ch) < 128 for ch in word)


def _entries() -> dict[str, tuple[str, str]]:
    """Every surface word (lowercase) -> (field, canonical value)."""
    entries: dict[str, tuple[str, str]] = {}
    for field in ("category", "color", "material", "season", "occasion", "gender"):
        for word, canonical in taxonomy.synonyms(field).items():
            if word in _AMBIGUOUS or (len(word) < 2 and _is_ascii(word)):
                continue
            entries.setdefault(word, (field, canonical))
    for field, extra in _EXTRA.items():
        for canonical, words in extra.items():
            for word in words:
                entries.setdefault(word, (field, canonical))
    for gender, words in _RELATIONS.items():
        for word in words:
            entries[word] = ("gender", gender)
    for word, fit in FIT_WORDS.items():
        entries[word] = ("fit", fit)
    # "denim" is both jeans (category) and denim (material); as a product word it means jeans.
    entries["denim"] = ("category", "jeans")
    entries["unisex"] = ("shield", "unisex")
    for word in _SHIELDS:
        entries[word] = ("shield", word)
    return entries


def _pattern(words: list[str]) -> str:
    parts = []
    for word in sorted(words, key=len, reverse=True):
        escaped = re.escape(word).replace(r"\ ", r"\s+")
        # English words also match their plural ("down jackets"); the lookup strips it again.
        parts.append(rf"(?<![a-z0-9]){escaped}(?:s|es)?(?![a-z0-9])" if _is_ascii(word) else escaped)
    # The leading class lets the regex engine skip positions no word can start at, which is most of them.
    first = "".join(sorted({re.escape(word[0]) for word in words if word}))
    return rf"(?=[{first}])(?:{'|'.join(parts)})"


@lru_cache(maxsize=1)
def _vocabulary() -> tuple[re.Pattern[str], dict[str, tuple[str, str]]]:
    entries = _entries()
    return re.compile(_pattern(list(entries))), entries


@lru_cache(maxsize=256)
def _brand_pattern(brands: tuple[str, ...]) -> tuple[re.Pattern[str] | None, dict[str, str]]:
    lookup = {brand.strip().lower(): brand for brand in brands if brand and brand.strip()}
    if not lookup:
        return None, {}
    return re.compile(_pattern(list(lookup))), lookup


def _space_folded(word: str) -> str:
    return " ".join(word.split())


def _lookup(table: dict[str, Any], matched: str) -> Any:
    word = _space_folded(matched)
    for candidate in (word, word[:-1], word[:-2]):
        if candidate in table:
            return table[candidate]
    raise KeyError(matched)


def find_terms(text: str, brands: tuple[str, ...] = ()) -> list[Hit]:
    """Attribute words in lowercase ``text``, left to right, without overlaps; brands win ties."""
    hits: list[Hit] = []
    taken: list[tuple[int, int]] = []
    brand_regex, brand_lookup = _brand_pattern(brands)
    if brand_regex is not None:
        for match in brand_regex.finditer(text):
            hits.append(Hit("brand", _lookup(brand_lookup, match.group(0)), match.start(), match.end()))
            taken.append((match.start(), match.end()))
    regex, entries = _vocabulary()
    for match in regex.finditer(text):
        if any(start < match.end() and match.start() < end for start, end in taken):
            continue
        field, value = _lookup(entries, match.group(0))
        hits.append(Hit(field, value, match.start(), match.end()))
    hits.sort(key=lambda hit: hit.start)
    return hits
