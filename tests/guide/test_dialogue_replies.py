"""Every reply kind renders in both languages, reads naturally and never carries merchant markup."""

from __future__ import annotations

from dataclasses import replace

import pytest

from guide.dialogue import Dialogue, DialogueState, SizeAdvice, Turn
from guide.nlu import parse
from guide.records import ProductRecord
from guide.replies import ReplyRenderer, constraint_phrases, money, relaxation_phrase
from tests.guide.fakes import FakeSearch, demo_products, fake_advisor, product

SCRIPT = [
    ("I want clothes", "clarify"),
    ("dresses, not red, under 500", "results"),
    ("show more", "results"),
    ("show more", "no_more"),
    ("cheaper", "results"),
    ("compare the first two", "compare"),
    ("is the first one cotton?", "answer"),
    ("what material is the second one?", "answer"),
    ("how much is the first one?", "answer"),
    ("does the first one have L in stock?", "answer"),
    ("what size should I get?", "ask_body"),
    ("165cm 50kg", "sizes"),
    ("any bigger size?", "size_step"),
    ("down jackets under 500", "relaxed"),
    ("help", "help"),
    ("thanks", "greeting"),
    ("start over", "reset"),
    ("165cm 50kg", "body_noted"),
    ("jeans, not black, not blue, not white, not red, not green, not pink, not navy", "no_results"),
]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_reply_kind_renders(lang: str) -> None:
    search = FakeSearch(
        [
            *demo_products(),
            product(
                "X1",
                "<b>Bold</b> & <img src=x onerror=alert(1)>",
                150,
                category="dress",
                color="white",
                material="cotton",
            ),
        ]
    )
    dialogue = Dialogue(search, fake_advisor, page_size=4)
    renderer = ReplyRenderer()
    state = DialogueState()
    kinds = []
    for message, kind in SCRIPT:
        parsed = parse(message)
        parsed.lang = lang
        turn: Turn = dialogue.turn(state, parsed)
        state = turn.state
        text = renderer.render(turn)
        kinds.append(turn.reply)
        assert turn.reply == kind, message
        assert text and "None" not in text and "<" not in text and "{" not in text, (message, text)
        response = renderer.response("session-id", turn)
        assert response.suggestions or kind in ("no_more",), message
    assert len(set(kinds)) == len({kind for _, kind in SCRIPT})


def test_phrases() -> None:
    assert money(500, "CNY", "zh") == "500元" and money(500, "CNY", "en") == "¥500"
    assert money(19.5, "USD", "en") == "$19.50"
    assert relaxation_phrase("price_max", 600, "CNY", "zh") == "600元以内"
    assert relaxation_phrase("price_max", 600, "CNY", "en") == "under ¥600"
    assert relaxation_phrase("colors", ["red"], "CNY", "en") == "in red"
    phrases = constraint_phrases(
        {"price_max": 68.99, "exclude_colors": ["black"], "size_in_stock": "L"}, "CNY", "zh"
    )
    assert phrases == ["低于69元", "L码有货", "不要黑色"]


def test_relaxed_reply_names_the_loosened_bound() -> None:
    dialogue = Dialogue(FakeSearch(demo_products()), None)
    renderer = ReplyRenderer()
    zh = dialogue.turn(DialogueState(), parse("500以内的羽绒服"))
    assert renderer.render(zh) == "没有500元以内的羽绒服，这些是700元以内的。"
    en = dialogue.turn(DialogueState(), parse("down jackets under 500"))
    assert renderer.render(en) == "No down jackets under ¥500; these are under ¥700."


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_suggestion_chip_is_understood(lang: str) -> None:
    dialogue = Dialogue(FakeSearch(demo_products()), fake_advisor, page_size=4)
    state = DialogueState()
    chips: set[str] = set()
    for message, _ in SCRIPT:
        parsed = parse(message)
        parsed.lang = lang
        turn = dialogue.turn(state, parsed)
        state = turn.state
        chips |= set(turn.suggestions)
    for chip in chips:
        parsed = parse(chip)
        assert parsed.intent != "chitchat" and not parsed.vague, chip
        assert parsed.lang == lang or chip.isascii(), chip


def test_seasons_and_occasions_are_named_in_the_reply() -> None:
    filters = {"seasons": ["summer"], "occasions": ["party"], "price_max": 200}
    assert constraint_phrases(filters, "CNY", "en") == ["for summer", "for party wear", "under ¥200"]
    assert constraint_phrases(filters, "CNY", "zh") == ["夏季", "适合派对", "200元以内"]


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        (["dresses", "I'm 5'4\" and 140 lbs"], "Your sizes for 163cm, 63.5kg: "),
        (["dresses", "6'3\" 165 lbs"], "Your sizes for 191cm, 75kg: "),
        (["连衣裙", "身高1.90 体重75kg"], "按身高190cm、体重75kg，你的尺码："),
        (["连衣裙", "我5'4\" 140磅"], "按身高163cm、体重63.5kg，你的尺码："),
    ],
)
def test_body_in_the_sizes_reply_is_rounded_and_bare_metres_answer(
    messages: list[str], expected: str
) -> None:
    dialogue = Dialogue(FakeSearch(demo_products()), fake_advisor, page_size=2)
    state = DialogueState()
    for message in messages:
        turn = dialogue.turn(state, parse(message, state.lang))
        state = turn.state
    assert turn.reply == "sizes"
    assert ReplyRenderer().render(turn).startswith(expected)


def _alternative_l(
    products: list[ProductRecord], body: dict[str, float], fit: str | None, sex: str | None, lang: str
) -> dict[str, SizeAdvice]:
    """The fake advisor, with L as the recommender's close alternative to M for the first dress only."""
    advice = fake_advisor(products, body, fit, sex, lang)
    return {sku: replace(a, alternatives=("L",) if sku == "D1" else ()) for sku, a in advice.items()}


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        (
            ["red dresses", "165cm 50kg", "any bigger size?"],
            "Your recommended sizes already allow for 165cm, 50kg. One size up: "
            "1. Red floral dress: L, a close second (recommended: true to size). "
            "2. Red silk dress: L, less likely to fit (recommended: true to size). "
            "Prefer a looser fit? Tell me and I'll size for it.",
        ),
        (
            ["红色连衣裙", "身高150 45公斤", "有没有小一码的"],
            "推荐的尺码已经按身高150cm、体重45kg算好了。"
            "1. 红色碎花连衣裙：S 已经是最小的码（true to size）。"
            "2. Red silk dress：S 已经是最小的码（true to size）。"
            "喜欢修身一点的话告诉我，我按你的偏好重新选码。",
        ),
    ],
)
def test_size_step_reply_names_the_next_size(messages: list[str], expected: str) -> None:
    dialogue = Dialogue(FakeSearch(demo_products()), _alternative_l, page_size=2)
    state = DialogueState()
    for message in messages:
        turn = dialogue.turn(state, parse(message, state.lang))
        state = turn.state
    assert turn.reply == "size_step"
    assert ReplyRenderer().render(turn) == expected
