"""The shopper-language parser: every form the issue lists, in both languages, plus robustness."""

from __future__ import annotations

from dataclasses import asdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guide.nlu import parse
from guide.nlu.numerals import chinese_to_int, replace_chinese_numerals


def slots_of(message: str, **kwargs: object) -> dict[str, object]:
    parsed = parse(message, **kwargs)  # type: ignore[arg-type]
    return {k: v for k, v in asdict(parsed.slots).items() if v not in (None, [], {}, False)}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("三百五", 350),
        ("两千五", 2500),
        ("一千二", 1200),
        ("一万五", 15000),
        ("十五", 15),
        ("二十", 20),
        ("七五", 75),
        ("一百零五", 105),
        ("两百", 200),
        ("三千", 3000),
        ("一万", 10000),
        ("九十九", 99),
    ],
)
def test_chinese_numerals(text: str, value: int) -> None:
    assert chinese_to_int(text) == value


def test_numeral_words_stay_words() -> None:
    assert replace_chinese_numerals("便宜一些") == "便宜一些"
    assert replace_chinese_numerals("看一下") == "看一下"
    assert replace_chinese_numerals("一米七") == "1米7"


@pytest.mark.parametrize(
    ("message", "low", "high"),
    [
        ("500以内", None, 500),
        ("500元以下", None, 500),
        ("不超过三百块", None, 300),
        ("两百左右", 160, 240),
        ("100到200", 100, 200),
        ("100-200元", 100, 200),
        ("under $50", None, 50),
        ("below 300", None, 300),
        ("less than 300", None, 300),
        ("between 100 and 200", 100, 200),
        ("around 200", 160, 240),
        ("cheaper than 300", None, 300),
        ("300+", 300, None),
        ("300以上", 300, None),
        ("两千五以内", None, 2500),
        ("1k以内", None, 1000),
        ("预算一千二", None, 1200),
        ("三百五左右的裙子", 280, 420),
        ("dresses under ¥500", None, 500),
        ("at least 200", 200, None),
    ],
)
def test_price_forms(message: str, low: float | None, high: float | None) -> None:
    parsed = parse(message)
    assert (parsed.slots.price_min, parsed.slots.price_max) == (low, high)
    assert "cheaper" not in parsed.slots.modifiers


@pytest.mark.parametrize(
    ("message", "body"),
    [
        ("165cm 110斤", {"height_cm": 165.0, "weight_kg": 55.0}),
        ("一米七", {"height_cm": 170.0}),
        ("1米65", {"height_cm": 165.0}),
        ("一米七五 六十公斤", {"height_cm": 175.0, "weight_kg": 60.0}),
        ("1.68m 52kg", {"height_cm": 168.0, "weight_kg": 52.0}),
        ("I'm 170 and 60kg", {"height_cm": 170.0, "weight_kg": 60.0}),
        ("身高170体重120斤", {"height_cm": 170.0, "weight_kg": 60.0}),
        ("胸围88 腰围70", {"chest_cm": 88.0, "waist_cm": 70.0}),
        ("165 48kg", {"height_cm": 165.0, "weight_kg": 48.0}),
    ],
)
def test_body_forms(message: str, body: dict[str, float]) -> None:
    parsed = parse(message)
    assert parsed.slots.body == body
    assert parsed.intent == "size"


def test_a_price_range_is_not_a_height() -> None:
    slots = parse("160到200的裙子 50kg").slots
    assert (slots.price_min, slots.price_max) == (160, 200) and slots.body == {"weight_kg": 50.0}
    assert parse("女朋友165 48公斤 买条连衣裙").slots.body == {"height_cm": 165.0, "weight_kg": 48.0}


@pytest.mark.parametrize(
    ("message", "height", "weight"),
    [
        ("身高1.90 体重75kg", 190.0, 75.0),
        ("身高1.90体重75", 190.0, 75.0),
        ("1.90 75kg", 190.0, 75.0),
        ("1.90 and 75 kg", 190.0, 75.0),
        ("I am 1.78 and 70kg", 178.0, 70.0),
        ("height: 1.85, 80kg", 185.0, 80.0),
        ("1.85 tall, 80kg", 185.0, 80.0),
        ("5.9ft 11 st", 179.8, 69.9),
        ("5.9 ft 11st 4lb", 179.8, 71.7),
        ("6ft 12 stone", 182.9, 76.2),
        ("165 110jin", 165.0, 55.0),
        ("165cm 110 jin", 165.0, 55.0),
    ],
)
def test_bare_metres_stone_jin_and_decimal_feet(message: str, height: float, weight: float) -> None:
    parsed = parse(message)
    assert parsed.slots.body == {
        "height_cm": pytest.approx(height, abs=0.1),
        "weight_kg": pytest.approx(weight, abs=0.1),
    }
    assert parsed.intent == "size"


def test_bare_metres_after_a_height_word_alone() -> None:
    assert parse("身高1.72").slots.body == {"height_cm": 172.0}
    assert parse("height is 1.9").slots.body == {"height_cm": 190.0}
    assert parse("5.7ft").slots.body["height_cm"] == pytest.approx(173.7, abs=0.1)  # not "7 ft"


@pytest.mark.parametrize("message", ["1.90 元 60kg", "$1.90 60kg", "¥1.9 60kg", "1.5折 60kg", "1.2 60kg"])
def test_a_small_price_or_number_beside_a_weight_is_not_metres(message: str) -> None:
    assert parse(message).slots.body == {"weight_kg": 60.0}


def test_an_ordinal_is_not_stone() -> None:
    parsed = parse("the 1st one")
    assert parsed.slots.body == {} and parsed.slots.refs == [0]


def test_feet_inches_and_pounds() -> None:
    body = parse("5'6\" 130 lbs").slots.body
    assert body["height_cm"] == pytest.approx(167.6, abs=0.1)
    assert body["weight_kg"] == pytest.approx(59.0, abs=0.1)


def test_bare_girth_in_english_is_inches() -> None:
    assert parse("waist 32").slots.body["waist_cm"] == pytest.approx(81.3, abs=0.1)


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("不要红色", {"exclude_colors": ["red"]}),
        ("别要红的", {"exclude_colors": ["red"]}),
        ("not red", {"exclude_colors": ["red"]}),
        ("no polyester", {"exclude_materials": ["polyester"]}),
        ("anything but black", {"exclude_colors": ["black"]}),
        ("除了黑色都行", {"exclude_colors": ["black"]}),
        ("不要红色和黑色的连衣裙", {"exclude_colors": ["red", "black"], "categories": ["dress"]}),
        ("not red or black dresses", {"exclude_colors": ["red", "black"], "categories": ["dress"]}),
        (
            "a red dress, no polyester",
            {"colors": ["red"], "exclude_materials": ["polyester"], "categories": ["dress"]},
        ),
    ],
)
def test_negation(message: str, expected: dict[str, object]) -> None:
    slots = slots_of(message)
    for key, value in expected.items():
        assert slots[key] == value
    colors = slots.get("colors", [])
    exclude_colors = slots.get("exclude_colors", [])
    assert isinstance(colors, list) and isinstance(exclude_colors, list)
    assert "red" not in colors or "red" not in exclude_colors


def test_refused_categories_and_fits_are_not_asked_for() -> None:
    assert parse("不要裙子，要裤子").slots.categories == ["trousers"]
    assert parse("jeans, not too tight").slots.fit is None
    assert parse("jeans not skinny").slots.fit is None


def test_negated_words_leave_the_search_text() -> None:
    parsed = parse("不要红色的连衣裙")
    assert "红" not in parsed.text_for_search
    assert "连衣裙" in parsed.text_for_search


@pytest.mark.parametrize(
    ("message", "gender"),
    [
        ("给我老公买", "men"),
        ("给老婆买件外套", "women"),
        ("给女朋友挑条裙子", "women"),
        ("for my wife", "women"),
        ("for my girlfriend", "women"),
        ("for my husband", "men"),
        ("for my son", "men"),
        ("男士T恤", "men"),
        ("women's jeans", "women"),
    ],
)
def test_who_it_is_for(message: str, gender: str) -> None:
    assert parse(message).slots.gender == gender


@pytest.mark.parametrize(
    ("message", "label"),
    [
        ("L码", "L"),
        ("size L", "L"),
        ("XL", "XL"),
        ("要L码", "L"),
        ("有L码吗", "L"),
        ("xxl", "2XL"),
        ("M码的T恤", "M"),
        ("170/88A", "170/88A"),
        ("小号", "S"),
    ],
)
def test_size_labels(message: str, label: str) -> None:
    assert parse(message).slots.size_label == label


def test_plus_size() -> None:
    assert parse("大码连衣裙").slots.plus_size
    assert parse("微胖女生穿的裙子").slots.plus_size
    assert parse("plus size jeans").slots.plus_size


@pytest.mark.parametrize(
    ("message", "fit", "preference"),
    [
        ("显瘦的连衣裙", "slim", None),
        ("slim fit jeans", "slim", None),
        ("oversized hoodie", "loose", None),
        ("喜欢宽松一点的卫衣", "loose", "loose"),
        ("I like it loose", "loose", "loose"),
    ],
)
def test_fit(message: str, fit: str, preference: str | None) -> None:
    slots = parse(message).slots
    assert (slots.fit, slots.fit_preference) == (fit, preference)


def test_occasion_season_and_categories() -> None:
    slots = parse("适合约会的裙子").slots
    assert slots.occasions == ["party"] and slots.categories == ["dress"]
    slots = parse("冬天穿的羽绒服").slots
    assert slots.seasons == ["winter"] and slots.categories == ["down_jacket"]
    assert parse("jeans and a jacket").slots.categories == ["jeans", "jacket"]


@pytest.mark.parametrize(
    ("message", "categories"),
    [
        ("七分裤女", ["capris"]),
        ("男士polo衫", ["tshirt", "shirt"]),
        ("nike t shirt men", ["tshirt"]),
        ("down jackets", ["down_jacket"]),
        ("棉服", ["down_jacket"]),
        ("西装外套", ["blazer"]),
    ],
)
def test_category_words(message: str, categories: list[str]) -> None:
    assert parse(message).slots.categories == categories


def test_brands_come_from_the_merchant() -> None:
    slots = parse("Levi's jeans, not Lee", brands=("Levi's", "Lee")).slots
    assert slots.brands == ["Levi's"] and slots.exclude_brands == ["Lee"]
    assert parse("Levi's jeans").slots.brands == []


@pytest.mark.parametrize(
    ("message", "intent"),
    [
        ("连衣裙", "search"),
        ("show me red dresses", "search"),
        ("500以内的羽绒服", "search"),
        ("不要红色", "refine"),
        ("cheaper", "refine"),
        ("便宜点", "refine"),
        ("便宜一些", "refine"),
        ("more expensive", "refine"),
        ("other colours", "refine"),
        ("换个颜色", "refine"),
        ("别的颜色", "refine"),
        ("要L码", "refine"),
        ("show more", "more"),
        ("更多", "more"),
        ("再看看", "more"),
        ("换一批", "more"),
        ("reset", "reset"),
        ("重新开始", "reset"),
        ("清空", "reset"),
        ("help", "help"),
        ("你能做什么", "help"),
        ("hi", "chitchat"),
        ("yes", "chitchat"),
        ("no", "chitchat"),
        ("what about black?", "refine"),
        ("不要太贵的", "refine"),
        ("谢谢", "chitchat"),
        ("compare the first two", "compare"),
        ("比较一下前两个", "compare"),
        ("1和3哪个好", "compare"),
        ("what size should I get?", "size"),
        ("我穿什么码", "size"),
        ("165cm 50kg", "size"),
        ("is the first one cotton?", "product_question"),
        ("第一件是什么面料", "product_question"),
        ("how much is the second one?", "product_question"),
        ("最后一个是什么颜色", "product_question"),
        ("tell me about the second one", "product_question"),
        ("第二件呢", "product_question"),
    ],
)
def test_intents(message: str, intent: str) -> None:
    assert parse(message).intent == intent


@pytest.mark.parametrize(
    ("message", "refs"),
    [
        ("compare the first two", [0, 1]),
        ("比较一下前两个", [0, 1]),
        ("1和3哪个好", [0, 2]),
        ("which is better, 2 or 3?", [1, 2]),
        ("第二件多少钱", [1]),
        ("compare #1 and #3", [0, 2]),
    ],
)
def test_references_to_shown_products(message: str, refs: list[int]) -> None:
    assert parse(message).slots.refs == refs


def test_modifiers() -> None:
    assert parse("cheaper").slots.modifiers == ["cheaper"]
    assert parse("贵一点的").slots.modifiers == ["more_expensive"]
    assert parse("换一个颜色").slots.modifiers == ["other_colors"]


def test_vague_requests_are_flagged() -> None:
    for message in ("I want clothes", "推荐一下", "有什么好看的衣服"):
        parsed = parse(message)
        assert parsed.intent == "search" and parsed.vague, message
    assert not parse("red dress").vague


def test_language() -> None:
    assert parse("连衣裙").lang == "zh"
    assert parse("dresses").lang == "en"
    assert parse("165cm 50kg", lang_hint="zh").lang == "zh"
    assert parse("500", lang_hint="zh").lang == "zh"


def test_search_text_keeps_categories_in_both_languages() -> None:
    text = parse("红色连衣裙 500以内").text_for_search
    assert "连衣裙" in text and "dress" in text and "500" not in text


def test_taxonomy_words_inside_other_words_are_not_attributes() -> None:
    assert parse("网红款连衣裙").slots.colors == []
    assert parse("short dress").slots.categories == ["dress"]
    assert parse("麻烦推荐一下").slots.materials == []


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=600))
def test_parse_never_raises_on_arbitrary_text(message: str) -> None:
    parsed = parse(message)
    assert parsed.intent in {
        "search",
        "refine",
        "size",
        "compare",
        "product_question",
        "more",
        "reset",
        "help",
        "chitchat",
    }
    assert len(parsed.text_for_search) <= 1200
    for value in (parsed.slots.price_min, parsed.slots.price_max):
        assert value is None or value > 0


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "红色",
                "不要",
                "500以内",
                "连衣裙",
                "L码",
                "165cm",
                "not",
                "red",
                "under",
                "$",
                "一米七",
                "和",
                "cheaper",
                "第",
                "1",
                "2",
                "比较",
                "斤",
                " ",
                "?",
            ]
        ),
        max_size=20,
    )
)
def test_parse_never_raises_on_shopper_like_fragments(parts: list[str]) -> None:
    parsed = parse("".join(parts))
    assert not (set(parsed.slots.colors) & set(parsed.slots.exclude_colors))


@pytest.mark.parametrize(
    ("message", "lang"),
    [
        ("I'm 165cm, 110斤, what size?", "en"),
        ("what size for 1米65 55kg", "en"),
        ("165cm 110斤", "zh"),
        ("Nike 男款 T恤", "zh"),
    ],
)
def test_chinese_units_in_an_english_sentence_keep_it_english(message: str, lang: str) -> None:
    assert parse(message).lang == lang


@pytest.mark.parametrize(
    ("message", "step"),
    [
        ("有没有大一点的码", "size_up"),
        ("大一码", "size_up"),
        ("大一号的", "size_up"),
        ("码数大一点", "size_up"),
        ("any bigger size?", "size_up"),
        ("do you have a larger size", "size_up"),
        ("size up", "size_up"),
        ("有小一码的吗", "size_down"),
        ("小一点的码", "size_down"),
        ("a size smaller", "size_down"),
        ("go down a size", "size_down"),
    ],
)
def test_a_bigger_or_smaller_size_is_a_size_step(message: str, step: str) -> None:
    parsed = parse(message)
    assert parsed.slots.modifiers == [step] and parsed.intent == "size"
    assert parsed.slots.refs == [] and not parsed.slots.plus_size and parsed.slots.size_label is None


@pytest.mark.parametrize("message", ["大码", "大码连衣裙", "大一点的连衣裙", "down jacket size L"])
def test_plus_size_and_product_words_are_not_size_steps(message: str) -> None:
    assert not {"size_up", "size_down"} & set(parse(message).slots.modifiers)
