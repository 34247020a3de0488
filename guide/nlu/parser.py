"""One shopper message -> intent, slots and the text left for ranking. Pure, regex-only, well under 1 ms.

Decisions worth knowing:

- Prices are in the merchant's currency whatever sign the shopper types ("under $50" -> price_max 50).
  "around X" / "X左右" -> X +- 20 %.
- A bare weight without a unit is read as 斤 in Chinese when above 80 ("体重120" = 60 kg) and as pounds
  in English when above 100 ("I weigh 130" = 59 kg); below that it is kg. Stone ("11 st") and "jin" count.
- A bare decimal 1.40-2.30 is a height in metres after a height word ("身高1.90") or beside a weight
  ("1.90 75kg"), never with a price sign or word ("1.90元"). "5.9ft" is decimal feet, as in sizing.units.
- "大码" / "plus size" sets ``plus_size``; the dialogue turns it into ``size_in_stock = XL`` (the smallest
  plus size: a product that stocks XL is the proxy for "carries large sizes") unless a label is given.
- "大一码", "有没有大一点的码", "bigger size", "size down" add the ``size_up`` / ``size_down`` modifier and
  ask about the sizes shown (intent size); "大码" alone stays plus size.
- Fit words (修身, 宽松, slim fit, oversized, 显瘦) set the soft ``fit`` slot: 显瘦 ("slimming") reads as
  slim. Fit is a ranking preference, never a hard filter. Said as a habit ("I like it loose", "喜欢宽松
  一点") it also sets ``fit_preference`` for the size recommender.
- Occasion and season are filters like colour; their words also stay in ``text_for_search``.
- Merchant brands that are everyday English words ("AND", "ONLY") count only when typed in the brand's
  own letter case, so "I'm 170 and 60kg" is not a brand filter.
- Negated colours, materials and brands ("不要红色", "not red", "no polyester", "anything but black",
  "除了黑色") become exclusions, which are never relaxed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from catalog.taxonomy import term
from fitguide.errors import InvalidInput
from guide.nlu.numerals import replace_chinese_numerals
from guide.nlu.vocabulary import Hit, find_terms
from sizing.size_systems import normalize_size_label
from sizing.units import parse_height, parse_length, parse_weight

MAX_MESSAGE_CHARS = 500
AROUND_BAND = 0.2

INTENTS = ("search", "refine", "size", "compare", "product_question", "more", "reset", "help", "chitchat")


@dataclass
class Slots:
    categories: list[str] = field(default_factory=list)
    colors: list[str] = field(default_factory=list)
    exclude_colors: list[str] = field(default_factory=list)
    materials: list[str] = field(default_factory=list)
    exclude_materials: list[str] = field(default_factory=list)
    brands: list[str] = field(default_factory=list)
    exclude_brands: list[str] = field(default_factory=list)
    occasions: list[str] = field(default_factory=list)
    seasons: list[str] = field(default_factory=list)
    gender: str | None = None
    price_min: float | None = None
    price_max: float | None = None
    price_around: float | None = None
    fit: str | None = None  # slim | regular | loose (soft)
    fit_preference: str | None = None  # slim | regular | loose, how the shopper likes clothes to sit
    size_label: str | None = None
    plus_size: bool = False
    body: dict[str, float] = field(
        default_factory=dict
    )  # sizing BodyInput keys: height_cm, weight_kg, chest_cm...
    refs: list[int] = field(default_factory=list)  # 0-based positions of shown products referred to
    attribute: str | None = (
        None  # what a product question asks: material | price | color | sizes | fit | brand
    )
    modifiers: list[str] = field(default_factory=list)  # cheaper | more_expensive | other_colors
    numbers: list[float] = field(default_factory=list)  # bare numbers no pattern claimed ("170 65")


@dataclass
class ParsedMessage:
    lang: str
    intent: str
    slots: Slots
    text_for_search: str
    vague: bool = False  # a search with nothing to search on ("I want clothes", "推荐一下")


# -- patterns -------------------------------------------------------------------------------------------

_CURRENCY_PREFIX = r"(?:(?:[$¥￥]|rmb|cny|usd)\s*)?"
_CURRENCY_SUFFIX = r"\s*(?:元钱|元|块钱|块|rmb|yuan|dollars?|bucks|usd|cny|刀)?"
# Numbers start only where a digit run starts: keeps the patterns linear on long digit strings.
_NUM = _CURRENCY_PREFIX + r"(?<![\d.])(\d+(?:\.\d+)?)\s*(k|w|千|万)?(?![\d.])" + _CURRENCY_SUFFIX
_MAX_CUES = (
    r"不要超过|不超过|不能超过|别超过|不高于|低于|少于|最多|预算|控制在|cheaper than|less than|no more than|"
    r"not more than|at most|under|below|max(?:imum)?|up to|within|budget(?: is| of)?|lower than"
)
_MIN_CUES = (
    r"不低于|高于|超过|至少|最低|more than|over|above|at least|from|starting at|higher than|pricier than"
)
_AROUND_CUES = r"around|about|approximately|approx\.?|roughly|circa|大概|大约|差不多|~|～"

_PRICE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("range", re.compile(rf"between\s+{_NUM}\s*(?:and|to|-)\s*{_NUM}")),
    ("range", re.compile(rf"{_NUM}\s*(?:到|至|-|~|～|—|–|to)\s*{_NUM}")),
    ("max", re.compile(rf"(?:{_MAX_CUES})\s*{_NUM}\s*(?:以内|以下|之内)?")),
    ("max", re.compile(rf"{_NUM}\s*(?:以内|以下|之内|内|or less|or under|and under|and below|max)")),
    ("min", re.compile(rf"(?:{_MIN_CUES})\s*{_NUM}\s*(?:以上)?")),
    ("min", re.compile(rf"{_NUM}\s*(?:以上|\+|起|or more|and up|and above|plus)")),
    ("around", re.compile(rf"(?:{_AROUND_CUES})\s*{_NUM}\s*(?:左右|上下)?")),
    ("around", re.compile(rf"{_NUM}\s*(?:左右|上下|ish)")),
    ("around", re.compile(r"[$¥￥]\s*(\d+(?:\.\d+)?)\s*(k|w|千|万)?")),
    ("around", re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*(k|w|千|万)?\s*(?:元|块钱|块|yuan|dollars|bucks)")),
)

_GIRTH = re.compile(
    r"(胸围|腰围|臀围|胸|腰|臀|chest|bust|waist|hips?)\s*(?:is|[:：是为]|of)?\s*(\d{2,3}(?:\.\d)?)\s*"
    r"(cm|厘米|公分|inches|inch|in|\"|寸)?"
)
_HEIGHT_METRES = re.compile(
    r"(?<![\d.])([12])(?:\s*(?:米|m(?![a-z]))\s*(\d{1,2})|\.(\d{1,2})\s*(?:米|m(?![a-z])))"
)
_HEIGHT_CM = re.compile(r"(?<![\d.])(\d{3}(?:\.\d)?)\s*(?:cm|厘米|公分)")
# 5.9ft is decimal feet (as sizing.units reads it), never "9 ft".
_HEIGHT_DECIMAL_FEET = re.compile(r"(?<![\d.])([4-7]\.\d{1,2})\s*(?:ft|feet|foot)(?![a-z])")
_HEIGHT_FEET = re.compile(
    r"(?<![\d.])([4-7])\s*(?:'|′|’|ft|feet|foot)\s*"
    # Inches are 0-11 and never a weight's number ("6ft 12 stone").
    r"(?:(1[01]|\d)(?![\d.])(?!\s*(?:st|stones?|kgs?|lbs?|pounds?|jin)(?![a-z])|\s*(?:斤|公斤|千克|磅))"
    r"\s*(?:\"|″|”|''|in|inches)?)?"
)
_HEIGHT_BARE = re.compile(
    r"(?:身高|height|高|i'?m|i am|我|tall)\s*(?:is|[:：是有])?\s*(1[3-9]\d|2[01]\d)(?![\d.])"
    r"(?!\s*(?:元|块|斤|kg|公斤|lb))"
)
# A decimal 1.40-2.30 is metres when a height word leads ("身高1.90", "height: 1.85") or a weight is
# beside it ("1.90 75kg"); never with a price sign or word ("1.90 元", "$1.90").
_NOT_A_PRICE_AFTER = (
    r"(?!\s*(?:元|块|角|毛|刀|以|左右|\+|到|-|%|折|倍|[kw千万]|yuan|dollars?|bucks|usd|rmb|cny))"
)
_METRES = r"(?<![\d.$¥￥])([12]\.\d{1,2})(?![\d.])" + _NOT_A_PRICE_AFTER
_HEIGHT_WORD_METRES = re.compile(
    r"(?:身高|height|高)\s*(?:is|[:：是有])?\s*" + _METRES + r"|" + _METRES + r"\s*(?:m\s+)?tall"
)
_METRES_NEXT_TO_WEIGHT = re.compile(_METRES)
METRES_HEIGHT_RANGE = (1.4, 2.3)
_HEIGHT_NEXT_TO_WEIGHT = re.compile(
    r"(?<![\d.$¥￥])(1[4-9]\d|2[01]\d)(?![\d.])(?!\s*(?:元|块|以|左右|\+|到|-))"
)
_WEIGHT_UNIT = re.compile(r"(?<![\d.])(\d{2,3}(?:\.\d)?)\s*(kgs?|公斤|千克|斤|jin|lbs?|pounds?|磅)(?![a-z])")
# 4-39 stone (25-250 kg), optionally with pounds ("11 st", "11st 4lb", "12 stone"); "1st" stays an ordinal.
_WEIGHT_STONE = re.compile(
    r"(?<![\d.])((?:[4-9]|[1-3]\d)(?:\.\d)?)\s*(?:st|stones?)(?![a-z])"
    r"(?:\s*(\d{1,2})\s*(?:lbs?|pounds?)(?![a-z]))?"
)
_WEIGHT_BARE = re.compile(r"(?:体重|weight|weigh|重)\s*(?:is|[:：是有])?\s*(\d{2,3}(?:\.\d)?)(?![\d.])")

_LETTER = r"(xxxs|xxs|xs|s|m|l|xl|xxl|xxxl|xxxxl|[2-6]xl)"
_SIZE_PATTERNS = (
    re.compile(rf"(?:size|尺码|码数|sz)\s*[:：]?\s*{_LETTER}(?![a-z])"),
    re.compile(r"(?:size|尺码|码数)\s*[:：]?\s*(\d{1,3}(?:/\d{2,3}[a-cy]?)?)(?![\d.])"),
    re.compile(rf"(?<![a-z]){_LETTER}\s*(?:码|号|size)"),
    re.compile(r"(?<![\d.])(\d{2,3}/\d{2,3}[a-cy]?)(?![\d])"),
    re.compile(r"(?<![\d.])(\d{2,3})\s*码"),
    re.compile(rf"(?<![a-z]){_LETTER}\s+(?:in stock|available)"),
    re.compile(r"(?<![a-z])(xxs|xs|xl|xxl|xxxl|[2-6]xl)(?![a-z])"),
    re.compile(r"(小号|中号|大号|加加大|加大)(?!码)"),
)
_PLUS = re.compile(
    r"大码|加大码|加肥|特大号|微胖|胖子|胖mm|胖胖|plus[\s-]?size|big and tall|extended sizes?|curvy"
)

_NEG_ZH = r"(?:不要|别要|不想要|不喜欢|不考虑|讨厌|除了|不含|不能是|不是|不用|别|不)"
_NEG_EN = (
    r"(?:anything but|anything except|other than|except(?: for)?|excluding|without|avoid|not|no|"
    r"don'?t want|do not want|don'?t like|do not like|nothing in|never|hate|non-?)"
)
_NEG_CUE_END = re.compile(
    rf"(?:{_NEG_ZH}|(?<![a-z]){_NEG_EN})[\s,，、]*(?:any|the|too|so|very|要|穿|买|太|很|那么)?[\s]*$"
)
_LIST_GAP = re.compile(
    # Written so that no two adjacent parts can both take a space: linear even on long blank gaps.
    r"^[\s,，、/&]*(?:(?:and|or|nor|和|或者|或|跟|与|及|还有|也不要|也不|也别)[\s,，、/&]*)?(?:(?:色|的)\s*)?$"
)

_REF_RANGE = re.compile(r"(?:前|头)(\d)(?:个|件|款|条|套)|(?:first|top)\s+(two|three|four|2|3|4)(?![a-z])")
_REF_ZH = re.compile(r"第(\d)(?:个|件|款|条|套|种)?")
_REF_PAIR = re.compile(
    r"(?<![\d.])(\d)\s*(?:号|#)?\s*(?:和|跟|与|还是|or|and|vs\.?|versus|,|，|、)\s*(?:第)?(\d)(?![\d.])"
)
_REF_EN = re.compile(
    r"(?<![a-z])(first|second|third|fourth|fifth|1st|2nd|3rd|4th|5th|last)(?:\s+(?:one|item|product))?(?![a-z])"
    r"|(?:#|number\s*|no\.\s*|item\s*|option\s*)(\d)(?![\d.])|(\d)号"
)
_REF_LAST_ZH = re.compile(r"最后(?:一|1)?(?:个|件|款|条)?")
_ORDINALS = {
    "first": 0,
    "second": 1,
    "third": 2,
    "fourth": 3,
    "fifth": 4,
    "1st": 0,
    "2nd": 1,
    "3rd": 2,
    "4th": 3,
    "5th": 4,
    "two": 2,
    "three": 3,
    "four": 4,
}
_PRONOUN_REF = re.compile(
    r"(?<![a-z])(it|this one|that one|this|that)(?![a-z])|这件|这个|这款|那件|那个|那款|这条|那条"
)

_INTENT_CUES: dict[str, re.Pattern[str]] = {
    "reset": re.compile(
        r"^\s*(?:reset|start over|start again|clear(?: all)?|new search|restart)\b"
        r"|重新开始|清空|重来|重置|重新搜|从头"
    ),
    "help": re.compile(
        r"^\s*(?:help|\?)\s*$|what can you do|how does this work|how do i use|帮助|你能做什么|怎么用|"
        r"你会什么|能干什么|使用说明|能帮我做什么|能帮我什么|可以做什么|你会做什么|怎么使用"
    ),
    "more": re.compile(
        r"show (?:me )?more|more (?:please|options|results|items)|see more|next page|^\s*(?:more|next)\b"
        r"|more like (?:this|these)|anything else|其他的?款|更多|再看看|换(?:一|1)批|下一页|还有吗|还有别的|"
        r"再来几[个件款]|别的款|多看几"
    ),
    "compare": re.compile(
        r"compare|comparison|(?<![a-z])vs\.?(?![a-z])|versus|difference between|which (?:one )?is "
        r"better|which (?:one )?should i|比较|对比|比一比|哪个好|哪个更|哪件好|哪件更|哪款好|哪款更|"
        r"区别|哪一个好|选哪个|选哪件"
    ),
    "size": re.compile(
        r"what size|which size|my size|size should|size do i|size for me|size would|fit me|"
        r"穿什么码|穿多大|什么尺码|多大码|哪个码|几码|选什么码|尺码推荐|推荐尺码|码数|合适的码|什么码|"
        r"穿哪个码|选多大|适合我的码|我的尺码"
    ),
    "chitchat": re.compile(
        r"^\s*(?:hi|hello|hey|thanks|thank you|thx|bye|good ?bye|ok|okay|cool|great|nice|yes|yeah|yep|"
        r"no|nope|sure)\b|^\s*(?:你好|您好|谢谢|多谢|再见|拜拜|哈喽|在吗|好的|嗯|ok|是的|对|不用了|没有了|好)"
    ),
}
_MODIFIERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "cheaper",
        re.compile(
            r"cheaper|less expensive|lower price|(?:not )?too expensive|too pricey|more affordable|"
            r"budget option|"
            r"便宜点|便宜一些|便宜一点|便宜些|更便宜|再便宜|(?:不要|别|不)?太贵|实惠一?点|价格低一?点|便宜的"
        ),
    ),
    (
        "more_expensive",
        re.compile(
            r"more expensive|pricier|higher end|more premium|too cheap|贵一点|贵一些|贵点|更贵|"
            r"高端一?点|档次高一?点|好一点的|太便宜"
        ),
    ),
    (
        "other_colors",
        re.compile(
            r"(?:other|different|another|more)\s+colou?rs?|换个颜色|换一个颜色|换颜色|别的颜色|"
            r"其他颜色|其它颜色|还有什么颜色|还有别的颜色|别的色|其他色|换(?:一|1)?个?颜色"
        ),
    ),
)
# "有没有大一点的码", "大一码", "any bigger size?", "a size down": a step from the recommended size, not
# a search for big clothes ("大码" alone is plus size, see _PLUS). Taken before refs read "1号" as a product.
_SIZE_STEPS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (
        name,
        re.compile(
            rf"{zh}(?:一|1)(?:号|码)|{zh}(?:一|1)?(?:点|些)的?(?:码|尺码|号|尺寸)|(?:尺码|码数|码)再?{zh}(?:一|1)?(?:点|些)"
            rf"|(?<![a-z])(?:(?:{en}) size|size (?:{en}|{way})|go {way} a size)(?![a-z])"
        ),
    )
    for name, zh, en, way in (
        ("size_up", "大", "bigger|larger", "up"),
        ("size_down", "小", "smaller", "down"),
    )
)
SIZE_STEPS = tuple(name for name, _ in _SIZE_STEPS)
_ATTRIBUTE_CUES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "material",
        re.compile(
            r"什么面料|什么材质|什么料|面料|材质|成分|是棉|纯棉吗|made of|what material|what fabric|"
            r"fabric|material"
        ),
    ),
    ("price", re.compile(r"多少钱|什么价|价格|价钱|how much|what(?:'s| is) the price|price of|cost")),
    ("color", re.compile(r"什么颜色|哪些颜色|几种颜色|几个颜色|what colou?r|which colou?rs?")),
    (
        "sizes",
        re.compile(
            r"有什么码|有哪些码|哪些尺码|什么尺码有货|有货吗|in stock|which sizes|what sizes|sizes available|"
            r"available in"
        ),
    ),
    (
        "fit",
        re.compile(
            r"版型|修身吗|宽松吗|偏大|偏小|run small|run large|runs? (?:small|large|big)|how does it fit|"
            r"is it (?:slim|loose)|true to size"
        ),
    ),
    ("brand", re.compile(r"什么牌子|哪个牌子|什么品牌|what brand|which brand")),
)
_QUESTION = re.compile(
    r"\?|？|吗|呢|是不是|什么|多少|哪|几|(?<![a-z])(?:is|are|does|do|what|which|how)(?![a-z])"
)
_FIT_PREFERENCE_CUE = re.compile(
    r"(?:prefer|like|love|usually wear|always wear|喜欢|偏好|习惯|爱穿|平时穿|穿得?)\s*"
    r"(?:it |them |my clothes |a |穿)?\s*$"
)
_FIT_PREFERENCE_AFTER = re.compile(r"^\s*(?:一点|一些|点|些)")

_FILLERS_ZH = re.compile(
    r"我想要|我想买|我想找|我要买|我要|想要|想买|想找|帮我找|帮我看|帮我|给我|推荐一下|推荐|有没有|请问|麻烦|一下|"
    r"(?:\d|一)?(?:件|条(?!纹)|个|套|款)|一些|平时|看看|找找|的|吗|呢|吧|啊|呀|嘛|了|买|穿|适合|能|可以|你们|有|什么|哪些|"
    r"我|你|要|些|给|在|用|对|是|身高|体重|喜欢|一点|都行|都可以|和|或者|或|及|还是|就行|就好|谢谢"
)
_FILLERS_EN = re.compile(
    r"(?<![a-z])(?:i'?m|i am|i|want|wanna|need|looking|look|for|a|an|the|some|show|me|please|find|my|to|buy|"
    r"with|in|of|something|any|anything|do|you|have|can|could|get|got|would|like|it|is|are|and|or|that|this|"
    r"one|ones|on|at|be|we|our|us|shop|shopping|recommend|suggest|help|what|which|good|nice|new|pair|pairs|"
    r"about|how|not|yes|yeah|no|ok|okay|sure|"
    r"should|will|size|height|weight|weigh|tall|too|also|just|but|so|really|maybe|there|them|they|thanks|"
    r"m|s|ll|ve|re|d|cm|kg|please|pls|ones?|only|just|maybe)(?![a-z])"
)
_GENERIC = re.compile(
    r"^(?:clothes|clothing|outfit|outfits|stuff|things?|items?|products?|apparel|wear|衣服|服装|"
    r"衣裳|东西|好看|好看的|商品|宝贝|款式|新款|热门|爆款)$"
)
FIT_TEXT = {"slim": "slim fit 修身", "regular": "regular fit", "loose": "loose fit 宽松"}
_BARE_NUMBER = re.compile(r"(?<![\d.a-z])(\d{2,3}(?:\.\d)?)(?![\d.a-z])")
_CJK = re.compile(r"[\u3400-\u9fff]")
_SPACES = re.compile(r"\s+")
_PUNCT = re.compile(r"[,，。.!！?？;；:：、~～\"'“”‘’()（）\[\]【】<>《》/\\|*#@&^%$¥￥+=_-]+")


_UNIT_WORDS = re.compile(
    r"(?<![a-z])(?:cm|kg|kgs|lbs?|ft|in|m|k|w|rmb|cny|usd|x{0,3}[sml]|[2-6]?xl|xxl)(?![a-z])", re.IGNORECASE
)


# A number with a Chinese unit ("110斤", "1米65") is how English speakers in China write weights too.
_CJK_MEASURE = re.compile(r"\d+(?:\.\d+)?\s*(?:斤|公斤|千克|厘米|公分|米)\s*\d*")


def detect_language(message: str, lang_hint: str | None = None) -> str:
    """'zh' for any Chinese; 'en' for English words; units and sizes alone ("165cm 50kg") keep the hint."""
    if _CJK.search(message):
        english_words = re.search(r"[A-Za-z]{2,}", _UNIT_WORDS.sub(" ", message))
        if english_words and not _CJK.search(_CJK_MEASURE.sub(" ", message)):
            return "en"
        return "zh"
    if re.search(r"[A-Za-z]", _UNIT_WORDS.sub(" ", message)):
        return "en"
    return lang_hint if lang_hint in ("en", "zh") else "en"


def _normalise(message: str) -> str:
    text = message[:MAX_MESSAGE_CHARS].lower()
    for fancy, plain in (
        ("，", ","),
        ("。", "."),
        ("（", "("),
        ("）", ")"),
        ("：", ":"),
        ("’", "'"),
        ("＄", "$"),
    ):
        text = text.replace(fancy, plain)
    # Full-width digits and letters fold to ASCII.
    text = "".join(chr(ord(ch) - 0xFEE0) if "\uff01" <= ch <= "\uff5e" else ch for ch in text)
    # One space for any run keeps every pattern linear in the message length.
    return replace_chinese_numerals(_SPACES.sub(" ", text))


class _Text:
    """The message with consumed spans blanked out, so later patterns never re-read them."""

    def __init__(self, text: str) -> None:
        self.text = text

    def consume(self, start: int, end: int) -> None:
        self.text = self.text[:start] + " " * (end - start) + self.text[end:]

    def take(self, pattern: re.Pattern[str]) -> list[re.Match[str]]:
        matches = list(pattern.finditer(self.text))
        for match in matches:
            self.consume(match.start(), match.end())
        return matches


def _amount(number: str, multiplier: str | None) -> float | None:
    value = float(number) * {"k": 1000, "千": 1000, "w": 10_000, "万": 10_000}.get(multiplier or "", 1)
    return value if 0 < value < 10_000_000 else None


def _parse_prices(text: _Text, slots: Slots) -> None:
    for kind, pattern in _PRICE_PATTERNS:
        for match in pattern.finditer(text.text):
            groups = match.groups()
            first = _amount(groups[0], groups[1])
            if first is None:
                continue
            if kind == "range":
                second = _amount(groups[2], groups[3])
                if second is None:
                    continue
                slots.price_min, slots.price_max = min(first, second), max(first, second)
            elif kind == "max":
                slots.price_max = first
            elif kind == "min":
                slots.price_min = first
            else:
                slots.price_around = first
                slots.price_min = round(first * (1 - AROUND_BAND), 2)
                slots.price_max = round(first * (1 + AROUND_BAND), 2)
            text.consume(match.start(), match.end())


def _safe(parse: object, raw: str, *args: str) -> float | None:
    try:
        return float(parse(raw, *args))  # type: ignore[operator]
    except (InvalidInput, ValueError):
        return None


def _parse_body(text: _Text, lang: str, slots: Slots) -> None:
    body = slots.body
    for match in text.take(_GIRTH):
        name = {
            "胸围": "chest",
            "胸": "chest",
            "bust": "chest",
            "腰围": "waist",
            "腰": "waist",
            "臀围": "hip",
            "臀": "hip",
            "hip": "hip",
            "hips": "hip",
        }.get(match.group(1), match.group(1))
        unit = match.group(3) or ""
        # A bare girth under 60 is inches in English ("waist 32"); Chinese girths are cm.
        if not unit and lang == "en" and float(match.group(2)) < 60:
            unit = "in"
        value = _safe(parse_length, match.group(2) + unit, name)
        if value is not None:
            body[f"{name}_cm"] = value
    for match in text.take(_HEIGHT_METRES):
        rest = match.group(2) or match.group(3) or "0"
        centimetres = int(rest) * (10 if len(rest) == 1 else 1)
        value = _safe(parse_height, str(int(match.group(1)) * 100 + centimetres))
        if value is not None:
            body["height_cm"] = value
    for pattern in (_HEIGHT_CM, _HEIGHT_DECIMAL_FEET, _HEIGHT_FEET):
        for match in text.take(pattern):
            if pattern is _HEIGHT_CM:
                raw = match.group(1) + "cm"
            elif pattern is _HEIGHT_DECIMAL_FEET:
                raw = match.group(1) + "ft"
            else:
                raw = f"{match.group(1)}'{match.group(2) or 0}\""
            value = _safe(parse_height, raw)
            if value is not None:
                body["height_cm"] = value
    for match in text.take(_HEIGHT_WORD_METRES):
        _set_metres(body, match.group(1) or match.group(2))
    for match in text.take(_WEIGHT_UNIT):
        value = _safe(parse_weight, match.group(1) + match.group(2))
        if value is not None:
            body["weight_kg"] = value
    for match in text.take(_WEIGHT_STONE):
        value = _safe(parse_weight, f"{match.group(1)}st{match.group(2) or ''}")
        if value is not None:
            body["weight_kg"] = value
    for match in text.take(_WEIGHT_BARE):
        number = float(match.group(1))
        unit = "斤" if lang == "zh" and number > 80 else "lb" if lang == "en" and number > 100 else "kg"
        value = _safe(parse_weight, f"{match.group(1)}{unit}")
        if value is not None:
            body["weight_kg"] = value
    if "height_cm" not in body:
        for match in text.take(_HEIGHT_BARE):
            value = _safe(parse_height, match.group(1) + "cm")
            if value is not None:
                body["height_cm"] = value


def _set_metres(body: dict[str, float], metres: str) -> None:
    if METRES_HEIGHT_RANGE[0] <= float(metres) <= METRES_HEIGHT_RANGE[1]:
        value = _safe(parse_height, metres + "m")
        if value is not None:
            body["height_cm"] = value


def _parse_height_next_to_weight(text: _Text, slots: Slots) -> None:
    """ "女朋友165 48公斤", "1.90 75kg": with a weight given, a lone 140-210 or 1.40-2.30 left after
    prices is the height."""
    if "height_cm" in slots.body or "weight_kg" not in slots.body:
        return
    for match in text.take(_METRES_NEXT_TO_WEIGHT):
        _set_metres(slots.body, match.group(1))
    if "height_cm" in slots.body:
        return
    for match in text.take(_HEIGHT_NEXT_TO_WEIGHT):
        value = _safe(parse_height, match.group(1) + "cm")
        if value is not None:
            slots.body["height_cm"] = value


def _parse_sizes(text: _Text, slots: Slots) -> None:
    if text.take(_PLUS):
        slots.plus_size = True
    for pattern in _SIZE_PATTERNS:
        for match in text.take(pattern):
            slots.size_label = normalize_size_label(match.group(1))


def _parse_refs(text: _Text, slots: Slots) -> None:
    refs: list[int] = []
    for match in text.take(_REF_RANGE):
        count = int(match.group(1)) if match.group(1) else _ORDINALS.get(match.group(2))
        if count is None:
            count = int(match.group(2))
        refs.extend(range(min(count, 5)))
    for match in text.take(_REF_PAIR):
        refs.extend([int(match.group(1)) - 1, int(match.group(2)) - 1])
    for match in text.take(_REF_ZH):
        refs.append(int(match.group(1)) - 1)
    if text.take(_REF_LAST_ZH):
        refs.append(-1)
    for match in text.take(_REF_EN):
        word, number, zh_number = match.group(1), match.group(2), match.group(3)
        if word:
            refs.append(-1 if word == "last" else _ORDINALS[word])
        else:
            refs.append(int(number or zh_number) - 1)
    seen: list[int] = []
    for ref in refs:
        if (ref >= 0 or ref == -1) and ref not in seen and ref < 20:
            seen.append(ref)
    slots.refs = seen


def _negated(text: str, hits: list[Hit], index: int, negated: list[bool]) -> bool:
    """A hit is negated when a negation cue ends right before it, or it continues a negated list."""
    hit = hits[index]
    previous_end = hits[index - 1].end if index else 0
    gap = text[previous_end : hit.start]
    if _NEG_CUE_END.search(gap):
        return True
    return bool(index and negated[index - 1] and hits[index - 1].field == hit.field and _LIST_GAP.match(gap))


def _apply_terms(text: _Text, original: str, slots: Slots, brands: tuple[str, ...]) -> list[tuple[int, int]]:
    """Fill attribute slots; return spans to drop from the search text (negated words and their cues)."""
    hits = find_terms(text.text, brands)
    negated: list[bool] = []
    drop: list[tuple[int, int]] = []
    for index, hit in enumerate(hits):
        is_negated = hit.field != "shield" and _negated(text.text, hits, index, negated)
        negated.append(is_negated)
        if hit.field == "shield":
            continue
        if is_negated:
            # Refused colours, materials and brands become exclusions; a refused category, fit,
            # occasion or season ("不要裙子", "not too tight") is simply not asked for.
            excluded = {
                "color": slots.exclude_colors,
                "material": slots.exclude_materials,
                "brand": slots.exclude_brands,
            }.get(hit.field)
            if excluded is not None and hit.value not in excluded:
                excluded.append(hit.value)
            cue = _NEG_CUE_END.search(text.text[: hit.start])
            drop.append((cue.start() if cue else hit.start, hit.end))
            continue
        if hit.field == "gender":
            slots.gender = hit.value
            drop.append((hit.start, hit.end))
        elif hit.field == "fit":
            slots.fit = hit.value
            drop.append((hit.start, hit.end))
            before, after = text.text[max(0, hit.start - 16) : hit.start], text.text[hit.end : hit.end + 3]
            if _FIT_PREFERENCE_CUE.search(before) or _FIT_PREFERENCE_AFTER.match(after):
                slots.fit_preference = hit.value
        else:
            target = {
                "category": slots.categories,
                "color": slots.colors,
                "material": slots.materials,
                "brand": slots.brands,
                "occasion": slots.occasions,
                "season": slots.seasons,
            }[hit.field]
            for value in hit.value.split("|"):
                if value not in target:
                    target.append(value)
            if hit.field != "category":
                # Only category words stay in place; the rest come back as labels (see parse).
                drop.append((hit.start, hit.end))
    # A colour both wanted and refused in one message: the refusal wins.
    slots.colors = [c for c in slots.colors if c not in slots.exclude_colors]
    slots.materials = [m for m in slots.materials if m not in slots.exclude_materials]
    slots.brands = [b for b in slots.brands if b not in slots.exclude_brands]
    return drop


def _search_text(text: str, drop: list[tuple[int, int]], slots: Slots) -> tuple[str, bool]:
    chars = list(text)
    for start, end in drop:
        for position in range(start, min(end, len(chars))):
            chars[position] = " "
    remainder = "".join(chars)
    for _, pattern in _MODIFIERS:
        remainder = pattern.sub(" ", remainder)
    for _, pattern in _INTENT_CUES.items():
        remainder = pattern.sub(" ", remainder)
    remainder = _PUNCT.sub(" ", remainder)
    remainder = _FILLERS_EN.sub(" ", _FILLERS_ZH.sub(" ", remainder))
    remainder = re.sub(r"(?<![a-z])\d+(?:\.\d+)?(?![a-z])", " ", remainder)
    words = [word for word in _SPACES.split(remainder) if word]
    content = [word for word in words if not _GENERIC.match(word)]
    vague = not content
    return " ".join(content), vague


def _intent(original: str, slots: Slots, has_topic: bool, has_constraint: bool) -> str:
    for name in ("reset", "help"):
        if _INTENT_CUES[name].search(original):
            return name
    if set(SIZE_STEPS) & set(slots.modifiers) and not slots.categories:
        return "size"  # "any bigger size?" is about the sizes shown, never a new search
    if _INTENT_CUES["compare"].search(original) and (len(slots.refs) >= 2 or not has_topic):
        return "compare"
    size_question = _INTENT_CUES["size"].search(original) and slots.attribute != "sizes"
    if size_question and slots.refs and not slots.categories:
        return "size"  # "what size should I get in the first one?"
    attribute_question = slots.attribute is not None and _QUESTION.search(original)
    if attribute_question and (slots.refs or _PRONOUN_REF.search(original) or not has_topic):
        return "product_question"
    if slots.refs and _QUESTION.search(original) and (slots.materials or slots.colors or slots.size_label):
        return "product_question"
    if slots.refs and not slots.categories and not has_constraint and not slots.modifiers:
        return "product_question"  # "tell me about the second one", "第二件呢"
    if _INTENT_CUES["size"].search(original) and not slots.categories:
        return "size"
    if _INTENT_CUES["more"].search(original) and not has_topic and not has_constraint and not slots.modifiers:
        return "more"
    if slots.body and not slots.categories and not has_constraint:
        return "size"
    if slots.categories or has_topic:
        return "search"
    if has_constraint or slots.modifiers:
        return "refine"
    if slots.body or slots.fit_preference:
        return "size"
    if _INTENT_CUES["chitchat"].search(original):
        return "chitchat"
    return "chitchat"


_EVERYDAY_WORDS = frozenset(
    re.findall(
        r"[a-z]+",
        "a an and or the only for in on at to with new look me my you your we us our it its one all any more "
        "most best good nice cool basic style fit free go red blue black white yes no not just so up out",
    )
)


def _typed_brands(message: str, brands: tuple[str, ...]) -> tuple[str, ...]:
    """The brands worth looking for: everyday words only when typed in the brand's own case."""
    if not brands:
        return brands
    return tuple(
        brand
        for brand in brands
        if brand.strip().lower() not in _EVERYDAY_WORDS
        or re.search(rf"(?<![A-Za-z]){re.escape(brand.strip())}(?![A-Za-z])", message)
    )


def _has_item_constraint(slots: Slots) -> bool:
    """Any constraint on the product itself (everything but whom it is for)."""
    return bool(
        slots.colors or slots.exclude_colors or slots.materials or slots.exclude_materials or slots.brands
        or slots.exclude_brands or slots.price_min is not None or slots.price_max is not None
        or slots.size_label or slots.plus_size or slots.fit or slots.occasions or slots.seasons
    )  # fmt: skip


def parse(message: str, lang_hint: str | None = None, brands: tuple[str, ...] = ()) -> ParsedMessage:
    """Understand one shopper message. Never raises; unknown text becomes search text."""
    lang = detect_language(message, lang_hint)
    normalised = _normalise(message)
    text = _Text(normalised)
    slots = Slots()
    for name, pattern in _ATTRIBUTE_CUES:
        if pattern.search(normalised):
            slots.attribute = name
            break
    for name, pattern in _MODIFIERS:
        if pattern.search(normalised):
            slots.modifiers.append(name)
    for name, pattern in _SIZE_STEPS:
        if text.take(pattern):
            slots.modifiers.append(name)
    _parse_body(text, lang, slots)
    _parse_sizes(text, slots)
    _parse_refs(text, slots)
    _parse_prices(text, slots)
    _parse_height_next_to_weight(text, slots)
    if "cheaper" in slots.modifiers and slots.price_max is not None:
        slots.modifiers.remove("cheaper")  # "cheaper than 300" is a price bound, not a step down
    if "more_expensive" in slots.modifiers and slots.price_min is not None:
        slots.modifiers.remove("more_expensive")
    slots.numbers = [float(n) for n in _BARE_NUMBER.findall(text.text)[:4]]
    drop = _apply_terms(text, normalised, slots, _typed_brands(message, brands))
    search_text, vague = _search_text(text.text, drop, slots)
    # Names in both languages help ranking on a catalog written in the other language.
    labels = [("category", name) for name in slots.categories]
    labels += [("material", name) for name in slots.materials]
    labels += [("occasion", name) for name in slots.occasions] + [("season", name) for name in slots.seasons]
    words = search_text.split() + [brand.lower() for brand in slots.brands]
    for field_name, name in labels:
        found = term(field_name, name)
        if found is not None:
            words += [found.en.lower(), found.zh]
    if slots.fit:
        words.append(FIT_TEXT[slots.fit])
    search_text = " ".join(dict.fromkeys(words))
    has_constraint = bool(slots.gender) or _has_item_constraint(slots)
    has_topic = bool(slots.categories) or not vague
    intent = _intent(normalised, slots, has_topic, has_constraint)
    # Only whom it is for ("给老婆买衣服") is still too vague to search well.
    only_gender = slots.gender is not None and not _has_item_constraint(slots) and not slots.modifiers
    is_vague = intent == "search" and vague and not slots.categories and not has_constraint
    generic_request = (
        intent == "chitchat" and not has_constraint and bool(_GENERIC_REQUEST.search(normalised))
    )
    only_whom = intent == "refine" and only_gender
    if vague and not slots.categories and (generic_request or only_whom):
        intent, is_vague = "search", True
    return ParsedMessage(lang, intent, slots, search_text, is_vague)


_GENERIC_REQUEST = re.compile(
    r"推荐|买衣服|衣服|clothes|clothing|outfit|recommend|suggest|shopping|随便看看|looking for"
)
